"""Headline figures derived from the period table (``queries/churn_by_period.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class PeriodFigures:
    """One row of churn_by_period as plain Python values."""

    period_start: date
    period_end: date
    customers_at_start: int
    new: int
    reactivated: int
    churned: int
    churned_total: int
    customers_at_end: int
    churn_rate: float | None
    retention_rate: float | None
    revenue_lost: float

    @classmethod
    def from_row(cls, row: pd.Series) -> PeriodFigures:
        def rate(value: object) -> float | None:
            return None if pd.isna(value) else float(value)  # type: ignore[arg-type]

        return cls(
            period_start=pd.Timestamp(row["period_start"]).date(),
            period_end=pd.Timestamp(row["period_end"]).date(),
            customers_at_start=int(row["customers_at_start"]),
            new=int(row["new"]),
            reactivated=int(row["reactivated"]),
            churned=int(row["churned"]),
            churned_total=int(row["churned_total"]),
            customers_at_end=int(row["customers_at_end"]),
            churn_rate=rate(row["churn_rate"]),
            retention_rate=rate(row["retention_rate"]),
            revenue_lost=float(row["revenue_lost"]),
        )


def last_complete_periods(periods: pd.DataFrame) -> tuple[PeriodFigures | None, PeriodFigures | None]:
    """The last complete period and the one before it (either may be None)."""
    complete = periods[periods["is_complete"]]
    if complete.empty:
        return None, None
    current = PeriodFigures.from_row(complete.iloc[-1])
    previous = PeriodFigures.from_row(complete.iloc[-2]) if len(complete) > 1 else None
    return current, previous


def change(current: float | None, previous: float | None) -> float | None:
    """current − previous, or None when either is unknown."""
    if current is None or previous is None:
        return None
    return current - previous


def losses_by_segment(periods: pd.DataFrame) -> pd.DataFrame:
    """Per segment of a ``churn_by_period`` result: customers and revenue lost over the periods
    shown, and the churn of the last complete period (churned, at start, rate)."""
    complete = periods[periods["is_complete"]]
    last_start = complete["period_start"].max() if not complete.empty else None
    totals = periods.groupby("segment", sort=False)[["churned_total", "revenue_lost"]].sum()
    last = (
        complete[complete["period_start"] == last_start]
        .set_index("segment")[["churned", "customers_at_start", "churn_rate"]]
        .rename(
            columns={"churned": "last_churned", "customers_at_start": "last_at_start", "churn_rate": "last_churn_rate"}
        )
    )
    return totals.join(last).reset_index()


# The three measures of loss (docs/metrics.md), each with its revenue lost, as the columns of
# queries/losses_by_cause_and_segment.sql.
LOSS_MEASURES = ("churn_events", "churned_customers", "lost_now")
REVENUE_LOST = {
    "churn_events": "revenue_lost_events",
    "churned_customers": "revenue_lost_churned",
    "lost_now": "revenue_lost_now",
}


@dataclass(frozen=True)
class LossTotals:
    """The three measures of loss of a view and their revenue lost."""

    churn_events: int
    churned_customers: int
    lost_now: int
    revenue_lost_events: float
    revenue_lost_churned: float
    revenue_lost_now: float

    @classmethod
    def from_losses(cls, losses: pd.DataFrame) -> LossTotals:
        """The totals of a losses_by_cause_and_segment result (every cause and segment added up)."""
        return cls(
            churn_events=int(losses["churn_events"].sum()),
            churned_customers=int(losses["churned_customers"].sum()),
            lost_now=int(losses["lost_now"].sum()),
            revenue_lost_events=float(losses["revenue_lost_events"].sum()),
            revenue_lost_churned=float(losses["revenue_lost_churned"].sum()),
            revenue_lost_now=float(losses["revenue_lost_now"].sum()),
        )


def losses_by(losses: pd.DataFrame, column: str, measure: str = "churned_customers") -> pd.DataFrame:
    """One measure of loss of a losses_by_cause_and_segment result per ``column`` ('cause' or
    'segment'), in the result's order: ``customers`` and ``revenue_lost`` of that measure, and
    each one's share of the total."""
    grouped = losses.groupby(column, sort=False)[[measure, REVENUE_LOST[measure]]].sum().reset_index()
    grouped.columns = [column, "customers", "revenue_lost"]
    total_customers, total_revenue = grouped["customers"].sum(), grouped["revenue_lost"].sum()
    grouped["share"] = grouped["customers"] / total_customers if total_customers else float("nan")
    grouped["revenue_share"] = grouped["revenue_lost"] / total_revenue if total_revenue else float("nan")
    return grouped
