"""The what-if page in AppTest: levers move the figures as the projection says, scenarios
are saved and compared, and a link reproduces the levers."""

from __future__ import annotations

from datetime import date

from churn.i18n import format_int, format_money
from churn.page_data import WhatIf
from churn.settings import Settings
from churn.whatif import Levers, compare, saved_scenarios_from_token
from churn.workspace import Workspace
from tests.app.conftest import metrics, new_app

# The demo has costs: values are margins. The default horizon is two years.
VALUE_GAINED = "Value gained (margin, discounted, 2 years)"
KEPT = "Customers kept (losses prevented in 2 years)"
AT_END = "Active customers at the end of year 2"


def expected(levers: Levers):
    workspace = Workspace.with_demo()
    settings = Settings(date(2025, 12, 31), 60)
    workspace.ensure_derived(settings)
    tiers, _ = WhatIf(workspace, settings).baseline
    workspace.close()
    return compare(tiers, levers, "month")[0]


def open_whatif(query_params: dict[str, str] | None = None):
    at = new_app(query_params)
    at.switch_page("pages/what-if.py").run()
    assert not at.exception
    return at


def test_no_lever_means_no_gain() -> None:
    at = open_whatif()
    shown = metrics(at)
    assert shown[VALUE_GAINED] == "0"
    assert shown[KEPT] == "0"
    assert shown[AT_END] == format_int(expected(Levers()).scenario_customers_end)


def test_moving_a_lever_changes_the_figures_as_projected() -> None:
    at = open_whatif()
    at.slider(key="whatif_w_cause_dissatisfaction").set_value(30.0).run()
    assert not at.exception
    result = expected(Levers(churn_cut_by_cause={"dissatisfaction": 0.3}))
    shown = metrics(at)
    assert shown[VALUE_GAINED] == format_money(result.value_gain)
    assert shown[KEPT] == format_int(result.customers_kept)
    assert result.value_gain > 0
    assert Levers.from_token(at.query_params["scenario"]) == Levers(churn_cut_by_cause={"dissatisfaction": 0.3})


def test_a_link_reproduces_the_scenario() -> None:
    levers = Levers(churn_cut_by_tier={"gold": 0.5}, horizon_years=3, cost_fixed=5000.0)
    at = open_whatif({"scenario": levers.to_token()})
    assert at.slider(key="whatif_w_tier_gold").value == 50.0
    assert at.slider(key="whatif_w_horizon").value == 3
    result = expected(levers)
    assert metrics(at)["Net gain after programme cost"] == format_money(result.net_gain)


def test_a_damaged_link_is_explained() -> None:
    at = open_whatif({"scenario": "garbage"})
    assert "could not be read" in at.warning[0].value
    assert metrics(at)[VALUE_GAINED] == "0"


def test_saved_scenarios_are_compared() -> None:
    at = open_whatif()
    at.text_input(key="whatif_name").set_value("Upside").run()
    at.slider(key="whatif_w_all").set_value(20.0).run()
    at.button(key="whatif_save").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table["Scenario"]) == ["Upside"]
    assert table["Value gained (discounted)"].iloc[0] == round(expected(Levers(churn_cut_all=0.2)).value_gain)


def test_saved_scenarios_survive_a_refresh_through_the_url() -> None:
    at = open_whatif()
    at.text_input(key="whatif_name").set_value("Upside").run()
    at.slider(key="whatif_w_all").set_value(20.0).run()
    at.button(key="whatif_save").click().run()
    token = at.query_params["saved"]
    token = token[0] if isinstance(token, list) else token
    assert saved_scenarios_from_token(token) == {"Upside": Levers(churn_cut_all=0.2)}
    # A new session with the same URL (a refresh, or the link sent to a colleague).
    again = open_whatif({"saved": token})
    table = again.dataframe[-1].value
    assert list(table["Scenario"]) == ["Upside"]
    assert table["Value gained (discounted)"].iloc[0] == round(expected(Levers(churn_cut_all=0.2)).value_gain)


def test_no_change_badges_at_the_baseline() -> None:
    at = open_whatif()
    assert all(not metric.delta for metric in at.metric)  # no "+0" against the baseline
