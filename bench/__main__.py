"""Time the dashboard's work on generated data of a chosen size.

``python -m bench --customers 5000 20000`` generates the demo-like dataset at each size
(deterministic), then measures, in one run: loading the CSV into the canonical tables,
building the derived facts, each overview query, and a view change (a new window W, which
rebuilds the facts and reruns the queries). Each step is timed several times and the
median is reported. ``--write`` also writes the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "data"))

from generate_demo import generate, write_csv  # noqa: E402

from bench.simulate import simulate_summary  # noqa: E402
from churn.clv import fit_bgnbd, fit_gamma_gamma  # noqa: E402
from churn.db import open_connection  # noqa: E402
from churn.facts import build_facts  # noqa: E402
from churn.ingest import load_files  # noqa: E402
from churn.settings import Settings  # noqa: E402
from churn.whatif import Levers, baseline_for, compare  # noqa: E402
from churn.workspace import Workspace  # noqa: E402

MARKER_START = "<!-- bench:start -->"
MARKER_END = "<!-- bench:end -->"
FIT_START = "<!-- bench-fit:start -->"
FIT_END = "<!-- bench-fit:end -->"


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def overview_queries(workspace: Workspace, settings: Settings, first_date: date) -> None:
    workspace.query("customer_status", settings.filter_params())
    workspace.query("churn_by_period", settings.period_params(first_date))


def measure(n_customers: int, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        orders, customers = generate(n_customers)
        orders_path, customers_path = Path(folder) / "orders.csv", Path(folder) / "customers.csv"
        write_csv(orders_path, orders)
        write_csv(customers_path, customers)
        workspace = Workspace(open_connection([Path(folder)]))

        def load() -> None:
            workspace.set_dataset("bench", load_files(workspace.con, [orders_path], [customers_path]))

        load_ms = median_ms(load, repeat)
        dataset = workspace.dataset
        assert dataset is not None and dataset.first_date is not None and dataset.last_date is not None
        as_of = dataset.last_date
        settings = Settings(as_of=as_of, window_days=60)

        facts_ms = median_ms(lambda: build_facts(workspace.con, as_of, 60), repeat)
        workspace.ensure_facts(as_of, 60)
        queries_ms = median_ms(lambda: overview_queries(workspace, settings, dataset.first_date), repeat)
        windows = iter(range(61, 61 + repeat))

        def view_change() -> None:
            window = next(windows)
            workspace.ensure_facts(as_of, window)
            overview_queries(workspace, Settings(as_of=as_of, window_days=window), dataset.first_date)

        change_ms = median_ms(view_change, repeat)
        workspace.ensure_derived(settings)
        tiers, _ = baseline_for(workspace, settings)
        cuts = iter(range(repeat))
        whatif_ms = median_ms(lambda: compare(tiers, Levers(churn_cut_all=next(cuts) / 100), "month"), repeat)
        workspace.close()
        return {
            "customers": n_customers,
            "orders": len(orders),
            "load_ms": load_ms,
            "facts_ms": facts_ms,
            "overview_queries_ms": queries_ms,
            "window_change_ms": change_ms,
            "whatif_lever_ms": whatif_ms,
        }


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| customers | orders | load CSV (ms) | build facts (ms) | overview queries (ms) "
        "| change W: facts + queries (ms) | what-if lever (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['customers']:,} | {row['orders']:,} | {row['load_ms']:.0f} | {row['facts_ms']:.0f} "
            f"| {row['overview_queries_ms']:.1f} | {row['window_change_ms']:.0f} | {row['whatif_lever_ms']:.1f} |"
        )
    return "\n".join(lines)


def fit_table(sizes: list[int], repeat: int) -> str:
    """Time of the BG/NBD and Gamma-Gamma fits on customers simulated from the models, with
    times in whole days as in real data."""
    lines = [
        "| customers | BG/NBD fit (s) | Gamma-Gamma fit (s) | r (true 0.25) | alpha (true 4) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        summary = simulate_summary(size)
        summary["recency"] = (summary["recency"] * 7).round() / 7
        summary["age"] = (summary["age"] * 7).round() / 7
        fitted = fit_bgnbd(summary["frequency"], summary["recency"], summary["age"])
        bgnbd_s = median_ms(lambda s=summary: fit_bgnbd(s["frequency"], s["recency"], s["age"]), repeat) / 1000
        spend_s = median_ms(lambda s=summary: fit_gamma_gamma(s["frequency"], s["monetary_value"]), repeat) / 1000
        lines.append(f"| {size:,} | {bgnbd_s:.2f} | {spend_s:.2f} | {fitted.r:.3f} | {fitted.alpha:.3f} |")
    return "\n".join(lines)


def write_docs(text: str, start: str = MARKER_START, end: str = MARKER_END) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    content = path.read_text(encoding="utf-8")
    before, rest = content.split(start)
    _, after = rest.split(end)
    path.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[5000, 50000], help="dataset sizes")
    parser.add_argument("--repeat", type=int, default=5, help="timings per step (median reported)")
    parser.add_argument("--write", action="store_true", help="write the tables into docs/benchmarks.md")
    parser.add_argument(
        "--fit-customers", type=int, nargs="*", default=[100_000, 500_000], help="sizes for the model-fit timing"
    )
    parser.add_argument("--csv", type=Path, help="also write the figures to this CSV file")
    args = parser.parse_args(argv)
    rows = [measure(n, args.repeat) for n in args.customers]
    text = table(rows)
    print(text)
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    if args.write:
        write_docs(text)
    if args.fit_customers:
        fits = fit_table(args.fit_customers, max(1, args.repeat // 2))
        print(fits)
        if args.write:
            write_docs(fits, FIT_START, FIT_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
