"""Every file in queries/ runs against the tiny fixture and returns the columns it promises."""

from __future__ import annotations

from datetime import date

import pytest

from churn.causes import reason_choices
from churn.db import load_sql, query_files, query_parameters
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF, TINY_WINDOW

PARAMETERS: dict[str, object] = {
    "as_of": TINY_AS_OF,
    "window_days": TINY_WINDOW,
    "grain": "month",
    "date_from": date(2000, 1, 1),
    "date_to": TINY_AS_OF,
    "dimension": "all",
    **NO_FILTERS,
    **TierRule().params(TINY_AS_OF),
    "curve_basis": "revenue",
    "cohort_grain": "month",
    "calibration_end": TINY_AS_OF,
    "unit_days": 7,
    "monthly_discount": 0.01,
    "split": "all",
    "windows": [30, 60],
    "tier_basis": "revenue",
    "period_start": date(2024, 3, 1),
    "period_end": date(2024, 4, 1),
    "listed_tiers": ["platinum", "gold", "iron"],
    "today": date(2026, 11, 22),
    "holdout_weeks": 13,
    "loss_from": date(2023, 12, 1),
    "loss_until": date(2024, 7, 1),
    "flows": ["spell_flows"],
    "spells": "customer_spells",
}
# Queries over the two windows of a tier migration read tables that Workspace.tier_migration builds.
MIGRATION_QUERIES = {"tier_migration", "tier_drops"}
MIGRATION_WINDOWS = ((date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 4, 1), date(2024, 6, 30)))
PARAMETERS.update({"migration_before": MIGRATION_WINDOWS[0], "migration_after": MIGRATION_WINDOWS[1]})
PARAMETERS["sensitivity_period"] = (PARAMETERS["period_start"], PARAMETERS["period_end"])
EXPECTED_COLUMNS = {
    "customer_spells": {"customer_id", "spell_number", "spell_start", "last_order_date", "churn_date", "is_churned"},
    "customer_facts": {"customer_id", "first_order_date", "revenue", "is_active", "spells", "churn_date"},
    "churn_by_period": {
        "period_start",
        "customers_at_start",
        "new",
        "won_back",
        "churned",
        "churned_total",
        "churn_rate",
        "retention_rate",
        "revenue_lost",
    },
    "customer_order_days": {
        "customer_id",
        "order_date",
        "day_number",
        "revenue",
        "orders",
        "previous_order_date",
        "revenue_last_12_months",
    },
    "purchase_gaps": {"repeat_purchases", "median_gap_days", "p95_gap_days"},
    "dataset_summary": {"customers", "orders", "revenue", "first_date", "last_date"},
    "customer_status": {"customers", "active_customers", "lost_now", "won_back_customers"},
    "customer_tiers": {"customer_id", "revenue", "margin", "value", "value_rank", "tier", "tier_order"},
    "tier_summary": {
        "tier",
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "average_value",
        "median_value",
    },
    "value_curve": {"value_rank", "customer_share", "cumulative_value_share", "is_tier_boundary"},
    "value_concentration": {"gini", "top_1_percent_share", "top_20_percent_share", "negative_customers"},
    "lost_valuable_customers": {"customer_id", "tier", "value", "churn_date", "churn_reason"},
    "tier_migration": {"from_tier", "to_tier", "customers", "value_before", "value_after"},
    "tier_drops": {"customer_id", "from_tier", "to_tier", "value_before", "value_after"},
    "churn_events": {"customer_id", "filter_group_id", "churn_date", "revenue_lost"},
    "customer_losses": {"customer_id", "filter_group_id", "cause", "reason", "is_lost_now", "revenue_lost_now"},
    "losses_by_cause_and_segment": {
        "cause",
        "segment",
        "churn_events",
        "churned_customers",
        "lost_now",
        "revenue_lost_events",
        "revenue_lost_churned",
        "revenue_lost_now",
    },
    "churned_customers_by_reason": {"cause", "reason", "customers", "revenue_lost"},
    "churn_by_cause_and_period": {"period_start", "cause", "churned", "revenue_lost", "share"},
    "value_per_customer": {"customers", "revenue_per_customer", "margin_per_customer"},
    "dimension_values": {"value"},
    "revenue_churn_by_period": {"period_start", "revenue_base", "revenue_lost", "revenue_churn_rate"},
    "cohort_retention": {"cohort_start", "periods_since", "cohort_customers", "active_customers", "share_active"},
    "survival_by_tenure": {"segment", "months", "at_risk", "events", "censored", "survival"},
    "repeat_purchase_share": {"window_days", "share_within"},
    "value_distribution": {"segment", "customers", "average_revenue", "median_revenue", "p10", "p90"},
    "first_order_vs_lifetime": {"first_order_quintile", "lifetime_quintile", "customers"},
    "active_customer_profiles": {"customer_id", "tier", "last_order_date", "churn_reason", "filter_group_id"},
    "kept_filter_groups": {"filter_group_id"},
    "clv_summary": {"customer_id", "frequency", "recency", "age", "monetary_value", "first_purchase_value"},
    "formula_ltv_from_customers": {"tier", "customers", "revenue_per_month", "monthly_retention", "formula_ltv"},
    "customer_tier_assignment": {"customer_id", "tier"},
    "rejected_rows": {"file", "line", "column_name", "reason", "raw"},
    "data_warnings": {"warning", "rows", "example", "share"},
    "extra_dimension_names": {"dimension"},
    "period_revenue_by_filter_group": {
        "period_start",
        "filter_group_id",
        "customers_at_start",
        "churned",
        "revenue_base",
        "revenue_lost",
    },
    "customer_filter_groups": {"customer_id", "filter_group_id", "tier", "region", "extra"},
    "filter_groups": {"filter_group_id", "tier", "region", "channel", "category", "segment", "extra", "customers"},
    "cohort_flows": {"filter_group_id", "cohort_month", "month", "change", "customers"},
    "spell_flows": {"window_days", "filter_group_id", "month", "new", "churned_total", "started_same_quarter"},
    "whatif_baseline": {
        "tier",
        "active_customers",
        "periods_observed",
        "window_start",
        "window_end",
        "churn_rate",
        "new_per_period",
        "revenue_per_customer",
        "margin_per_customer",
    },
    "holdout_repeat_purchases": {"week", "repeat_purchases"},
    "customer_profiles": {"customer_id", "first_order_date", "revenue", "region", "churn_reason", "extra"},
    "reasons_on_record": {"reason", "category", "customers", "lost_customers"},
    "reason_map": {"reason_raw", "category_raw", "cause", "is_edited"},
    "window_churn": {"window_days", "filter_group_id", "customers_at_start", "churned"},
    "window_sensitivity": {"window_days", "customers_at_start", "churned", "churn_rate"},
}
# Every SQL file but the macros (they define functions and return nothing), the statements of an
# import (queries/ingest: they write the tables a load fills; tests/unit/test_ingest.py) and
# stored_result, which reads a built folder's files (tests/unit/test_engines.py reads reports
# answered by it).
QUERY_NAMES = sorted(
    name
    for name, path in query_files().items()
    if path.parent.name not in ("macros", "ingest") and name != "stored_result"
)


