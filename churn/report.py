"""The JSON report (``python -m churn report``): the same workspace and queries as the pages."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from typing import Any

import pandas as pd

from churn.i18n import format_period, set_currency, set_language, t
from churn.metrics import LossTotals
from churn.page_data import Causes, LifetimeValue, Overview, Tiers, Trends, WhatIf
from churn.settings import Settings
from churn.tiers import TIERS
from churn.whatif import Levers, compare, comparison_summary, retained_customer_value
from churn.workspace import Workspace


def _plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, NaN as null, numpy numbers as Python numbers."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def strict_json(value: Any) -> Any:
    """``value`` with every float that JSON cannot hold (NaN, ±infinity) as null, in nested
    dicts and lists too, so that ``json.dump(..., allow_nan=False)`` writes strict JSON."""
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    return _plain(value)


MAX_REJECTS_SHOWN = 1000


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small frame as JSON-ready dicts."""
    return [{str(key): _plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def build_report(
    workspace: Workspace, settings: Settings, scenario: Levers | None = None, holdout_weeks: int | None = None
) -> dict[str, Any]:
    """Build the report for the workspace's dataset under ``settings`` (with a what-if
    comparison when ``scenario`` is given; the purchase model checked on ``holdout_weeks``,
    default the last quarter of the history)."""
    dataset = workspace.dataset
    if dataset is None:
        raise ValueError("No dataset is loaded.")
    set_language(settings.lang)
    set_currency(settings.currency)
    workspace.ensure_derived(settings)
    report: dict[str, Any] = {
        "dataset": {
            "name": dataset.name,
            "kind": dataset.kind,
            "rows_read": dataset.rows_read,
            "rows_loaded": dataset.rows_loaded,
            "rows_rejected": dataset.rows_rejected,
            "customers": dataset.customers,
            "orders": dataset.orders,
            "order_lines": dataset.order_lines,
            "revenue": round(dataset.revenue, 2),
            "first_date": _plain(dataset.first_date),
            "last_date": _plain(dataset.last_date),
            "files": [
                {
                    "file": load.file,
                    "table": load.table,
                    "rows_read": load.rows_read,
                    "rows_loaded": load.rows_loaded,
                    "rows_rejected": load.rows_rejected,
                    "returns": load.returns,
                    "date_order": load.date_order,
                    "mapping": load.mapping,
                }
                for load in dataset.loads
            ],
            # The first rejected rows (all of them up to MAX_REJECTS_SHOWN), with line and reason code.
            "rejects": _records(workspace.query("rejected_rows").head(MAX_REJECTS_SHOWN)),
            "warnings": _records(workspace.query("data_warnings", {"today": date.today()})),
        },
        "settings": {
            "as_of": settings.as_of.isoformat(),
            "inactivity_days": settings.window_days,
            "suggested_inactivity_days": workspace.window_suggestion(settings.as_of).days,
            "grain": settings.grain,
            "date_from": _plain(settings.date_from),
            "date_to": _plain(settings.date_to),
            "lang": settings.lang,
            "currency": settings.currency,
            "tier_cutoffs": dict(zip(TIERS, (share / 100 for share in settings.tier_rule.shares), strict=True)),
            "tier_basis": settings.tier_rule.basis,
            "tier_window": settings.tier_rule.window,
            "tier_filter": list(settings.tier_filter),
        },
    }
    overview = Overview(workspace, settings)
    if dataset.first_date is None:
        report["churn"] = {**_loss_totals(overview.loss_totals), "periods": []}
        report["causes"] = _causes_section(workspace, settings)
        report["tiers"] = _tiers_section(workspace, settings)
        report["ltv"] = _ltv_section(workspace, settings, holdout_weeks)
        return report
    trends = Trends(workspace, settings)
    periods = trends.periods
    assert periods is not None
    columns = [
        "period_start",
        "period_end",
        "is_complete",
        "is_warm_up",
        "customers_at_start",
        "new",
        "won_back",
        "churned",
        "churned_total",
        "customers_at_end",
        "churn_rate",
        "retention_rate",
        "revenue_lost",
    ]
    rows = []
    for record in periods[columns].to_dict("records"):
        row = {key: _plain(value) for key, value in record.items()}
        row["period_label"] = format_period(date.fromisoformat(row["period_start"]), settings.grain)
        row["revenue_lost"] = round(row["revenue_lost"], 2)
        rows.append(row)
    status = overview.status
    revenue = trends.revenue
    assert revenue is not None
    revenue_by_start = {
        _plain(start): (round(float(base), 2), _plain(rate))
        for start, base, rate in zip(
            revenue["period_start"], revenue["revenue_base"], revenue["revenue_churn_rate"], strict=True
        )
    }
    for row in rows:
        row["revenue_base"], row["revenue_churn_rate"] = revenue_by_start.get(row["period_start"], (0.0, None))
    cohorts = trends.cohorts("month")
    survival = trends.survival("all")
    report["churn"] = {
        "active_customers": int(status["active_customers"]),
        "won_back_customers": int(status["won_back_customers"]),
        **_loss_totals(overview.loss_totals),
        "periods": rows,
        "cohorts": [
            {key: _plain(value) for key, value in record.items()}
            for record in cohorts[
                ["cohort_start", "periods_since", "cohort_customers", "active_customers", "share_active"]
            ].to_dict("records")
        ],
        "survival": [
            {key: _plain(value) for key, value in record.items()}
            for record in survival[["months", "at_risk", "events", "censored", "survival"]].to_dict("records")
        ],
    }
    report["causes"] = _causes_section(workspace, settings)
    report["tiers"] = _tiers_section(workspace, settings)
    report["ltv"] = _ltv_section(workspace, settings, holdout_weeks)
    if scenario is not None:
        report["whatif"] = _whatif_section(workspace, settings, scenario)
    return report


def _ltv_section(workspace: Workspace, settings: Settings, holdout_weeks: int | None) -> dict[str, Any]:
    """Lifetime value per tier over 12 months at 10% a year (churn.value): the purchase model's
    predicted revenue when it passed its checks (``model_status`` ok; else the reason and a
    ``model_note``), the holdout ``validation``, the value of one retained customer (retention
    formula) and the classic formula; BG/NBD (time in weeks, as in the paper) and Gamma-Gamma."""
    section: dict[str, Any] = {"time_unit": "week", "horizon_months": 12, "annual_discount_rate": 0.10}
    data = LifetimeValue(workspace, settings)
    formula = data.formula(0.10)
    if formula is not None:
        # A customers file alone: no purchase model, the classic formula from tenure and status.
        section["model_status"] = "no_purchase_dates"
        section["model_note"] = section["error"] = "The purchase model needs transactions with dates."
        section["by_tier"] = [
            {
                "tier": row["tier"],
                "customers": int(row["customers"]),
                "monthly_retention_rate": _plain(row["monthly_retention"]),
                "revenue_per_month": _plain(row["revenue_per_month"]),
                "simple_formula_ltv": _plain(row["formula_ltv"]),
            }
            for row in formula.to_dict("records")
        ]
        return section
    tier_values = data.values(12, 0.10, holdout_weeks)
    assert tier_values is not None
    checked, values, use_margin = tier_values.checked, tier_values.values, tier_values.use_margin
    section["model_status"] = checked.status
    section["model_note"] = checked.note
    section["value_basis"] = "margin" if use_margin else "revenue"
    if checked.validation is not None:
        validation = checked.validation
        section["validation"] = {
            "calibration_end": validation.calibration_end.isoformat(),
            "holdout_weeks": validation.holdout_weeks,
            "predicted_repeat_purchases": round(validation.predicted_repeat_purchases, 1),
            "actual_repeat_purchases": validation.actual_repeat_purchases,
        }
    if checked.models is not None:
        bgnbd, spend = checked.models
        section["bgnbd"] = {k: getattr(bgnbd, k) for k in ("r", "alpha", "a", "b", "log_likelihood")}
        summary = checked.summary
        used = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum())
        section["gamma_gamma"] = {
            "p": spend.p,
            "q": spend.q,
            "v": spend.v,
            "log_likelihood": spend.log_likelihood,
            "customers_used": used,
            "customers_excluded": int(len(summary) - used),
        }
    else:
        section["error"] = checked.note
    first_purchase = data.first_purchase_by_tier(holdout_weeks)
    section["by_tier"] = [
        {
            "tier": row["tier"],
            "customers": int(row["customers"]),
            "average_probability_alive": _plain(row["probability_alive"]),
            "average_predicted_value": _plain(row["predicted_revenue"]),
            "retained_customer_value": _plain(row["retained_value"]),
            "value_per_month": _plain(row["value_per_month"]),
            "monthly_retention_rate": _plain(row["monthly_retention"]),
            "simple_formula_ltv": _plain(row["classic_value"]),
            "average_first_purchase": _plain(first_purchase.get(row["tier"])),
        }
        for row in values.to_dict("records")
    ]
    return section


def _whatif_section(workspace: Workspace, settings: Settings, scenario: Levers) -> dict[str, Any]:
    """Baseline against the scenario over its horizon, and the starting assumptions per tier."""
    data = WhatIf(workspace, settings)
    tiers, use_margin = data.baseline
    if not tiers:
        return {"error": "The what-if needs order dates and a complete period in the last 12 months."}
    comparison = compare(tiers, scenario, settings.grain)[0]
    monthly = data.monthly_baseline
    return {
        "levers": asdict(scenario),
        "value_basis": "margin" if use_margin else "revenue",
        "period": settings.grain,
        "baseline": [
            {
                "tier": tier.tier,
                "customers": tier.customers,
                "churn_rate": tier.churn_rate,
                "churn_by_cause": tier.churn_by_cause,
                "new_per_period": tier.new_per_period,
                "won_back_per_period": tier.won_back_per_period,
                "value_per_customer": tier.value_per_customer,
                "retained_customer_value": retained_customer_value(
                    monthly[tier.tier], scenario.horizon_years * 12, scenario.discount_rate
                )
                if tier.tier in monthly
                else None,
            }
            for tier in tiers
        ],
        "comparison": comparison_summary(comparison),
    }


def _loss_totals(totals: LossTotals) -> dict[str, Any]:
    """The three measures of loss of the view (docs/metrics.md) and their revenue lost."""
    return {
        "churn_events": totals.churn_events,
        "churned_customers": totals.churned_customers,
        "lost_now": totals.lost_now,
        "revenue_lost": {
            "churn_events": round(totals.revenue_lost_events, 2),
            "churned_customers": round(totals.revenue_lost_churned, 2),
            "lost_now": round(totals.revenue_lost_now, 2),
        },
    }


def _causes_section(workspace: Workspace, settings: Settings) -> dict[str, Any]:
    """Per cause class: customers churned in the periods shown (``customers``, their share and
    revenue lost), the churn events and the customers lost now of the class, and the top raw
    reasons of the customers churned."""
    data = Causes(workspace, settings)
    by_cause = data.by_cause.merge(data.losses, on="cause")
    reasons = data.churned_by_reason
    section: dict[str, Any] = {}
    for row in by_cause.to_dict("records"):
        top = reasons[(reasons["cause"] == row["cause"]) & reasons["reason"].notna()].head(5)
        section[row["cause"]] = {
            "label": t(f"cause.{row['cause']}"),
            "customers": int(row["customers"]),
            "share": _plain(row["share"]),
            "revenue_lost": round(float(row["revenue_lost"]), 2),
            "revenue_share": _plain(row["revenue_share"]),
            "churn_events": int(row["churn_events"]),
            "revenue_lost_events": round(float(row["revenue_lost_events"]), 2),
            "lost_now": int(row["lost_now"]),
            "revenue_lost_now": round(float(row["revenue_lost_now"]), 2),
            "top_reasons": [
                {"reason": reason, "customers": int(customers), "revenue_lost": round(float(revenue), 2)}
                for reason, customers, revenue in zip(top["reason"], top["customers"], top["revenue_lost"], strict=True)
            ],
        }
    return section


def _tiers_section(workspace: Workspace, settings: Settings) -> list[dict[str, Any]]:
    """Per tier: size and value (tier_summary), and churn of the last complete period
    (churn_by_period by tier); churn figures are null when the data has no order dates."""
    data = Tiers(workspace, settings)
    summary = data.summary
    churned_by_tier = data.churned_by_tier
    events_by_tier = data.events_by_tier
    last_period: dict[str, dict[str, Any]] = {}
    periods = data.periods
    if periods is not None:
        complete = periods[periods["is_complete"]]
        if not complete.empty:
            last = complete[complete["period_start"] == complete["period_start"].max()]
            last_period = {row["segment"]: row for row in last.to_dict("records")}
    section = []
    for row in summary.to_dict("records"):
        churn = last_period.get(row["tier"], {})
        section.append(
            {
                "tier": row["tier"],
                "tier_label": t(f"tier.{row['tier']}"),
                "customers": int(row["customers"]),
                "customer_share": _plain(row["customer_share"]),
                "revenue": round(float(row["revenue"]), 2),
                "revenue_share": _plain(row["revenue_share"]),
                "value": round(float(row["value"]), 2),
                "value_share": _plain(row["value_share"]),
                "average_value": _plain(row["average_value"]),
                "median_value": _plain(row["median_value"]),
                "customers_churned": int(churned_by_tier.get(row["tier"], 0)),
                "churn_events": int(events_by_tier.get(row["tier"], 0)),
                "lost_now": int(row["lost_customers"]),
                "lost_now_share": _plain(row["lost_share"]),
                "period_start": _plain(churn.get("period_start")),
                "customers_at_start": _plain(churn.get("customers_at_start")),
                "churned": _plain(churn.get("churned")),
                "churn_rate": _plain(churn.get("churn_rate")),
                "avg_ltv": _plain(row["average_lifetime_revenue"]),
            }
        )
    return section
