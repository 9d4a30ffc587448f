"""Build times of ``python -m churn build`` on DuckDB and on Spark (local mode), side by side.

``python -m bench.scaling --lines 1000000 10000000`` generates the benchmark's synthetic sales
(bench.generate: about 20 order lines per customer), imports them once per size and builds every
derived table on each engine with the same settings (as-of date: the last order; W 90 days).
It prints, per size and engine, the import time (DuckDB, the same for both), the build time
(Spark: plus writing the imported rows as Parquet for it), the ratio of the two engines, and the
rows and Parquet bytes of each derived table: what the dashboard reads, to extrapolate to 1e9
lines (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.generate import generate
from churn.__main__ import _parser, load_workspace
from churn.engine import BuildSummary, build_folder, iter_tables

WINDOW_DAYS = 90


def build_once(orders: Path, customers: Path, engine: str, out: Path, spark_conf: dict[str, str]) -> dict[str, Any]:
    """Import the files and build them on ``engine`` into ``out``; the times and table sizes."""
    args = _parser().parse_args(["build", str(orders), "--customers", str(customers), "--out", str(out)])
    started = time.perf_counter()
    workspace = load_workspace(args)
    import_seconds = time.perf_counter() - started
    try:
        dataset = workspace.dataset
        assert dataset is not None and dataset.last_date is not None
        view = workspace.view_settings(dataset.last_date, WINDOW_DAYS)
        options: dict[str, Any] = {"conf": spark_conf} if engine == "spark" else {}
        summary: BuildSummary = build_folder(workspace, view, out, engine, **options)
    finally:
        workspace.close()
    tables = {
        name: (
            sum(pq.ParquetFile(part).metadata.num_rows for part in folder.glob("*.parquet")),
            sum(part.stat().st_size for part in folder.glob("*.parquet")),
        )
        for name, folder in iter_tables(out)
    }
    return {
        "import_seconds": import_seconds,
        "sources_seconds": summary.sources_seconds,
        "build_seconds": summary.build_seconds,
        "customers": dataset.customers,
        "tables": tables,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000], help="order lines per run")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"])
    parser.add_argument("--spark-memory", default="8g", help="Spark driver memory in local mode (default 8g)")
    args = parser.parse_args(argv)
    data = Path(tempfile.gettempdir()) / "churn-bench-data"
    print("| order lines | customers | engine | import (DuckDB) | build | build ÷ DuckDB build |")
    print("|---|---|---|---|---|---|")
    sizes: dict[int, dict[str, tuple[int, int]]] = {}
    for lines in args.lines:
        files = generate(lines, data, formats=("parquet",))
        results: dict[str, dict[str, Any]] = {}
        for engine in args.engines:
            out = Path(tempfile.mkdtemp(prefix=f"churn-build-{engine}-"))
            try:
                results[engine] = build_once(
                    files["orders.parquet"],
                    files["customers.csv"],
                    engine,
                    out / "built",
                    {"spark.driver.memory": args.spark_memory},
                )
            finally:
                shutil.rmtree(out, ignore_errors=True)
        reference = results.get("duckdb", {}).get("build_seconds")
        for engine, result in results.items():
            build = result["build_seconds"]
            extra = f" + {result['sources_seconds']:.1f} s writing the rows for Spark" if engine == "spark" else ""
            ratio = f"{build / reference:.1f}×" if reference else "–"
            print(
                f"| {lines:,} | {result['customers']:,} | {engine} | {result['import_seconds']:.1f} s "
                f"| {build:.1f} s{extra} | {ratio} |"
            )
        sizes[lines] = next(iter(results.values()))["tables"]
    for lines, tables in sizes.items():
        print(f"\nDerived tables at {lines:,} order lines (rows, MB of Parquet):")
        for name, (rows, size) in tables.items():
            print(f"- {name}: {rows:,} rows, {size / 1e6:.2f} MB")
        total = sum(size for _, size in tables.values())
        print(f"- all: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
