"""Every page opened by URL in a real browser: no exception, the figures shown, screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, wait_until_rendered

PAGES = ["overview"]


def metric_value(page: Page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_every_page_renders_in_english_and_chinese(page: Page, app_url: str) -> None:
    for path in PAGES:
        for lang, churn_label in (("en", "Churn rate"), ("zh", "流失率")):
            page.goto(f"{app_url}/{path}?lang={lang}")
            wait_until_rendered(page)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            expect(page.locator('[data-testid="stMetric"]')).to_have_count(6)
            assert re.fullmatch(r"\d+\.\d%", metric_value(page, churn_label))
            screenshot(page, f"{path}-{lang}")


def test_root_url_opens_the_overview(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_until_rendered(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page).to_have_url(re.compile(r"window=60"))


def test_changing_the_window_updates_the_figures_and_the_url(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    before = metric_value(page, "Churn rate")
    window = page.get_by_label("Inactivity window W (days)", exact=True)
    window.fill("150")
    window.press("Enter")
    expect(page).to_have_url(re.compile(r"window=150"), timeout=30_000)
    wait_until_rendered(page)
    expect(
        page.locator('[data-testid="stMetric"]', has_text="Churn rate").locator('[data-testid="stMetricValue"]')
    ).not_to_have_text(before)
    screenshot(page, "overview-window-150")


def test_a_shared_link_reproduces_the_view(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/overview?window=90&grain=quarter&as_of=2025-09-30")
    wait_until_rendered(page)
    expect(page.get_by_text("Last complete quarter: 2025 Q3")).to_be_visible()
    expect(page.get_by_label("Inactivity window W (days)", exact=True)).to_have_value("90")
