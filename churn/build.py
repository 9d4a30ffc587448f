"""The derived tables and how they are built: one declared graph (``GRAPH``) and one routine.

Each derived table is named once here, with the SQL file that builds it, the tables it reads,
the settings its content depends on (its cache key, with those of every table it reads) and
whether it is built for every view or on first use by a query that reads it. ``Builds.ensure``
builds what is asked for, inputs first, and rebuilds a table only when the settings it depends
on changed: a settings change invalidates exactly the tables that depend on it. The tables the
import writes (``SOURCES``) are where the graph starts. docs/architecture.md draws the graph; a
test checks the drawing against this declaration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from churn.causes import apply_overrides, classify_reasons, reason_choices
from churn.db import DATA_DIR, QueryError, build_table, load_sql, query_parameters, quote_identifier, run_query
from churn.tiers import TierRule, migration_params

# The tables an import writes (churn/ingest): every derived table starts from them.
SOURCES = ("orders", "customers", "extra_dimensions", "status_words", "rejects", "repeated_rows")

# The settings a derived table can depend on; a view gives the first four (``ViewSettings``), a
# query the others through its parameters.
#   as_of, window_days (W), tier_rule, reason_overrides: the sidebar and the causes page
#   grain: a period length; windows, sensitivity_period: the W of the sensitivity chart and the
#   period it shows; migration_before / migration_after: the two value windows of the tier migration
SETTINGS = (
    "as_of",
    "window_days",
    "tier_rule",
    "reason_overrides",
    "grain",
    "windows",
    "sensitivity_period",
    "migration_before",
    "migration_after",
)

Builder = Callable[[duckdb.DuckDBPyConnection, "Node", Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Node:
    """One derived table (or table macro) of the graph."""

    table: str
    sql: tuple[str, ...]  # the SQL files that build it (file stems in queries/)
    reads: tuple[str, ...]  # the tables (sources or nodes) it reads
    settings: tuple[str, ...] = ()  # the settings it depends on besides those of what it reads
    built: Literal["view", "first use"] = "first use"
    kind: Literal["table", "macro"] = "table"
    # The query parameters from the settings (default: each $name of the SQL from the setting
    # of that name).
    params: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    # Built in Python (classification, several windows); default: the result of its one SQL file.
    builder: Builder | None = None
    purpose: str = ""  # for the documentation


def _tier_params(values: Mapping[str, Any]) -> dict[str, Any]:
    rule: TierRule = values["tier_rule"]
    return rule.params(values["as_of"])


def _migration_params(window: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def params(values: Mapping[str, Any]) -> dict[str, Any]:
        return migration_params(values["tier_rule"], values[window])

    return params


def reasons_with_causes(on_record: pd.DataFrame, values: Mapping[str, Any]) -> pd.DataFrame:
    """The reasons on record (queries/read/reasons_on_record.sql) with their causes: the rules'
    classification, then the view's corrections (``reason_overrides``)."""
    return apply_overrides(classify_reasons(on_record), dict(values["reason_overrides"]))


def _build_reason_map(con: duckdb.DuckDBPyConnection, node: Node, values: Mapping[str, Any]) -> pd.DataFrame:
    """Classify every reason on record, apply the user's corrections, fill ``reason_map``; the
    classified table (with its counts) is what the causes page shows."""
    reasons = reasons_with_causes(run_query(con, "reasons_on_record"), values)
    con.register("reason_choices", reason_choices(reasons))
    try:
        build_table(con, "reason_map", "reason_map")
    finally:
        con.unregister("reason_choices")
    return reasons


def _window_churn_params(values: Mapping[str, Any]) -> dict[str, Any]:
    start, end = values["sensitivity_period"]
    return {"as_of": values["as_of"], "windows": list(values["windows"]), "period_start": start, "period_end": end}


