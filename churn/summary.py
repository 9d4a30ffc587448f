"""The one-line reading at the top of each page: what its figures say, in words, in the page's
language. The findings are computed in churn.metrics (ChurnTrend, top_known_cause,
tier_most_at_risk); this module only words them. So are the sentences a page and the HTML
report (churn/report_html.py) both show: why there is no churn rate yet, the three measures of
loss, how far to trust the lifetime-value predictions."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from churn.clv import LifetimeModels
from churn.i18n import current_language, format_int, format_money, format_percent, format_period, t
from churn.metrics import AVERAGED, YEAR_BACK, ChurnTrend, LossTotals, PeriodFigures, churn_coverage, measured_periods
from churn.settings import Settings
from churn.workspace import DatasetInfo


def _join(parts: tuple[str, ...]) -> str:
    """Sentences one after the other: with a space in English, none in Chinese."""
    return ("" if current_language() == "zh" else " ").join(part for part in parts if part)


def _trend_words(trend: ChurnTrend | None, grain: str) -> str:
    if trend is None:
        return t("summary.trend_unknown")
    return t(
        "summary.trend",
        span=t(f"summary.span_{grain}", count=format_int(AVERAGED[grain])),
        recent=format_percent(trend.recent),
        direction=t(f"summary.trend_{trend.direction}", before=format_percent(trend.year_before)),
    )


def _cause_words(top_cause: pd.Series | None) -> str:
    if top_cause is None:
        return t("summary.no_known_cause")
    return t("summary.top_cause", cause=t(f"cause.{top_cause['cause']}"), share=format_percent(top_cause["share"]))


def _tier_words(risk: tuple[str, PeriodFigures] | None, grain: str) -> str:
    if risk is None:
        return ""
    tier, figures = risk
    return t(
        "summary.tier_at_risk",
        tier=t(f"tier.{tier}"),
        rate=format_percent(figures.churn_rate),
        churned=format_int(figures.churned),
        at_start=format_int(figures.customers_at_start),
        period=format_period(figures.period_start, grain),
    )


def overview_reading(
    current: PeriodFigures,
    trend: ChurnTrend | None,
    top_cause: pd.Series | None,
    risk: tuple[str, PeriodFigures] | None,
    grain: str,
) -> str:
    """ "Churn is 10.4% a month (288 of 2,760 customers in 2025-12), about the same as a year
    ago (10.1%). Dissatisfaction is the largest known cause (18.6% of customers churned).
    Platinum churns most: 12.0% in 2025-12 (6 of 50)." """
    sentence = t(
        "summary.overview",
        rate=format_percent(current.churn_rate),
        per=t(f"summary.per_{grain}"),
        churned=format_int(current.churned),
        at_start=format_int(current.customers_at_start),
        period=format_period(current.period_start, grain),
    )
    return _join((sentence, _trend_words(trend, grain), _cause_words(top_cause), _tier_words(risk, grain)))


def trends_reading(periods: pd.DataFrame, trend: ChurnTrend | None, grain: str) -> str:
    """ "Over the last 12 months churn averaged 10.0% a month, from 8.6% to 11.7%; about the
    same as a year ago (10.1%)." (the last year of measured periods, or fewer if that is all)"""
    last_year = measured_periods(periods).tail(YEAR_BACK[grain])
    rates = last_year["churn_rate"].astype(float)
    sentence = t(
        "summary.trends",
        span=t(f"summary.span_{grain}", count=format_int(len(last_year))),
        average=format_percent(rates.mean()),
        per=t(f"summary.per_{grain}"),
        low=format_percent(rates.min()),
        high=format_percent(rates.max()),
    )
    return _join((sentence, _trend_words(trend, grain)))


def causes_reading(by_cause: pd.DataFrame, top_cause: pd.Series | None) -> str:
    """ "Dissatisfaction is the largest known cause: 18.6% of the customers churned and 21.0% of
    the revenue lost. 57.5% left without a known cause." """
    unknown = by_cause.loc[by_cause["cause"] == "unknown", "share"]
    silent = t("summary.silent", share=format_percent(float(unknown.iloc[0]))) if not unknown.empty else ""
    if top_cause is None:
        return _join((t("summary.no_known_cause"), silent))
    first = t(
        "summary.causes",
        cause=t(f"cause.{top_cause['cause']}"),
        share=format_percent(top_cause["share"]),
        revenue_share=format_percent(top_cause["revenue_share"]),
    )
    return _join((first, silent))


def tiers_reading(summary: pd.DataFrame, basis_name: str, risk: tuple[str, PeriodFigures] | None, grain: str) -> str:
    """ "The top 5.0% of customers (platinum and gold) bring 38.2% of revenue. Platinum churns
    most: …" (platinum and gold: the tiers above iron)."""
    top = summary[summary["tier"].isin(("platinum", "gold"))]
    first = t(
        "summary.tiers",
        customers=format_percent(float(top["customer_share"].sum())),
        value=format_percent(float(top["value_share"].sum())),
        basis=basis_name,
    )
    return _join((first, _tier_words(risk, grain)))


