"""What-if: what keeping more customers would be worth, explored live with levers."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from churn.causes import CAUSES
from churn.charts import scenario_comparison, scenario_lines
from churn.export import csv_bytes
from churn.i18n import format_int, format_money, format_percent, money_label, t
from churn.page_data import WhatIf
from churn.tiers import TIERS
from churn.ui import (
    SAVED_SCENARIOS,
    current_settings,
    download_button,
    explain_missing_churn,
    markdown_text,
    session_workspace,
    whole,
)
from churn.whatif import (
    LEVER_LIMITS,
    MAX_SAVED_SCENARIOS,
    Levers,
    TierBaseline,
    compare,
    retained_customer_value,
    saved_scenarios_from_token,
    saved_scenarios_token,
    zero_defection,
)

LEVERS = "whatif_levers"
WIDGET = "whatif_w_"

workspace = session_workspace()
settings = current_settings()
data = WhatIf(workspace, settings)
dataset = data.dataset
grain = settings.grain
grain_name = t(f"grain.{grain}").lower()
basis_name = t("basis.margin" if dataset.has_costs else "basis.revenue").lower()

st.title(t("whatif.title"))
st.caption(t("whatif.caption", grain=grain_name, basis=basis_name, as_of=settings.as_of.isoformat()))

if explain_missing_churn(workspace, settings):
    st.stop()  # the projection starts from observed churn: none yet
tiers, use_margin = data.baseline
if not tiers:
    if dataset.first_date is None:
        st.info(t("whatif.no_data"))
    elif not explain_missing_churn(workspace, settings):
        st.info(t("whatif.no_recent_period", grain=grain_name, as_of=settings.as_of.isoformat()))
    st.stop()

columns = {
    "tier": t("whatif.col_tier"),
    "customers": t("whatif.col_customers"),
    "churn": t("whatif.col_churn", grain=grain_name),
    "new": t("whatif.col_new", grain=grain_name),
    "won_back": t("whatif.col_won_back", grain=grain_name),
    "value": money_label(
        t("whatif.col_value", basis=t("basis.margin" if use_margin else "basis.revenue"), grain=grain_name)
    ),
}
with st.expander(t("whatif.baseline_title")):
    shown_baseline = pd.DataFrame(
        {
            columns["tier"]: [t(f"tier.{tier.tier}") for tier in tiers],
            columns["customers"]: [round(tier.customers) for tier in tiers],
            columns["churn"]: [round(tier.churn_rate * 100, 2) for tier in tiers],
            columns["new"]: [round(tier.new_per_period, 2) for tier in tiers],
            columns["won_back"]: [round(tier.won_back_per_period, 2) for tier in tiers],
            columns["value"]: [round(tier.value_per_customer, 2) for tier in tiers],
        }
    )
    edited = st.data_editor(
        shown_baseline,
        hide_index=True,
        disabled=[columns["tier"]],
        column_config={
            name: st.column_config.NumberColumn(min_value=0) for key, name in columns.items() if key != "tier"
        },
        key=f"whatif_baseline_{settings.as_of}_{grain}",
    )
    st.caption(t("whatif.baseline_caption", grain=grain_name))


def edited_baseline(original: TierBaseline, row: pd.Series) -> TierBaseline:
    """The tier with the user's numbers; a new churn rate keeps the split by cause."""
    rate = float(row[columns["churn"]]) / 100
    scale = rate / original.churn_rate if original.churn_rate else 0.0
    split = {c: r * scale for c, r in original.churn_by_cause.items()} if original.churn_rate else {"unknown": rate}
    return replace(
        original,
        customers=float(row[columns["customers"]]),
        churn_by_cause=split,
        new_per_period=float(row[columns["new"]]),
        won_back_per_period=float(row[columns["won_back"]]),
        value_per_customer=float(row[columns["value"]]),
    )


# Rows the user did not touch keep the exact figures (the table shows them rounded).
tiers = [
    tier if row.equals(shown_baseline.iloc[position]) else edited_baseline(tier, row)
    for position, (tier, (_, row)) in enumerate(zip(tiers, edited.iterrows(), strict=True))
]

