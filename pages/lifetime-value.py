"""Lifetime value: first the answer — what one customer of each tier is worth, how far to trust
it, and whom to call first — then the model's check, the realised value and the model itself."""

from __future__ import annotations

import contextvars
from dataclasses import replace
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from churn.charts import first_order_heatmap, tracking_chart, value_boxes
from churn.clv import LifetimeModels, default_holdout_weeks, usual_gaps_days
from churn.export import csv_bytes
from churn.i18n import format_int, format_money, format_percent, money_label, t
from churn.page_data import LifetimeValue
from churn.summary import ltv_reading, ltv_trust
from churn.tiers import TIERS
from churn.ui import (
    current_settings,
    dimension_selectbox,
    download_button,
    explain_missing_churn,
    session_workspace,
    whole,
)
from churn.value import monthly_rate

SPLITS = ("tier", "cohort", "region", "channel", "all")

workspace = session_workspace()
settings = current_settings()
data = LifetimeValue(workspace, settings)
dataset = data.dataset
tier_labels = {tier: t(f"tier.{tier}") for tier in (*TIERS, "unranked")} | {"all": t("dimension.all")}
chart_config = {"displaylogo": False}
money = st.column_config.NumberColumn(format="localized")


def realised_value() -> None:
    """Revenue (and margin) of every order to date, by group: what customers have been worth."""
    st.subheader(t("ltv.historical"))
    split = dimension_selectbox(t("ltv.split"), SPLITS, "ltv_split")
    distribution = data.distribution(str(split))
    st.plotly_chart(
        value_boxes(distribution, t("ltv.box_title", dimension=t(f"dimension.{split}").lower()), tier_labels),
        config=chart_config,
    )
    st.caption(t("ltv.box_caption"))
    comparison = {
        t("ltv.col_segment"): [tier_labels.get(s, s) for s in distribution["segment"]],
        t("ltv.col_customers"): distribution["customers"],
        money_label(t("ltv.col_average")): whole(distribution["average_revenue"]),
        money_label(t("ltv.col_median")): whole(distribution["median_revenue"]),
        money_label(t("ltv.col_total")): whole(distribution["total_revenue"]),
    }
    if distribution["average_margin"].notna().any():
        comparison[t("ltv.col_average_margin")] = whole(distribution["average_margin"])
        comparison[t("ltv.col_median_margin")] = whole(distribution["median_margin"])
    st.dataframe(
        pd.DataFrame(comparison),
        hide_index=True,
        column_config={name: money for name in comparison if name != t("ltv.col_segment")},
    )


def trust_sentence(checked: LifetimeModels) -> None:
    """How far to trust the predictions, in one sentence: the holdout check, or why there are none."""
    if checked.status == "ok" and checked.validation is not None:
        st.success(ltv_trust(checked), icon=":material/verified:")
    else:
        st.info(ltv_trust(checked), icon=":material/block:")


st.title(t("ltv.title"))
if dataset.first_date is None:
    # A customer list alone: no purchase dates, so no purchase model; the formula from tenure.
    st.info(t("ltv.needs_orders"))
    realised_value()
    discount = float(st.number_input(t("ltv.discount"), 0.0, 30.0, 10.0, step=0.5, key="ltv_discount")) / 100
    formula = data.formula(discount)
    if formula is not None and not formula.empty:
        st.dataframe(
            pd.DataFrame(
                {
                    t("ltv.col_tier"): [tier_labels.get(s, s) for s in formula["tier"]],
                    t("ltv.col_customers"): formula["customers"],
                    t("ltv.col_m", basis=t("basis.revenue").lower()): formula["revenue_per_month"].round(2),
                    t("ltv.col_retention"): [format_percent(r) for r in formula["monthly_retention"]],
                    money_label(t("ltv.col_classic", basis=t("basis.revenue").lower())): whole(formula["formula_ltv"]),
                }
            ),
            hide_index=True,
        )
        st.caption(t("ltv.formula_customers_caption"))
    st.stop()

# The answer: what one customer of each tier is worth, and how far to trust it
left, middle, right = st.columns(3)
with left:
    horizon = int(st.slider(t("ltv.horizon"), 1, 60, 12, key="ltv_horizon"))
with middle:
    discount = float(st.number_input(t("ltv.discount"), 0.0, 30.0, 10.0, step=0.5, key="ltv_discount")) / 100
