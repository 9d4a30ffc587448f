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

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import duckdb
import pandas as pd

from churn.causes import apply_overrides, classify_reasons, reason_map_params
from churn.db import build_table, load_sql, query_parameters, quote_identifier, run_query
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


def _build_reason_map(con: duckdb.DuckDBPyConnection, node: Node, values: Mapping[str, Any]) -> pd.DataFrame:
    """Classify every reason on record, apply the user's corrections, fill ``reason_map``; the
    classified table (with its counts) is what the causes page shows."""
    reasons = apply_overrides(classify_reasons(run_query(con, "reasons_on_record")), dict(values["reason_overrides"]))
    build_table(con, "reason_map", "reason_map", reason_map_params(reasons))
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


class Builds:
    """Which derived tables a connection holds and for what settings; builds the missing ones."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.generation = 0  # one per loaded dataset
        self.built: dict[str, Hashable] = {}
        self.results: dict[str, Any] = {}  # what Python-built tables return (the classified reasons)

    def reset(self) -> None:
        """A new dataset: every derived table is stale (and dropped, to free its memory)."""
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
        if node.builder is not None:
            return node.builder(self.con, node, values)
        sql = load_sql(node.sql[0])
        if node.kind == "macro":
            self.con.execute(sql)
            return None
        params = node.params(values) if node.params else {name: values[name] for name in query_parameters(sql)}
        build_table(self.con, node.table, node.sql[0], params)
        return None

    def keys(self, tables: Iterable[str], values: Mapping[str, Any]) -> tuple[Hashable, ...]:
        """The keys of ``tables``: what a result computed from them was computed for."""
        return tuple(self.key(table, values) for table in tables)


__all__ = ["GRAPH", "NODES", "SOURCES", "VIEW_NODES", "Builds", "Node", "ViewSettings", "all_settings", "tables_read"]


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
