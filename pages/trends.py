"""Churn-rate trends: rates and flows by period, revenue churn, cohorts, survival, the effect
of the window W, and segments compared."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from churn.charts import (
    PRIMARY,
    TIER_COLOURS,
    churn_and_retention,
    churn_rate_by_segment,
    cohort_heatmap,
    customer_flow,
    revenue_and_customer_churn,
    survival_curves,
    window_sensitivity,
)
from churn.db import QueryError
from churn.i18n import format_int, format_money, format_percent, format_period, money_label, t
from churn.metrics import ChurnTrend, losses_by_segment
from churn.page_data import Trends
from churn.summary import trends_reading
from churn.tiers import TIERS
from churn.ui import (
    csv_download,
    current_settings,
    dimension_selectbox,
    explain_missing_churn,
    lazy_tabs,
    percent,
    percent_label,
    period_file_label,
    periods_file_label,
    session_workspace,
    show_query_error,
    whole,
    yes_no,
)

SMALL_COHORT = 30
SEGMENT_DIMENSIONS = ("tier", "region", "channel", "category", "segment")
SURVIVAL_SPLITS = ("all", "tier", "region", "channel", "cohort_year")

workspace = session_workspace()
settings = current_settings()
data = Trends(workspace, settings)
dataset = data.dataset
grain_name = t(f"grain.{settings.grain}").lower()
chart_config = {"displaylogo": False}


def segment_name(segment: str) -> str:
    return t(f"tier.{segment}") if segment in (*TIERS, "unranked") else str(segment)


st.title(t("trends.title"))
st.caption(t("trends.formula", window=settings.window_days))
if dataset.first_date is None:
    st.info(t("causes.trend_needs_dates"))
    st.stop()
try:
    periods, revenue = data.periods, data.revenue
    assert periods is not None and revenue is not None
except QueryError as error:
    show_query_error(error)
    st.stop()
last = data.last_period
if explain_missing_churn(workspace, settings) or last is None:
    st.stop()
last_label = format_period(last.period_start, settings.grain)
period_labels = [format_period(pd.Timestamp(s).date(), settings.grain) for s in periods["period_start"]]
# The span of the periods shown, in the names of the downloaded tables.
span = f"{settings.grain}-{periods_file_label(periods['period_start'], settings.grain)}"

# The answer first: the reading and the rates; the rest in tabs below.
st.info(trends_reading(periods, ChurnTrend.of(periods, settings.grain), settings.grain), icon=":material/lightbulb:")
st.plotly_chart(
    churn_and_retention(periods, settings.grain, t("trends.rates_title", grain=grain_name)), config=chart_config
)
csv_download(
    pd.DataFrame(
        {
            t("trends.col_period"): period_labels,
            t("trends.col_at_start"): whole(periods["customers_at_start"]),
            t("trends.col_churned"): whole(periods["churned"]),
            percent_label(t("trends.col_churn_rate")): percent(periods["churn_rate"]),
            percent_label(t("trends.col_retention_rate")): percent(periods["retention_rate"]),
            t("trends.col_warm_up"): yes_no(periods["is_warm_up"]),
        }
    ),
    f"churn-and-retention-by-{span}.csv",
    "trends_rates_csv",
)
table_tab, flow_tab, cohort_tab, survival_tab, sensitivity_tab, segment_tab = lazy_tabs(
    [
        t("trends.tab_table"),
        t("trends.tab_flows"),
        t("trends.tab_cohorts"),
        t("trends.tab_survival"),
        t("trends.tab_window"),
        t("trends.tab_segments"),
    ],
    "trends_tab",
)
table = pd.DataFrame(
    {
        t("trends.col_period"): period_labels,
        t("trends.col_at_start"): periods["customers_at_start"],
        t("trends.col_new"): periods["new"],
        t("trends.col_won_back"): periods["won_back"],
        t("trends.col_churned"): periods["churned"],
        t("trends.col_churned_total"): periods["churned_total"],
        t("trends.col_at_end"): periods["customers_at_end"],
        # Text, so that a period with nobody at its start shows "–" rather than an empty value.
        t("trends.col_churn_rate"): [format_percent(rate) for rate in periods["churn_rate"]],
        t("trends.col_retention_rate"): [format_percent(rate) for rate in periods["retention_rate"]],
        money_label(t("trends.col_revenue_lost")): whole(periods["revenue_lost"]),
        t("trends.col_warm_up"): periods["is_warm_up"],
    }
)
counts = {
    name: st.column_config.NumberColumn(format="localized")
    for name in (
        t("trends.col_at_start"),
        t("trends.col_new"),
        t("trends.col_won_back"),
        t("trends.col_churned"),
        t("trends.col_churned_total"),
        t("trends.col_at_end"),
        money_label(t("trends.col_revenue_lost")),
    )
}
if table_tab.open:
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=counts)
        st.caption(t("trends.table_caption", grain=grain_name))

# Flow and revenue churn
if flow_tab.open:
    with flow_tab:
        left, right = st.columns(2)
        with left:
            st.plotly_chart(
                customer_flow(periods, settings.grain, t("trends.flow_title", grain=grain_name)), config=chart_config
            )
            st.caption(t("trends.flow_caption"))
            flows = {
                t("trends.col_period"): period_labels,
                t("trends.col_at_start"): whole(periods["customers_at_start"]),
                t("trends.col_new"): whole(periods["new"]),
                t("trends.col_won_back"): whole(periods["won_back"]),
                t("trends.col_churned_total"): whole(periods["churned_total"]),
                t("trends.col_at_end"): whole(periods["customers_at_end"]),
            }
            csv_download(pd.DataFrame(flows), f"customer-flow-by-{span}.csv", "trends_flow_csv")
        with right:
            st.plotly_chart(revenue_and_customer_churn(periods, revenue, settings.grain), config=chart_config)
            last_revenue = revenue[revenue["period_start"] == pd.Timestamp(last.period_start)].iloc[0]
            st.caption(
                t(
                    "trends.revenue_caption",
                    grain=grain_name,
                    period=last_label,
                    lost=format_money(last_revenue["revenue_lost"]),
                    base=format_money(last_revenue["revenue_base"]),
                    rate=format_percent(last_revenue["revenue_churn_rate"]),
                )
            )
            by_period = periods[["period_start", "churn_rate"]].merge(revenue, on="period_start", how="left")
            csv_download(
                pd.DataFrame(
                    {
                        t("trends.col_period"): period_labels,
                        money_label(t("trends.col_revenue_base")): whole(by_period["revenue_base"]),
                        money_label(t("trends.col_revenue_churned")): whole(by_period["revenue_lost"]),
                        percent_label(t("trends.revenue_churn")): percent(by_period["revenue_churn_rate"]),
                        percent_label(t("chart.churn_rate")): percent(by_period["churn_rate"]),
                    }
                ),
                f"revenue-churn-by-{span}.csv",
                "trends_revenue_csv",
            )

# Cohorts
if cohort_tab.open:
    with cohort_tab:
        cohort_grain = st.radio(
            t("trends.cohort_grain"),
            ("month", "quarter"),
            format_func=lambda g: t(f"grain.{g}"),
            index=1,
            horizontal=True,
            key="trends_cohort_grain",
        )
        cohorts = data.cohorts(str(cohort_grain))
        st.plotly_chart(cohort_heatmap(cohorts, str(cohort_grain), SMALL_COHORT), config=chart_config)
        st.caption(t("trends.cohort_caption", grain=t(f"grain.{cohort_grain}").lower(), minimum=SMALL_COHORT))
        csv_download(
            pd.DataFrame(
                {
                    t("trends.col_cohort"): [
                        format_period(pd.Timestamp(s).date(), str(cohort_grain)) for s in cohorts["cohort_start"]
                    ],
                    t("trends.col_cohort_customers"): whole(cohorts["cohort_customers"]),
                    t("trends.cohort_x", grain=t(f"grain.{cohort_grain}").lower()): cohorts["periods_since"],
                    t("overview.active"): whole(cohorts["active_customers"]),
                    percent_label(t("trends.survival_y")): percent(cohorts["share_active"]),
                }
            ),
            f"cohort-retention-by-{cohort_grain}-as-of-{settings.as_of.isoformat()}.csv",
            "trends_cohort_csv",
        )

if survival_tab.open:
    with survival_tab:
        split = dimension_selectbox(t("trends.survival_split"), SURVIVAL_SPLITS, "trends_survival_split")
        survival = data.survival(str(split))
        labels = {"all": t("dimension.all"), **{tier: t(f"tier.{tier}") for tier in (*TIERS, "unranked")}}
        st.plotly_chart(survival_curves(survival, labels, {**TIER_COLOURS, "all": PRIMARY}), config=chart_config)
        st.caption(t("trends.survival_caption"))
        # As the chart draws them: the share still active at the end of each month.
        survival_name = "of-all-customers" if split == "all" else f"by-{split}"
        csv_download(
            pd.DataFrame(
                {
                    t("trends.col_segment"): [labels.get(str(s), str(s)) for s in survival["segment"]],
                    t("trends.survival_x"): survival["months"] + 1,
                    t("trends.col_at_risk"): whole(survival["at_risk"]),
                    t("trends.col_first_churns"): whole(survival["events"]),
                    t("trends.col_censored"): whole(survival["censored"]),
                    percent_label(t("trends.survival_y")): percent(survival["survival"]),
                }
            ),
            f"survival-{survival_name}-as-of-{settings.as_of.isoformat()}.csv",
            "trends_survival_csv",
        )

# Sensitivity to W
if sensitivity_tab.open:
    with sensitivity_tab:
        with st.spinner(t("trends.sensitivity_working"), show_time=True):
            sensitivity = data.sensitivity
        if not sensitivity.empty:
            st.plotly_chart(
                window_sensitivity(
                    sensitivity, settings.window_days, t("trends.sensitivity_chart_title", period=last_label)
                ),
                config=chart_config,
            )
            suggestion = data.window_suggestion
            current_share = sensitivity.loc[sensitivity["window_days"] == settings.window_days, "share_within"].iloc[0]
            st.caption(
                t(
                    "trends.sensitivity_caption",
                    suggested=suggestion.days,
                    p95=suggestion.p95_gap_days or 0,
                    window=settings.window_days,
                    share=format_percent(current_share),
                )
            )
            csv_download(
                pd.DataFrame(
                    {
                        t("trends.sensitivity_x"): sensitivity["window_days"],
                        t("trends.col_at_start"): whole(sensitivity["customers_at_start"]),
                        t("trends.col_churned"): whole(sensitivity["churned"]),
                        percent_label(t("trends.col_churn_rate")): percent(sensitivity["churn_rate"]),
                        percent_label(t("trends.col_share_within")): percent(sensitivity["share_within"]),
                    }
                ),
                f"churn-by-window-{period_file_label(last.period_start, settings.grain)}.csv",
                "trends_sensitivity_csv",
            )

# Segments compared
if segment_tab.open:
    with segment_tab:
        dimension = dimension_selectbox(t("trends.segments_dimension"), SEGMENT_DIMENSIONS, "trends_segment_dimension")
        segments = data.segments(str(dimension))
        assert segments is not None
        by_segment, churned = segments.periods, segments.churned_customers
        title = t("trends.segments_chart_title", dimension=t(f"dimension.{dimension}").lower(), grain=grain_name)
        st.plotly_chart(churn_rate_by_segment(by_segment, settings.grain, title, TIER_COLOURS), config=chart_config)
        csv_download(
            pd.DataFrame(
                {
                    t("trends.col_segment"): [segment_name(s) for s in by_segment["segment"]],
                    t("trends.col_period"): [
                        format_period(pd.Timestamp(s).date(), settings.grain) for s in by_segment["period_start"]
                    ],
                    t("trends.col_at_start"): whole(by_segment["customers_at_start"]),
                    t("trends.col_churned"): whole(by_segment["churned"]),
                    percent_label(t("trends.col_churn_rate")): percent(by_segment["churn_rate"]),
                    t("trends.col_churned_total"): whole(by_segment["churned_total"]),
                    t("trends.col_warm_up"): yes_no(by_segment["is_warm_up"]),
                }
            ),
            f"churn-by-{dimension}-by-{span}.csv",
            "trends_segments_csv",
        )
        ranking = losses_by_segment(by_segment).sort_values("last_churn_rate", ascending=False)
        st.dataframe(
            pd.DataFrame(
                {
                    t("trends.col_segment"): [segment_name(s) for s in ranking["segment"]],
                    t("tiers.col_last_rate", period=last_label): ranking["last_churn_rate"] * 100,
                    t("tiers.col_last_detail", period=last_label): [
                        f"{format_int(lost)} ÷ {format_int(base)}"
                        for lost, base in zip(ranking["last_churned"], ranking["last_at_start"], strict=True)
                    ],
                    t("tiers.col_lost_total"): ranking["churned_total"],
                    t("tiers.col_churned_customers"): [int(churned.get(segment, 0)) for segment in ranking["segment"]],
                    money_label(t("tiers.col_revenue_lost")): whole(ranking["revenue_lost"]),
                }
            ),
            hide_index=True,
            column_config={
                t("tiers.col_last_rate", period=last_label): st.column_config.NumberColumn(format="%.1f%%"),
                t("tiers.col_lost_total"): st.column_config.NumberColumn(format="localized"),
                t("tiers.col_churned_customers"): st.column_config.NumberColumn(format="localized"),
                money_label(t("tiers.col_revenue_lost")): st.column_config.NumberColumn(format="localized"),
            },
        )
        st.caption(t("trends.segments_caption", grain=grain_name, period=last_label))
