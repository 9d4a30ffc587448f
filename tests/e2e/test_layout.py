"""Every page readable on a 1024×768 projector and at 1400×1000, in English and Chinese: no value,
label, title or tab row cut by its box, no chart tick labels printed over each other, in every tab
of the page. Screenshots of each page at each size are kept in test-artifacts/screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import screenshot, wait_until_rendered
from tests.e2e.layout import add_layout_problems, cut_texts, overlapping_ticks
from tests.e2e.test_pages import PAGES

SIZES = {"projector": (1024, 768), "desktop": (1400, 1000)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", PAGES)
def test_nothing_is_cut_or_overprinted(browser: Browser, app_url: str, path: str, lang: str, size: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/{path}?lang={lang}&currency=CNY")
        wait_until_rendered(page, PAGES[path][0])
        page.wait_for_timeout(500)  # Plotly lays out its labels after the first draw
        problems = add_layout_problems(page, {})
        tabs = page.locator('[data-testid="stMain"] [data-testid="stTab"]')
        for index in range(tabs.count()):
            tabs.nth(index).click()  # a lazy tab reruns the page to draw its content
            page.wait_for_timeout(300)
            wait_until_rendered(page, 0)
            page.wait_for_timeout(400)
            add_layout_problems(page, problems)
        screenshot(page, f"layout-{path}-{lang}-{width}x{height}")
        assert problems == {"cut": [], "overprinted": []}
    finally:
        context.close()


def test_on_a_projector_the_sidebar_is_narrow_and_folds_away(browser: Browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/overview?lang=zh")
        wait_until_rendered(page, 1)
        sidebar = page.locator('[data-testid="stSidebar"]')
        content = page.locator('[data-testid="stMainBlockContainer"]')
        assert (sidebar.bounding_box() or {"width": 0})["width"] <= 241
        sidebar.hover()
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()
        page.wait_for_timeout(1000)
        # Folded, the page takes the whole width: its content starts near the left edge.
        assert (content.bounding_box() or {"x": 999})["x"] < 60
        assert cut_texts(page) == [] and overlapping_ticks(page) == []
        screenshot(page, "layout-overview-zh-1024x768-sidebar-folded")
    finally:
        context.close()