# Levers: kept in the session and in the URL (?scenario=...), so that a link reproduces them.
if LEVERS not in st.session_state:
    st.session_state[LEVERS] = Levers()
    if "scenario" in st.query_params:
        try:
            st.session_state[LEVERS] = Levers.from_token(st.query_params["scenario"])
        except ValueError:
            st.warning(t("whatif.invalid_link"))
levers: Levers = st.session_state[LEVERS]
defaults = {
    **{f"cause_{c}": levers.churn_cut_by_cause.get(c, 0.0) * 100 for c in CAUSES},
    **{f"tier_{tier}": levers.churn_cut_by_tier.get(tier, 0.0) * 100 for tier in TIERS},
    "all": levers.churn_cut_all * 100,
    "acquisition": levers.acquisition_change * 100,
    "margin": levers.margin_change * 100,
    "move_up": levers.move_up_share * 100,
    "discount": levers.discount_rate * 100,
    "horizon": levers.horizon_years,
    "cost_fixed": levers.cost_fixed,
    "cost_per_customer": levers.cost_per_customer_year,
}
for name, value in defaults.items():
    st.session_state.setdefault(WIDGET + name, value)


def percent_range(lever: str) -> tuple[float, float]:
    """A lever's range in LEVER_LIMITS as percentages, for its slider."""
    low, high = LEVER_LIMITS[lever]
    return low * 100, high * 100


def reset_levers() -> None:
    for name in defaults:
        st.session_state.pop(WIDGET + name, None)
    st.session_state[LEVERS] = Levers()


# The levers on the left, the results beside them (filled in below, once the levers are read).
levers_column, results_column = st.columns([2, 3], gap="large")
with levers_column:
    st.subheader(t("whatif.levers"))
    by_cause, by_tier, growth, cost = st.tabs(
        [t("whatif.tab_causes"), t("whatif.tab_tiers"), t("whatif.tab_growth"), t("whatif.tab_cost")]
    )
with by_cause:
    for cause in CAUSES:
        st.slider(
            t("whatif.cut_cause", cause=t(f"cause.{cause}").lower()),
            *percent_range("churn_cut"),
            step=5.0,
            format="%.0f%%",
            key=f"{WIDGET}cause_{cause}",
        )
with by_tier:
    for tier in TIERS:
        st.slider(
            t("whatif.cut_tier", tier=t(f"tier.{tier}")),
            *percent_range("churn_cut"),
            step=5.0,
            format="%.0f%%",
            key=f"{WIDGET}tier_{tier}",
        )
    st.slider(t("whatif.cut_all"), *percent_range("churn_cut"), step=5.0, format="%.0f%%", key=f"{WIDGET}all")
with growth:
    st.slider(
        t("whatif.acquisition"),
        *percent_range("acquisition_change"),
        step=5.0,
        format="%.0f%%",
        key=f"{WIDGET}acquisition",
    )
    st.slider(
        t("whatif.margin", basis=basis_name),
        *percent_range("margin_change"),
        step=1.0,
        format="%+.0f%%",
        key=f"{WIDGET}margin",
    )
    st.slider(t("whatif.move_up"), *percent_range("move_up_share"), step=1.0, format="%.0f%%", key=f"{WIDGET}move_up")
    st.slider(t("whatif.discount"), *percent_range("discount_rate"), step=0.5, format="%.1f%%", key=f"{WIDGET}discount")
    st.slider(t("whatif.horizon"), *(int(limit) for limit in LEVER_LIMITS["horizon_years"]), key=f"{WIDGET}horizon")
with cost:
    st.number_input(money_label(t("whatif.cost_fixed")), *LEVER_LIMITS["cost"], step=1000.0, key=f"{WIDGET}cost_fixed")
    st.number_input(
        money_label(t("whatif.cost_per_customer")), *LEVER_LIMITS["cost"], step=1.0, key=f"{WIDGET}cost_per_customer"
    )
with levers_column:
    st.button(t("whatif.reset"), on_click=reset_levers)


def widget(name: str) -> float:
    return float(st.session_state[WIDGET + name])


