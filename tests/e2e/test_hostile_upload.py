"""A hostile upload through a real server: the uploading session gets a message, and the
server goes on serving every session (once, a 4.7 KB workbook aborted the whole process)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.data.make_hostile_corpus import write_corpus
from tests.e2e.conftest import orders_uploader, screenshot, wait_until_rendered


def test_a_workbook_spanning_the_whole_sheet_leaves_the_server_running(
    page: Page, browser: Browser, app_url: str, tmp_path: Path
) -> None:
    write_corpus(tmp_path)
    page.goto(f"{app_url}/data")
    wait_until_rendered(page, 0)
    for name in ("excel_last_cell_undeclared.xlsx", "excel_last_cell.xlsx"):
        uploader = orders_uploader(page)
        uploader.locator('input[type="file"]').set_input_files(str(tmp_path / name))
        expect(page.get_by_text(f"Not loaded: {name}")).to_be_visible(timeout=60_000)
    screenshot(page, "data-hostile-workbook")
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as response:
        assert response.status == 200
    # Another session opens the dashboard as usual.
    other = browser.new_context()
    try:
        overview = other.new_page()
        overview.goto(f"{app_url}/overview")
        wait_until_rendered(overview)
        expect(overview.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        other.close()
