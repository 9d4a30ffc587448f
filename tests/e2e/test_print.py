"""Printing: the HTML report opened from a file draws every chart with nothing fetched from the
network, and prints on A4 a page per section at least; a live page prints without the sidebar.
The PDFs and screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route, expect

from churn.i18n import set_language
from churn.page_data import default_settings
from churn.report_html import html_report
from churn.settings import Settings
from churn.workspace import Workspace
from tests.conftest import TINY_AS_OF, TINY_WINDOW
from tests.e2e.conftest import ARTIFACTS, screenshot, wait_until_rendered
from tests.unit.test_report_html import SECTIONS, hostile_workspace

A4_POINTS = (595, 842)  # 210 × 297 mm


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height in points of each page of a PDF (its /Type /Page objects, not the
    /Pages tree; Chromium writes each page's MediaBox with it)."""
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    boxes = [
        (float(right) - float(left), float(top) - float(bottom))
        for left, bottom, right, top in re.findall(
            rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf
        )
    ]
    assert len(boxes) == len(pages), "a page without its MediaBox"
    return boxes


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A context in which every request but for a file is recorded and refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    attempted: list[str] = []

    def block(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    yield context, attempted
    context.close()


def open_report(context: BrowserContext, path: Path) -> tuple[Page, list[str]]:
    """The report in a new page, every chart drawn; the dialogs it tried to open."""
    page = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(path.as_uri())
    page.wait_for_function(
        """() => {
            const drawn = '.scatterlayer .trace, .barlayer .trace, .boxlayer .trace, .sunburstlayer .slice';
            const charts = [...document.querySelectorAll('.plotly-graph-div')];
            return charts.length > 0
                && charts.every((chart) => chart.querySelector('.main-svg') && chart.querySelector(drawn));
        }""",
        timeout=60_000,
    )
    return page, dialogs


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_opens_offline_and_prints_on_a4(
    offline: tuple[BrowserContext, list[str]], demo: Workspace, tmp_path: Path, lang: str
) -> None:
    context, attempted = offline
    settings = replace(default_settings(demo), lang=lang, currency="CNY" if lang == "zh" else None)
    path = tmp_path / f"report-{lang}.html"
    path.write_text(html_report(demo, settings, "http://localhost:8501/overview"), encoding="utf-8")
    set_language("en")  # html_report set the language of this thread
    page, dialogs = open_report(context, path)
    expect(page.locator("section")).to_have_count(len(SECTIONS))
    expect(page.locator(".plotly-graph-div")).to_have_count(6)
    # Every chart within the printable width of A4 (186 mm = 703 CSS pixels).
    widths = page.locator(".plotly-graph-div .main-svg").evaluate_all(
        "(svgs) => svgs.map((svg) => svg.width.baseVal.value)"
    )
    assert widths and max(widths) <= 703
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{lang}.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / f"report-{lang}.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert len(pages) >= len(SECTIONS)
    assert all(abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1 for width, height in pages)
    assert attempted == [] and dialogs == []


def test_markup_in_the_data_neither_runs_nor_fetches(offline: tuple[BrowserContext, list[str]], tmp_path: Path) -> None:
    context, attempted = offline
    folder = tmp_path / "data"
    folder.mkdir()
    workspace = hostile_workspace(folder)
    try:
        document = html_report(workspace, Settings(TINY_AS_OF, TINY_WINDOW))
    finally:
        workspace.close()
    set_language("en")
    path = tmp_path / "hostile.html"
    path.write_text(document, encoding="utf-8")
    page, dialogs = open_report(context, path)
    expect(page.locator("img")).to_have_count(0)
    expect(page.locator("h1 + p")).to_contain_text("<img src=http://evil.invalid/name.png>")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
    assert attempted == [] and dialogs == []


def test_a_live_page_prints_without_the_sidebar(browser: Browser, app_url: str) -> None:
    # A projector's window: the charts are drawn about as wide as the paper (they keep the width
    # they were drawn at when printed).
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/overview")
        wait_until_rendered(page)
        sidebar = page.locator('section[data-testid="stSidebar"]')
        expect(sidebar.get_by_role("button", name="Download the report (HTML)")).to_be_visible()
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        (ARTIFACTS / "overview-print.pdf").write_bytes(pdf)
        pages = pdf_pages(pdf)
        assert pages and all(abs(w - A4_POINTS[0]) <= 1 and abs(h - A4_POINTS[1]) <= 1 for w, h in pages)
        page.emulate_media(media="print")
        box = sidebar.bounding_box()
        assert box is None or box["width"] == 0
        expect(page.locator('[data-testid="stDownloadButton"]').first).to_be_hidden()
        expect(page.locator('header[data-testid="stHeader"]')).to_be_hidden()
        main = page.locator('[data-testid="stMain"]').bounding_box()
        assert main is not None and main["x"] == 0 and main["width"] >= 1000
        screenshot(page, "overview-print")
    finally:
        context.close()
