"""The trends page in AppTest: renders every chart and follows grain, W and the filters."""

from __future__ import annotations

from datetime import date

from churn.i18n import format_percent
from churn.settings import Settings
from churn.workspace import Workspace
from tests import reference
from tests.app.conftest import every_tab, new_app


def open_trends(query_params: dict[str, str] | None = None):
    at = new_app(query_params)
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    return at


def period_table(at):
    return at.dataframe[0].value


def test_trends_page_renders_every_chart() -> None:
    at = open_trends()
    table = period_table(at)
    assert list(table.columns)[:3] == ["Period", "At start", "New"]
    # The rates above the tabs, then the charts of each tab: none in the table's, flow and revenue
    # churn, cohorts, survival, sensitivity to W, segments.
    charts = {tab: len(at.get("plotly_chart")) - 1 for tab in every_tab(at, "pages/trends.py")}
    assert not at.exception
    assert charts == {
        "trends.tab_table": 0,
        "trends.tab_flows": 2,
        "trends.tab_cohorts": 1,
        "trends.tab_survival": 1,
        "trends.tab_window": 1,
        "trends.tab_segments": 1,
    }


def test_window_change_changes_the_table_to_the_reference() -> None:
    at = open_trends()
    at.number_input(key="setting_window").set_value(90).run()
    assert not at.exception
    workspace = Workspace.with_demo()
    orders = workspace.con.execute("select customer_id, order_date, amount from orders").fetchall()
    workspace.close()
    expected = reference.monthly_flows(reference.spells(orders, date(2025, 12, 31), 90), date(2025, 12, 31))
    table = period_table(at)
    december = table[table["Period"] == "2025-12"].iloc[0]
    assert december["At start"] == expected[-1]["customers_at_start"]
    assert december["Churned of those at start"] == expected[-1]["churned"]
    assert december["Churn rate"] == format_percent(expected[-1]["churned"] / expected[-1]["customers_at_start"])


def test_grain_change_gives_quarters() -> None:
    at = open_trends()
    at.radio(key="setting_grain").set_value("quarter").run()
    table = period_table(at)
    assert list(table["Period"])[-2:] == ["2025 Q3", "2025 Q4"]
    # Quarters add up the months' new customers.
    workspace = Workspace.with_demo()
    settings = Settings(date(2025, 12, 31), 60, "month")
    workspace.ensure_derived(settings)
    months = workspace.query("churn_by_period", settings.period_params(date(2023, 1, 1)))
    workspace.close()
    q4 = months[months["period_start"] >= "2025-10-01"]["new"].sum()
    assert table.iloc[-1]["New"] == q4


def test_region_filter_changes_the_table() -> None:
    everyone = period_table(open_trends()).iloc[-1]["At start"]
    west = period_table(open_trends({"filter_by": "region", "filter": "West"})).iloc[-1]["At start"]
    assert 0 < west < everyone
