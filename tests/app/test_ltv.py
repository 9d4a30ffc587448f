"""The lifetime-value page in AppTest: the answer first, horizon and discount move it, and data
that cannot support predictions gets none, with the reason."""

from __future__ import annotations

from datetime import date, timedelta

from churn.i18n import set_language
from churn.page_data import LifetimeValue
from churn.settings import Settings
from churn.workspace import Workspace
from tests.app.conftest import new_app


def expected_platinum(horizon: int, annual_discount: float) -> tuple[int, int]:
    """The platinum row of churn.page_data.LifetimeValue.values: predicted revenue and retained value."""
    workspace = Workspace.with_demo()
    try:
        settings = Settings(date(2025, 12, 31), 60)
        workspace.ensure_derived(settings)
        holdout = round(((date(2025, 12, 31) - date(2023, 1, 1)).days + 1) / 7 / 4)
        tier_values = LifetimeValue(workspace, settings).values(horizon, annual_discount, holdout)
        assert tier_values is not None
        values = tier_values.values
    finally:
        workspace.close()
    platinum = values.set_index("tier").loc["platinum"]
    return round(platinum["predicted_revenue"]), round(platinum["retained_value"])


def value_table(at):
    return next(frame.value for frame in at.dataframe if "Tier" in frame.value.columns and len(frame.value) == 4)


def test_ltv_page_leads_with_the_value_per_tier_and_how_far_to_trust_it() -> None:
    at = new_app()
    at.switch_page("pages/lifetime-value.py").run()
    assert not at.exception
    # The demo passes the check: 39 weeks held out, 26,272 repeat purchases expected, 25,707 happened.
    assert at.success[0].value.startswith("How far to trust it: fitted on the orders up to 2025-04-02")
    assert "2% more than happened" in at.success[0].value
    table = value_table(at)
    assert table.iloc[0]["Tier"] == "Platinum"
    predicted, retained = expected_platinum(12, 0.10)
    assert table.iloc[0]["Revenue in the next 12 months — purchase model"] == predicted
    assert table.iloc[0]["Value of one retained customer, 12 months — retention formula (margin)"] == retained
    at.slider(key="ltv_horizon").set_value(24).run()
    at.number_input(key="ltv_discount").set_value(20.0).run()
    assert not at.exception
    longer = value_table(at).iloc[0]
    assert (
        longer["Revenue in the next 24 months — purchase model"],
        longer["Value of one retained customer, 24 months — retention formula (margin)"],
    ) == expected_platinum(24, 0.20)


def test_the_what_if_shows_the_same_value_of_one_retained_customer() -> None:
    at = new_app()
    at.switch_page("pages/what-if.py").run()
    assert not at.exception
    # The what-if's default horizon is 2 years at 10% a year: 24 months.
    column = "Value of one retained customer, 24 months — retention formula (margin)"
    table = next(frame.value for frame in at.dataframe if column in frame.value.columns)
    assert table.iloc[0][column] == expected_platinum(24, 0.10)[1]


def test_one_time_buyers_get_the_reason_and_no_predictions() -> None:
    at = new_app()
    at.switch_page("pages/data.py").run()
    start = date(2024, 1, 1)
    rows = [f"C{i:02d},{start + timedelta(days=3 * i)},{10 + i}" for i in range(60)]
    data = ("customer,date,amount\n" + "\n".join(rows) + "\n").encode()
    at.file_uploader(key="data_upload_orders_0").upload("once.csv", data, "text/csv").run()
    at.button(key="data_load").click().run()
    at.switch_page("pages/lifetime-value.py").run()
    assert not at.exception
    assert at.info[0].value.startswith("No predictions: 0 customers bought more than once")
    table = value_table(at)
    assert not any("purchase model" in column for column in table.columns)


def test_ltv_page_in_chinese() -> None:
    set_language("zh")  # AppTest formats widget options in the test's thread (see test_tiers.py)
    try:
        at = new_app({"lang": "zh"})
        at.switch_page("pages/lifetime-value.py").run()
    finally:
        set_language("en")
    assert not at.exception
    assert at.title[0].value == "客户值多少"
