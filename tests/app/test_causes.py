"""The causes page in AppTest: renders, and a mapping upload changes the breakdown."""

from __future__ import annotations

from datetime import date

from churn.i18n import format_percent
from churn.workspace import Workspace
from tests.app.conftest import every_tab, new_app, open_tab
from tests.conftest import NO_FILTERS


def demo_breakdown(overrides: dict[tuple[str, str], str] | None = None) -> dict[str, int]:
    workspace = Workspace.with_demo()
    workspace.ensure_facts(date(2025, 12, 31), 60)
    if overrides:
        workspace.set_reason_overrides(overrides)
    params = {"loss_from": date(2023, 1, 1), "loss_until": date(2026, 1, 1), "dimension": "all", **NO_FILTERS}
    table = workspace.query("losses_by_cause_and_segment", params)
    workspace.close()
    return dict(zip(table["cause"], table["churned_customers"], strict=True))


def open_causes():
    at = new_app()
    at.switch_page("pages/causes.py").run()
    assert not at.exception
    return at


def test_causes_page_renders_every_class() -> None:
    at = open_causes()
    labels = [metric.label for metric in at.metric]
    assert labels == ["Dissatisfaction", "Competitor", "Forced", "Other", "Silent churn (unknown)"]
    expected = demo_breakdown()
    total = sum(expected.values())
    assert at.metric[1].value == format_percent(expected["competitor"] / total)
    # Breakdown and reasons above the tabs, then each tab's: trend by count and share, the heatmap;
    # the rival effect and the mapping are tables.
    charts = {tab: len(at.get("plotly_chart")) - 2 for tab in every_tab(at, "pages/causes.py")}
    assert not at.exception
    assert charts == {
        "causes.tab_trend": 2,
        "causes.tab_segments": 1,
        "causes.accumulation_title": 0,
        "causes.mapping_title": 0,
    }


def test_uploaded_mapping_changes_the_breakdown() -> None:
    at = open_causes()
    before = demo_breakdown()
    after = demo_breakdown({("Price too high", ""): "forced"})
    moved = before["dissatisfaction"] - after["dissatisfaction"]
    assert moved > 0 and after["forced"] == before["forced"] + moved
    open_tab(at, "pages/causes.py", "causes.mapping_title")
    at.file_uploader[0].upload("mapping.csv", b"reason,category,cause\nPrice too high,,forced\n", "text/csv").run()
    assert not at.exception
    total = sum(before.values())
    assert at.metric[0].value == format_percent(after["dissatisfaction"] / total)
    assert at.metric[2].value == format_percent(after["forced"] / total)
    assert "1" in at.success[0].value


def test_bad_mapping_file_is_explained() -> None:
    at = open_tab(open_causes(), "pages/causes.py", "causes.mapping_title")
    at.file_uploader[0].upload("mapping.csv", b"reason,cause\nPrice too high,angry\n", "text/csv").run()
    assert "Unknown causes" in at.error[0].value
