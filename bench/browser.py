"""End-to-end timing in a real browser at a large size: ``python -m bench.browser --lines 10000000``.

Writes the generated orders (Parquet) and customers into the server's ``data/`` folder (the
place for files too big to upload; ignored by git), starts the dashboard, and in headless
Chromium (Debian's ``chromium``): picks the files on the Data page and loads them, opens the
overview, then adds regions to the sidebar's filter one at a time, timing each change from the
click to the new figures shown and the page idle with its chart drawn. Prints the timings
(median in the last line).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from bench.generate import generate
from churn.db import DATA_DIR
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("North", "South", "East", "West", "Central")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_idle(page: Page, timeout_ms: int = 600_000) -> None:
    """Until the script run is over and every chart on the page has its traces drawn."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(
                (chart) => chart.querySelector('.scatterlayer .trace, .barlayer .trace'))""",
        timeout=timeout_ms,
    )


def run(lines: int, changes: int) -> list[float]:
    files = generate(lines, DATA_DIR, formats=("parquet",))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    timings: list[float] = []
    try:
        executable = chromium_path()
        if executable is None:
            raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}/data")
                    break
                except Exception:  # the server is still starting
                    time.sleep(1)
            expect(page.get_by_text("Load a new dataset")).to_be_visible(timeout=60_000)
            page.get_by_text("Pick from the server's data/ folder").click()
            for label, name in (
                ("Orders file", files["orders.parquet"].name),
                ("Customer list", files["customers.csv"].name),
            ):
                chooser = page.get_by_role("combobox", name=label, exact=False).first
                expect(chooser).to_be_visible(timeout=60_000)
                wait_idle(page)
                chooser.click()
                page.keyboard.type(name)
                page.keyboard.press("Enter")
                expect(page.get_by_text(f"Columns of {name}")).to_be_visible(timeout=600_000)
            start = time.perf_counter()
            page.get_by_role("button", name="Load dataset").click()
            expect(page.get_by_text("Loaded “dataset 1”")).to_be_visible(timeout=600_000)
            print(f"load from the data folder: {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            page.get_by_role("link", name="Overview").click()
            expect(page.get_by_text("Dataset: dataset 1")).to_be_visible(timeout=600_000)
            wait_idle(page)
            print(f"first overview: {time.perf_counter() - start:.1f} s")
            values = page.get_by_role("combobox", name="Keep these region values")
            active = page.locator('[data-testid="stMetricValue"]').first
            for change in range(changes):
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
                print(f"filter change {change + 1} (+{region}): {timings[-1]:.0f} ms")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"median filter change to chart redrawn: {statistics.median(timings):.0f} ms")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000, help="order lines")
    parser.add_argument("--changes", type=int, default=5, help="filter changes timed")
    args = parser.parse_args(argv)
    run(args.lines, args.changes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
