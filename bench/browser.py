"""End-to-end timing in a real browser at a large size: ``python -m bench.browser --lines 10000000``.

Writes the generated orders and customers (CSV by default, ``--format parquet``) into the
server's ``data/`` folder (the place for files too big to upload; ignored by git), starts the
dashboard, and in headless Chromium (Debian's ``chromium``):

- **file chosen → overview drawn**: picks the orders file on the Data page (the server inspects
  it and shows its columns), then the customer list, clicks "Load dataset", then opens the
  overview, until its chart is drawn; the time of these steps, not of the clicks between them;
- **filter change**: adds regions to the sidebar's filter one at a time, each from the key press
  to the new figures shown and the page idle with its chart drawn;
- **new session on the demo**: a new browser context opening /overview until its chart is
  drawn (what each person of a workshop waits for when opening the link), and **page change**:
  from a click on the sidebar to the next page's title and charts;
- in the same run, DuckDB's bare ``read_csv`` of the orders file (the yardstick of the first
  look) and **Streamlit's floor**: the same filter change, and a new session, on a one-file app
  that only shows a metric and a 36-point Plotly chart, which no Streamlit dashboard can beat on
  this machine.

``--demo`` measures only the new sessions and page changes on the demo (and the floor's).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from bench.generate import generate
from bench.run import bare_read, in_process
from churn.db import DATA_DIR
from churn.i18n import t
from churn.ui import PAGES
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("North", "South", "East", "West", "Central")
FILTER_LABEL = "Keep these region values"

# Streamlit's floor: a sidebar filter, a metric and a small chart, nothing computed.
FLOOR_APP = f"""
import plotly.graph_objects as go
import streamlit as st

kept = st.sidebar.multiselect("{FILTER_LABEL}", {list(REGIONS)!r})
st.metric("Active customers", f"{{len(kept) * 1234 + 7:,}}")
st.plotly_chart(go.Figure(go.Scatter(x=list(range(36)), y=[month * len(kept) for month in range(36)])))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_idle(page: Page, timeout_ms: int = 600_000) -> None:
    """Until the script run is over and every chart on the page has its traces drawn."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(
                (chart) => chart.querySelector(
                    '.scatterlayer .trace, .barlayer .trace, .boxlayer .trace, .sankey, '
                    + '.sunburstlayer .slice, .heatmaplayer image'))""",
        timeout=timeout_ms,
    )


