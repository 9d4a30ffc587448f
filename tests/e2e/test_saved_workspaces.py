"""Keep and share in a real browser: a dataset saved on one server opens from its link after the
server restarted, with the same figures; a wrong link finds nothing; with a password, nothing but
the prompt is served."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, screenshot, serve, wait_until_rendered
from tests.e2e.test_pages import choose_file

# Two years of monthly orders of 40 customers; every fourth stops after a year: churn to show.
ORDERS = "customer,date,amount\n" + "".join(
    f"C{customer:02d},{2024 + month // 12}-{month % 12 + 1:02d}-{customer % 27 + 1:02d},{10 + customer}\n"
    for customer in range(40)
    for month in range(24 if customer % 4 else 12)
)
server = contextlib.contextmanager(serve)


def figures(page: Page) -> list[str]:
    """The overview's metric labels and values, as shown."""
    wait_until_rendered(page, 1)
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.first).to_be_visible()
    return [text.replace("\n", " ") for text in metrics.all_inner_texts()]


def test_a_saved_workspace_opens_from_its_link_after_a_server_restart(browser: Browser, tmp_path: Path) -> None:
    env = {"CHURN_WORKSPACES": str(tmp_path / "workspaces")}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        with server("streamlit-saved-1.log", env) as url:
            choose_file(page, url, "shop.csv", ORDERS.encode(), "Shop A")
            page.get_by_role("button", name="Load dataset").click()
            expect(page.get_by_text("Loaded “Shop A”")).to_be_visible(timeout=30_000)
            page.get_by_label("Name of the saved workspace").fill("Shop A, December")
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_text("Saved “Shop A, December”")).to_be_visible(timeout=30_000)
            # The link's code block (the page has another: the build command of "Open a built dataset").
            link = page.locator('[data-testid="stCode"] code', has_text="workspace=").inner_text().strip()
            assert re.search(r"/overview\?workspace=[A-Za-z0-9_-]{32}&", link), link
            screenshot(page, "data-saved-workspace")
            page.get_by_role("link", name="Overview").click()
            expect(page.get_by_text("Dataset: Shop A, December (40 customers")).to_be_visible(timeout=30_000)
            before = figures(page)
        token = re.search(r"workspace=([A-Za-z0-9_-]+)", link)
        assert token is not None
        # A new server on the same folder; the link opened in a new browser (no cookies, no session).
        with server("streamlit-saved-2.log", env) as url:
            other = browser.new_context(viewport={"width": 1400, "height": 1000})
            try:
                reopened = other.new_page()
                reopened.goto(url + "/overview?" + urlsplit(link).query)
                expect(reopened.get_by_text("Dataset: Shop A, December (40 customers")).to_be_visible(timeout=60_000)
                assert figures(reopened) == before
                screenshot(reopened, "overview-of-a-saved-workspace-after-restart")
                # A wrong or truncated token: plain "not found", the demo, no other workspace named.
                for wrong in (token.group(1)[:-1], "A" * 32):
                    reopened.goto(f"{url}/overview?workspace={wrong}")
                    expect(reopened.get_by_text("No saved workspace was found at this link.")).to_be_visible(
                        timeout=60_000
                    )
                    expect(reopened.get_by_text("Dataset: demo data")).to_be_visible()
                    expect(reopened.get_by_text("Shop A")).to_have_count(0)
                screenshot(reopened, "saved-workspace-not-found")
            finally:
                other.close()
    finally:
        context.close()
    # The token never reaches a log.
    for log in ("streamlit-saved-1.log", "streamlit-saved-2.log"):
        assert token.group(1) not in (ARTIFACTS.parent / log).read_text()


def test_with_a_password_nothing_but_the_prompt_is_served(browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        with server("streamlit-password.log", {"CHURN_PASSWORD": "correct horse battery"}) as url:
            for path in ("/", "/overview", "/data?lang=zh", "/tiers?window=45"):
                page.goto(url + path)
                expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=60_000)
                page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""")
                expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
                expect(page.locator('[data-testid="stMetric"], [data-testid="stPlotlyChart"]')).to_have_count(0)
                expect(page.get_by_text("demo")).to_have_count(0)
                label = "密码" if "lang=zh" in path else "Password"
                expect(page.get_by_label(label, exact=True)).to_be_visible()
            screenshot(page, "sign-in-zh")
            page.goto(url + "/overview")
            page.get_by_label("Password", exact=True).fill("guess")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("That password is not right.")).to_be_visible(timeout=30_000)
            expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
            page.get_by_label("Password", exact=True).fill("correct horse battery")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Dataset: demo data")).to_be_visible(timeout=60_000)
            wait_until_rendered(page, 1)
            screenshot(page, "signed-in-overview")
    finally:
        context.close()
