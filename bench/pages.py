"""The queries each page runs for one view, as the page runs them (``pages/*.py``), so that the
benchmark times what a rerun of the page asks of the data. ``tests/unit/test_bench.py`` checks
that every query a page names is run here for that page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from churn.settings import Settings
from churn.value import monthly_rate, value_by_tier
from churn.whatif import Levers, baseline_for, compare
from churn.window import sensitivity_windows
from churn.workspace import Workspace


def overview(workspace: Workspace, settings: Settings, first: date) -> None:
    workspace.query("customer_status", settings.filter_params())
    workspace.query("churn_by_period", settings.period_params(first))
    workspace.query("losses_by_cause_and_segment", settings.loss_params(first))


def trends(workspace: Workspace, settings: Settings, first: date) -> None:
    workspace.query("churn_by_period", settings.period_params(first))
    workspace.query("revenue_churn_by_period", settings.period_params(first))
    workspace.query("cohort_retention", {"as_of": settings.as_of, "cohort_grain": "month", **settings.filter_params()})
    workspace.query("survival_by_tenure", {"as_of": settings.as_of, "split": "tier", **settings.filter_params()})
    workspace.window_sensitivity(settings, sensitivity_windows(settings.window_days))
    workspace.query("churn_by_period", settings.period_params(first, dimension="region"))
    workspace.query("losses_by_cause_and_segment", settings.loss_params(first, "region"))


def causes(workspace: Workspace, settings: Settings, first: date) -> None:
    params = settings.loss_params(first)
    workspace.query("losses_by_cause_and_segment", params)
    workspace.query("churned_customers_by_reason", params)
    workspace.query("churn_by_cause_and_period", params)
    workspace.query("losses_by_cause_and_segment", {**params, "dimension": "tier"})
    workspace.query("customer_status", settings.filter_params())
    workspace.cached_query("value_per_customer", {"as_of": settings.as_of})


def tiers(workspace: Workspace, settings: Settings, first: date) -> None:
    rule = settings.tier_rule
    workspace.cached_query("tier_summary", settings.filter_params())
    workspace.cached_query("value_curve", {"curve_basis": "revenue", "tier_basis": rule.basis})
    workspace.cached_query("value_concentration", {"curve_basis": "revenue"})
    workspace.cached_query("value_curve", {"curve_basis": "margin", "tier_basis": rule.basis})
    workspace.cached_query("value_concentration", {"curve_basis": "margin"})
    workspace.query("churn_by_period", settings.period_params(first, dimension="tier"))
    workspace.query("losses_by_cause_and_segment", settings.loss_params(first, "tier"))
    last_start = date(settings.as_of.year, settings.as_of.month, 1) - timedelta(days=1)
    period_start = date(last_start.year, last_start.month, 1)
    workspace.query(
        "lost_valuable_customers",
        {"period_start": period_start, "period_end": last_start + timedelta(days=1), "listed_tiers": ["platinum"]},
    )
    year = timedelta(days=365)
    before, after = (settings.as_of - 2 * year, settings.as_of - year), (settings.as_of - year, settings.as_of)
    workspace.tier_migration(rule, before, after)


def lifetime_value(workspace: Workspace, settings: Settings, first: date) -> None:
    workspace.query("value_distribution", {"dimension": "tier", **settings.filter_params()})
    workspace.query("formula_ltv_from_customers", {"monthly_discount": 0.01})
    workspace.cached_query("first_order_vs_lifetime", {"as_of": settings.as_of})
    checked, _, _ = value_by_tier(workspace, settings, 12, 0.10)
    workspace.query("active_customer_profiles", settings.filter_params())
    if checked.models is not None:
        workspace.clv_predictions(settings.as_of, 12, monthly_rate(0.10))


def what_if(workspace: Workspace, settings: Settings, first: date) -> None:
    tiers, _ = baseline_for(workspace, settings)
    compare(tiers, Levers(churn_cut_all=0.2), settings.grain)


PAGES: dict[str, Callable[[Workspace, Settings, date], None]] = {
    "overview": overview,
    "trends": trends,
    "causes": causes,
    "tiers": tiers,
    "lifetime-value": lifetime_value,
    "what-if": what_if,
}
