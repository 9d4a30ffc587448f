"""Benchmark: the dashboard against plain pandas and polars dashboards on generated sales of chosen sizes.

``python -m bench --lines 1000000 10000000`` writes each dataset (``bench/generate.py``:
deterministic, about 20 order lines per customer over three years) as CSV and Parquet, then
measures in one run, each in its own process (so that peak memory is that work's alone):

- DuckDB's bare ``read_csv`` of the orders file into a table, the yardstick for the import;
- import: orders and customers files into the canonical tables (CSV; and the orders as
  Parquet), then the derived tables of the default view (suggested W, spells, facts, tiers);
- every page's figures (``churn.page_data``: what the page draws) for the default view, then for a filter change
  (median of ``--repeat`` region filters); a what-if lever change;
- two peers, the same page figures written the plain way: pandas (``bench/peer.py``) and polars
  with lazy frames (``bench/peer_polars.py``): read the files, then per page the first view and
  the same filter changes;
- the first look: import, then every page's first view, against a peer's read and first views;
- peak memory (maximum resident set) of each process.

``--write`` puts the tables into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"

from bench import peer, peer_polars  # noqa: E402
from bench.generate import generate  # noqa: E402
from bench.simulate import simulate_summary  # noqa: E402
from churn.clv import fit_bgnbd, fit_gamma_gamma, predict  # noqa: E402
from churn.db import open_connection  # noqa: E402
from churn.ingest import create_canonical_tables, load_file  # noqa: E402
from churn.page_data import PAGES, PageData, WhatIf  # noqa: E402
from churn.saved import MB, WorkspaceStore  # noqa: E402
from churn.settings import Settings  # noqa: E402
from churn.sources import prepare_file  # noqa: E402
from churn.whatif import Levers, compare  # noqa: E402
from churn.workspace import Workspace  # noqa: E402

MARKER_START = "<!-- bench:start -->"
MARKER_END = "<!-- bench:end -->"
FIT_START = "<!-- bench-fit:start -->"
FIT_END = "<!-- bench-fit:end -->"
SAVED_START = "<!-- bench-saved:start -->"
SAVED_END = "<!-- bench-saved:end -->"
LARGE_START = "<!-- bench-large:start -->"
LARGE_END = "<!-- bench-large:end -->"
REGIONS = ("North", "South", "East", "West", "Central")

ResultT = TypeVar("ResultT")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def filter_changes(view: Callable[[str], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` views, each filtered on another region."""
    regions = iter(REGIONS[i % len(REGIONS)] for i in range(repeat))
    return median_ms(lambda: view(next(regions)), repeat)


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(orders: Path) -> dict[str, float]:
    """DuckDB's own read_csv of the orders file into a table."""
    con = open_connection([orders.parent])
    elapsed = seconds(lambda: con.execute("create table bare as select * from read_csv($path)", {"path": str(orders)}))
    return {"bare_read_s": elapsed}


def load_workspace(orders: Path, customers: Path) -> tuple[Workspace, Settings, float, float]:
    """A workspace with the files loaded and the default view derived; the seconds of the load
    into canonical tables and of the derived tables."""
    workspace = Workspace(open_connection([orders.parent]))

    def load() -> None:
        create_canonical_tables(workspace.con)
        loads = [
            load_file(workspace.con, prepare_file(orders, orders.name, None), "orders"),
            load_file(workspace.con, prepare_file(customers, customers.name, None), "customers"),
        ]
        workspace.set_dataset("bench", loads)

    load_s = seconds(load)
    dataset = workspace.dataset
    assert dataset is not None and dataset.last_date is not None
    as_of = dataset.last_date
    start = time.perf_counter()
    # The suggested W is derived too (from the order days, which the spells then use).
    settings = Settings(as_of=as_of, window_days=workspace.window_suggestion(as_of).days)
    workspace.ensure_derived(settings)
    return workspace, settings, load_s, time.perf_counter() - start


def view_page(page: type[PageData], workspace: Workspace, settings: Settings, region: str | None = None) -> None:
    """Every figure of ``page`` for the view, filtered on ``region`` when one is given."""
    if region is not None:
        settings = replace(settings, filter_dimension="region", filter_values=(region,))
    page(workspace, settings).load_all()