GRAPH: tuple[Node, ...] = (
    Node(
        "customer_order_days",
        ("customer_order_days",),
        ("orders",),
        ("as_of",),
        "view",
        purpose="per customer and order day: revenue, purchase or return, previous purchase, trailing revenue",
    ),
    Node(
        "customer_profiles",
        ("customer_profiles",),
        ("orders", "customers", "status_words", "extra_dimensions"),
        ("as_of",),
        "view",
        purpose="per customer: orders, revenue, dimensions, reason and status on record (no W)",
    ),
    Node(
        "customer_tiers",
        ("customer_tiers",),
        ("orders", "customers"),
        ("as_of", "tier_rule"),
        "view",
        params=_tier_params,
        purpose="per ranked customer: value, rank and tier",
    ),
    Node(
        "customer_filter_groups",
        ("customer_filter_groups",),
        ("customer_profiles", "customer_tiers"),
        built="view",
        purpose="per customer: the filter group (same tier, region, channel, category, segment, extras)",
    ),
    Node(
        "filter_groups",
        ("filter_groups",),
        ("customer_filter_groups",),
        built="view",
        purpose="per filter group: the values the filters look at",
    ),
    Node(
        "kept_groups",
        ("kept_groups",),
        ("filter_groups",),
        built="view",
        kind="macro",
        purpose="table macro: the filter groups a view's filters keep (the one place the filter is applied)",
    ),
    Node(
        "customer_spells",
        ("customer_spells",),
        ("customer_order_days", "customers"),
        ("window_days",),
        "view",
        purpose="per active stretch of a customer under W: start, last order, churn date",
    ),
    Node(
        "customer_facts",
        ("customer_facts",),
        ("customer_profiles", "customer_spells", "customer_filter_groups", "orders"),
        built="view",
        purpose="per customer: profile, status under W (active, churn date, won back) and filter group",
    ),
    Node(
        "reason_map",
        ("reasons_on_record", "reason_map"),
        ("customer_facts",),
        ("reason_overrides",),
        builder=_build_reason_map,
        purpose="per reason and category on record: the cause (rules, then the user's corrections)",
    ),
    Node(
        "customer_losses",
        ("customer_losses",),
        ("customer_facts", "reason_map"),
        purpose="per customer who ever left: cause, reason, lost now, revenue lost",
    ),
    Node(
        "churn_events",
        ("churn_events",),
        ("customer_spells", "customer_filter_groups", "customer_facts"),
        purpose="per churn event (an ended spell, or a listed loss): date and revenue lost",
    ),
    Node(
        "spell_flows",
        ("spell_flows",),
        ("customer_spells", "customer_filter_groups"),
        purpose="per month and filter group: new, won back and churned spells of the view's W",
    ),
    Node(
        "cohort_flows",
        ("cohort_flows",),
        ("customer_spells", "customer_filter_groups"),
        purpose="per cohort month, month and filter group: change in active customers",
    ),
    Node(
        "period_revenue_by_filter_group",
        ("period_revenue_by_filter_group",),
        ("customer_spells", "customer_filter_groups", "customer_order_days"),
        ("grain",),
        purpose="per period and filter group: customers at start, churned, revenue base and lost",
    ),
    Node(
        "window_churn",
        ("window_churn",),
        ("customer_order_days", "customers", "customer_filter_groups"),
        ("windows", "sensitivity_period"),
        params=_window_churn_params,
        purpose="per W of the sensitivity chart and filter group: customers at the start of a period, churned in it",
    ),
    Node(
        "tiers_before",
        ("customer_tiers",),
        ("orders", "customers"),
        ("tier_rule", "migration_before"),
        params=_migration_params("migration_before"),
        purpose="customer_tiers over the earlier value window of the tier migration",
    ),
    Node(
        "tiers_after",
        ("customer_tiers",),
        ("orders", "customers"),
        ("tier_rule", "migration_after"),
        params=_migration_params("migration_after"),
        purpose="customer_tiers over the later value window of the tier migration",
    ),
)
NODES: dict[str, Node] = {node.table: node for node in GRAPH}
VIEW_NODES = tuple(node.table for node in GRAPH if node.built == "view")


@dataclass(frozen=True)
class ViewSettings:
    """The settings of a view that derived tables depend on."""

    as_of: date
    window_days: int
    tier_rule: TierRule = field(default_factory=TierRule)
    reason_overrides: tuple[tuple[tuple[str, str], str], ...] = ()

    def values(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "window_days": self.window_days,
            "tier_rule": self.tier_rule,
            "reason_overrides": self.reason_overrides,
        }


