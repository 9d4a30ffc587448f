"""Customer tiers: the pyramid, concentration, churn by tier and tier migration."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from churn.charts import TIER_COLOURS, churn_rate_by_segment, migration_sankey, tier_pyramid, value_curve
from churn.db import QueryError
from churn.export import csv_bytes
from churn.i18n import format_int, format_money, format_percent, format_period, money_label, t
from churn.metrics import losses_by_segment, tier_most_at_risk
from churn.page_data import Tiers
from churn.summary import tiers_reading
from churn.tiers import TIER_ORDER, TIERS, default_migration_windows, migration_matrix
from churn.ui import (
    current_settings,
    download_button,
    explain_missing_churn,
    lazy_tabs,
    session_workspace,
    show_query_error,
    whole,
)

workspace = session_workspace()
settings = current_settings()
data = Tiers(workspace, settings)
dataset = data.dataset
rule = settings.tier_rule
basis_name = t(f"basis.{rule.basis}").lower()
grain_name = t(f"grain.{settings.grain}").lower()

st.title(t("tiers.title"))
try:
    summary = data.summary
except QueryError as error:
    show_query_error(error)
    st.stop()
if summary.empty:
    st.info(t("tiers.no_customers"))
    st.stop()

sizes = dict(zip(summary["tier"], summary["customers"], strict=True))
st.caption(
    t(
        "tiers.rule",
        basis=basis_name,
        window=t(f"tier_window.{rule.window}").lower(),
        as_of=settings.as_of.isoformat(),
        customers=format_int(summary["customers"].sum()),
        **{tier: f"{share:g}" for tier, share in zip(TIERS, rule.shares, strict=True)},
        **{f"{tier}_n": format_int(sizes.get(tier, 0)) for tier in TIERS},
    )
)

# The answer first: the reading and the pyramid; the rest in tabs below.
try:
    risk = tier_most_at_risk(data.periods) if data.periods is not None else None
except QueryError:
    risk = None  # the churn tab shows what went wrong
st.info(tiers_reading(summary, basis_name, risk, settings.grain), icon=":material/lightbulb:")
st.plotly_chart(tier_pyramid(summary, basis_name), config={"displaylogo": False})

table_tab, concentration_tab, churn_tab, migration_tab = lazy_tabs(
    [
        t("tiers.tab_table"),
        t("tiers.concentration"),
        t("tiers.churn_title"),
        t("tiers.migration"),
    ],
    "tiers_tab",
)
# The table
if table_tab.open:
    with table_tab:
        table = pd.DataFrame(
            {
                t("tiers.col_tier"): [t(f"tier.{tier}") for tier in summary["tier"]],
                t("tiers.col_customers"): summary["customers"],
                t("tiers.col_customer_share"): summary["customer_share"] * 100,
                money_label(t("tiers.col_value", basis=t(f"basis.{rule.basis}"))): whole(summary["value"]),
                t("tiers.col_value_share", basis=basis_name): summary["value_share"] * 100,
                money_label(t("tiers.col_average")): whole(summary["average_value"]),
                money_label(t("tiers.col_median")): whole(summary["median_value"]),
                money_label(t("tiers.col_lifetime")): whole(summary["average_lifetime_revenue"]),
                t("tiers.col_lost"): summary["lost_customers"],
                t("tiers.col_lost_share"): summary["lost_share"] * 100,
            }
        )
        percent = st.column_config.NumberColumn(format="%.1f%%")
        money = st.column_config.NumberColumn(format="localized")
        if rule.window == "all" and rule.basis == "revenue":
            # The value is then the lifetime revenue itself: one column is enough.
            table = table.drop(columns=money_label(t("tiers.col_lifetime")))
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                t("tiers.col_customers"): st.column_config.NumberColumn(format="localized"),
                t("tiers.col_lost"): st.column_config.NumberColumn(format="localized"),
                t("tiers.col_customer_share"): percent,
                t("tiers.col_value_share", basis=basis_name): percent,
                t("tiers.col_lost_share"): percent,
                money_label(t("tiers.col_value", basis=t(f"basis.{rule.basis}"))): money,
                money_label(t("tiers.col_average")): money,
                money_label(t("tiers.col_median")): money,
                money_label(t("tiers.col_lifetime")): money,
            },
        )
        st.caption(t("tiers.table_caption", basis=basis_name))

# Concentration
if concentration_tab.open:
    with concentration_tab:
        left, right = st.columns(2)
        for column, (curve_basis, curves) in zip((left, right), data.value_curves.items(), strict=True):
            with column:
                if curves is None:
                    st.info(t("tiers.whale_no_cost"))
                    continue
                name = t(f"basis.{curve_basis}").lower()
                curve, concentration = curves.curve, curves.concentration
                title = t("tiers.curve_title", basis=name) if curve_basis == "revenue" else t("tiers.whale_title")
                st.plotly_chart(value_curve(curve, name, title), config={"displaylogo": False})
                if curve_basis == "revenue":
                    st.caption(
                        t(
                            "tiers.concentration_caption",
                            gini=concentration["gini"],
                            top1=format_percent(concentration["top_1_percent_share"]),
                            top20=format_percent(concentration["top_20_percent_share"]),
                            basis=name,
                        )
                    )
                else:
                    st.caption(
                        t(
                            "tiers.whale_caption",
                            negative=format_int(concentration["negative_customers"]),
                            negative_share=format_percent(
                                concentration["negative_customers"] / concentration["customers"]
                            ),
                            negative_value=format_money(-concentration["negative_value"]),
                            peak=format_percent(curve["cumulative_value_share"].max()),
                        )
                    )

# Churn by tier
if churn_tab.open:
    with churn_tab:
        if dataset.first_date is None:
            st.info(t("causes.trend_needs_dates"))
            st.stop()
        try:
            periods = data.periods
            assert periods is not None
        except QueryError as error:
            show_query_error(error)
            st.stop()
        last = data.last_period
        last_label = format_period(last.period_start, settings.grain) if last else "–"
        if explain_missing_churn(workspace, settings) or last is None:
            last = None  # too little history for a measured period: no empty chart, the message says what to do
        else:
            st.plotly_chart(
                churn_rate_by_segment(
                    periods, settings.grain, t("tiers.churn_chart_title", grain=grain_name), TIER_COLOURS
                ),
                config={"displaylogo": False},
            )
            losses = losses_by_segment(periods)
            losses = losses.sort_values("segment", key=lambda column: column.map(TIER_ORDER))
            churned = data.churned_by_tier
            st.dataframe(
                pd.DataFrame(
                    {
                        t("tiers.col_tier"): [t(f"tier.{segment}") for segment in losses["segment"]],
                        t("tiers.col_lost_total"): losses["churned_total"],
                        t("tiers.col_churned_customers"): [
                            int(churned.get(segment, 0)) for segment in losses["segment"]
                        ],
                        money_label(t("tiers.col_revenue_lost")): whole(losses["revenue_lost"]),
                        t("tiers.col_last_rate", period=last_label): losses["last_churn_rate"] * 100,
                        t("tiers.col_last_detail", period=last_label): [
                            f"{format_int(lost)} ÷ {format_int(base)}"
                            for lost, base in zip(losses["last_churned"], losses["last_at_start"], strict=True)
                        ],
                    }
                ),
                hide_index=True,
                column_config={
                    t("tiers.col_lost_total"): st.column_config.NumberColumn(format="localized"),
                    t("tiers.col_churned_customers"): st.column_config.NumberColumn(format="localized"),
                    money_label(t("tiers.col_revenue_lost")): st.column_config.NumberColumn(format="localized"),
                    t("tiers.col_last_rate", period=last_label): st.column_config.NumberColumn(format="%.1f%%"),
                },
            )
            st.caption(t("tiers.losses_caption", grain=grain_name, period=last_label))

        if last is not None:
            st.subheader(t("tiers.lost_valuable", period=last_label))
            lost = data.lost_valuable
            if lost is None or lost.empty:
                st.info(t("tiers.lost_valuable_none", period=last_label))
            else:
                shown = pd.DataFrame(
                    {
                        t("tiers.col_customer"): lost["customer_id"],
                        t("tiers.col_tier"): [t(f"tier.{tier}") for tier in lost["tier"]],
                        money_label(t("tiers.col_value", basis=t(f"basis.{rule.basis}"))): whole(lost["value"]),
                        t("tiers.col_orders"): lost["orders"],
                        t("tiers.col_last_order"): lost["last_order_date"].dt.date,
                        t("tiers.col_churn_date"): lost["churn_date"].dt.date,
                        t("tiers.col_region"): lost["region"],
                        t("tiers.col_reason"): lost["churn_reason"].fillna("–"),
                    }
                )
                st.dataframe(
                    shown,
                    hide_index=True,
                    column_config={
                        money_label(
                            t("tiers.col_value", basis=t(f"basis.{rule.basis}"))
                        ): st.column_config.NumberColumn(format="localized")
                    },
                )
                download_button(
                    t("tiers.download_lost"),
                    csv_bytes(shown),
                    file_name=f"lost-platinum-gold-{last.period_start.isoformat()}.csv",
                    mime="text/csv",
                )

# Migration
if migration_tab.open:
    with migration_tab:
        default_before, default_after = default_migration_windows(settings.as_of)
        left, right = st.columns(2)
        with left:
            before = st.date_input(
                t("tiers.migration_before"), value=default_before, max_value=settings.as_of, key="tiers_before"
            )
        with right:
            after = st.date_input(
                t("tiers.migration_after"),
                value=default_after,
                max_value=settings.as_of,
                help=t("tiers.migration_help"),
                key="tiers_after",
            )
        if not (isinstance(before, tuple) and len(before) == 2 and isinstance(after, tuple) and len(after) == 2):
            st.info(t("tiers.invalid_windows"))
            st.stop()
        windows: tuple[tuple[date, date], tuple[date, date]] = ((before[0], before[1]), (after[0], after[1]))
        moves, drops = data.migration(*windows)
        st.plotly_chart(migration_sankey(moves), config={"displaylogo": False})
        matrix = migration_matrix(moves)

        def label(name: str) -> str:
            return {"new": t("tiers.new"), "lost": t("tiers.lost"), "total": t("tiers.total")}.get(name) or t(
                f"tier.{name}"
            )

        st.caption(t("tiers.migration_matrix"))
        matrix = matrix.rename(index=label, columns=label).rename_axis(index=t("tiers.col_from"), columns=None)
        st.dataframe(matrix.style.format("{:,}"))
        st.caption(t("tiers.drops_caption", count=format_int(len(drops))))
        drops_table = pd.DataFrame(
            {
                t("tiers.col_customer"): drops["customer_id"],
                t("tiers.col_from"): [label(tier) for tier in drops["from_tier"]],
                t("tiers.col_to"): [label(tier) for tier in drops["to_tier"]],
                money_label(t("tiers.col_value_before")): whole(drops["value_before"]),
                money_label(t("tiers.col_value_after")): whole(drops["value_after"]),
            }
        )
        download_button(
            t("tiers.download_drops"),
            csv_bytes(drops_table),
            file_name="tier-drops.csv",
            mime="text/csv",
        )