def measure_app(orders: Path, customers: Path, repeat: int, with_pages: bool) -> dict[str, float]:
    """The dashboard's side: import, then every page's queries (one process)."""
    start = time.perf_counter()
    workspace, settings, load_s, derive_s = load_workspace(orders, customers)
    result = {"import_s": time.perf_counter() - start, "load_s": load_s, "derive_s": derive_s}
    if with_pages:
        for name, page in PAGES.items():
            result[f"{name}_first_ms"] = median_ms(partial(view_page, page, workspace, settings), 1)
            result[f"{name}_ms"] = filter_changes(partial(view_page, page, workspace, settings), repeat)
        tiers, _ = WhatIf(workspace, settings).baseline
        cuts = iter(range(1, repeat + 1))
        result["lever_ms"] = median_ms(lambda: compare(tiers, Levers(churn_cut_all=next(cuts) / 100), "month"), repeat)
    workspace.close()
    result["app_memory_mb"] = peak_memory_mb()
    return result


# The peers: module with load, View and PAGES, by the name the results carry.
PEERS: dict[str, types.ModuleType] = {"pandas": peer, "polars": peer_polars}


def view_peer_page(
    kind: str, page: str, frames: tuple[object, object], as_of: str, window: int, region: str | None
) -> object:
    """A peer's figures of ``page`` for the view, filtered on ``region`` when one is given."""
    module = PEERS[kind]
    return module.PAGES[page](module.View(*frames, date.fromisoformat(as_of), window, region))


def measure_peer(kind: str, orders: Path, customers: Path, repeat: int, as_of: str, window: int) -> dict[str, float]:
    """A peer: read once, then every page's first view and figures per filter change (one process)."""
    start = time.perf_counter()
    frames = PEERS[kind].load(str(orders), str(customers))
    result = {f"{kind}_import_s": time.perf_counter() - start}
    for name in PAGES:
        view = partial(view_peer_page, kind, name, frames, as_of, window)
        result[f"{kind}_{name}_first_ms"] = median_ms(partial(view, None), 1)
        result[f"{kind}_{name}_ms"] = filter_changes(view, repeat)
    result[f"{kind}_memory_mb"] = peak_memory_mb()
    return result


def in_process(function: Callable[..., ResultT], *args: object) -> ResultT:
    """Run a measurement in a fresh process, so that its peak memory is its own."""
    # A spawned process re-runs the parent's __main__ (under pytest after AppTest: app.py);
    # the measurements live in this module and need nothing from it.
    main_module = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            return pool.submit(function, *args).result()
    finally:
        sys.modules["__main__"] = main_module


def measure(lines: int, repeat: int, with_peer: bool, folder: Path) -> dict[str, float]:
    files = generate(lines, folder)
    orders, customers = files["orders.csv"], files["customers.csv"]
    row: dict[str, float] = {"lines": lines}
    row |= in_process(bare_read, orders)
    row |= in_process(measure_app, orders, customers, repeat, True)
    parquet = in_process(measure_app, files["orders.parquet"], customers, repeat, False)
    row |= {"parquet_import_s": parquet["import_s"], "parquet_memory_mb": parquet["app_memory_mb"]}
    if with_peer:
        probe = in_process(probe_view, orders, customers)
        for kind in PEERS:
            row |= in_process(measure_peer, kind, orders, customers, repeat, probe["as_of"], probe["window"])
    return row


def large_table(sizes: list[int], folder: Path) -> str:
    """How cost grows: per size, the Parquet orders imported with the default view derived
    (DuckDB spills to disk rather than failing past its memory limit), every page's first view
    and a filter change (one region), with peak memory."""
    lines = [
        "| order lines | import + derived, Parquet (s) | of which derived (s) | "
        + " | ".join(f"{name} first view (s)" for name in PAGES)
        + " | slowest filter change (ms) | peak memory (MB) |",
        "|---:|---:|---:|" + "---:|" * len(PAGES) + "---:|---:|",
    ]
    for size in sizes:
        files = generate(size, folder, formats=("parquet",))
        result = in_process(measure_large, files["orders.parquet"], files["customers.csv"])
        firsts = " | ".join(f"{result[f'{name}_first_ms'] / 1000:.1f}" for name in PAGES)
        slowest = max(result[f"{name}_ms"] for name in PAGES)
        lines.append(
            f"| {size:,} | {result['import_s']:.1f} | {result['derive_s']:.1f} | {firsts} | {slowest:,.0f} "
            f"| {result['app_memory_mb']:,.0f} |"
        )
        print(lines[-1], flush=True)  # a size's row as soon as it is measured: the largest take long
    return "\n".join(lines)


