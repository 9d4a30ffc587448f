"""Build a dataset's derived tables into a folder of Parquet files, on DuckDB or on Spark.

``python -m churn build`` runs the declared build graph (churn.build.GRAPH) once for one set of
settings (as-of date, window W, tier rule, reason corrections) and every period length, and
writes each derived table the pages read as Parquet into an output folder, with a manifest
(``built.json``) that says what was built for which settings. The same SQL files run on both
engines: DuckDB reads them as written; for Spark, SQLGlot translates them from DuckDB's dialect
(``spark_sql``). The dashboard opens such a folder (churn.workspace.Workspace.open_built).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from churn.build import (
    BUILT_MANIFEST,
    BUILT_RESULTS,
    BUILT_TABLES,
    GRAPH,
    NODES,
    SOURCES,
    Builds,
    BuiltFolder,
    ViewSettings,
    all_settings,
    params_record,
    reasons_with_causes,
    table_record,
    tables_read,
    view_record,
)
from churn.causes import reason_choices
from churn.db import load_sql, query_files, query_parameters, quote_identifier, run_query, strip_comments
from churn.settings import FILTER_DIMENSIONS, GRAINS, Settings
from churn.tiers import default_migration_windows
from churn.window import sensitivity_windows
from churn.workspace import Workspace

ENGINES = ("duckdb", "spark")
# The settings that make several copies of a table in one folder: one per period length.
PER_GRAIN = ("grain", "sensitivity_period")


@dataclass(frozen=True)
class Step:
    """One derived table to build, for these settings, into the folder ``name``."""

    table: str
    name: str
    values: Mapping[str, Any]


def build_steps(view: ViewSettings, first_date: date | None) -> list[Step]:
    """Every derived table of the graph for ``view``'s settings, in the graph's order (inputs
    first): the tables of a period length once per length, the tier migration and the
    sensitivity to W at the pages' defaults."""
    before, after = default_migration_windows(view.as_of)
    base: dict[str, Any] = {
        **view.values(),
        "windows": list(sensitivity_windows(view.window_days)),
        "migration_before": before,
        "migration_after": after,
    }
    steps: list[Step] = []
    for node in GRAPH:
        if node.kind != "table":
            continue
        if not any(setting in PER_GRAIN for setting in all_settings(node.table)):
            steps.append(Step(node.table, node.table, base))
            continue
        for grain in GRAINS:
            settings = Settings(as_of=view.as_of, window_days=view.window_days, grain=grain, tier_rule=view.tier_rule)
            period = settings.last_complete_period(first_date) if first_date is not None else None
            if period is None and "sensitivity_period" in all_settings(node.table):
                continue  # no complete period of this length: the page shows no sensitivity chart
            steps.append(
                Step(node.table, f"{node.table}.{grain}", {**base, "grain": grain, "sensitivity_period": period})
            )
    return steps


class BuildError(Exception):
    """A derived table could not be built (the engine's message, with the table's name)."""


class Engine(Protocol):
    """What builds the steps: writes each step's table into ``folder / step.name``."""

    def build(self, step: Step, folder: Path) -> None: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """Builds in the workspace's own connection, as the dashboard does (churn.build.Builds)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.builds = Builds(workspace.con)

    def build(self, step: Step, folder: Path) -> None:
        self.builds.ensure([step.table], step.values)
        reader = self.workspace.con.sql(f"select * from {quote_identifier(step.table)}").to_arrow_reader()
        _write_batches(reader, folder / step.name)

    def close(self) -> None:
        return None


def _write_batches(reader: Any, folder: Path) -> None:
    folder.mkdir(parents=True)
    with pq.ParquetWriter(folder / "part-0.parquet", reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)


def spark_sql(sql: str) -> str:
    """A build SQL file in Spark's dialect: SQLGlot's translation from DuckDB's, with the
    ``$name`` parameters as Spark's named parameter markers ``:name`` (bound, not pasted), and
    ``arg_max``/``arg_min`` made faithful: DuckDB's skip the rows whose value is null (Spark's
    ``max_by`` does not), DuckDB's ``arg_max_null`` keeps them (as ``max_by`` does)."""
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_inline_table_macro)
    tree = tree.transform(_skip_null_arguments).transform(_null_keeping_arg_max).transform(_named_marker)
    return tree.sql(dialect="spark")


_MACRO = re.compile(r"create or replace macro (\w+)\(([^)]*)\) as table\s+(.*)", re.DOTALL | re.IGNORECASE)