def all_settings(table: str) -> tuple[str, ...]:
    """The settings a table depends on, its own and those of everything it reads."""
    found: set[str] = set()

    def visit(name: str) -> None:
        node = NODES.get(name)
        if node is None:
            return
        found.update(node.settings)
        for read in node.reads:
            visit(read)

    visit(table)
    return tuple(setting for setting in SETTINGS if setting in found)


# A table is read where it follows from/join, or called as a table macro (kept_groups(...)).
_TABLE_READ = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)|\b([a-z_][a-z0-9_]*)\(")
_COMMENT = re.compile(r"--[^\n]*")


def tables_read(sql: str) -> tuple[str, ...]:
    """The sources and nodes a SQL text reads: those after ``from`` or ``join`` or called as a table
    macro (comments left out)."""
    names = {name for match in _TABLE_READ.finditer(_COMMENT.sub("", sql)) for name in match.groups() if name}
    return tuple(name for name in (*SOURCES, *NODES) if name in names)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    return value  # type: ignore[no-any-return]


def setting_record(value: Any) -> Any:
    """A setting's value as JSON (a built folder's manifest records what each table was built for)."""
    if isinstance(value, TierRule):
        return [value.to_text(), value.basis, value.window]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [setting_record(item) for item in value]
    return value


def table_record(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings ``table`` depends on, at ``values``, as a built folder's manifest records them."""
    return {setting: setting_record(values.get(setting)) for setting in all_settings(table)}


def params_record(params: Mapping[str, Any]) -> dict[str, Any]:
    """A query's parameters as a built folder records its stored result (those not matched on left out)."""
    return {key: setting_record(value) for key, value in params.items() if key not in RESULT_PARAMETERS_IGNORED}


def view_record(view: ViewSettings) -> dict[str, Any]:
    """The view a folder was built for, as its manifest records it (``BuiltFolder.view`` reads it back)."""
    return {
        "as_of": view.as_of.isoformat(),
        "window_days": view.window_days,
        "tiers": view.tier_rule.to_text(),
        "tier_basis": view.tier_rule.basis,
        "tier_window": view.tier_rule.window,
        "reason_overrides": [[reason, category, cause] for (reason, category), cause in view.reason_overrides],
    }


# The manifest of a folder built by ``python -m churn build`` (churn.engine), and the folders of
# its tables and of its stored query results.
BUILT_MANIFEST = "built.json"
BUILT_TABLES = "tables"
BUILT_RESULTS = "results"
# How the command line sets each setting of a view (for the message when one differs).
BUILD_OPTIONS = {
    "as_of": "--as-of",
    "window_days": "--window",
    "tier_rule": "--tiers / --tier-basis / --tier-window",
    "reason_overrides": "--reason-map",
}


class NotBuilt(QueryError):
    """A built folder has no table for these settings: they need the order lines, and a new build."""

    def __init__(self, table: str, settings: list[str], options: list[str]) -> None:
        self.table = table
        self.settings = settings
        self.options = options  # the build command's options that set them (none: only the default is built)
        self.command = " ".join(["python -m churn build FILE… --out DIR", *(f"{option} …" for option in options)])
        hint = f"Build it again with them: {self.command}" if options else "Only the pages' default is built."
        super().__init__(f"The built dataset has no {table} for this {', '.join(settings)}.", hint)


@dataclass(frozen=True)
class BuiltFolder:
    """A folder of derived tables built by ``python -m churn build``: what was built for which settings."""

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: Path) -> BuiltFolder:
        """Read the manifest; ValueError when ``path`` is not a built folder (or a damaged one)."""
        try:
            manifest = json.loads((path / BUILT_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"{path.name} is not a built dataset (no readable {BUILT_MANIFEST}).") from error
        entries = manifest.get("tables") if isinstance(manifest, dict) else None
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{path.name}: {BUILT_MANIFEST} lists no tables.")
        for entry in [*entries, *manifest.get("results", [])]:
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not _BUILT_NAME.fullmatch(name):
                raise ValueError(f"{path.name}: {BUILT_MANIFEST} names a table {name!r} that cannot be one.")
        missing = [
            entry["name"] for entry in entries if not list((path / BUILT_TABLES / entry["name"]).glob("*.parquet"))
        ]
        if missing:
            raise ValueError(f"{path.name}: the files of {', '.join(missing)} are missing.")
        return cls(path, manifest)

    @property
    def settings(self) -> dict[str, Any]:
        """The view's settings it was built for (as_of, window_days, tiers, …), as recorded."""
        recorded: dict[str, Any] = self.manifest["settings"]
        return recorded

    @property
    def view(self) -> ViewSettings:
        """The view it was built for: as-of date, W, tier rule and reason corrections."""
        recorded = self.settings
        rule = TierRule(TierRule.shares_from_text(recorded["tiers"]), recorded["tier_basis"], recorded["tier_window"])
        overrides = tuple(
            sorted(((reason, category), cause) for reason, category, cause in recorded["reason_overrides"])
        )
        return ViewSettings(date.fromisoformat(recorded["as_of"]), int(recorded["window_days"]), rule, overrides)

    def files(self, kind: str, name: str) -> list[str]:
        """The Parquet files of a table (kind ``BUILT_TABLES``) or stored result (``BUILT_RESULTS``)."""
        return sorted(str(part) for part in (self.path / kind / name).glob("*.parquet"))

    def match(self, table: str, values: Mapping[str, Any]) -> str | None:
        """The folder name of ``table`` built for ``values``; None when it was not built for them."""
        wanted = table_record(table, values)
        for entry in self.manifest["tables"]:
            if entry["table"] == table and entry.get("settings") == wanted:
                return str(entry["name"])
        return None

    def not_built(self, name: str, values: Mapping[str, Any]) -> NotBuilt:
        """The error for table ``name`` at ``values`` (or for a stored query result at these
        parameters): which settings differ from what was built, and the command that builds them."""
        if name in NODES:
            wanted = table_record(name, values)
            built = [entry["settings"] for entry in self.manifest["tables"] if entry["table"] == name]
        else:
            wanted = {
                key: setting_record(value) for key, value in values.items() if key not in RESULT_PARAMETERS_IGNORED
            }
            built = [entry["params"] for entry in self.manifest.get("results", []) if entry["query"] == name]
        differ = sorted(
            {setting for recorded in built for setting, value in wanted.items() if recorded.get(setting) != value}
        )
        options = [BUILD_OPTIONS[setting] for setting in differ if setting in BUILD_OPTIONS]
        return NotBuilt(name, differ or ["view"], options)

    def stored_result(self, name: str, params: Mapping[str, Any]) -> str | None:
        """The folder name of query ``name``'s result stored for ``params`` (None: not stored)."""
        wanted = params_record(params)
        for entry in self.manifest.get("results", []):
            if entry["query"] == name and entry.get("params") == wanted:
                return str(entry["name"])
        return None


def built_folders() -> list[str]:
    """The folders of the server's ``data/`` folder that ``python -m churn build`` wrote (they
    hold its manifest): the built datasets the Data page offers (a link out of data/ is left out)."""
    root = DATA_DIR.resolve()
    return sorted(
        path.name
        for path in DATA_DIR.iterdir()
        if not path.name.startswith(".")
        and path.is_dir()
        and path.resolve().is_relative_to(root)
        and (path / BUILT_MANIFEST).is_file()
    )


def open_data_folder(name: str) -> BuiltFolder:
    """The built folder ``name`` of the server's ``data/`` folder (one of ``built_folders``)."""
    if name not in built_folders():  # checked again when opened: the folder may have changed
        raise ValueError(f"{name} is not a built dataset of the server's data folder.")
    return BuiltFolder.open((DATA_DIR / name).resolve())


# A table's folder name in a built folder: the table, and the period length of a copy per length.
_BUILT_NAME = re.compile(r"[a-z_]+(\.[a-z0-9_]+)?")
# The sources a built folder does not hold (order lines), or holds only in part (the extra
# dimensions' values without their counts): a table that reads them cannot be built from it.
RAW_SOURCES = ("orders", "extra_dimensions")
# Parameters a stored result is not matched on: the data's warnings are those of the build's day.
RESULT_PARAMETERS_IGNORED = ("today",)


class Builds:
    """Which derived tables a connection holds and for what settings; builds the missing ones, or
    with a built folder (``folder``), loads them from its Parquet files and builds nothing."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.generation = 0  # one per loaded dataset
        self.built: dict[str, Hashable] = {}
        self.results: dict[str, Any] = {}  # what Python-built tables return (the classified reasons)
        self.folder: BuiltFolder | None = None

    def reset(self, folder: BuiltFolder | None = None) -> None:
        """A new dataset: every derived table is stale (and dropped, to free its memory); with
        ``folder``, a built folder's, whose tables are loaded, not built."""
        self.folder = folder
        self.generation += 1
        for table in self.built:
            if NODES[table].kind == "table":
                self.con.execute(f"drop table if exists {quote_identifier(table)}")
        self.built.clear()
        self.results.clear()

    def key(self, table: str, values: Mapping[str, Any]) -> Hashable:
        """What ``table`` is built for: the dataset and the settings it depends on."""
        return (self.generation, *(_hashable(values.get(setting)) for setting in all_settings(table)))

    def ensure(self, tables: Iterable[str], values: Mapping[str, Any]) -> None:
        """Build each of ``tables`` (and what it reads) unless built for these settings."""
        for table in tables:
            node = NODES.get(table)
            if node is None:
                continue  # a source
            self.ensure(node.reads, values)
            key = self.key(table, values)
            if self.built.get(table) != key:
                self.built.pop(table, None)  # stale until built again (a failed build stays stale)
                self.results[table] = self._build(node, values)
                self.built[table] = key

    def _build(self, node: Node, values: Mapping[str, Any]) -> Any:
        missing = [setting for setting in all_settings(node.table) if values.get(setting) is None]
        if missing:
            raise ValueError(f"{node.table} needs the settings {', '.join(missing)}")
        if self.folder is not None and node.kind == "table":
            name = self.folder.match(node.table, values)
            if name is not None:
                return self._load(node, values, self.folder, name)
            if set(node.reads) & set(RAW_SOURCES):
                raise self.folder.not_built(node.table, values)
            # Built here from tables the folder has (the reasons' causes after a correction).
        if node.builder is not None:
            return node.builder(self.con, node, values)
        sql = load_sql(node.sql[0])
        if node.kind == "macro":
            self.con.execute(sql)
            return None
        params = node.params(values) if node.params else {name: values[name] for name in query_parameters(sql)}
        build_table(self.con, node.table, node.sql[0], params)
        return None

    def _load(self, node: Node, values: Mapping[str, Any], folder: BuiltFolder, name: str) -> Any:
        """Load the table as the folder holds it under ``name``."""
        self.con.execute(
            f"create or replace table {quote_identifier(node.table)} as select * from read_parquet($files)",
            {"files": folder.files(BUILT_TABLES, name)},
        )
        if node.table == "reason_map":
            # What the causes page shows: the classification, with the customers per reason.
            return reasons_with_causes(run_query(self.con, "reasons_on_record"), values)
        return None

    def keys(self, tables: Iterable[str], values: Mapping[str, Any]) -> tuple[Hashable, ...]:
        """The keys of ``tables``: what a result computed from them was computed for."""
        return tuple(self.key(table, values) for table in tables)


__all__ = [
    "GRAPH",
    "NODES",
    "SOURCES",
    "VIEW_NODES",
    "Builds",
    "BuiltFolder",
    "Node",
    "NotBuilt",
    "ViewSettings",
    "all_settings",
    "params_record",
    "reasons_with_causes",
    "setting_record",
    "table_record",
    "tables_read",
    "view_record",
]


def mermaid() -> str:
    """The graph as a Mermaid flowchart (docs/architecture.md): sources, then every derived table
    with an arrow from each table it reads; tables built on first use are dashed."""
    lines = ["flowchart LR"]
    read = {table for node in GRAPH for table in node.reads}
    for source in SOURCES:
        if source in read:
            lines.append(f"    {source}[({source})]")
    for node in GRAPH:
        shape = f"{node.table}{{{{{node.table}}}}}" if node.kind == "macro" else f"{node.table}[{node.table}]"
        lines.append(f"    {shape}")
    for node in GRAPH:
        for table in node.reads:
            lines.append(f"    {table} --> {node.table}")
    first_use = [node.table for node in GRAPH if node.built == "first use"]
    lines.append("    classDef firstUse stroke-dasharray: 4 3")
    lines.append(f"    class {','.join(first_use)} firstUse")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid())
