"""Lifetime value: realised value by group, first order against lifetime, predicted value with
BG/NBD + Gamma-Gamma next to the simple formula, and the early-warning list."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from churn.charts import first_order_heatmap, value_boxes
from churn.clv import early_warning
from churn.i18n import format_int, format_percent, t
from churn.tiers import TIERS
from churn.ui import current_settings, session_workspace
from churn.whatif import baseline_for

SPLITS = ("tier", "cohort", "region", "channel", "all")

workspace = session_workspace()
settings = current_settings()
dataset = workspace.dataset
assert dataset is not None
tier_labels = {tier: t(f"tier.{tier}") for tier in (*TIERS, "unranked")} | {"all": t("dimension.all")}
chart_config = {"displaylogo": False}

st.title(t("ltv.title"))
st.caption(t("ltv.caption", as_of=settings.as_of.isoformat()))

# Realised value
st.header(t("ltv.historical"))
split = st.selectbox(t("ltv.split"), SPLITS, format_func=lambda d: t(f"dimension.{d}"), key="ltv_split")
distribution = workspace.query("value_distribution", {"dimension": split, **settings.filter_params()})
st.plotly_chart(
    value_boxes(distribution, t("ltv.box_title", dimension=t(f"dimension.{split}").lower()), tier_labels),
    config=chart_config,
)
st.caption(t("ltv.box_caption"))
money = st.column_config.NumberColumn(format="localized")
comparison = {
    t("ltv.col_segment"): [tier_labels.get(s, s) for s in distribution["segment"]],
    t("ltv.col_customers"): distribution["customers"],
    t("ltv.col_average"): distribution["average_revenue"].round(),
    t("ltv.col_median"): distribution["median_revenue"].round(),
    t("ltv.col_total"): distribution["total_revenue"].round(),
}
if distribution["average_margin"].notna().any():
    comparison[t("ltv.col_average_margin")] = distribution["average_margin"].round()
    comparison[t("ltv.col_median_margin")] = distribution["median_margin"].round()
st.dataframe(
    pd.DataFrame(comparison),
    hide_index=True,
    column_config={name: money for name in comparison if name != t("ltv.col_segment")},
)

if dataset.first_date is None:
    st.info(t("ltv.needs_orders"))
    discount = float(st.number_input(t("ltv.discount"), 0.0, 10.0, 0.8, step=0.1, key="ltv_discount")) / 100
    formula = workspace.query("formula_ltv_from_customers", {"monthly_discount": discount})
    if not formula.empty:
        st.dataframe(
            pd.DataFrame(
                {
                    t("ltv.col_tier"): [tier_labels.get(s, s) for s in formula["tier"]],
                    t("ltv.col_customers"): formula["customers"],
                    t("ltv.col_m"): formula["revenue_per_month"].round(2),
                    t("ltv.col_retention"): [format_percent(r) for r in formula["monthly_retention"]],
                    t("ltv.col_formula"): formula["formula_ltv"].round(),
                }
            ),
            hide_index=True,
        )
        st.caption(t("ltv.formula_customers_caption"))
    st.stop()

# First order against lifetime
st.header(t("ltv.first_title"))
first = workspace.cached_query("first_order_vs_lifetime", {"as_of": settings.as_of})
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

# Predicted value
st.header(t("ltv.predicted"))
left, right = st.columns(2)
with left:
    horizon = int(st.slider(t("ltv.horizon"), 1, 60, 12, key="ltv_horizon"))
with right:
    monthly_discount = float(st.number_input(t("ltv.discount"), 0.0, 10.0, 0.8, step=0.1, key="ltv_discount")) / 100
with st.spinner(t("ltv.fitting"), show_time=True):
    summary, models = workspace.clv_models(settings.as_of)
if isinstance(models, str):
    st.warning(t("ltv.fit_error", problem=models))
    st.stop()
bgnbd, spend = models
predictions = workspace.clv_predictions(settings.as_of, horizon, monthly_discount)
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
profiles = workspace.query("active_customer_profiles", settings.filter_params())
tiers_of = workspace.cached_query("customer_tier_assignment")
by_tier = predictions.merge(tiers_of, on="customer_id").groupby("tier")
monthly_tiers = {tier.tier: tier for tier in baseline_for(workspace, replace(settings, grain="month"))[0]}
rows = []
for tier in TIERS:
    if tier not in by_tier.groups:
        continue
    group = by_tier.get_group(tier)
    base = monthly_tiers.get(tier)
    retention = 1 - base.churn_rate if base else None
    formula = base.revenue_per_customer * retention / (1 + monthly_discount - retention) if base and retention else None
    rows.append(
        {
            t("ltv.col_tier"): t(f"tier.{tier}"),
            t("ltv.col_customers"): len(group),
            t("ltv.col_alive"): format_percent(group["probability_alive"].mean()),
            t("ltv.col_purchases"): round(group["expected_purchases"].mean(), 2),
            t("ltv.col_predicted"): round(group["predicted_value"].mean()),
            t("ltv.col_m"): round(base.revenue_per_customer) if base else None,
            t("ltv.col_retention"): format_percent(retention),
            t("ltv.col_formula"): round(formula) if formula is not None else None,
        }
    )
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    column_config={
        name: money for name in (t("ltv.col_customers"), t("ltv.col_predicted"), t("ltv.col_m"), t("ltv.col_formula"))
    },
)
st.caption(t("ltv.formula_caption", months=horizon))

# Early warning
st.header(t("ltv.warning_title"))
threshold = float(st.slider(t("ltv.alive_threshold"), 0, 100, 50, step=5, key="ltv_threshold")) / 100
warned = early_warning(profiles, predictions, threshold)
st.caption(t("ltv.warning_caption", count=format_int(len(warned))))
listed = pd.DataFrame(
    {
        t("ltv.col_customer"): warned["customer_id"],
        t("ltv.col_tier"): [t(f"tier.{tier}") for tier in warned["tier"]],
        t("ltv.col_last_order"): pd.to_datetime(warned["last_order_date"]).dt.date,
        t("ltv.col_silent"): warned["days_silent"].round(),
        t("ltv.col_usual_gap"): warned["usual_gap_days"].round(),
        t("ltv.col_p_alive"): [format_percent(p) for p in warned["probability_alive"]],
        t("ltv.col_predicted"): warned["predicted_value"].round(),
        t("ltv.col_at_risk"): warned["value_at_risk"].round(),
        t("ltv.col_history"): warned["churn_reason"].fillna("–"),
    }
)
st.dataframe(
    listed.head(500),
    hide_index=True,
    column_config={name: money for name in (t("ltv.col_predicted"), t("ltv.col_at_risk"))},
)
st.download_button(
    t("ltv.download"),
    listed.to_csv(index=False).encode("utf-8-sig"),
    file_name=f"early-warning-{settings.as_of.isoformat()}.csv",
    mime="text/csv",
)