def measure_large(orders: Path, customers: Path) -> dict[str, float]:
    """Import, then each page's first view and one filter change (one process)."""
    start = time.perf_counter()
    workspace, settings, _, derive_s = load_workspace(orders, customers)
    result = {"import_s": time.perf_counter() - start, "derive_s": derive_s}
    for name, page in PAGES.items():
        result[f"{name}_first_ms"] = median_ms(partial(view_page, page, workspace, settings), 1)
        result[f"{name}_ms"] = filter_changes(partial(view_page, page, workspace, settings), 1)
    workspace.close()
    result["app_memory_mb"] = peak_memory_mb()
    return result


def probe_view(orders: Path, customers: Path) -> dict[str, object]:
    """The default view's as-of date and W, for the peer to compute the same view."""
    workspace, settings, _, _ = load_workspace(orders, customers)
    workspace.close()
    return {"as_of": settings.as_of.isoformat(), "window": settings.window_days}


def ratio(theirs: float | None, ours: float) -> str:
    return f"{theirs / ours:.1f}×" if theirs is not None else "–"


def shown(value: float | None, digits: int = 0) -> str:
    return f"{value:,.{digits}f}" if value is not None else "–"


def first_look_s(row: dict[str, float], prefix: str = "") -> float | None:
    """Read or import, then every page's first view (seconds); None when not measured."""
    imported = row.get(f"{prefix}import_s")
    if imported is None:
        return None
    return imported + sum(row[f"{prefix}{name}_first_ms"] for name in PAGES) / 1000


