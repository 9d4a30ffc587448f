"""The JSON report (``python -m churn report``): the same workspace and queries as the pages."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from churn.i18n import format_period, set_language
from churn.settings import Settings
from churn.workspace import Workspace

# The customer pyramid's default shares (platinum 1%, gold 4%, iron 15%, lead 80%).
TIER_CUTOFFS = {"platinum": 0.01, "gold": 0.04, "iron": 0.15, "lead": 0.80}


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
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def build_report(workspace: Workspace, settings: Settings) -> dict[str, Any]:
    """Build the report for the workspace's dataset under ``settings``."""
    dataset = workspace.dataset
    if dataset is None:
        raise ValueError("No dataset is loaded.")
    set_language(settings.lang)
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
                    "mapping": load.mapping,
                }
                for load in dataset.loads
            ],
        },
        "settings": {
            "as_of": settings.as_of.isoformat(),
            "inactivity_days": settings.window_days,
            "suggested_inactivity_days": workspace.window_suggestion(settings.as_of).days,
            "grain": settings.grain,
            "date_from": _plain(settings.date_from),
            "date_to": _plain(settings.date_to),
            "lang": settings.lang,
            "tier_cutoffs": TIER_CUTOFFS,
        },
    }
    if dataset.first_date is None:
        report["churn"] = {"periods": []}
        return report
    periods = workspace.query("churn_by_period", settings.period_params(dataset.first_date))
    columns = [
        "period_start",
        "period_end",
        "is_complete",
        "is_warm_up",
        "customers_at_start",
        "new",
        "reactivated",
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
    status = workspace.query("customer_status", settings.filter_params()).iloc[0]
    report["churn"] = {
        "active_customers": int(status["active_customers"]),
        "churned_customers": int(status["churned_customers"]),
        "won_back_customers": int(status["won_back_customers"]),
        "periods": rows,
    }
    return report
