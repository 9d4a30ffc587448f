"""The lifetime-value page in AppTest: renders, and horizon and discount move the prediction."""

from __future__ import annotations

from datetime import date

from churn.clv import predict
from churn.i18n import set_language
from churn.workspace import Workspace
from tests.app.conftest import new_app


def expected_platinum_value(horizon: int, monthly_discount: float) -> int:
    workspace = Workspace.with_demo()
    workspace.ensure_facts(date(2025, 12, 31), 60)
    summary, models = workspace.clv_models(date(2025, 12, 31))
    tiers = workspace.query("customer_tier_assignment")
    workspace.close()
    assert not isinstance(models, str)
    predictions = predict(summary, models, horizon, monthly_discount).merge(tiers, on="customer_id")
    return round(predictions[predictions["tier"] == "platinum"]["predicted_value"].mean())


def prediction_table(at):
    return next(
        frame.value
        for frame in at.dataframe
        if "Predicted value" in frame.value.columns
        and "Tier" in frame.value.columns
        and "m: revenue per month" in frame.value.columns
    )


def test_ltv_page_renders_and_follows_horizon_and_discount() -> None:
    at = new_app()
    at.switch_page("pages/lifetime-value.py").run()
    assert not at.exception
    table = prediction_table(at)
    assert table.iloc[0]["Tier"] == "Platinum"
    assert table.iloc[0]["Predicted value"] == expected_platinum_value(12, 0.008)
    at.slider(key="ltv_horizon").set_value(24).run()
    at.number_input(key="ltv_discount").set_value(2.0).run()
    assert not at.exception
    longer = prediction_table(at).iloc[0]["Predicted value"]
    assert longer == expected_platinum_value(24, 0.02)
    assert longer > table.iloc[0]["Predicted value"]


def test_ltv_page_in_chinese() -> None:
    set_language("zh")  # AppTest formats widget options in the test's thread (see test_tiers.py)
    try:
        at = new_app({"lang": "zh"})
        at.switch_page("pages/lifetime-value.py").run()
    finally:
        set_language("en")
    assert not at.exception
    assert at.title[0].value == "客户值多少"