def start_server(script: Path, port: int, *options: str) -> subprocess.Popen[bytes]:
    """A Streamlit server of ``script`` on 127.0.0.1:``port``, with Streamlit's ``options``."""
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    return subprocess.Popen(
        [*command, "--server.address", "127.0.0.1", "--server.headless", "true", *options],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def served(script: Path) -> Iterator[str]:
    """A Streamlit server of ``script`` on a free port; its address."""
    port = free_port()
    server = start_server(script, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def open_page(page: Page, url: str) -> None:
    for _ in range(60):
        try:
            page.goto(url)
            return
        except Exception:  # the server is still starting
            time.sleep(1)
    raise SystemExit(f"No server at {url}")


def filter_changes(page: Page, changes: int) -> list[float]:
    """Milliseconds of each region added to the sidebar filter, key press to chart drawn."""
    values = page.get_by_role("combobox", name=FILTER_LABEL)
    active = page.locator('[data-testid="stMetricValue"]').first
    timings: list[float] = []
    for change in range(changes):
        if change and change % len(REGIONS) == 0:
            clear_filter(page, values)
        region = REGIONS[change % len(REGIONS)]
        before = active.inner_text()
        values.click()
        page.keyboard.type(region)
        start = time.perf_counter()
        page.keyboard.press("Enter")
        # Done when the figures show the new filter and the run is over (charts drawn).
        page.wait_for_function(
            """(before) => {
                const metric = document.querySelector('[data-testid="stMetricValue"]');
                return metric && metric.innerText !== before
                    && !document.querySelector('[data-testid="stStatusWidget"]');
            }""",
            arg=before,
            timeout=600_000,
        )
        wait_idle(page)
        timings.append((time.perf_counter() - start) * 1000)
        page.keyboard.press("Escape")
        print(f"  filter change {change + 1} (+{region}): {timings[-1]:.0f} ms", flush=True)
    return timings


def new_sessions(browser: Browser, url: str, sessions: int) -> list[float]:
    """Seconds from a new browser session opening ``url`` to its page drawn, one at a time."""
    timings: list[float] = []
    for _ in range(sessions):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        start = time.perf_counter()
        open_page(page, url)
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=600_000)
        wait_idle(page)
        timings.append(time.perf_counter() - start)
        context.close()
        print(f"  new session: {timings[-1]:.2f} s", flush=True)
    return timings


# The catalog prefix of each page's title, where it is not the page's URL path.
TITLE_KEYS = {"lifetime-value": "ltv", "what-if": "whatif"}


def page_changes(page: Page, url: str, rounds: int) -> list[float]:
    """Seconds from a click on a page of the sidebar to that page's title and charts drawn, for
    every page in turn, ``rounds`` times over."""
    open_page(page, f"{url}/overview")
    wait_idle(page)
    timings: list[float] = []
    for _ in range(rounds):
        for name, title_key, _ in (*PAGES[1:], PAGES[0]):
            link = page.locator('[data-testid="stSidebarNav"] a', has_text=t(title_key))
            start = time.perf_counter()
            link.click()
            page.wait_for_url(f"**/{name}?**", timeout=600_000)
            title = t(f"{TITLE_KEYS.get(name, name)}.title")
            expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(title, timeout=600_000)
            wait_idle(page)
            timings.append(time.perf_counter() - start)
            print(f"  to {name}: {timings[-1]:.2f} s", flush=True)
    return timings


def demo_timings(browser: Browser, sessions: int, rounds: int) -> dict[str, float]:
    """New sessions and page changes on the demo, and new sessions of Streamlit's floor."""
    result: dict[str, float] = {}
    with served(ROOT / "app.py") as url:
        print("new sessions on the demo (the first warms the server):", flush=True)
        timings = new_sessions(browser, f"{url}/overview", sessions + 1)
        result["first_session_s"] = timings[0]
        result["new_session_s"] = statistics.median(timings[1:])
        print("page changes on the demo:", flush=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        result["page_change_s"] = statistics.median(page_changes(page, url, rounds))
        result["page_change_max_s"] = max(page_changes(page, url, 1))
        page.close()
    with tempfile.TemporaryDirectory() as folder:
        floor = Path(folder) / "floor.py"
        floor.write_text(FLOOR_APP, encoding="utf-8")
        with served(floor) as url:
            print("new sessions of Streamlit's floor:", flush=True)
            result["floor_new_session_s"] = statistics.median(new_sessions(browser, url, sessions + 1)[1:])
    print(
        f"new session on the demo: {result['new_session_s']:.2f} s (first after start "
        f"{result['first_session_s']:.2f} s; Streamlit's floor: {result['floor_new_session_s']:.2f} s); "
        f"page change: median {result['page_change_s']:.2f} s, slowest {result['page_change_max_s']:.2f} s"
    )
    return result


def clear_filter(page: Page, values: Locator) -> None:
    """Every region is kept: clear the filter (not timed) to start adding again."""
    values.click()
    for _ in REGIONS:
        page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    wait_idle(page)


def first_look(page: Page, url: str, files: dict[str, Path], orders_name: str) -> dict[str, float]:
    """Seconds of each server step from the orders file chosen to the overview drawn."""
    open_page(page, f"{url}/data")
    expect(page.get_by_text("Load a new dataset")).to_be_visible(timeout=60_000)
    page.get_by_text("Pick from the server's data/ folder").click()
    steps: dict[str, float] = {}
    for label, name, step in (
        ("Orders file", files[orders_name].name, "orders file inspected"),
        ("Customer list", files["customers.csv"].name, "customer list inspected"),
    ):
        chooser = page.get_by_role("combobox", name=label, exact=False).first
        expect(chooser).to_be_visible(timeout=60_000)
        wait_idle(page)
        chooser.click()
        page.keyboard.type(name)
        start = time.perf_counter()
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"Columns of {name}")).to_be_visible(timeout=600_000)
        wait_idle(page)
        steps[step] = time.perf_counter() - start
    start = time.perf_counter()
    page.get_by_role("button", name="Load dataset").click()
    expect(page.get_by_text("Loaded “dataset 1”")).to_be_visible(timeout=600_000)
    steps["loaded"] = time.perf_counter() - start
    start = time.perf_counter()
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_text("Dataset: dataset 1")).to_be_visible(timeout=600_000)
    wait_idle(page)
    steps["overview drawn"] = time.perf_counter() - start
    return steps


def run(lines: int, changes: int, orders_format: str) -> dict[str, float]:
    files = generate(lines, DATA_DIR, formats=(orders_format,))
    orders_name = f"orders.{orders_format}"
    bare_s = in_process(bare_read, files["orders.csv"])["bare_read_s"] if orders_format == "csv" else None
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    result: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        with served(ROOT / "app.py") as url:
            steps = first_look(page, url, files, orders_name)
            for step, seconds in steps.items():
                print(f"{step}: {seconds:.1f} s", flush=True)
            result["first_look_s"] = sum(steps.values())
            print("dashboard:", flush=True)
            result["filter_ms"] = statistics.median(filter_changes(page, changes))
        with tempfile.TemporaryDirectory() as folder:
            floor = Path(folder) / "floor.py"
            floor.write_text(FLOOR_APP, encoding="utf-8")
            with served(floor) as url:
                open_page(page, url)
                wait_idle(page)
                print("Streamlit's floor (a metric and one chart):", flush=True)
                result["floor_ms"] = statistics.median(filter_changes(page, changes))
        browser.close()
    print(f"file chosen → overview drawn: {result['first_look_s']:.1f} s", end="")
    if bare_s is not None:
        print(f" = {result['first_look_s'] / bare_s:.1f}× the bare read_csv ({bare_s:.2f} s)", end="")
    print()
    print(
        f"median filter change to chart redrawn: {result['filter_ms']:.0f} ms "
        f"(Streamlit's floor on this machine: {result['floor_ms']:.0f} ms)"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000, help="order lines")
    parser.add_argument("--changes", type=int, default=5, help="filter changes timed")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="the orders file's format")
    parser.add_argument("--demo", action="store_true", help="only new sessions and page changes on the demo")
    parser.add_argument("--sessions", type=int, default=5, help="new sessions timed")
    args = parser.parse_args(argv)
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        demo_timings(browser, args.sessions, 2)
        browser.close()
    if not args.demo:
        run(args.lines, args.changes, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
