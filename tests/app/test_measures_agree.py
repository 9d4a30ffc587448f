"""The three measures of loss — churn events, customers churned, lost now — are the same figures
on every page and in the report, for any settings: each page's breakdown (by period, cause,
tier or segment) adds up to the report's totals.

On the demo data (settings by link) and on a generated dataset (uploaded, settings by the
sidebar), each under three views: no filter, a region, and two tiers by quarter over a range.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bench.generate import generate
from churn.db import open_connection
from churn.ingest import DatasetFile
from churn.report import build_report
from churn.settings import Settings
from churn.sources import prepare_file
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.app.conftest import new_app, open_tab

VIEWS = {
    "all": {},
    "a region": {"filter_by": "region", "filter": "West"},
    "two tiers by quarter over a range": {
        "tier_filter": "platinum,gold",
        "grain": "quarter",
        "from": "2024-01-01",
        "to": "2025-06-30",
    },
}


def as_settings(view: dict[str, str], as_of: date, window: int) -> Settings:
    return Settings(
        as_of=as_of,
        window_days=window,
        grain=view.get("grain", "month"),
        date_from=date.fromisoformat(view["from"]) if "from" in view else None,
        date_to=date.fromisoformat(view["to"]) if "to" in view else None,
        tier_rule=TierRule(),
        tier_filter=tuple(view["tier_filter"].split(",")) if "tier_filter" in view else (),
        filter_dimension=view.get("filter_by", "region"),
        filter_values=(view["filter"],) if "filter" in view else (),
    )


def report_totals(workspace: Workspace, settings: Settings) -> tuple[int, int, int]:
    churn = build_report(workspace, settings)["churn"]
    return churn["churn_events"], churn["churned_customers"], churn["lost_now"]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def table_with(at, column: str) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def page_totals(at) -> dict[str, tuple[int, ...]]:
    """The loss figures each page shows, added up."""
    found: dict[str, tuple[int, ...]] = {}
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    summary = next(c.value for c in at.caption if "churn events," in c.value)
    found["overview"] = tuple(
        number(n)
        for n in re.search(r": ([\d,]+) churn events?, ([\d,]+) customers? churned; ([\d,]+)", summary).groups()
    )
    at.switch_page("pages/causes.py").run()
    assert not at.exception
    by_cause = [
        number(match.group(1)) for c in at.caption if (match := re.fullmatch(r"([\d,]+) customers? churned", c.value))
    ]
    found["causes: customers churned by cause"] = (sum(by_cause),)
    at.switch_page("pages/tiers.py").run()
    assert not at.exception
    lost_now = int(table_with(at, "Lost now")["Lost now"].sum())
    open_tab(at, "pages/tiers.py", "tiers.churn_title")
    churn_by_tier = table_with(at, "Customers churned")
    found["tiers"] = (
        int(churn_by_tier["Churn events"].sum()),
        int(churn_by_tier["Customers churned"].sum()),
        lost_now,
    )
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    found["trends: periods"] = (int(table_with(at, "Churned of those at start")["Churn events"].sum()),)
    open_tab(at, "pages/trends.py", "trends.tab_segments")
    by_segment = table_with(at, "Customers churned")
    found["trends: segments"] = (int(by_segment["Churn events"].sum()), int(by_segment["Customers churned"].sum()))
    return found


def assert_agree(found: dict[str, tuple[int, ...]], totals: tuple[int, int, int]) -> None:
    events, churned, lost_now = totals
    assert events >= churned > 0 and lost_now > 0
    assert found == {
        "overview": (events, churned, lost_now),
        "causes: customers churned by cause": (churned,),
        "tiers": (events, churned, lost_now),
        "trends: periods": (events,),
        "trends: segments": (events, churned),
    }


@pytest.mark.parametrize("view", VIEWS)
def test_every_page_agrees_with_the_report_on_the_demo(view: str) -> None:
    at = new_app(VIEWS[view])
    assert not at.exception
    workspace = Workspace.with_demo()
    try:
        totals = report_totals(workspace, as_settings(VIEWS[view], date(2025, 12, 31), 60))
    finally:
        workspace.close()
    assert_agree(page_totals(at), totals)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(20_000, tmp_path_factory.mktemp("generated"), formats=("csv",))


def test_every_page_agrees_with_the_report_on_a_generated_dataset(generated: dict[str, Path]) -> None:
    at = new_app()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="data_upload_orders_0").upload("orders.csv", generated["orders.csv"].read_bytes(), "text/csv")
    at.file_uploader(key="data_upload_customers_0").upload(
        "customers.csv", generated["customers.csv"].read_bytes(), "text/csv"
    )
    at.run()
    at.button(key="data_load").click().run()
    assert not at.exception
    as_of = at.sidebar.date_input(key="setting_as_of").value
    window = int(at.sidebar.number_input(key="setting_window").value)
    first, last = at.sidebar.date_input(key="setting_range").value
    # The report's own workspace on the same files.
    workspace = Workspace(open_connection([generated["orders.csv"].parent]))
    workspace.load_dataset(
        "generated",
        [
            DatasetFile(prepare_file(generated["orders.csv"], "orders.csv", None), "orders"),
            DatasetFile(prepare_file(generated["customers.csv"], "customers.csv", None), "customers"),
        ],
    )
    try:
        for view in VIEWS.values():
            sidebar = at.sidebar
            sidebar.radio(key="setting_grain").set_value(view.get("grain", "month"))
            tiers = view["tier_filter"].split(",") if "tier_filter" in view else []
            sidebar.multiselect(key="setting_tier_filter").set_value(tiers)
            sidebar.multiselect(key="setting_filter_region").set_value([view["filter"]] if "filter" in view else [])
            shown = (date.fromisoformat(view["from"]), date.fromisoformat(view["to"])) if "from" in view else None
            sidebar.date_input(key="setting_range").set_value(shown or (first, last))
            at.run()
            assert not at.exception
            totals = report_totals(workspace, as_settings(view, as_of, window))
            assert_agree(page_totals(at), totals)
    finally:
        workspace.close()
