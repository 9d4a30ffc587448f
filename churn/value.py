"""What a customer is worth: one figure per question, with its method in its name, shared by the
lifetime-value page, the what-if page and the report.

- *Predicted revenue over the horizon — purchase model*: BG/NBD × Gamma-Gamma, per customer from
  their own purchases (``churn.clv``), averaged per tier; shown only when the model passed its
  checks (``Workspace.lifetime_models``). For ranking customers and deciding whom to call.
- *Value of one retained customer over the horizon — retention formula*: the tier's value
  (margin, or revenue without costs) per customer-month m and monthly churn c, measured over the
  measured months of the last year (warm-up months left out): Σ_k m (1 − c)^(k−1) / (1 + d)^(k/12)
  (``churn.whatif.retained_customer_value``). For pricing a retention programme; the what-if page
  shows the same figure for the same horizon and discount.
- *Classic lifetime value m · r / (1 + d − r)*, no horizon: the textbook formula, for comparison.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from churn.clv import LifetimeModels
from churn.settings import Settings
from churn.tiers import TIERS
from churn.whatif import baseline_for, classic_lifetime_value, retained_customer_value
from churn.workspace import Workspace

VALUE_COLUMNS = [
    "tier",
    "customers",
    "probability_alive",
    "expected_purchases",
    "predicted_revenue",
    "retained_value",
    "value_per_month",
    "monthly_retention",
    "classic_value",
]


def monthly_rate(annual_rate: float) -> float:
    """The monthly rate equivalent to ``annual_rate`` a year."""
    return (1 + annual_rate) ** (1 / 12) - 1


def value_by_tier(
    workspace: Workspace,
    settings: Settings,
    horizon_months: int,
    annual_discount: float,
    holdout_weeks: int | None = None,
) -> tuple[LifetimeModels, pd.DataFrame, bool]:
    """Per tier: customers, and when the purchase model passed its checks their average P(alive),
    expected purchases and predicted revenue over the horizon; the value of one retained customer
    over the horizon, m and the monthly retention; the classic formula. Also the model check and
    whether values are margin (True) or revenue."""
    checked = workspace.lifetime_models(settings.as_of, holdout_weeks)
    monthly, use_margin = baseline_for(workspace, replace(settings, grain="month"))
    by_tier = {tier.tier: tier for tier in monthly}
    tiers = workspace.cached_query("customer_tier_assignment")
    predictions = None
    if checked.models is not None:
        predictions = workspace.clv_predictions(
            settings.as_of, horizon_months, monthly_rate(annual_discount), holdout_weeks
        ).merge(tiers, on="customer_id")
    rows = []
    counts = tiers.groupby("tier")["customer_id"].count()
    for tier in TIERS:
        if tier not in counts.index:
            continue
        base = by_tier.get(tier)
        row: dict[str, object] = {"tier": tier, "customers": int(counts[tier])}
        if predictions is not None:
            group = predictions[predictions["tier"] == tier]
            row |= {
                "probability_alive": float(group["probability_alive"].mean()),
                "expected_purchases": float(group["expected_purchases"].mean()),
                "predicted_revenue": float(group["predicted_value"].mean()),
            }
        if base is not None:
            retention = 1 - base.churn_rate
            row |= {
                "retained_value": retained_customer_value(base, horizon_months, annual_discount),
                "value_per_month": base.value_per_customer,
                "monthly_retention": retention,
                "classic_value": classic_lifetime_value(
                    base.value_per_customer, retention, monthly_rate(annual_discount)
                ),
            }
        rows.append(row)
    return checked, pd.DataFrame(rows, columns=VALUE_COLUMNS), use_margin