span_days = (settings.as_of - dataset.first_date).days + 1
with right:
    span_weeks = max(2, span_days // 7)
    holdout = int(
        st.number_input(
            t("ltv.holdout"),
            1,
            span_weeks - 1,
            value=min(default_holdout_weeks(span_days), span_weeks - 1),
            help=t("ltv.holdout_help"),
            key="ltv_holdout",
        )
    )
with st.spinner(t("ltv.fitting"), show_time=True):
    tier_values = data.values(horizon, discount, holdout)
assert tier_values is not None
checked, values, use_margin = tier_values.checked, tier_values.values, tier_values.use_margin
basis = t("basis.margin" if use_margin else "basis.revenue").lower()
st.caption(t("ltv.caption", as_of=settings.as_of.isoformat(), months=horizon, discount=format_percent(discount, 1)))
trust_sentence(checked)
model_ok = checked.status == "ok"
if values["retained_value"].isna().all() and not model_ok:
    # Neither method has what it needs: the retention formula needs measured churn too.
    explain_missing_churn(workspace, replace(settings, grain="month"))
    realised_value()
    st.stop()
reading = st.empty()  # filled in once the early-warning list is known
# One card per tier: what one customer is worth, by the method that fits the question.
for column, row in zip(st.columns(len(values)), values.itertuples(), strict=True):
    with column:
        label = t("ltv.card_label", tier=t(f"tier.{row.tier}"), customers=format_int(row.customers))
        retained = t("ltv.card_retained", value=format_money(row.retained_value), basis=basis, months=horizon)
        if model_ok:
            st.metric(
                label, format_money(row.predicted_revenue), help=t("ltv.card_model_help", months=horizon), border=True
            )
            st.caption(t("ltv.card_model", months=horizon, alive=format_percent(row.probability_alive, 0)))
            st.caption(retained)
        else:
            st.metric(label, format_money(row.retained_value), help=t("ltv.card_formula_help"), border=True)
            st.caption(retained)
table: dict[str, object] = {
    t("ltv.col_tier"): [t(f"tier.{tier}") for tier in values["tier"]],
    t("ltv.col_customers"): values["customers"],
}
if model_ok:
    table[money_label(t("ltv.col_predicted", months=horizon))] = whole(values["predicted_revenue"])
    table[t("ltv.col_alive")] = [format_percent(p) for p in values["probability_alive"]]
table[t("ltv.col_retained", months=horizon, basis=basis)] = whole(values["retained_value"])
table[t("ltv.col_m", basis=basis)] = values["value_per_month"].round(2)
table[t("ltv.col_retention")] = [format_percent(r) for r in values["monthly_retention"]]
with st.expander(t("ltv.all_figures")):
    st.dataframe(
        pd.DataFrame(table),
        hide_index=True,
        column_config={
            name: money
            for name in (
                t("ltv.col_customers"),
                money_label(t("ltv.col_predicted", months=horizon)),
                t("ltv.col_retained", months=horizon, basis=basis),
            )
        },
    )
st.caption(t("ltv.which_to_use" if model_ok else "ltv.which_to_use_formula", months=horizon))

# Who to call first
warning_tab, check_tab, realised_tab, first_tab, model_tab = st.tabs(
    [
        t("ltv.tab_warning"),
        t("ltv.tab_check"),
        t("ltv.tab_realised"),
        t("ltv.tab_first"),
        t("ltv.tab_model"),
    ]
)
with warning_tab:
    left, right = st.columns(2)
    with left:
        factor = float(
            st.slider(t("ltv.silence_factor"), 1.0, 5.0, 2.0, step=0.5, format="%.1f×", key="ltv_silence_factor")
        )
    threshold = None
    with right:
        if model_ok:
            threshold = float(st.slider(t("ltv.alive_threshold"), 0, 100, 50, step=5, key="ltv_threshold")) / 100
    warned = data.early_warning(horizon, discount, holdout, factor, threshold)
    assert warned is not None
    _, typical_gap = usual_gaps_days(checked.summary)
    rule = t("ltv.rule_silence", factor=f"{factor:g}", typical=format_int(typical_gap))
    if threshold is not None:
        rule += " " + t("ltv.rule_alive", threshold=format_percent(threshold, 0))
    order = t("ltv.rule_order_model" if model_ok else "ltv.rule_order_history")
    reading.info(
        ltv_reading(values, model_ok, horizon, len(warned), float(warned["value_at_risk"].sum())),
        icon=":material/lightbulb:",
    )
    st.caption(t("ltv.rule", rule=rule, count=format_int(len(warned))) + " " + order)

    def why_listed(row: dict[str, Any]) -> str:
        reasons = []
        if row["is_silent"]:
            reasons.append(
                t(
                    "ltv.why_silent",
                    ratio=f"{row['silence_ratio']:.1f}",
                    silent=format_int(row["days_silent"]),
                    gap=format_int(row["usual_gap_days"]),
                )
            )
        if row["is_unlikely_alive"]:
            reasons.append(t("ltv.why_alive", p=format_percent(row["probability_alive"], 0)))
        return "; ".join(reasons)

    value_column = money_label(t("ltv.col_at_risk" if model_ok else "ltv.col_recent_revenue"))

    def listed_table(rows: pd.DataFrame) -> pd.DataFrame:
        """The early-warning rows as shown and downloaded, in the page's language."""
        return pd.DataFrame(
            {
                # The key columns first, so that a projector shows them without scrolling.
                t("ltv.col_customer"): rows["customer_id"],
                value_column: whole(rows["value_at_risk"]),
                t("ltv.col_tier"): [t(f"tier.{tier}") for tier in rows["tier"]],
                t("ltv.col_last_order"): pd.to_datetime(rows["last_order_date"]).dt.date,
                t("ltv.col_why"): [why_listed(row) for row in rows.to_dict("records")],
                t("ltv.col_history"): rows["churn_reason"].fillna("–"),
            }
        )

    def listed_csv(language: contextvars.Context) -> bytes:
        """Every listed customer as CSV, written when the button is clicked (in another thread, with
        the page's language): tens of thousands of rows need not be written on every rerun."""
        return language.copy().run(lambda: csv_bytes(listed_table(warned)))

    st.dataframe(listed_table(warned.head(500)), hide_index=True, column_config={value_column: money})
    download_button(
        t("ltv.download"),
        partial(listed_csv, contextvars.copy_context()),
        file_name=f"early-warning-{settings.as_of.isoformat()}.csv",
        mime="text/csv",
    )

# The details: the check, the realised value, the first order, the model
with check_tab:
    if checked.validation is not None:
        validation = checked.validation
        st.plotly_chart(
            tracking_chart(validation.tracking, t("ltv.tracking_title", weeks=validation.holdout_weeks)),
            config=chart_config,
        )
        st.caption(t("ltv.check_caption", calibration_end=validation.calibration_end.isoformat()))
    else:
        st.info(t("ltv.no_check"))
with realised_tab:
    realised_value()
with first_tab:
    first = data.first_order
    st.plotly_chart(first_order_heatmap(first, t("ltv.first_heatmap")), config=chart_config)
    valuable = int(first["platinum_gold_customers"].sum())
    small = int(first["platinum_gold_small_first"].sum())
    grown = int(first[(first["first_order_quintile"] == 1) & (first["lifetime_quintile"] == 5)]["customers"].sum())
    st.caption(
        t(
            "ltv.first_caption",
            share=format_percent(small / valuable if valuable else None),
            small=format_int(small),
            total=format_int(valuable),
            grown=format_int(grown),
        )
    )
with model_tab:
    if checked.models is not None:
        bgnbd, spend = checked.models
        summary = checked.summary
        used = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum())
        st.caption(
            t(
                "ltv.model_caption",
                r=bgnbd.r,
                alpha=bgnbd.alpha,
                a=bgnbd.a,
                b=bgnbd.b,
                p=spend.p,
                q=spend.q,
                v=spend.v,
                used=format_int(used),
                excluded=format_int(len(summary) - used),
            )
        )
    classic = pd.DataFrame(
        {
            t("ltv.col_tier"): [t(f"tier.{tier}") for tier in values["tier"]],
            t("ltv.col_classic", basis=basis): [format_money(v) for v in values["classic_value"]],
        }
    )
    st.dataframe(classic, hide_index=True)
    st.caption(t("ltv.classic_caption", discount=format_percent(monthly_rate(discount), 2)))
