"""The readings at the top of the pages: the findings (churn.metrics) on hand-made period tables,
and their wording (churn.summary) in English and Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from churn.i18n import set_language
from churn.metrics import ChurnTrend, PeriodFigures, tier_most_at_risk, top_known_cause
from churn.summary import causes_reading, overview_reading, tiers_reading, trends_reading


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


def months(rates: list[float], at_start: int = 100, segment: str = "all", warm_up: int = 0) -> pd.DataFrame:
    """A churn_by_period table of one segment from January 2024, one row per rate; the first
    ``warm_up`` periods are warm-up periods (their rate is not read)."""
    starts = pd.date_range("2024-01-01", periods=len(rates), freq="MS")
    return pd.DataFrame(
        {
            "period_start": starts,
            "segment": segment,
            "customers_at_start": at_start,
            "churned": [round(rate * at_start) for rate in rates],
            "churn_rate": rates,
            "period_end": starts + pd.offsets.MonthBegin(1),
            "new": 0,
            "won_back": 0,
            "churned_total": [round(rate * at_start) for rate in rates],
            "customers_at_end": [at_start - round(rate * at_start) for rate in rates],
            "retention_rate": [1 - rate for rate in rates],
            "revenue_lost": 0.0,
            "is_complete": True,
            "is_warm_up": [index < warm_up for index in range(len(rates))],
        }
    )


def test_a_trend_compares_the_last_three_months_with_the_same_months_a_year_earlier() -> None:
    # 15 months: Jan 2024 … Mar 2025. Recent = Jan–Mar 2025 = (0.12 + 0.12 + 0.15) / 3 = 0.13;
    # a year earlier = Jan–Mar 2024 = (0.10 + 0.10 + 0.10) / 3 = 0.10. 0.03 ≥ max(0.005, 0.01): rising.
    rates = [0.10, 0.10, 0.10] + [0.50] * 9 + [0.12, 0.12, 0.15]
    trend = ChurnTrend.of(months(rates), "month")
    assert trend is not None
    assert trend.recent == pytest.approx(0.13)
    assert trend.year_before == pytest.approx(0.10)
    assert trend.direction == "rising"


@pytest.mark.parametrize(
    ("before", "recent", "direction"),
    [
        (0.10, 0.109, "flat"),  # 0.009 < 0.1 × 0.10 = 0.01
        (0.10, 0.089, "falling"),  # 0.011 ≥ 0.01
        (0.02, 0.024, "flat"),  # 0.004 < the 0.005 floor (a tenth of 2% would be 0.002)
        (0.02, 0.026, "rising"),  # 0.006 ≥ 0.005
    ],
)
def test_flat_means_within_half_a_point_or_a_tenth(before: float, recent: float, direction: str) -> None:
    trend = ChurnTrend.of(months([before] * 12 + [recent] * 3), "month")
    assert trend is not None and trend.direction == direction


def test_no_trend_without_a_year_of_measured_periods() -> None:
    # 15 months, but the first two are warm-up: January and February 2024 are not measured.
    assert ChurnTrend.of(months([0.1] * 15, warm_up=2), "month") is None
    assert ChurnTrend.of(months([0.1] * 14), "month") is None  # Dec 2023 would be needed


def test_the_top_known_cause_leaves_unknown_out_and_breaks_ties_in_cause_order() -> None:
    by_cause = pd.DataFrame(
        {
            "cause": ["dissatisfaction", "competitor", "forced", "other", "unknown"],
            "customers": [5, 7, 7, 1, 40],
            "share": [0.0833, 0.1167, 0.1167, 0.0167, 0.6667],
            "revenue_share": [0.1, 0.2, 0.1, 0.0, 0.6],
        }
    )
    top = top_known_cause(by_cause)
    assert top is not None and top["cause"] == "competitor"  # 7 = 7: competitor comes before forced
    assert top_known_cause(by_cause.assign(customers=[0, 0, 0, 0, 40])) is None


def test_the_tier_most_at_risk_needs_thirty_customers_at_the_start() -> None:
    periods = pd.concat(
        [
            months([0.05, 0.20], at_start=20, segment="platinum"),  # 20% but on 20 customers: not read
            months([0.05, 0.10], at_start=50, segment="gold"),  # 10% of 50 = 5
            months([0.05, 0.08], at_start=200, segment="lead"),
        ]
    )
    tier, figures = tier_most_at_risk(periods) or ("", None)
    assert tier == "gold"
    assert figures is not None
    assert (figures.churn_rate, figures.churned, figures.customers_at_start) == (0.10, 5, 50)
    assert figures.period_start == date(2024, 2, 1)
    assert tier_most_at_risk(periods[periods["segment"] == "platinum"]) is None


def figures(rate: float, churned: int, at_start: int) -> PeriodFigures:
    return PeriodFigures(date(2025, 12, 1), date(2026, 1, 1), at_start, 0, 0, churned, churned, 0, rate, 1 - rate, 0.0)


def test_the_overview_reading_in_both_languages() -> None:
    top = pd.Series({"cause": "dissatisfaction", "share": 0.186})
    trend = ChurnTrend(recent=0.099, year_before=0.094, direction="flat")
    current = figures(0.104, 288, 2760)
    risk = ("platinum", figures(0.12, 6, 50))
    assert overview_reading(current, trend, top, risk, "month") == (
        "Churn is 10.4% a month (288 of 2,760 customers in 2025-12). "
        "Over the last 3 months it averaged 9.9%, about the same as a year earlier (9.4%). "
        "Dissatisfaction is the largest known cause (18.6% of customers churned). "
        "Platinum churns most: 12.0% in 2025-12 (6 of 50)."
    )
    assert overview_reading(current, None, None, None, "month") == (
        "Churn is 10.4% a month (288 of 2,760 customers in 2025-12). "
        "There is less than a year of history to compare with. "
        "No churned customer has a known cause on record."
    )
    set_language("zh")
    assert overview_reading(current, trend, top, risk, "month") == (
        "流失率为每月 10.4%（2025年12月期初 2,760 位客户中流失 288 位）。"
        "最近 3 个月平均为 9.9%，与一年前同期（9.4%）大致持平。"
        "已知原因中最多的是不满（占流失客户的 18.6%）。"
        "流失最高的层级是白金：2025年12月 12.0%（50 位中流失 6 位）。"
    )


def test_the_trends_reading_covers_the_last_year_of_measured_periods() -> None:
    # 16 months from Jan 2024, the first a warm-up; the last 12 measured are May 2024 … Apr 2025:
    # 9 × 0.10 + 0.12 + 0.12 + 0.18 = 1.32, / 12 = 0.11. Trend: Feb–Apr 2025 = 0.42 / 3 = 0.14
    # against Feb–Apr 2024 = 0.10.
    rates = [0.0] + [0.10] * 12 + [0.12, 0.12, 0.18]
    periods = months(rates, warm_up=1)
    reading = trends_reading(periods, ChurnTrend.of(periods, "month"), "month")
    assert reading == (
        "Over the last 12 months churn averaged 11.0% a month, from 10.0% to 18.0%. "
        "Over the last 3 months it averaged 14.0%, up from 10.0% a year earlier."
    )


def test_the_causes_and_tiers_readings() -> None:
    by_cause = pd.DataFrame(
        {
            "cause": ["dissatisfaction", "competitor", "unknown"],
            "customers": [6, 2, 12],
            "share": [0.3, 0.1, 0.6],
            "revenue_share": [0.45, 0.05, 0.5],
        }
    )
    assert causes_reading(by_cause, top_known_cause(by_cause)) == (
        "Dissatisfaction is the largest known cause: 30.0% of the customers churned and 45.0% of the revenue lost. "
        "60.0% left without a known cause."
    )
    summary = pd.DataFrame(
        {
            "tier": ["platinum", "gold", "iron", "lead"],
            "customer_share": [0.01, 0.04, 0.15, 0.80],
            "value_share": [0.12, 0.20, 0.30, 0.38],
        }
    )
    # Platinum and gold: 1% + 4% = 5% of customers, 12% + 20% = 32% of revenue.
    assert tiers_reading(summary, "revenue", None, "month") == (
        "The top 5.0% of customers (platinum and gold) bring 32.0% of revenue."
    )
