"""Headline figures derived from the period table (``queries/churn_by_period.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from churn.settings import next_period_start, period_start


@dataclass(frozen=True)
class PeriodFigures:
    """One row of churn_by_period as plain Python values."""

    period_start: date
    period_end: date
    customers_at_start: int
    new: int
    won_back: int
    churned: int
    churned_total: int
    customers_at_end: int
    churn_rate: float | None
    retention_rate: float | None
    revenue_lost: float

    @classmethod
    def from_row(cls, row: pd.Series) -> PeriodFigures:
        def rate(value: float | None) -> float | None:
            return None if pd.isna(value) else float(value)

        return cls(
            period_start=pd.Timestamp(row["period_start"]).date(),
            period_end=pd.Timestamp(row["period_end"]).date(),
            customers_at_start=int(row["customers_at_start"]),
            new=int(row["new"]),
            won_back=int(row["won_back"]),
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


@dataclass(frozen=True)
class ChurnCoverage:
    """Whether the data can show a churn rate under these settings, and if not, what would do.

    A churn rate needs a *measured* period: a complete period of the grain that starts at least W
    days after the first order (before that nobody can have been silent for W days: a warm-up
    period, whose churn is undercounted). ``status``:
      ok            a measured period lies within the periods shown
      too_short     the data is too short: even at its last order date no period is measured
                    (``days_needed`` of history from the first order are needed)
      as_of_early   the data is long enough but the as-of date is before ``earliest_as_of``
      out_of_range  the periods shown (the sidebar's range) hold no measured period
    """

    status: str
    days_covered: int
    days_needed: int
    earliest_as_of: date
    month_would_do: bool  # a monthly view would have a measured period (when the grain is longer)


def churn_coverage(
    first_date: date,
    last_date: date,
    as_of: date,
    window_days: int,
    grain: str,
    shown: tuple[date, date] | None = None,
) -> ChurnCoverage:
    """The coverage of churn for data from ``first_date`` to ``last_date`` (``shown``: the periods
    shown as [from, until), or all)."""

    def first_measured_end(period: str) -> date:
        earliest_start = first_date + timedelta(days=window_days)
        start = period_start(earliest_start, period)
        if start < earliest_start:
            start = next_period_start(start, period)
        return next_period_start(start, period)

    end = first_measured_end(grain)
    earliest_as_of = end - timedelta(days=1)
    days_covered = (min(as_of, last_date) - first_date).days + 1
    days_needed = (end - first_date).days
    month_would_do = grain != "month" and first_measured_end("month") <= min(as_of, last_date) + timedelta(days=1)
    if earliest_as_of > last_date and as_of < earliest_as_of:
        status = "too_short"
    elif as_of < earliest_as_of:
        status = "as_of_early"
    elif shown is not None and shown[1] <= end - _period_length_days(grain, end):
        status = "out_of_range"
    else:
        status = "ok"
    return ChurnCoverage(status, days_covered, days_needed, earliest_as_of, month_would_do)


def _period_length_days(grain: str, end: date) -> timedelta:
    """The length of the period that ends (exclusively) on ``end``."""
    return end - period_start(end - timedelta(days=1), grain)


# The readings of the summaries (churn.summary words them). How far back "a year ago" is, and
# how many periods are averaged at each end, per grain: three months, one quarter, one year.
YEAR_BACK = {"month": 12, "quarter": 4, "year": 1}
AVERAGED = {"month": 3, "quarter": 1, "year": 1}
# Customers at the start below which a rate is not read as a finding: one customer more or less
# moves it by over 3 points.
SMALL_BASE = 30


def measured_periods(periods: pd.DataFrame) -> pd.DataFrame:
    """The complete periods of a churn_by_period result that have a churn rate to read: past
    warm-up, with customers at the start."""
    return periods[periods["is_complete"] & ~periods["is_warm_up"] & (periods["customers_at_start"] > 0)]


@dataclass(frozen=True)
class ChurnTrend:
    """Churn now against a year before: the average churn rate of the last AVERAGED complete
    measured periods and of the same periods a year earlier, and which way it went."""

    recent: float
    year_before: float
    direction: str  # rising | falling | flat

    @staticmethod
    def of(periods: pd.DataFrame, grain: str) -> ChurnTrend | None:
        """The trend of a churn_by_period result (one segment); None without a year of
        measured periods before the last ones."""
        measured = measured_periods(periods)
        rates = measured.set_index(pd.to_datetime(measured["period_start"]))["churn_rate"].astype(float)
        if rates.empty:
            return None
        last = rates.index[-1]
        count, back = AVERAGED[grain], YEAR_BACK[grain]
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        recent_starts = [last - pd.DateOffset(months=months * step) for step in range(count)]
        before_starts = [start - pd.DateOffset(months=months * back) for start in recent_starts]
        if not all(start in rates.index for start in (*recent_starts, *before_starts)):
            return None
        recent = float(rates[recent_starts].mean())
        year_before = float(rates[before_starts].mean())
        # Flat: within half a point, or a tenth of the earlier rate when that is more (1 point on
        # a 10% churn): smaller moves are within what one period's noise does.
        if abs(recent - year_before) < max(0.005, 0.1 * year_before):
            direction = "flat"
        else:
            direction = "rising" if recent > year_before else "falling"
        return ChurnTrend(recent, year_before, direction)


def top_known_cause(by_cause: pd.DataFrame) -> pd.Series | None:
    """The known cause (not 'unknown') with the most customers churned in a ``losses_by(…,
    'cause')`` result; on a tie the first in the order dissatisfaction, competitor, forced,
    other. None when no churned customer has a known cause."""
    order = ("dissatisfaction", "competitor", "forced", "other")
    known = by_cause[by_cause["cause"].isin(order) & (by_cause["customers"] > 0)]
    if known.empty:
        return None
    ranked = known.assign(rank=known["cause"].map(order.index)).sort_values(
        ["customers", "rank"], ascending=[False, True]
    )
    return ranked.iloc[0]


def tier_most_at_risk(periods: pd.DataFrame) -> tuple[str, PeriodFigures] | None:
    """Of a churn_by_period result by tier, the last complete period of the tier with the highest
    churn rate among the tiers with at least SMALL_BASE customers at its start (a rate on fewer
    is too noisy to single a tier out), with the tier's name. None when no tier qualifies."""
    measured = measured_periods(periods)
    if measured.empty:
        return None
    last = measured[measured["period_start"] == measured["period_start"].max()]
    qualified = last[(last["customers_at_start"] >= SMALL_BASE) & (last["segment"] != "unranked")]
    if qualified.empty:
        return None
    row = qualified.sort_values("churn_rate", ascending=False, kind="stable").iloc[0]
    return str(row["segment"]), PeriodFigures.from_row(row)
