"""Realised value and first order against lifetime on the tiny fixture, and the early warning."""

from __future__ import annotations

import pandas as pd
import pytest

from churn.clv import early_warning
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF


def test_value_distribution_by_tier(tiny: Workspace) -> None:
    table = tiny.query("value_distribution", {"dimension": "tier", **NO_FILTERS}).set_index("segment")
    # Iron: J 270 and C 210 -> average 240, median 240; lead: E 180, F 150, I 120, H 80, D 60, B 50, K 40, G 25.
    assert (table.loc["iron", "customers"], table.loc["iron", "average_revenue"]) == (2, 240)
    assert table.loc["iron", "median_revenue"] == 240
    assert table.loc["lead", "total_revenue"] == 705
    assert table.loc["lead", "median_revenue"] == pytest.approx((80 + 60) / 2)  # 8 values: 4th and 5th
    assert table.loc["lead", "p25"] == pytest.approx(47.5)  # 25% of the way: 40 + 0.75 x (50 - 40)
    everyone = tiny.query("value_distribution", {"dimension": "all", **NO_FILTERS}).iloc[0]
    assert (everyone["customers"], everyone["total_revenue"]) == (11, 1485)


def test_first_order_against_lifetime(tiny: Workspace) -> None:
    table = tiny.query("first_order_vs_lifetime", {"as_of": TINY_AS_OF})
    assert table["customers"].sum() == 11
    # A is the only platinum customer (no gold): its first order (100) is above the median first
    # order (first orders: 80 100 50 70 60 90 30 200 25 120 40 -> median 70).
    assert table["platinum_gold_customers"].sum() == 1
    assert table["platinum_gold_small_first"].sum() == 0
    # F's first order (200, the largest) is in the top fifth of first orders.
    assert table[table["first_order_quintile"] == 5]["customers"].sum() == 2  # 11 customers: 3,2,2,2,2


def test_early_warning_flags_silence_and_low_p_alive() -> None:
    profiles = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "tier": ["lead", "gold", "lead", "platinum"],
            "last_order_date": ["2024-01-01"] * 4,
            "churn_reason": [None] * 4,
            "revenue_last_12_months": [10.0, 20.0, 30.0, 40.0],
        }
    )
    summary = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            # weeks: A silent 10 weeks, usual gap 20 / 4 = 5 weeks -> flagged
            "frequency": [4, 2, 5, 1],
            "recency": [20.0, 10.0, 50.0, 30.0],
            "age": [30.0, 12.0, 52.0, 32.0],
        }
    )
    predictions = summary[["customer_id"]].assign(
        probability_alive=[0.9, 0.3, 0.95, 0.99], predicted_value=[100.0, 1000.0, 50.0, 10.0]
    )
    flagged = early_warning(profiles, summary, 1.0, predictions, 0.5)
    # A: silent 70 days > usual gap 35. B: silent 14 days < 35, but P(alive) 0.3 < 0.5.
    # C: silent 14 days, usual gap 70 days, P(alive) 0.95: not flagged. D: silent 14 < 210: not flagged.
    assert list(flagged["customer_id"]) == ["B", "A"]  # gold first, then by value at risk
    assert flagged.set_index("customer_id").loc["A", "value_at_risk"] == pytest.approx(100 * 0.1)
    # At twice the usual gap A (70 = 2 x 35 days) is no longer listed for silence.
    assert list(early_warning(profiles, summary, 2.0, predictions, 0.5)["customer_id"]) == ["B"]
