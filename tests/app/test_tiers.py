"""The tiers page in AppTest: renders, follows the tier rule and the tier filter."""

from __future__ import annotations

from churn.i18n import set_language
from tests.app.conftest import every_tab, new_app


def tier_counts(at) -> dict[str, int]:
    table = at.dataframe[0].value
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))


def open_tiers(query_params: dict[str, str] | None = None):
    at = new_app(query_params)
    at.switch_page("pages/tiers.py").run()
    assert not at.exception
    return at


def test_default_pyramid_of_the_demo() -> None:
    at = open_tiers()
    # 4,991 customers bought (9 of the 5,000 only returned goods): ceil(49.91) = 50 platinum,
    # ceil(249.55) - 50 = 200 gold, ceil(998.2) - 250 = 749 iron, 4,991 - 999 = 3,992 lead.
    assert tier_counts(at) == {"Platinum": 50, "Gold": 200, "Iron": 749, "Lead": 3992}
    # The pyramid above the tabs, then each tab's: revenue and whale curves, churn by tier, Sankey.
    charts = {tab: len(at.get("plotly_chart")) - 1 for tab in every_tab(at, "pages/tiers.py")}
    assert not at.exception
    assert charts == {"tiers.tab_table": 0, "tiers.concentration": 2, "tiers.churn_title": 1, "tiers.migration": 1}


def test_changing_cut_points_changes_the_tier_counts() -> None:
    at = open_tiers()
    at.number_input(key="setting_share_platinum").set_value(2.0)
    at.number_input(key="setting_share_lead").set_value(79.0).run()
    assert not at.exception
    # 2/4/15/79 of 4,991: ceil(99.82) = 100 platinum, ceil(299.46) - 100 = 200 gold,
    # ceil(1048.11) - 300 = 749 iron, 4,991 - 1,049 = 3,942 lead.
    assert tier_counts(at) == {"Platinum": 100, "Gold": 200, "Iron": 749, "Lead": 3942}
    assert at.query_params["tiers"] == "2,4,15,79"


def test_shares_not_adding_to_100_keep_the_previous_rule() -> None:
    at = open_tiers()
    at.number_input(key="setting_share_platinum").set_value(5.0).run()
    assert "add up to 104%" in at.error[0].value
    assert tier_counts(at)["Platinum"] == 50


def test_tier_filter_limits_the_overview() -> None:
    at = new_app({"tier_filter": "platinum"})
    assert not at.exception
    active = at.metric[0].value
    assert int(active.replace(",", "")) <= 50  # at most the 50 platinum customers are active


def test_tiers_page_in_chinese() -> None:
    # AppTest formats the radio options (format_func) in the test's own thread, whose language
    # must match the app's for it to find the selected option again.
    set_language("zh")
    try:
        at = open_tiers({"lang": "zh"})
    finally:
        set_language("en")
    assert at.title[0].value == "客户分层"
    assert list(tier_counts(at)) == ["白金", "黄金", "铁", "铅"]


def test_last_12_months_window() -> None:
    at = open_tiers({"tier_window": "12m"})
    assert not at.exception
    counts = tier_counts(at)
    # Only customers with an order in the 365 days to 2025-12-31 are ranked: fewer than 5,000.
    assert sum(counts.values()) < 5000
    assert counts["Platinum"] == -(-sum(counts.values()) // 100)  # ceil(1% of n)
