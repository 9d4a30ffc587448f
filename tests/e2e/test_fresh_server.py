"""The first request to a freshly started server: a shared link to a page opens that page, with
its settings, the app's own navigation and no file names (Streamlit's pages-folder mode, which
runs a file of pages/ alone on a fresh server, never shows)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import screenshot, serve, wait_until_rendered


@pytest.fixture
def fresh_url() -> Iterator[str]:
    yield from serve("streamlit-fresh.log")


def test_the_first_request_to_a_fresh_server_opens_the_linked_page(browser: Browser, fresh_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{fresh_url}/trends?window=90&grain=quarter")
        wait_until_rendered(page, 1)
        expect(page.get_by_role("heading", name="Churn-rate trends")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/trends\?.*window=90.*grain=quarter|/trends\?.*grain=quarter.*window=90"))
        links = page.locator('[data-testid="stSidebarNav"] a')
        expect(links).to_have_count(7)
        assert [link.inner_text().split("\n")[-1] for link in links.all()] == [
            "Overview",
            "Churn trends",
            "Churn causes",
            "Customer tiers",
            "Lifetime value",
            "What-if",
            "Data",
        ]
        expect(page.get_by_text("lifetime-value", exact=True)).to_have_count(0)  # no file names
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        screenshot(page, "fresh-server-first-request")
    finally:
        context.close()


def test_the_first_request_to_a_fresh_server_for_the_overview_finds_it(browser: Browser, fresh_url: str) -> None:
    """The overview is the first page of the navigation: made the default page, it would be
    served at "/" only, and its own URL would show "Page not found"."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{fresh_url}/overview")
        wait_until_rendered(page, 1)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/overview\?"))
        page.wait_for_timeout(500)
        expect(page.get_by_text("Page not found")).to_have_count(0)
    finally:
        context.close()