levers = Levers(
    churn_cut_by_cause={c: widget(f"cause_{c}") / 100 for c in CAUSES if widget(f"cause_{c}")},
    churn_cut_by_tier={tier: widget(f"tier_{tier}") / 100 for tier in TIERS if widget(f"tier_{tier}")},
    churn_cut_all=widget("all") / 100,
    acquisition_change=widget("acquisition") / 100,
    margin_change=widget("margin") / 100,
    move_up_share=widget("move_up") / 100,
    discount_rate=widget("discount") / 100,
    horizon_years=int(widget("horizon")),
    cost_fixed=widget("cost_fixed"),
    cost_per_customer_year=widget("cost_per_customer"),
)
st.session_state[LEVERS] = levers
if st.query_params.get("scenario") != levers.to_token():
    st.query_params["scenario"] = levers.to_token()

# Results
comparison, base, scenario = compare(tiers, levers, grain)
years = levers.horizon_years


def versus_baseline(difference: float, money: bool = False) -> str | None:
    """The change against the baseline as a delta badge; none at the baseline (no "+0")."""
    if round(difference) == 0:
        return None
    text = format_money(difference) if money else format_int(difference)
    return t("whatif.vs_baseline", change=("+" if difference > 0 else "") + text)


with results_column:
    st.subheader(t("whatif.results"))
    cards = [*st.columns(2), *st.columns(2), *st.columns(2)]
    cards[0].metric(
        t("whatif.value_gain_label", basis=basis_name, years=years),
        format_money(comparison.value_gain),
        help=t("whatif.value_gain_help", basis=basis_name, years=years),
        border=True,
    )
    cards[1].metric(
        t("whatif.net_gain_label"),
        format_money(comparison.net_gain),
        help=t(
            "whatif.net_gain_help",
            cost=format_money(comparison.programme_cost),
            roi=format_percent(comparison.return_on_cost) if comparison.return_on_cost is not None else "–",
        ),
        border=True,
    )
    cards[2].metric(
        t("whatif.customers_kept_label", years=years),
        format_int(comparison.customers_kept),
        help=t("whatif.customers_kept_help"),
        border=True,
    )
    cards[3].metric(
        t("whatif.customers_end_label", years=years),
        format_int(comparison.scenario_customers_end),
        delta=versus_baseline(comparison.scenario_customers_end - comparison.baseline_customers_end),
        help=t("whatif.customers_end_help", baseline=format_int(comparison.baseline_customers_end)),
        border=True,
    )
    per_customer = comparison.break_even_per_customer_kept
    cards[4].metric(
        t("whatif.break_even_label"),
        format_money(per_customer) if per_customer is not None else "–",
        help=t(
            "whatif.break_even_per_customer_help",
            basis=basis_name,
            years=years,
            gain=format_money(comparison.value_gain),
            kept=format_int(comparison.customers_kept),
        ),
        border=True,
    )
    cards[5].metric(
        t("whatif.revenue_label", years=years),
        format_money(comparison.scenario_revenue),
        delta=versus_baseline(comparison.scenario_revenue - comparison.baseline_revenue, money=True),
        help=t("whatif.revenue_help", years=years),
        border=True,
    )
left, right = st.columns(2)
with left:
    st.plotly_chart(
        scenario_lines(base, scenario, "customers_at_start", t("whatif.chart_title")),
        config={"displaylogo": False},
    )
with right:
    title = t("whatif.chart_value_title", basis=basis_name, grain=grain_name)
    st.plotly_chart(scenario_lines(base, scenario, "discounted_value", title), config={"displaylogo": False})

st.subheader(t("whatif.retained_title"))
# The same figure as on the lifetime-value page: monthly churn and value, the horizon and discount.
months = levers.horizon_years * 12
monthly = data.monthly_baseline
retained_column = t("ltv.col_retained", months=months, basis=basis_name)
st.dataframe(
    pd.DataFrame(
        {
            t("whatif.col_tier"): [t(f"tier.{tier.tier}") for tier in tiers],
            retained_column: [
                round(retained_customer_value(monthly[tier.tier], months, levers.discount_rate))
                if tier.tier in monthly
                else None
                for tier in tiers
            ],
        }
    ),
    hide_index=True,
    column_config={retained_column: st.column_config.NumberColumn(format="localized")},
)
st.caption(t("whatif.retained_caption", basis=basis_name, months=months, discount=format_percent(levers.discount_rate)))

