"""Derived tables (``customer_order_days``, ``customer_spells``, ``customer_facts``, the filter
groups, ``spell_flows`` and ``cohort_flows``) and the data-derived default window W."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb

from churn.db import append_rows, build_table, quote_identifier, run_query
from churn.tiers import TierRule

MIN_WINDOW_DAYS = 1
MAX_WINDOW_DAYS = 3650
FALLBACK_WINDOW_DAYS = 90
# The windows W the trends page compares the current one with.
SENSITIVITY_WINDOWS = (30, 60, 90, 120, 150, 180, 240, 300, 365)


@dataclass(frozen=True)
class WindowSuggestion:
    """The suggested inactivity window and the gap statistics behind it."""

    days: int
    repeat_purchases: int
    median_gap_days: float | None
    p95_gap_days: float | None


def build_order_days(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """(Re)build ``customer_order_days`` for the as-of date: what the suggested W, the spells of
    every W and the sensitivity to W start from."""
    build_table(con, "customer_order_days", "customer_order_days", {"as_of": as_of})


def build_facts(con: duckdb.DuckDBPyConnection, as_of: date, window_days: int) -> None:
    """(Re)build ``customer_spells`` then ``customer_facts`` for the as-of date and window W
    (``customer_order_days`` must have been built for that as-of date)."""
    if not MIN_WINDOW_DAYS <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"The inactivity window must be {MIN_WINDOW_DAYS}-{MAX_WINDOW_DAYS} days, not {window_days}.")
    build_table(con, "customer_spells", "customer_spells", {"as_of": as_of, "window_days": window_days})
    build_table(con, "customer_facts", "customer_facts", {"as_of": as_of})


def build_tiers(con: duckdb.DuckDBPyConnection, as_of: date, rule: TierRule) -> None:
    """(Re)build ``customer_tiers``: every ranked customer's value and pyramid tier."""
    build_table(con, "customer_tiers", "customer_tiers", rule.params(as_of))


def build_filter_groups(con: duckdb.DuckDBPyConnection, window_days: int) -> None:
    """(Re)build the filter groups once the facts or tiers change, number ``customer_facts`` and
    ``customer_spells`` with them, and rebuild what filter changes add up: ``spell_flows`` (with
    the flows of W) and ``cohort_flows``."""
    build_table(con, "customer_filter_groups", "customer_filter_groups")
    build_table(con, "filter_groups", "filter_groups")
    for table in ("customer_facts", "customer_spells"):
        set_filter_groups(con, table)
    build_table(con, "spell_flows", "spell_flows", {"window_days": window_days})
    build_table(con, "cohort_flows", "cohort_flows")


def set_filter_groups(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Copy every customer's filter group into ``table`` (a facts or spells table). The table is
    rebuilt (in its own order) rather than updated: an update of a fresh table is slower."""
    quoted = quote_identifier(table)
    order = "customer_id" if table == "customer_facts" else "customer_id, spell_number"
    con.execute(
        f"create or replace table {quoted} as "
        f"select {quoted}.* replace (groups.filter_group_id as filter_group_id) from {quoted} "
        f"join customer_filter_groups as groups using (customer_id) order by {order}"
    )


def add_window_flows(con: duckdb.DuckDBPyConnection, spells_table: str, window_days: int) -> None:
    """Add to ``spell_flows`` the flows of spells built for another window W (``spells_table``),
    for the sensitivity of churn to W: the table is swapped in under the name the query reads."""
    set_filter_groups(con, spells_table)
    quoted = quote_identifier(spells_table)
    con.execute(
        f"alter table customer_spells rename to customer_spells_current; alter table {quoted} rename to customer_spells"
    )
    try:
        append_rows(con, "spell_flows", "spell_flows", {"window_days": window_days})
    finally:
        con.execute(
            f"alter table customer_spells rename to {quoted}; "
            "alter table customer_spells_current rename to customer_spells"
        )


def sensitivity_windows(current: int) -> tuple[int, ...]:
    """The windows W of the sensitivity chart: SENSITIVITY_WINDOWS and the current W, in order."""
    return tuple(sorted({*SENSITIVITY_WINDOWS, current}))


def suggest_window(con: duckdb.DuckDBPyConnection) -> WindowSuggestion:
    """Suggest W: the 95th percentile of gaps between consecutive order days (of
    ``customer_order_days``), rounded up to whole 30-day months and kept within 30-365 days (90
    days when there are no repeat orders)."""
    gaps = run_query(con, "purchase_gaps").iloc[0]
    repeat_purchases = int(gaps["repeat_purchases"])
    if repeat_purchases == 0:
        return WindowSuggestion(FALLBACK_WINDOW_DAYS, 0, None, None)
    p95 = float(gaps["p95_gap_days"])
    days = min(365, max(30, 30 * math.ceil(p95 / 30)))
    return WindowSuggestion(days, repeat_purchases, float(gaps["median_gap_days"]), p95)
