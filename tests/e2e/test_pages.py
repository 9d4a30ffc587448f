"""Every page opened by URL in a real browser: no exception, the figures shown, screenshots."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import orders_uploader, screenshot, wait_until_rendered

# URL path -> (charts on the page as it opens, a text that must show in English, in Chinese); the
# tabs of trends, causes and tiers draw their charts when opened (churn.ui.lazy_tabs).
PAGES = {
    "overview": (1, "Churn rate", "流失率"),
    "trends": (1, "Churn and retention rate by month", "各月流失率与保持率"),
    "causes": (4, "is the largest known cause", "已知原因中最多的是"),
    "tiers": (1, "of customers (platinum and gold) bring", "客户（白金与黄金）贡献了"),
    "lifetime-value": (2, "The early-warning list holds", "预警名单上有"),
    "data": (0, "Rejected rows", "被拒绝的行"),
    "what-if": (2, "Starting assumptions (from the data, editable)", "起始假设（来自数据，可修改）"),
}


def metric_value(page: Page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders(page: Page, app_url: str, path: str, lang: str) -> None:
    charts, english, chinese = PAGES[path]
    page.goto(f"{app_url}/{path}?lang={lang}")
    wait_until_rendered(page, charts)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text(english if lang == "en" else chinese).first).to_be_visible()
    screenshot(page, f"{path}-{lang}")


def test_overview_figures(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(6)
    assert re.fullmatch(r"\d+\.\d%", metric_value(page, "Churn rate"))


def test_root_url_opens_the_overview(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_until_rendered(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/overview\?.*window=60"))


def test_changing_the_window_updates_the_figures_and_the_url(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    before = metric_value(page, "Churn rate")
    window = page.get_by_label("Inactivity window W (days)", exact=True)
    window.fill("150")
    window.press("Enter")
    expect(page).to_have_url(re.compile(r"window=150"), timeout=30_000)
    wait_until_rendered(page)
    churn = page.locator('[data-testid="stMetric"]', has_text="Churn rate").locator('[data-testid="stMetricValue"]')
    expect(churn).not_to_have_text(before)
    screenshot(page, "overview-window-150")


def test_a_shared_link_reproduces_the_view(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/overview?window=90&grain=quarter&as_of=2025-09-30")
    wait_until_rendered(page)
    expect(page.get_by_text("Last complete quarter: 2025 Q3")).to_be_visible()
    expect(page.get_by_label("Inactivity window W (days)", exact=True)).to_have_value("90")


def test_trends_follow_a_region_filter(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/trends?filter_by=region&filter=West")
    wait_until_rendered(page, 1)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page).to_have_url(re.compile(r"filter=West"))
    screenshot(page, "trends-west")


def test_changing_the_tier_rule_updates_the_pyramid(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/tiers")
    wait_until_rendered(page, 1)
    expect(page.get_by_text("platinum = top 1% (50)")).to_be_visible()
    page.get_by_text("Tier rule").click()
    for label, value in (("Platinum (% of customers)", "2"), ("Lead (% of customers)", "79")):
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        wait_until_rendered(page, 1)
    expect(page.get_by_text("platinum = top 2% (100)")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"tiers=2%2C4%2C15%2C79|tiers=2,4,15,79"))
    screenshot(page, "tiers-2-4-15-79")


def test_moving_a_what_if_slider_changes_the_figures(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/what-if")
    wait_until_rendered(page, 2)
    kept = page.locator('[data-testid="stMetric"]', has_text="Customers kept").locator('[data-testid="stMetricValue"]')
    expect(kept).to_have_text("0")
    slider = page.get_by_role("slider", name="Prevent dissatisfaction churn (%)")
    slider.focus()
    for _ in range(6):  # 6 steps of 5% = 30%
        slider.press("ArrowRight")
    expect(kept).not_to_have_text("0", timeout=30_000)
    expect(page).to_have_url(re.compile(r"scenario="))
    wait_until_rendered(page, 2)
    screenshot(page, "what-if-30-percent")


def choose_file(page: Page, app_url: str, name: str, content: bytes, dataset: str) -> None:
    """Open the data page of this session, name the dataset and choose an orders file."""
    page.goto(f"{app_url}/data")
    wait_until_rendered(page, 0)
    page.get_by_label("Name of the dataset").fill(dataset)
    page.get_by_label("Name of the dataset").press("Enter")
    uploader = orders_uploader(page)
    uploader.locator('input[type="file"]').set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": content}
    )
    expect(page.get_by_text("Columns of " + name)).to_be_visible(timeout=30_000)


def excel_orders() -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Customer ID", "Order Date", "Sales"])
    for customer, day, amount in (("B1", 5, 10), ("B2", 6, 20), ("B1", 20, 30)):
        sheet.append([customer, datetime.date(2024, 1, day), amount])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_sessions_uploading_at_the_same_time_never_see_each_other(browser, app_url: str) -> None:
    first, second, third = browser.new_context(), browser.new_context(), browser.new_context()
    try:
        page_a, page_b, page_c = first.new_page(), second.new_page(), third.new_page()
        # Both sessions choose their file, then both load: the uploads overlap.
        alpha = b"customer,date,amount\nA1,2024-01-05,10\nA1,2024-02-05,10\n"
        choose_file(page_a, app_url, "alpha.csv", alpha, "alpha")
        choose_file(page_b, app_url, "beta.xlsx", excel_orders(), "beta")
        expect(page_b.get_by_text("Read from sheet “Orders” of the workbook")).to_be_visible()
        page_a.get_by_role("button", name="Load dataset").click()
        page_b.get_by_role("button", name="Load dataset").click()
        expect(page_a.get_by_text("Loaded “alpha”: 2 of 2 rows")).to_be_visible(timeout=30_000)
        expect(page_b.get_by_text("Loaded “beta”: 3 of 3 rows")).to_be_visible(timeout=30_000)
        # Each sees its own file, never the other's.
        # (table cells are drawn on a canvas; their accessible copies are in the page, hidden)
        expect(page_a.get_by_text("alpha.csv").first).to_be_attached()
        expect(page_a.get_by_text("beta.xlsx")).to_have_count(0)
        expect(page_b.get_by_text("beta.xlsx").first).to_be_attached()
        expect(page_b.get_by_text("alpha.csv")).to_have_count(0)
        # Within the session (a new URL would be a new session), the charts use the upload.
        page_a.get_by_role("link", name="Overview").click()
        page_b.get_by_role("link", name="Customer tiers").click()
        expect(page_a.get_by_text("Dataset: alpha (1 customer,")).to_be_visible(timeout=30_000)
        expect(page_b.get_by_text("Dataset: beta (2 customers")).to_be_visible(timeout=30_000)
        wait_until_rendered(page_b, 1)
        screenshot(page_b, "tiers-of-an-excel-upload")
        # A third session uploads a GBK file with Chinese headers and sees them mapped.
        gbk = "客户编号,下单时间,实付金额,地区\n甲,2024-01-05,10,华东\n乙,2024/1/6,20,华北\n".encode("gbk")
        choose_file(page_c, app_url, "订单.csv", gbk, "gbk")
        expect(page_c.get_by_text("Read as text in gb18030")).to_be_visible()
        for role, header in (
            ("Customer id", "客户编号"),
            ("Order date", "下单时间"),
            ("Amount", "实付金额"),
            ("Region", "地区"),
        ):
            expect(page_c.get_by_role("combobox", name=role, exact=True)).to_have_value(header)
        screenshot(page_c, "data-gbk-upload")
        expect(page_c.get_by_text("alpha.csv")).to_have_count(0)
        expect(page_c.get_by_text("beta.xlsx")).to_have_count(0)
    finally:
        first.close()
        second.close()
        third.close()


def test_a_crm_customer_list_shows_churn_by_cause_without_mapping(page: Page, app_url: str) -> None:
    from pathlib import Path

    telco = Path(__file__).resolve().parents[1] / "data" / "import" / "telco_customers.csv"
    page.goto(f"{app_url}/data")
    wait_until_rendered(page, 0)
    uploader = orders_uploader(page)  # the orders file: the content decides
    uploader.locator('input[type="file"]').set_input_files(str(telco))
    expect(page.get_by_text("telco_customers.csv is a list of customers")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("combobox", name="Status", exact=True)).to_have_value("Customer Status")
    page.get_by_role("button", name="Load dataset").click()
    expect(page.get_by_text("Dataset in use: dataset 1 (customer list)")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Churn causes").click()
    wait_until_rendered(page, 2)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    competitor = page.locator('[data-testid="stMetric"]', has_text="Competitor").locator(
        '[data-testid="stMetricValue"]'
    )
    expect(competitor).to_have_text("33.3%")
    screenshot(page, "causes-of-a-crm-list")