# Zero defections and the competitor accumulation effect
st.subheader(t("whatif.zero_title"))
scope = st.selectbox(
    t("whatif.zero_tier"),
    ("all", *[tier.tier for tier in tiers]),
    format_func=lambda s: t("whatif.zero_all") if s == "all" else t(f"tier.{s}"),
    key="whatif_zero_scope",
)
bound = zero_defection(tiers, levers, None if scope == "all" else str(scope), grain)
st.caption(
    t(
        "whatif.zero_caption",
        scope=t("whatif.zero_all") if scope == "all" else t(f"tier.{scope}"),
        years=years,
        basis=basis_name,
        value=format_money(bound.scenario_value),
        gain=format_money(bound.value_gain),
        customers=format_int(bound.scenario_customers_end),
    )
)
if comparison.competitor_losses_avoided > 0:
    avoided = round(comparison.competitor_losses_avoided)
    st.caption(t("whatif.competitor_caption", avoided=format_int(avoided), gap=format_int(2 * avoided)))

# Saved scenarios
st.subheader(t("whatif.scenarios_title"))
# Saved scenarios live in the URL too (?saved=...): a refresh keeps them, a link shares them.
if SAVED_SCENARIOS not in st.session_state:
    st.session_state[SAVED_SCENARIOS] = {}
    if "saved" in st.query_params:
        try:
            st.session_state[SAVED_SCENARIOS] = saved_scenarios_from_token(st.query_params["saved"])
        except ValueError:
            st.warning(t("whatif.invalid_saved"))
saved: dict[str, Levers] = st.session_state[SAVED_SCENARIOS]
name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
with name_column:
    name = st.text_input(t("whatif.scenario_name"), value=f"{t('whatif.scenario')} {len(saved) + 1}", key="whatif_name")
with button_column:
    if st.button(t("whatif.save"), key="whatif_save") and name.strip():
        if len(saved) >= MAX_SAVED_SCENARIOS and name.strip() not in saved:
            st.warning(t("whatif.too_many_saved", count=MAX_SAVED_SCENARIOS))
        else:
            saved[name.strip()[:100]] = levers
            st.success(t("whatif.saved", name=markdown_text(name.strip())))
if saved:
    st.query_params["saved"] = saved_scenarios_token(saved)
if not saved:
    st.info(t("whatif.no_scenarios"))
else:
    rows = []
    for scenario_name, saved_levers in saved.items():
        token = saved_levers.to_token()
        result = compare(tiers, saved_levers, grain)[0]
        rows.append(
            {
                "scenario": scenario_name,
                "value": result.scenario_value,
                "value_gain": result.value_gain,
                "programme_cost": result.programme_cost,
                "net_gain": result.net_gain,
                "customers_end": result.scenario_customers_end,
                "customers_kept": result.customers_kept,
                "link": "?"
                + urlencode({**settings.to_query_params(), "scenario": token, "saved": saved_scenarios_token(saved)}),
            }
        )
    table = pd.DataFrame(rows)
    st.plotly_chart(scenario_comparison(table, t("whatif.compare_title")), config={"displaylogo": False})
    shown = pd.DataFrame(
        {
            t("whatif.col_scenario"): table["scenario"],
            money_label(t("whatif.col_discounted_value")): whole(table["value"]),
            money_label(t("whatif.col_gain")): whole(table["value_gain"]),
            money_label(t("whatif.col_cost")): whole(table["programme_cost"]),
            money_label(t("whatif.col_net")): whole(table["net_gain"]),
            t("whatif.col_end"): whole(table["customers_end"]),
            t("whatif.col_kept"): whole(table["customers_kept"]),
            t("whatif.open"): table["link"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            **{
                column: st.column_config.NumberColumn(format="localized")
                for column in shown.columns
                if column not in (t("whatif.col_scenario"), t("whatif.open"))
            },
            t("whatif.open"): st.column_config.LinkColumn(display_text=t("whatif.open")),
        },
    )
    download_button(
        t("whatif.download"),
        csv_bytes(shown.drop(columns=t("whatif.open"))),
        file_name="what-if-scenarios.csv",
        mime="text/csv",
    )
