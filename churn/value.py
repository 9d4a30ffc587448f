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

import pandas as pd

from churn.tiers import TIERS
from churn.whatif import TierBaseline, classic_lifetime_value, retained_customer_value

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
    # A float for any rate above −100% (typeshed types float ** float as Any: complex for a negative base).
    monthly: float = (1 + annual_rate) ** (1 / 12) - 1
    return monthly


def value_table(
    tiers: pd.DataFrame,
    monthly: list[TierBaseline],
    predictions: pd.DataFrame | None,
    horizon_months: int,
    annual_discount: float,
) -> pd.DataFrame:
    """Per tier of ``tiers`` (customer_tier_assignment): customers, and with ``predictions`` (per
    customer, with their tier; None when the model did not pass its checks) their average
    P(alive), expected purchases and predicted revenue over the horizon; from the monthly baseline
    (churn.whatif.TierBaseline per month) the value of one retained customer over the horizon, m
    and the monthly retention; the classic formula."""
    by_tier = {tier.tier: tier for tier in monthly}
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
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)
