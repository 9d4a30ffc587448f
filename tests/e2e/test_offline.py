"""Offline and in Chinese: on a freshly started server, every page loads with every request that
would leave the machine blocked, and none is attempted; the tab title and the uploader's texts
are in the page's language."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.conftest import screenshot, serve, wait_until_rendered
from tests.e2e.test_pages import PAGES

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def fresh_url() -> Iterator[str]:
    yield from serve("streamlit-offline.log")


def test_every_page_loads_offline_in_chinese(browser: Browser, fresh_url: str) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    attempted: list[str] = []

    def block_remote(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOCAL_HOSTS:
            attempted.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", block_remote)
    try:
        page = context.new_page()
        # The first request to a fresh server runs Streamlit's pages-folder mode: it too must not
        # fetch anything.
        for path, (charts, _, chinese) in PAGES.items():
            page.goto(f"{fresh_url}/{path}?lang=zh")
            wait_until_rendered(page, charts) if charts else page.wait_for_selector('[data-testid="stMain"] h1')
            expect(page.get_by_text(chinese).first).to_be_visible(timeout=60_000)
            expect(page).to_have_title("客户流失仪表板")
        page.goto(f"{fresh_url}/data?lang=zh")
        upload = page.locator('[data-testid="stFileUploaderDropzone"]').first
        expect(upload).to_be_visible(timeout=60_000)
        # The uploader's own texts are replaced by styles: what shows is their ::after content.
        shown = upload.evaluate(
            """(zone) => [zone.querySelector('button [data-testid="stMarkdownContainer"] p'),
                          zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')]
                .map((element) => getComputedStyle(element, '::after').content)"""
        )
        assert shown == ['"上传"', '"每个文件最大 200 MB"']
        screenshot(page, "offline-data-zh-1024")
        assert attempted == []
    finally:
        context.close()
