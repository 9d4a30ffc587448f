"""Overview: the headline churn figures of the last complete period and the churn-rate trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from churn.charts import churn_rate_trend
from churn.db import QueryError
from churn.i18n import format_int, format_money, format_percent, format_period, t
from churn.metrics import ChurnTrend, change
from churn.page_data import Overview
from churn.summary import overview_reading
from churn.ui import (
    csv_download,
    current_settings,
    explain_missing_churn,
    percent,
    percent_label,
    periods_file_label,
    session_workspace,
    show_loss_summary,
    show_query_error,
    whole,
    yes_no,
)

workspace = session_workspace()
settings = current_settings()
data = Overview(workspace, settings)
dataset = data.dataset
grain_name = t(f"grain.{settings.grain}").lower()

st.title(t("overview.title"))
if dataset.first_date is None:
    # A customer list alone: who is lost, as listed, but no periods to compare without order dates.
    st.info(t("overview.customers_only"))
    status = data.status
    listed = st.columns(3)
    listed[0].metric(t("overview.listed"), format_int(status["customers"]), border=True)
    listed[1].metric(t("overview.listed_active"), format_int(status["active_customers"]), border=True)
    lost_share = int(status["lost_now"]) / max(int(status["customers"]), 1)
    listed[2].metric(t("overview.listed_lost"), format_int(status["lost_now"]), border=True)
    st.caption(t("overview.listed_lost_detail", share=format_percent(lost_share)))
    st.stop()
try:
    status = data.status
    periods = data.periods
    assert periods is not None
except QueryError as error:
    show_query_error(error)
    st.stop()

if int(status["customers"]) == 0:
    st.info(t("overview.no_data", as_of=settings.as_of.isoformat()))
    st.stop()
current, previous = data.last_periods
if explain_missing_churn(workspace, settings) or current is None:
    # What the data can tell without a churn rate.
    st.caption(t("overview.short_caption", as_of=settings.as_of.isoformat()))
    held = st.columns(4)
    held[0].metric(t("overview.customers"), format_int(status["customers"]), border=True)
    if dataset.orders is not None:
        held[1].metric(t("overview.orders"), format_int(dataset.orders), border=True)
    else:
        held[1].metric(t("overview.order_lines"), format_int(dataset.order_lines), border=True)
    held[2].metric(
        t("overview.revenue"),
        format_money(status["revenue"]),
        help=t("overview.revenue_help", as_of=settings.as_of.isoformat()),
        border=True,
    )
    held[3].metric(t("overview.active"), format_int(status["active_customers"]), border=True)
    st.stop()

period_label = format_period(current.period_start, settings.grain)
previous_label = format_period(previous.period_start, settings.grain) if previous else "–"
st.caption(
    t(
        "overview.caption",
        grain=grain_name,
        period=period_label,
        as_of=settings.as_of.isoformat(),
        window=settings.window_days,
    )
)


def signed(value: float | None, unit: str = "") -> str | None:
    if value is None:
        return None
    return f"{value:+,.1f}{unit}" if unit else f"{value:+,.0f}"


def signed_money(value: float | None) -> str | None:
    if value is None:
        return None
    return ("+" if round(value) > 0 else "") + format_money(value)


def points(current_rate: float | None, previous_rate: float | None) -> str | None:
    difference = change(current_rate, previous_rate)
    return None if difference is None else signed(difference * 100, " " + t("unit.percentage_points"))


st.info(
    overview_reading(
        current, ChurnTrend.of(periods, settings.grain), data.top_cause, data.tier_at_risk, settings.grain
    ),
    icon=":material/lightbulb:",
)
top = st.columns(3)
with top[0]:
    st.metric(
        t("overview.active"),
        format_int(status["active_customers"]),
        delta=signed(int(status["active_customers"]) - current.customers_at_start),
        help=t("overview.active_help", as_of=settings.as_of.isoformat(), period=period_label),
        border=True,
    )
with top[1]:
    st.metric(
        t("overview.churn_rate"),
        format_percent(current.churn_rate),
        delta=points(current.churn_rate, previous.churn_rate if previous else None),
        delta_color="inverse",
        help=t("overview.churn_rate_help", previous=previous_label),
        border=True,
    )
    st.caption(
        t(
            "overview.churn_rate_detail",
            churned=format_int(current.churned),
            at_start=format_int(current.customers_at_start),
        )
    )
with top[2]:
    st.metric(
        t("overview.retention_rate"),
        format_percent(current.retention_rate),
        delta=points(current.retention_rate, previous.retention_rate if previous else None),
        help=t("overview.retention_rate_help", previous=previous_label),
        border=True,
    )
    st.caption(
        t(
            "overview.retention_rate_detail",
            retained=format_int(current.customers_at_start - current.churned),
            at_start=format_int(current.customers_at_start),
        )
    )

bottom = st.columns(3)
with bottom[0]:
    st.metric(
        t("overview.revenue_lost"),
        format_money(current.revenue_lost),
        delta=signed_money(change(current.revenue_lost, previous.revenue_lost if previous else None)),
        delta_color="inverse",
        help=t("overview.revenue_lost_help", previous=previous_label),
        border=True,
    )
    st.caption(t("overview.revenue_lost_detail", customers=format_int(current.churned_total)))
with bottom[1]:
    st.metric(
        t("overview.new"),
        format_int(current.new),
        delta=signed(change(current.new, previous.new if previous else None)),
        help=t("overview.new_help", previous=previous_label),
        border=True,
    )
with bottom[2]:
    st.metric(
        t("overview.won_back"),
        format_int(current.won_back),
        delta=signed(change(current.won_back, previous.won_back if previous else None)),
        help=t("overview.won_back_help", previous=previous_label),
        border=True,
    )

st.caption(
    t(
        "overview.flow_caption",
        at_start=format_int(current.customers_at_start),
        new=format_int(current.new),
        won_back=format_int(current.won_back),
        churned_total=format_int(current.churned_total),
        at_end=format_int(current.customers_at_end),
        grain=grain_name,
    )
)
show_loss_summary(dataset, settings, data.loss_totals)
st.plotly_chart(churn_rate_trend(periods, settings.grain), config={"displaylogo": False})
if periods["is_warm_up"].any():
    st.caption(t("overview.warm_up_note", window=settings.window_days))
# The table behind the chart, the warm-up periods it leaves out marked.
csv_download(
    pd.DataFrame(
        {
            t("trends.col_period"): [
                format_period(pd.Timestamp(s).date(), settings.grain) for s in periods["period_start"]
            ],
            t("trends.col_at_start"): whole(periods["customers_at_start"]),
            t("trends.col_churned"): whole(periods["churned"]),
            percent_label(t("trends.col_churn_rate")): percent(periods["churn_rate"]),
            t("trends.col_warm_up"): yes_no(periods["is_warm_up"]),
        }
    ),
    f"churn-by-{settings.grain}-{periods_file_label(periods['period_start'], settings.grain)}.csv",
    "overview_csv",
)