def ltv_reading(values: pd.DataFrame, model_ok: bool, months: int, listed: int, at_risk: float) -> str:
    """ "Over the next 12 months platinum customers are worth ¥4,210 each and lead customers ¥95
    (purchase model, …). The early-warning list holds 312 customers with ¥88,400 at stake." (the
    first and last tier of ``values``, by the model's prediction or, without it, the formula)"""
    column = "predicted_revenue" if model_ok else "retained_value"
    rows = values.dropna(subset=[column])
    first = ""
    if len(rows) > 1:
        top, bottom = rows.iloc[0], rows.iloc[-1]
        first = t(
            "summary.ltv",
            months=months,
            top_tier=t(f"tier.{top['tier']}").lower(),
            top_value=format_money(top[column]),
            bottom_tier=t(f"tier.{bottom['tier']}").lower(),
            bottom_value=format_money(bottom[column]),
            method=t("summary.ltv_model" if model_ok else "summary.ltv_formula"),
        )
    return _join((first, t("summary.ltv_warning", count=format_int(listed), value=format_money(at_risk))))


def missing_churn(dataset: DatasetInfo, settings: Settings) -> str | None:
    """Why the data cannot show a churn rate under these settings, in one sentence with what to do
    about it; None when it can (``churn.metrics.churn_coverage``) or has no order dates at all."""
    if dataset.first_date is None or dataset.last_date is None:
        return None
    shown = settings.loss_window(dataset.first_date)
    coverage = churn_coverage(
        dataset.first_date, dataset.last_date, settings.as_of, settings.window_days, settings.grain, shown
    )
    if coverage.status == "ok":
        return None
    values = {
        "days": format_int(coverage.days_covered),
        "first": dataset.first_date.isoformat(),
        "last": min(dataset.last_date, settings.as_of).isoformat(),
        "window": settings.window_days,
        "grain": t(f"grain.{settings.grain}").lower(),
        "needed": format_int(coverage.days_needed),
        "as_of": settings.as_of.isoformat(),
        "earliest": coverage.earliest_as_of.isoformat(),
        "shown_from": shown[0].isoformat(),
        "shown_to": (shown[1] - timedelta(days=1)).isoformat(),
    }
    message = t(f"coverage.{coverage.status}", **values)
    if coverage.status == "too_short" and coverage.month_would_do:
        message += " " + t("coverage.month_would_do")
    return message


def loss_summary(dataset: DatasetInfo, settings: Settings, totals: LossTotals) -> str:
    """The three measures of loss of the view in one line (docs/metrics.md)."""
    as_of = settings.as_of.isoformat()
    if dataset.first_date is None:
        return t("measure.summary_list", lost_now=format_int(totals.lost_now), as_of=as_of)
    loss_from, loss_until = settings.loss_window(dataset.first_date)
    return t(
        "measure.summary",
        loss_from=loss_from.isoformat(),
        loss_to=(loss_until - timedelta(days=1)).isoformat(),
        events=t("measure.events_count", count=format_int(totals.churn_events)),
        churned=t("measure.churned_count", count=format_int(totals.churned_customers)),
        lost_now=t("measure.lost_now_count", count=format_int(totals.lost_now)),
        as_of=as_of,
    )


def ltv_trust(checked: LifetimeModels) -> str:
    """How far to trust the lifetime-value predictions, in one sentence: the purchase model's
    holdout check when it passed, or why there are no predictions."""
    validation = checked.validation
    if checked.status == "ok" and validation is not None:
        error = validation.relative_error
        if error is None or abs(error) < 0.005:
            how = t("ltv.trust_close")
        else:
            how = t("ltv.trust_fewer" if error < 0 else "ltv.trust_more", share=format_percent(abs(error), 0))
        return t(
            "ltv.trust_ok",
            calibration_end=validation.calibration_end.isoformat(),
            weeks=validation.holdout_weeks,
            predicted=format_int(validation.predicted_repeat_purchases),
            actual=format_int(validation.actual_repeat_purchases),
            how=how,
        )
    values: dict[str, object] = {
        "span": format_int(checked.details.get("span_days")),
        "needed": format_int(checked.details.get("needed_days")),
        "repeat": format_int(int((checked.summary["frequency"] > 0).sum())),
    }
    if validation is not None:
        values |= {
            "calibration_end": validation.calibration_end.isoformat(),
            "weeks": validation.holdout_weeks,
            "predicted": format_int(validation.predicted_repeat_purchases),
            "actual": format_int(validation.actual_repeat_purchases),
        }
    return t(f"ltv.status.{checked.status}", **values) + " " + t("ltv.no_predictions")
