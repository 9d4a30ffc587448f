"""Where an import's time goes: every step from the files to the derived tables of the default
view, timed on its own, next to DuckDB's bare ``read_csv`` of the same orders file.

``python -m bench.steps --lines 10000000`` (the files of ``bench/generate.py``, written into
``--data`` unless there already). The steps are those of ``Workspace.load_dataset``, then every
table of the build graph (churn.build.GRAPH) in its order, for the default view (the tables
built on first use too: monthly revenue churn, the sensitivity to W, the tier migration).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from bench.run import DATA
from churn.build import GRAPH, ViewSettings
from churn.db import open_connection
from churn.ingest import LoadResult, create_canonical_tables, load_file
from churn.settings import Settings
from churn.sources import prepare_file
from churn.tiers import TierRule, default_migration_windows
from churn.window import sensitivity_windows
from churn.workspace import Workspace


def import_steps(orders: Path, customers: Path) -> list[tuple[str, float]]:
    """(step, seconds) for every step of an import and the default view's derived tables."""
    workspace = Workspace(open_connection([orders.parent]))
    con = workspace.con
    timings: list[tuple[str, float]] = []

    def step(name: str, action: Callable[[], object]) -> None:
        start = time.perf_counter()
        action()
        timings.append((name, time.perf_counter() - start))

    step(
        "bare read_csv (the yardstick)",
        lambda: con.execute("create table bare as from read_csv($p)", {"p": str(orders)}),
    )
    con.execute("drop table bare")
    create_canonical_tables(con)
    loads: list[LoadResult] = []
    step(
        "orders file → orders", lambda: loads.append(load_file(con, prepare_file(orders, orders.name, None), "orders"))
    )
    step(
        "customers file → customers",
        lambda: loads.append(load_file(con, prepare_file(customers, customers.name, None), "customers")),
    )
    step("dataset summary", lambda: workspace.set_dataset("bench", loads))
    assert workspace.dataset is not None and workspace.dataset.last_date is not None
    as_of = workspace.dataset.last_date
    step("customer_order_days", lambda: workspace.builds.ensure(["customer_order_days"], {"as_of": as_of}))
    suggestions: list[int] = []
    step("suggested W (purchase_gaps)", lambda: suggestions.append(workspace.window_suggestion(as_of).days))
    window = suggestions[0]
    before, after = default_migration_windows(as_of)
    assert workspace.dataset.first_date is not None
    values = {
        **ViewSettings(as_of, window, TierRule()).values(),
        "grain": "month",
        "windows": list(sensitivity_windows(window)),
        "sensitivity_period": Settings(as_of, window).last_complete_period(workspace.dataset.first_date),
        "migration_before": before,
        "migration_after": after,
    }
    for table in [node.table for node in GRAPH[1:]]:  # after customer_order_days
        step(table, lambda table=table: workspace.builds.ensure([table], values))  # type: ignore[misc]
    workspace.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000, help="order lines")
    parser.add_argument("--data", type=Path, default=DATA, help="folder for the generated files (kept)")
    args = parser.parse_args(argv)
    files = generate(args.lines, args.data, formats=("csv",))
    timings = import_steps(files["orders.csv"], files["customers.csv"])
    bare = timings[0][1]
    print(f"| step ({args.lines:,} order lines, CSV) | seconds | × bare read_csv |\n|---|---:|---:|")
    for name, seconds in timings:
        print(f"| {name} | {seconds:.2f} | {seconds / bare:.1f} |")
    total = sum(seconds for _, seconds in timings[1:])
    print(f"| **import + derived** | {total:.2f} | {total / bare:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
