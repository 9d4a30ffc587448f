"""Downloads through the app: the HTML report from the sidebar of every page (built only when
clicked), and the table behind each chart of the overview and trends as CSV."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from churn.i18n import MESSAGES, set_language
from churn.ui import DOWNLOAD_TAG_PATTERN
from tests.app.conftest import Download, every_tab, new_app
from tests.app.test_hostile import PAGE_FILES


def test_every_page_offers_the_report(downloads: list[Download]) -> None:
    at = new_app()
    for path in PAGE_FILES.values():
        downloads.clear()
        at.switch_page(path).run()
        assert not at.exception, path
        buttons = [
            button for button in at.sidebar.get("download_button") if button.label == "Download the report (HTML)"
        ]
        assert len(buttons) == 1, path
        reports = [download for download in downloads if download.label == "Download the report (HTML)"]
        assert [report.file_name for report in reports] == ["churn-report-demo-2025-12-31.html"], path
        # Not built while the page runs: only the click calls it.
        assert callable(reports[0].data), path


def test_a_download_is_named_for_its_session_only(downloads: list[Download]) -> None:
    # Streamlit serves a download at an address made from its contents and name: the random tag
    # of each session in the name makes the address of the same file differ between sessions.
    new_app()
    first = {download.file_name: download.served_as for download in downloads}
    downloads.clear()
    new_app()
    second = {download.file_name: download.served_as for download in downloads}
    assert first.keys() == second.keys() and "churn-report-demo-2025-12-31.html" in first
    for name, served_as in first.items():
        assert served_as != second[name]
        assert served_as is not None and DOWNLOAD_TAG_PATTERN.sub("", served_as) == name
    # The same session keeps its tag from run to run.
    tags = {served_as.rsplit("-", 1)[1].split(".")[0] for served_as in first.values() if served_as}
    assert len(tags) == 1


def test_the_report_is_built_when_clicked_in_the_page_language(downloads: list[Download]) -> None:
    at = new_app({"lang": "zh", "window": "90"})
    assert not at.exception
    report = next(download for download in downloads if download.file_name and download.file_name.endswith(".html"))
    # Streamlit calls it on a thread of its own, after the run; the view of the session stays.
    document = report.content().decode("utf-8")
    assert document.startswith("<!DOCTYPE html>") and '<html lang="zh-Hans">' in document
    assert "<td>90</td>" in document and "客户流失报告" in document
    assert at.number_input(key="setting_window").value == 90


def table(download: Download) -> pd.DataFrame:
    content = download.content()
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads the headers as UTF-8
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig")


def chart_downloads(downloads: list[Download]) -> dict[str, pd.DataFrame]:
    return {d.file_name or "": table(d) for d in downloads if d.file_name and d.file_name.endswith(".csv")}


def test_the_overview_chart_downloads_as_csv(downloads: list[Download]) -> None:
    at = new_app()
    assert not at.exception
    assert [b.label for b in at.main.get("download_button")] == ["Download the chart's data (CSV)"]
    tables = chart_downloads(downloads)
    assert list(tables) == ["churn-by-month-2023-01-to-2025-12.csv"]
    rates = tables["churn-by-month-2023-01-to-2025-12.csv"]
    assert list(rates.columns) == ["Period", "At start", "Churned of those at start", "Churn rate (%)", "Warm-up"]
    december = rates.iloc[-1]
    # The overview's figures: 288 of 2,760 in 2025-12, 10.43%; whole numbers, no "2760.0".
    assert (december["Period"], december["At start"], december["Churned of those at start"]) == ("2025-12", 2760, 288)
    assert december["Churn rate (%)"] == pytest.approx(288 / 2760 * 100, abs=0.005)
    assert rates["Warm-up"].tolist()[:2] == ["yes", "yes"] and december["Warm-up"] == "no"
    assert ".0," not in downloads[-1].content().decode("utf-8-sig").split("\n")[-2]


def test_every_trends_chart_downloads_as_csv(downloads: list[Download]) -> None:
    at = new_app()
    downloads.clear()
    at.switch_page("pages/trends.py").run()
    names: set[str] = set()
    for tab in every_tab(at, "pages/trends.py"):
        assert not at.exception, tab
        names |= set(chart_downloads(downloads))
    assert names == {
        "churn-and-retention-by-month-2023-01-to-2025-12.csv",
        "customer-flow-by-month-2023-01-to-2025-12.csv",
        "revenue-churn-by-month-2023-01-to-2025-12.csv",
        "cohort-retention-by-quarter-as-of-2025-12-31.csv",
        "survival-of-all-customers-as-of-2025-12-31.csv",
        "churn-by-window-2025-12.csv",
        "churn-by-tier-by-month-2023-01-to-2025-12.csv",
    }
    tables = chart_downloads(downloads)
    flow = tables["customer-flow-by-month-2023-01-to-2025-12.csv"]
    assert list(flow.columns) == ["Period", "At start", "New", "Won back", "Churn events", "At end"]
    # Every period adds up: at start + new + won back − lost = at end.
    assert (flow["At start"] + flow["New"] + flow["Won back"] - flow["Churn events"] == flow["At end"]).all()
    revenue = tables["revenue-churn-by-month-2023-01-to-2025-12.csv"]
    assert list(revenue.columns) == [
        "Period",
        "Revenue base (365 days before, customers at start)",
        "Revenue lost (365 days before, customers lost)",
        "Revenue churn rate (%)",
        "Churn rate (%)",
    ]
    segments = tables["churn-by-tier-by-month-2023-01-to-2025-12.csv"]
    assert set(segments["Segment"]) >= {"Platinum", "Gold", "Iron", "Lead"}


def test_downloads_speak_the_page_language(downloads: list[Download]) -> None:
    at = new_app({"lang": "zh", "grain": "quarter"})
    assert not at.exception
    tables = chart_downloads(downloads)
    assert list(tables) == ["churn-by-quarter-2023-q1-to-2025-q4.csv"]
    rates = tables["churn-by-quarter-2023-q1-to-2025-q4.csv"]
    assert list(rates.columns) == ["周期", "期初", "期初客户中流失", "流失率（%）", "预热期"]
    assert rates["周期"].iloc[-1] == "2025年第4季度" and rates["预热期"].iloc[-1] == "否"
    # AppTest writes the widgets' values back formatted in this thread's language: the page's.
    set_language("zh")
    try:
        at.switch_page("pages/trends.py").run()
        downloads.clear()
        at.session_state["trends_tab"] = MESSAGES["zh"]["trends.tab_flows"]
        at.run()
    finally:
        set_language("en")
    assert not at.exception
    revenue = chart_downloads(downloads)["revenue-churn-by-quarter-2023-q1-to-2025-q4.csv"]
    assert "收入基数（期初客户在本期之前 365 天的收入）" in revenue.columns