def _inline_table_macro(node: exp.Expression) -> exp.Expression:
    """``from period_list(a, b, c)`` (a DuckDB table macro, queries/macros) as the macro's query
    with its parameters replaced by the arguments: Spark has no table macros."""
    if not (isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)):
        return node
    call = node.this
    if call.name.lower() not in query_files():
        return node
    match = _MACRO.match(strip_comments(load_sql(call.name.lower())).strip())
    if match is None:
        return node
    names = [name.strip() for name in match.group(2).split(",")]
    arguments = dict(zip([name.lower() for name in names], call.expressions, strict=True))

    def substitute(inner: exp.Expression) -> exp.Expression:
        # A parameter is a column, or a unit such as date_trunc's first argument.
        if isinstance(inner, exp.Column | exp.Var) and not inner.args.get("table") and inner.name.lower() in arguments:
            argument: exp.Expression = arguments[inner.name.lower()].copy()
            return argument
        return inner

    body = sqlglot.parse_one(match.group(3), read="duckdb").transform(substitute)
    return exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(node.alias or call.name.lower())))


def _named_marker(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Parameter):
        return exp.Placeholder(this=node.name)
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # a DuckDB hint Spark cannot read (it decides itself)
    return node


def _skip_null_arguments(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArgMax | exp.ArgMin):
        value = node.this
        ordering = exp.Case(
            ifs=[exp.If(this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), true=node.expression)]
        )
        return type(node)(this=value, expression=ordering)
    return node


