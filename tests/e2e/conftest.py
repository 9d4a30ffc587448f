"""Browser tests: the real app served by ``streamlit run`` and driven by Playwright in
Debian's Chromium (Playwright's own browser download is not used).

Outside CI the tests skip with a message when Chromium is missing; in CI (``CI=true``)
a missing browser is a failure, so browser tests cannot silently not run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from pluggy import Result

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = "Chromium not found: install Debian's package (apt-get install -y chromium) to run browser tests."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """``streamlit run app.py`` on a free port; its log goes to test-artifacts/streamlit.log."""
    yield from serve("streamlit.log")


def serve(log_name: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port (with ``env`` added to the environment), yield
    its URL once it answers, stop it. Its saved workspaces go to a folder of its own under
    test-artifacts/, never the project's, unless ``env`` names one (CHURN_WORKSPACES)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    workspaces = ARTIFACTS.parent / f"workspaces-{Path(log_name).stem}"
    environment = {**os.environ, "CHURN_WORKSPACES": str(workspaces), **(env or {})}
    with open(ARTIFACTS.parent / log_name, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("streamlit run did not start; see test-artifacts/streamlit.log")
            time.sleep(0.3)
        yield url
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_until_rendered(page: Page, charts: int = 1) -> None:
    """Wait for the script run to finish (no 'running' indicator) and ``charts`` charts drawn
    with at least one trace each (no empty chart)."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=60_000)
    page.wait_for_function(
        """(count) => {
            const drawn = [
                '.scatterlayer .trace', '.barlayer .trace', '.boxlayer .trace', '.sankey', '.sunburstlayer .slice',
                '.heatmaplayer image',
            ].join(', ');
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            return charts.length >= count && [...charts].every((chart) => chart.querySelector(drawn));
        }""",
        arg=charts,
        timeout=60_000,
    )


def orders_uploader(page: Page) -> Locator:
    """The Data page's uploader of the orders file, found by its label (not by its place: while a
    run redraws the page, the first uploader in the document may be another)."""
    uploader = page.locator('[data-testid="stFileUploader"]', has=page.get_by_text("Orders file (one row"))
    expect(uploader).to_be_visible(timeout=60_000)
    return uploader


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page: Streamlit scrolls inside its own container, so the viewport is
    made as tall as the content for the shot (at most 8,000 px), then restored."""
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size or {"width": 1440, "height": 1000}
    height = page.evaluate(
        """() => {
            const content = document.querySelector('[data-testid="stMainBlockContainer"]');
            return content ? content.scrollHeight + content.getBoundingClientRect().top + 40 : 0;
        }"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], min(int(height), 8000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """On a failed browser test, save what the browser showed."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}.png"), full_page=True)