def tables(rows: list[dict[str, float]]) -> str:
    """The figures as Markdown: import and memory per size, the first look, then per page."""
    lines = [
        "| order lines | bare read_csv (s) | import + derived, CSV (s) | of which derived (s) | ratio to bare "
        "| import, Parquet (s) | peak memory (MB) | pandas read (s) | polars read (s) "
        "| pandas peak memory (MB) | polars peak memory (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['lines']:,} | {row['bare_read_s']:.2f} | {row['import_s']:.2f} | {row['derive_s']:.2f} "
            f"| {ratio(row['import_s'], row['bare_read_s'])} | {row['parquet_import_s']:.2f} "
            f"| {row['app_memory_mb']:,.0f} | {shown(row.get('pandas_import_s'), 2)} "
            f"| {shown(row.get('polars_import_s'), 2)} | {shown(row.get('pandas_memory_mb'))} "
            f"| {shown(row.get('polars_memory_mb'))} |"
        )
    lines += [
        "",
        "| order lines | first look: import + every page's first view (s) | ratio to bare | pandas peer (s) "
        "| polars peer (s) | polars ÷ dashboard |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours = first_look_s(row)
        assert ours is not None
        polars = first_look_s(row, "polars_")
        lines.append(
            f"| {row['lines']:,} | {ours:.1f} | {ratio(ours, row['bare_read_s'])} "
            f"| {shown(first_look_s(row, 'pandas_'), 1)} | {shown(polars, 1)} | {ratio(polars, ours)} |"
        )
    lines += [
        "",
        "| order lines | page | first view (ms) | polars first view (ms) | filter change, median (ms) "
        "| pandas peer (ms) | polars peer (ms) | pandas ÷ dashboard | polars ÷ dashboard |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for name in PAGES:
            ours = row[f"{name}_ms"]
            pandas, polars = row.get(f"pandas_{name}_ms"), row.get(f"polars_{name}_ms")
            lines.append(
                f"| {row['lines']:,} | {name} | {row[f'{name}_first_ms']:,.0f} "
                f"| {shown(row.get(f'polars_{name}_first_ms'))} | {ours:,.1f} | {shown(pandas)} | {shown(polars)} "
                f"| {ratio(pandas, ours)} | {ratio(polars, ours)} |"
            )
        lines.append(f"| {row['lines']:,} | what-if lever | – | – | {row['lever_ms']:.1f} | – | – | – | – |")
    return "\n".join(lines)


def measure_saved(orders: Path, customers: Path) -> dict[str, float]:
    """A saved workspace against importing the files again (one process): the CSV import with the
    default view derived; saving it (churn.saved); opening it in a new workspace with the same
    view derived; the size of the saved file."""
    start = time.perf_counter()
    workspace, settings, _, _ = load_workspace(orders, customers)
    result = {"import_s": time.perf_counter() - start}
    store = WorkspaceStore(Path(tempfile.mkdtemp(prefix="bench-saved-")), 100_000 * MB, 100_000 * MB)
    try:
        try:
            saved = seconds_and(lambda: store.save(workspace, "bench", {}), result, "save_s")
        finally:
            # Opened as after a restart: the imported dataset no longer holds memory.
            workspace.close()
        result["saved_mb"] = saved.size_bytes / MB
        opened = Workspace(open_connection([orders.parent]))
        try:
            start = time.perf_counter()
            store.open(saved.token, opened)
            opened.ensure_derived(settings)
            result["open_s"] = time.perf_counter() - start
        finally:
            opened.close()
    finally:
        shutil.rmtree(store.root, ignore_errors=True)
    return result


def seconds_and(action: Callable[[], ResultT], result: dict[str, float], key: str) -> ResultT:
    """``action()``, its seconds recorded in ``result[key]``."""
    start = time.perf_counter()
    value = action()
    result[key] = time.perf_counter() - start
    return value


def saved_table(sizes: list[int], folder: Path) -> str:
    """Reopening a saved workspace against importing its files again, per size."""
    lines = [
        "| order lines | CSV (MB) | import + derived, CSV (s) | save (s) | saved file (MB) | open + derived (s) "
        "| import ÷ open |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        files = generate(size, folder)
        orders, customers = files["orders.csv"], files["customers.csv"]
        result = in_process(measure_saved, orders, customers)
        csv_mb = (orders.stat().st_size + customers.stat().st_size) / MB
        lines.append(
            f"| {size:,} | {csv_mb:,.0f} | {result['import_s']:.1f} | {result['save_s']:.1f} "
            f"| {result['saved_mb']:,.0f} | {result['open_s']:.1f} | {ratio(result['import_s'], result['open_s'])} |"
        )
    return "\n".join(lines)


def fit_table(sizes: list[int], repeat: int) -> str:
    """Time of the BG/NBD and Gamma-Gamma fits on customers simulated from the models, with
    times in whole days as in real data."""
    lines = [
        "| customers | BG/NBD fit (s) | Gamma-Gamma fit (s) | 12-month predictions (s) | r (true 0.25) "
        "| alpha (true 4) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        summary = simulate_summary(size)
        summary["recency"] = (summary["recency"] * 7).round() / 7
        summary["age"] = (summary["age"] * 7).round() / 7
        x, t_x, T, m = (summary[column].to_numpy() for column in ("frequency", "recency", "age", "monetary_value"))
        fitted = fit_bgnbd(x, t_x, T)
        models = (fitted, fit_gamma_gamma(x, m))
        bgnbd_s = median_ms(partial(fit_bgnbd, x, t_x, T), repeat) / 1000
        spend_s = median_ms(partial(fit_gamma_gamma, x, m), repeat) / 1000
        predict_s = median_ms(partial(predict, summary, models, 12, 0.008), repeat) / 1000
        lines.append(
            f"| {size:,} | {bgnbd_s:.2f} | {spend_s:.2f} | {predict_s:.2f} | {fitted.r:.3f} | {fitted.alpha:.3f} |"
        )
    return "\n".join(lines)


def write_docs(text: str, start: str = MARKER_START, end: str = MARKER_END) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text(encoding="utf-8")
    before, rest = content.split(start)
    _, after = rest.split(end)
    path.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="*", default=[1_000_000, 10_000_000], help="order lines")
    parser.add_argument("--repeat", type=int, default=5, help="filter changes per page (median reported)")
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas and polars peers")
    parser.add_argument(
        "--large", type=int, nargs="*", default=[], help="order lines for a Parquet-only import check (e.g. 30000000)"
    )
    parser.add_argument(
        "--saved", type=int, nargs="*", default=[], help="order lines for the saved-workspace check (e.g. 1000000)"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="folder for the generated files (kept)")
    parser.add_argument("--write", action="store_true", help="write the tables into docs/benchmarks.md")
    parser.add_argument(
        "--fit-customers", type=int, nargs="*", default=[50_000, 500_000], help="sizes for the model-fit timing"
    )
    args = parser.parse_args(argv)
    # Each part is written between its own markers, so that a run of one part keeps the others.
    if args.lines:
        text = tables([measure(lines, args.repeat, not args.no_peer, args.data) for lines in args.lines])
        print(text)
        if args.write:
            write_docs(text)
    if args.saved:
        saved = saved_table(args.saved, args.data)
        print(saved)
        if args.write:
            write_docs(saved, SAVED_START, SAVED_END)
    if args.large:
        large = large_table(args.large, args.data)
        print(large)
        if args.write:
            write_docs(large, LARGE_START, LARGE_END)
    if args.fit_customers:
        fits = fit_table(args.fit_customers, max(1, args.repeat // 2))
        print(fits)
        if args.write:
            write_docs(fits, FIT_START, FIT_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
