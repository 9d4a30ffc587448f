"""The overview page in AppTest: renders, reacts to the sidebar, speaks both languages."""

from __future__ import annotations

from datetime import date

from churn.i18n import format_percent
from churn.workspace import Workspace
from tests import reference
from tests.app.conftest import metrics, new_app


def expected_december_figures(window: int) -> dict[str, int]:
    """The demo's December 2025 flow by the plain-Python reference implementation."""
    workspace = Workspace.with_demo()
    orders = workspace.con.execute("select customer_id, order_date, amount from orders").fetchall()
    workspace.close()
    as_of = date(2025, 12, 31)
    rows = reference.monthly_flows(reference.spells(orders, as_of, window), as_of)
    return rows[-1]  # type: ignore[return-value]


def test_overview_renders_with_default_settings() -> None:
    at = new_app()
    assert not at.exception
    shown = metrics(at)
    assert set(shown) == {
        "Active customers",
        "Churn rate",
        "Retention rate",
        "Revenue lost to churn",
        "New customers",
        "Won back",
    }
    december = expected_december_figures(60)  # 60 days is the suggested W for the demo data
    assert at.number_input(key="setting_window").value == 60
    assert shown["Churn rate"] == format_percent(december["churned"] / december["customers_at_start"])
    assert shown["New customers"] == f"{december['new']:,}"
    assert shown["Won back"] == f"{december['won_back']:,}"
    assert f"{december['churned']:,} lost ÷ {december['customers_at_start']:,} at start" in [
        c.value for c in at.caption
    ]
    assert at.query_params["window"] == "60"
    assert at.query_params["as_of"] == "2025-12-31"


def test_changing_window_changes_churn_rate() -> None:
    at = new_app()
    before = metrics(at)["Churn rate"]
    at.number_input(key="setting_window").set_value(120).run()
    assert not at.exception
    december = expected_december_figures(120)
    after = metrics(at)["Churn rate"]
    assert after == format_percent(december["churned"] / december["customers_at_start"])
    assert after != before
    assert at.query_params["window"] == "120"


def test_use_suggested_window_button() -> None:
    at = new_app({"window": "200"})
    assert at.number_input(key="setting_window").value == 200
    at.button[0].click().run()
    assert at.number_input(key="setting_window").value == 60


def test_settings_come_from_the_url() -> None:
    at = new_app({"window": "90", "grain": "quarter", "as_of": "2025-09-30", "lang": "zh"})
    assert not at.exception
    assert at.number_input(key="setting_window").value == 90
    assert at.radio(key="setting_grain").value == "quarter"
    assert "流失率" in metrics(at)
    caption = at.caption[0].value
    assert "2025年第3季度" in caption and "W = 90" in caption


def test_invalid_url_values_are_reset_with_a_warning() -> None:
    at = new_app({"window": "abc", "grain": "week"})
    assert not at.exception
    assert at.number_input(key="setting_window").value == 60
    assert at.radio(key="setting_grain").value == "month"
    assert "window, grain" in at.warning[0].value


def test_language_switch_translates_everything_on_the_page() -> None:
    at = new_app()
    at.radio(key="setting_lang").set_value("zh").run()
    assert not at.exception
    assert set(metrics(at)) == {"活跃客户", "流失率", "保持率", "流失收入", "新客户", "赢回客户"}
    assert at.title[0].value == "概览"
    assert at.query_params["lang"] == "zh"


def test_grain_change_uses_last_complete_quarter() -> None:
    at = new_app()
    at.radio(key="setting_grain").set_value("quarter").run()
    assert "2025 Q4" in at.caption[0].value


def test_as_of_before_any_complete_period_explains_itself() -> None:
    # The demo starts on 2023-01-01 with W = 60: the first month measured is April 2023 (March
    # starts before Jan 1 + 60 = Mar 2), complete on 2023-04-30.
    at = new_app({"as_of": "2023-01-20"})
    assert not at.exception
    assert at.info[0].value.startswith("On 2023-01-20 no month can be measured yet")
    assert "Choose an as-of date on or after 2023-04-30" in at.info[0].value
    # What the data holds by then is still shown: 535 customers bought up to Jan 20.
    assert metrics(at)["Customers"] == "535"


def test_every_page_file_renders() -> None:
    from pathlib import Path

    at = new_app()
    pages = sorted(Path(__file__).resolve().parents[2].glob("pages/*.py"))
    assert pages
    for page in pages:
        at.switch_page(f"pages/{page.name}").run()
        assert not at.exception, page.name
        assert not at.error, page.name


def test_region_filter_limits_the_overview() -> None:
    at = new_app({"filter_by": "region", "filter": "West"})
    assert not at.exception
    assert at.multiselect(key="setting_filter_region").value == ["West"]
    workspace = Workspace.with_demo()
    workspace.ensure_facts(date(2025, 12, 31), 60)
    west_active = workspace.con.execute(
        "select count(*) from customer_facts where region = 'West' and is_active"
    ).fetchone()[0]
    workspace.close()
    assert metrics(at)["Active customers"] == f"{west_active:,}"
    at.selectbox(key="setting_filter_by").set_value("channel").run()
    assert not at.exception
    assert at.query_params.get("filter") is None  # no channel chosen: no filter
