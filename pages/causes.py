"""Churn causes: why customers leave — dissatisfaction, competitor, forced — and the editable
mapping from raw reasons to those classes."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from churn.causes import CAUSES, merge_overrides, overrides_from_edits, read_overrides
from churn.charts import cause_breakdown, cause_heatmap, cause_reasons, cause_trend
from churn.db import QueryError
from churn.export import csv_bytes
from churn.i18n import format_int, format_money, format_percent, t
from churn.metrics import top_known_cause
from churn.page_data import Causes
from churn.summary import causes_reading
from churn.ui import (
    current_settings,
    dimension_selectbox,
    download_button,
    explain_missing_churn,
    file_uploader,
    lazy_tabs,
    markdown_text,
    session_workspace,
    show_loss_summary,
    show_query_error,
    whole,
)

DIMENSIONS = ("tier", "region", "channel", "category", "segment")
EDITOR_VERSION = "causes_editor_version"

workspace = session_workspace()
settings = current_settings()
data = Causes(workspace, settings)
dataset = data.dataset
loss_from, loss_until = settings.loss_window(dataset.first_date)
loss_to = loss_until - timedelta(days=1)
grain_name = t(f"grain.{settings.grain}").lower()

st.title(t("causes.title"))
if dataset.first_date is None:  # a customer list alone: every lost customer on it, whatever the date
    st.caption(t("causes.caption_list"))
else:
    st.caption(t("causes.caption", loss_from=loss_from, loss_to=loss_to))
try:
    totals = data.loss_totals
except QueryError as error:
    show_query_error(error)
    st.stop()
by_cause = data.by_cause
lost_total = totals.churned_customers
reasons = data.reasons
if reasons.empty and lost_total:
    st.warning(t("causes.no_reason_column", customers=format_int(lost_total)))
if lost_total == 0:
    if dataset.first_date is None:
        st.info(t("causes.no_lost_list", as_of=settings.as_of.isoformat()))
    elif explain_missing_churn(workspace, settings):
        pass  # too little history for churn: the message says what to do
    elif totals.lost_now:
        st.info(t("causes.no_lost", loss_from=loss_from, loss_to=loss_to, lost_now=format_int(totals.lost_now)))
    else:
        st.info(t("causes.no_lost_at_all", as_of=settings.as_of.isoformat(), window=settings.window_days))
    st.stop()
show_loss_summary(dataset, settings, totals)

# One card per class; the unknown share is a figure of its own ("silent churn").
for column, row in zip(st.columns(len(CAUSES)), by_cause.itertuples(), strict=True):
    with column:
        is_silent = row.cause == "unknown"
        st.metric(
            t("causes.silent") if is_silent else t(f"cause.{row.cause}"),
            format_percent(row.share),
            help=t("causes.silent_help") if is_silent else t("causes.metric_help"),
            border=True,
        )
        st.caption(t("causes.metric_customers", customers=format_int(row.customers)))
        st.caption(t("causes.revenue_lost", revenue=format_money(row.revenue_lost)))

st.info(causes_reading(by_cause, top_known_cause(by_cause)), icon=":material/lightbulb:")
left, right = st.columns(2)
with left:
    st.plotly_chart(cause_breakdown(by_cause), config={"displaylogo": False})
with right:
    st.plotly_chart(cause_reasons(data.churned_by_reason), config={"displaylogo": False})

trend_tab, segment_tab, rival_tab, mapping_tab = lazy_tabs(
    [
        t("causes.tab_trend"),
        t("causes.tab_segments"),
        t("causes.accumulation_title"),
        t("causes.mapping_title"),
    ],
    "causes_tab",
)
# Trend by cause
if trend_tab.open:
    with trend_tab:
        by_period = data.by_period
        if by_period is None:
            st.info(t("causes.trend_needs_dates"))
        else:
            left, right = st.columns(2)
            with left:
                title = t("causes.trend_title", grain=grain_name)
                st.plotly_chart(cause_trend(by_period, settings.grain, "churned", title), config={"displaylogo": False})
            with right:
                title = t("causes.trend_share_title", grain=grain_name)
                st.plotly_chart(cause_trend(by_period, settings.grain, "share", title), config={"displaylogo": False})
            st.caption(t("causes.trend_caption"))

# Cause x tier / segment
if segment_tab.open:
    with segment_tab:
        left, right = st.columns(2)
        with left:
            dimension = dimension_selectbox(t("causes.heatmap_dimension"), DIMENSIONS, "causes_dimension")
        with right:
            measure = st.radio(
                t("causes.heatmap_measure"),
                ("customers", "revenue_lost"),
                format_func=lambda m: t("causes.customers") if m == "customers" else t("causes.revenue"),
                horizontal=True,
                key="causes_measure",
            )
        heat = data.by_segment(str(dimension))
        labels = (
            {tier: t(f"tier.{tier}") for tier in ("platinum", "gold", "iron", "lead", "unranked")}
            if dimension == "tier"
            else {}
        )
        measure_name = t("causes.customers") if measure == "customers" else t("causes.revenue")
        st.plotly_chart(
            cause_heatmap(
                heat,
                measure,
                t("causes.heatmap_title", measure=measure_name, dimension=t(f"dimension.{dimension}").lower()),
                labels,
            ),
            config={"displaylogo": False},
        )

# Competitor losses as relative position
if rival_tab.open:
    with rival_tab:
        rival = data.rival_effect
        if rival is None:
            st.info(t("causes.accumulation_none"))
        else:
            basis_name = t(f"basis.{rival.basis}").lower()
            effect = rival.effect
            last = effect.iloc[-1]
            st.caption(
                t(
                    "causes.accumulation_caption",
                    lost=format_int(rival.lost),
                    before=format_int(rival.ours + rival.lost),
                    ours=format_int(last["our_customers"]),
                    theirs=format_int(last["rival_customers"]),
                    profit=format_money(rival.profit),
                    basis=basis_name,
                    gap=format_money(last["profit_gap"]),
                )
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        t("causes.col_lost"): effect["lost"],
                        t("causes.col_ours"): effect["our_customers"],
                        t("causes.col_our_share"): effect["our_share"] * 100,
                        t("causes.col_our_profit", basis=basis_name): whole(effect["our_profit"]),
                        t("causes.col_theirs"): effect["rival_customers"],
                        t("causes.col_their_share"): effect["rival_share"] * 100,
                        t("causes.col_their_profit", basis=basis_name): whole(effect["rival_profit"]),
                        t("causes.col_gap"): whole(effect["profit_gap"]),
                        t("causes.col_ratio"): effect["rival_to_us"].round(2),
                    }
                ),
                hide_index=True,
                column_config={
                    t("causes.col_our_share"): st.column_config.NumberColumn(format="%.1f%%"),
                    t("causes.col_their_share"): st.column_config.NumberColumn(format="%.1f%%"),
                    **{
                        name: st.column_config.NumberColumn(format="localized")
                        for name in (
                            t("causes.col_lost"),
                            t("causes.col_ours"),
                            t("causes.col_theirs"),
                            t("causes.col_our_profit", basis=basis_name),
                            t("causes.col_their_profit", basis=basis_name),
                            t("causes.col_gap"),
                        )
                    },
                },
            )

# The editable mapping
if mapping_tab.open:
    with mapping_tab:
        st.caption(t("causes.mapping_caption"))
        if reasons.empty:
            st.stop()

        def why(row: pd.Series) -> str:
            if row["is_edited"]:
                return t("causes.why_edited", cause=t(f"cause.{row['automatic_cause']}"))
            if row["keyword"] is None or pd.isna(row["keyword"]):
                return t("causes.why_none")
            return t("causes.why_keyword", keyword=row["keyword"], column=t(f"causes.column_{row['column']}"))

        cause_column = t("causes.col_cause")
        shown = pd.DataFrame(
            {
                t("causes.col_reason"): reasons["reason"].fillna(""),
                t("causes.col_category"): reasons["category"].fillna(""),
                t("causes.col_customers"): reasons["customers"],
                t("causes.col_lost_customers"): reasons["lost_customers"],
                cause_column: reasons["cause"],
                t("causes.col_why"): [why(row) for _, row in reasons.iterrows()],
            }
        )
        version = st.session_state.setdefault(EDITOR_VERSION, 0)
        editor_key = f"causes_editor_{version}"

        def apply_edits() -> None:
            """Turn the editor's changed rows into overrides of the rules, then start a fresh editor."""
            edits = {
                int(position): change[cause_column]
                for position, change in st.session_state[editor_key]["edited_rows"].items()
                if change.get(cause_column)
            }
            workspace.set_reason_overrides(overrides_from_edits(reasons, edits, workspace.reason_overrides))
            st.session_state[EDITOR_VERSION] = version + 1

        st.data_editor(
            shown,
            hide_index=True,
            disabled=[column for column in shown.columns if column != cause_column],
            column_config={
                cause_column: st.column_config.SelectboxColumn(
                    options=list(CAUSES), format_func=lambda cause: t(f"cause.{cause}"), required=True
                ),
                t("causes.col_customers"): st.column_config.NumberColumn(format="localized"),
                t("causes.col_lost_customers"): st.column_config.NumberColumn(format="localized"),
            },
            key=editor_key,
            on_change=apply_edits,
        )
        left, middle, right = st.columns(3)
        with left:
            mapping = reasons[["reason", "category", "cause", "automatic_cause", "customers", "lost_customers"]]
            download_button(
                t("causes.download_mapping"),
                csv_bytes(mapping),
                file_name="reason-mapping.csv",
                mime="text/csv",
            )
        with middle:
            if workspace.reason_overrides and st.button(t("causes.reset_mapping")):
                workspace.set_reason_overrides({})
                st.session_state[EDITOR_VERSION] = version + 1
                st.rerun()
        with right:
            upload = file_uploader(t("causes.upload_mapping"), f"causes_upload_{version}", ["csv"])
            if upload is not None:
                try:
                    overrides = read_overrides(
                        pd.read_csv(upload, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                    )
                except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as problem:
                    st.error(t("causes.upload_error", problem=markdown_text(str(problem))))
                else:
                    workspace.set_reason_overrides(merge_overrides(reasons, workspace.reason_overrides, overrides))
                    st.session_state[EDITOR_VERSION] = version + 1
                    st.session_state["causes_flash"] = t("causes.upload_done", count=format_int(len(overrides)))
                    st.rerun()
        if "causes_flash" in st.session_state:
            st.success(st.session_state.pop("causes_flash"))