def hand_over_reason_choices(workspace: Workspace) -> None:
    """reason_map reads the small table its build hands to the engine (churn.build: the reasons on
    record with their causes), as the build does."""
    assert workspace.reasons is not None
    workspace.con.register("reason_choices", reason_choices(workspace.reasons))


def test_every_query_has_expected_columns_listed() -> None:
    assert set(QUERY_NAMES) == set(EXPECTED_COLUMNS)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_on_fixture(tiny: Workspace, name: str) -> None:
    assert query_parameters(load_sql(name)) <= set(PARAMETERS)
    if name in MIGRATION_QUERIES:
        tiny.tier_migration(TierRule(), *MIGRATION_WINDOWS)
    if name == "reason_map":
        hand_over_reason_choices(tiny)
    result = tiny.query(name, PARAMETERS)
    assert EXPECTED_COLUMNS[name] <= set(result.columns)
    # The tiny fixture has no region, channel, category or segment (no dimension values) and no
    # tenure column (no formula from a customers file), every row of it loads (no rejects) and
    # nothing in it looks suspicious (no warnings) and it keeps no extra columns.
    empty_on_tiny = (
        "dimension_values",
        "formula_ltv_from_customers",
        "rejected_rows",
        "data_warnings",
        "extra_dimension_names",
    )
    assert len(result) > 0 or name in empty_on_tiny


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_runs_on_empty_dataset(tmp_path, name: str) -> None:
    from churn.db import open_connection
    from churn.ingest import create_canonical_tables

    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    workspace.ensure_facts(TINY_AS_OF, TINY_WINDOW, TierRule())
    if name in MIGRATION_QUERIES:
        workspace.tier_migration(TierRule(), *MIGRATION_WINDOWS)
    if name == "reason_map":
        hand_over_reason_choices(workspace)
    result = workspace.query(name, PARAMETERS)
    assert EXPECTED_COLUMNS[name] <= set(result.columns)
    workspace.close()