def _null_keeping_arg_max(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("arg_max_null", "arg_min_null"):
        value, ordering = node.expressions
        kind = exp.ArgMax if node.name.lower() == "arg_max_null" else exp.ArgMin
        return kind(this=value, expression=ordering)
    return node


class SparkEngine:
    """Builds on a Spark session (``local[*]`` or a cluster's master): the sources are read from
    Parquet, each table is written as Parquet and read back as the view the next tables read."""

    def __init__(
        self, sources: Mapping[str, str], master: str = "local[*]", conf: Mapping[str, str] | None = None
    ) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as error:
            raise BuildError(
                "--engine spark needs pyspark and a Java runtime: pip install pyspark==4.3.0 "
                "(as in requirements-dev.txt), and Java 17 or newer (Debian: apt install default-jre-headless)."
            ) from error

        settings = {
            "spark.sql.session.timeZone": "UTC",  # dates are dates: no shift by the machine's zone
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            # A failing query raises its error in Python; Spark's own log would repeat it at length.
            "spark.log.level": "FATAL",
        }
        if master.startswith("local"):
            settings["spark.sql.shuffle.partitions"] = "8"  # a few cores: 200 tiny tasks cost more than they share
        builder = SparkSession.builder.master(master).appName("churn build")
        for key, value in {**settings, **(conf or {})}.items():
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()
        for table, path in sources.items():
            self.spark.read.parquet(path).createOrReplaceTempView(table)

    def query(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """The result of a (small) query as a DataFrame (text as DuckDB gives it: objects, None for null)."""
        frame: pd.DataFrame = self._run(load_sql(name), params).toArrow().to_pandas()
        for column in frame.columns[frame.dtypes == "str"]:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        return frame

    def _run(self, sql: str, params: Mapping[str, Any]) -> Any:
        wanted = query_parameters(sql)
        return self.spark.sql(spark_sql(sql), args={key: _spark_value(params[key]) for key in wanted})

    def build(self, step: Step, folder: Path) -> None:
        node = NODES[step.table]
        if node.table == "reason_map":
            reasons = reasons_with_causes(self.query("reasons_on_record", {}), step.values)
            choices = reason_choices(reasons)
            schema = "reason_raw string, category_raw string, cause string, is_edited boolean"
            rows = list(choices.itertuples(index=False, name=None))
            self.spark.createDataFrame(rows, schema).createOrReplaceTempView("reason_choices")
        sql = load_sql(node.sql[-1])
        params = node.params(step.values) if node.params else {key: step.values[key] for key in query_parameters(sql)}
        frame = self._run(sql, params)
        frame.write.parquet(str(folder / step.name))
        self.spark.read.parquet(str(folder / step.name)).createOrReplaceTempView(node.table)

    def close(self) -> None:
        self.spark.stop()


def _spark_value(value: Any) -> Any:
    # Dates as ISO text, which the SQL casts (::date): py4j's conversion rejects years before 1000.
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_spark_value(item) for item in value]
    return value


def write_sources(workspace: Workspace, folder: Path) -> dict[str, str]:
    """The imported tables (orders, customers, …) as Parquet for Spark to read."""
    paths: dict[str, str] = {}
    for table in SOURCES:
        _write_batches(workspace.con.sql(f"select * from {quote_identifier(table)}").to_arrow_reader(), folder / table)
        paths[table] = str(folder / table)
    return paths


@dataclass(frozen=True)
class BuildSummary:
    """What a build wrote and how long its parts took (seconds)."""

    folder: Path
    engine: str
    tables: int
    parquet_bytes: int
    sources_seconds: float  # Spark only: the imported tables written as Parquet for it to read
    build_seconds: float  # the derived tables built and written


def build_folder(
    workspace: Workspace, view: ViewSettings, out: Path, engine: str = "duckdb", **options: Any
) -> BuildSummary:
    """Build every derived table of ``workspace``'s dataset for ``view`` into ``out`` (which must
    not exist, or be empty) on ``engine``; then the small imported tables the pages read and the
    results of the page queries that read order lines; the manifest says what was built for
    which settings."""
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty: give a new folder to build into.")
    dataset = workspace.dataset
    assert dataset is not None
    out.mkdir(parents=True, exist_ok=True)
    steps = build_steps(view, dataset.first_date)
    staging = out / ".sources"
    started = time.perf_counter()
    runner: Engine = (
        SparkEngine(write_sources(workspace, staging), **options) if engine == "spark" else DuckDBEngine(workspace)
    )
    sources_seconds = time.perf_counter() - started if engine == "spark" else 0.0
    started = time.perf_counter()
    try:
        for step in steps:
            try:
                runner.build(step, out / BUILT_TABLES)
            except Exception as error:
                raise BuildError(f"{engine} could not build {step.name}: {error}") from error
    finally:
        runner.close()
        shutil.rmtree(staging, ignore_errors=True)
    build_seconds = time.perf_counter() - started
    tables = [
        {"table": step.table, "name": step.name, "settings": table_record(step.table, step.values)} for step in steps
    ]
    for source, select in KEPT_SOURCES.items():
        _write_batches(workspace.con.sql(select).to_arrow_reader(), out / BUILT_TABLES / source)
        tables.append({"table": source, "name": source, "settings": {}})
    manifest: dict[str, Any] = {
        "engine": engine,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": dataset.name,
        "currency": dataset.currency,
        "settings": view_record(view),
        "tables": tables,
    }
    manifest["results"] = _store_results(workspace, BuiltFolder(out, manifest), view)
    (out / BUILT_MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    size = sum(part.stat().st_size for part in (out / BUILT_TABLES).rglob("*.parquet"))
    return BuildSummary(out, engine, len(steps), size, sources_seconds, build_seconds)


# The imported tables a built folder keeps (one row per customer, or few): the pages read them.
# Not the order lines; of the extra dimensions, each customer's values once (the filters' choices).
KEPT_SOURCES = {
    "customers": "select * from customers",
    "status_words": "select * from status_words",
    "rejects": "select * from rejects",
    "repeated_rows": "select * from repeated_rows",
    "extra_dimensions": "select distinct customer_id, dimension, value from extra_dimensions",
}


def stored_queries(view: ViewSettings, extra_dimensions: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The page queries that read order lines, with the parameters the pages give them for the
    built view: their results are stored in the folder (the dashboard has no order lines); and
    two that every view asks of the order days (the W suggestion and the sensitivity to W), so
    that only the lifetime-value models read that table, the largest one of the folder."""
    queries: list[tuple[str, dict[str, Any]]] = [
        ("dataset_summary", {}),
        ("data_warnings", {"today": date.today()}),
        ("extra_dimension_names", {}),
        ("value_per_customer", {"as_of": view.as_of}),
        ("purchase_gaps", {"as_of": view.as_of}),
        ("repeat_purchase_share", {"as_of": view.as_of, "windows": list(sensitivity_windows(view.window_days))}),
    ]
    queries += [("dimension_values", {"dimension": name}) for name in (*FILTER_DIMENSIONS, *extra_dimensions)]
    queries += [
        ("whatif_baseline", {"as_of": view.as_of, "grain": grain, "window_days": view.window_days}) for grain in GRAINS
    ]
    return queries


def _store_results(workspace: Workspace, folder: BuiltFolder, view: ViewSettings) -> list[dict[str, Any]]:
    """Run the stored queries in DuckDB on the folder's tables (as the dashboard will load them)
    and the imported order lines; write each result as Parquet."""
    builds = Builds(workspace.con)
    builds.reset(folder)
    try:
        entries: list[dict[str, Any]] = []
        extra = [str(name) for name in run_query(workspace.con, "extra_dimension_names")["dimension"]]
        for number, (name, params) in enumerate(stored_queries(view, extra)):
            sql = load_sql(name)
            builds.ensure(tables_read(sql), {**view.values(), **params})
            reader = workspace.con.sql(
                sql, params={key: params[key] for key in query_parameters(sql)}
            ).to_arrow_reader()
            result = f"{name}.{number}"
            _write_batches(reader, folder.path / BUILT_RESULTS / result)
            entries.append({"query": name, "name": result, "params": params_record(params)})
        return entries
    finally:
        builds.reset()


def iter_tables(folder: Path) -> Iterator[tuple[str, Path]]:
    """(name, folder) of every table of a built folder."""
    for entry in BuiltFolder.open(folder).manifest["tables"]:
        yield entry["name"], folder / BUILT_TABLES / entry["name"]
