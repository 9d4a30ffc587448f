"""A built folder (``python -m churn build``) opened on the Data page in a real browser, on a
projector and on a desktop, in English and Chinese: the pages show its figures, nothing is cut,
the sidebar says what it was built for."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from churn.__main__ import main
from churn.db import DATA_DIR
from tests.e2e.conftest import screenshot, wait_until_rendered
from tests.e2e.layout import add_layout_problems
from tests.e2e.test_layout import SIZES

OPENED = {"en": "Opened the built dataset", "zh": "已打开已构建的数据集"}
SIDEBAR = {"en": "Built dataset: built on duckdb", "zh": "已构建的数据集：于"}


@pytest.fixture(scope="module")
def built_folder() -> Iterator[str]:
    """The demo's files built (on DuckDB: the Spark build is compared table by table in
    tests/unit/test_engines.py and opened in tests/app/test_built.py) into the server's data/."""
    name = f"built-e2e-{os.getpid()}"
    out = DATA_DIR / name
    shutil.rmtree(out, ignore_errors=True)
    files = [str(DATA_DIR / "demo_orders.csv"), "--customers", str(DATA_DIR / "demo_customers.csv")]
    try:
        assert main(["build", *files, "--out", str(out)]) == 0
        yield name
    finally:
        shutil.rmtree(out, ignore_errors=True)


def open_built_folder(page: Page, app_url: str, name: str, lang: str) -> None:
    page.goto(f"{app_url}/data?lang={lang}")
    wait_until_rendered(page, 0)
    page.locator(".st-key-built_folder").scroll_into_view_if_needed()
    folder = page.locator(".st-key-built_folder input[role='combobox']")
    option = page.get_by_role("option", name=name, exact=True)
    for _ in range(5):  # a rerun of the page (it is still settling) closes the list: open it again
        page.locator(".st-key-built_folder button[aria-haspopup='listbox']").click(timeout=60_000)
        try:
            option.click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    expect(folder).to_have_value(name)
    page.locator(".st-key-built_open button").click()
    expect(page.get_by_text(OPENED[lang]).first).to_be_visible(timeout=60_000)
    wait_until_rendered(page, 0)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_built_folder_opens_from_the_data_page(
    browser: Browser, app_url: str, built_folder: str, lang: str, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        open_built_folder(page, app_url, built_folder, lang)
        problems = add_layout_problems(page, {})
        screenshot(page, f"built-data-{lang}-{width}x{height}")
        # The overview of the same session (by its link in the sidebar: a new URL is a new session).
        page.locator('[data-testid="stSidebarNav"] a[href$="/overview"]').click()
        wait_until_rendered(page, 1)
        page.wait_for_timeout(500)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar.get_by_text(SIDEBAR[lang]).first).to_be_attached()
        # The as-of date and W it was built for, fixed.
        expect(sidebar.locator(".st-key-setting_window input")).to_be_disabled()
        expect(sidebar.locator(".st-key-setting_window input")).to_have_value("60")
        add_layout_problems(page, problems)
        screenshot(page, f"built-overview-{lang}-{width}x{height}")
        assert problems == {"cut": [], "overprinted": []}
    finally:
        context.close()
