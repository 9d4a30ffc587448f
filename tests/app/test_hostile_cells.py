"""Hostile cells through every download: the demo's customers renamed after formulas, markup,
control characters, right-to-left marks and very long strings, its reasons and regions too, a few
rejected rows and a what-if scenario named like a formula. Every page and tab is opened, every
CSV it offers is read back and every cell checked: none starts a formula, and each is the
original text once the apostrophe that made it text is taken off."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from churn.export import FORMULA_STARTS, from_spreadsheet_text
from tests.app.conftest import Download, every_tab, new_app
from tests.app.test_hostile import PAGE_FILES

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [
    "=1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+1",
    "\t=1",
    "<img src=http://evil.invalid/x.png>",
    "[sign in again](http://evil.invalid)",
    "\u202e\u200fRTL",
    "x" * 5_000,
]


def hostile_files() -> tuple[bytes, bytes]:
    """The demo's orders and customer list with hostile ids, regions and reasons."""
    orders = pd.read_csv(ROOT / "data" / "demo_orders.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(ROOT / "data" / "demo_customers.csv", dtype=str, keep_default_na=False)
    ids = sorted(set(customers["customer_id"]))
    renamed = {cid: f"{PAYLOADS[n % len(PAYLOADS)]} {cid}" for n, cid in enumerate(ids)}
    regions = {"West": '=HYPERLINK("http://evil.invalid","West")', "East": "-East", "North": "@North"}
    for table in (orders, customers):
        table["customer_id"] = table["customer_id"].map(renamed)
        table["region"] = table["region"].replace(regions)
    reasons = customers["churn_reason"] != ""
    customers.loc[reasons, "churn_reason"] = [
        f"{PAYLOADS[n % len(PAYLOADS)]} reason" for n in range(int(reasons.sum()))
    ]
    # Two rows that are rejected (no date, a negative quantity), with their raw text in the list.
    bad = pd.DataFrame([dict(orders.iloc[0]), dict(orders.iloc[1])])
    bad["order_date"] = ["=cmd|' /C calc'!A0", "@later"]
    orders = pd.concat([orders, bad], ignore_index=True)
    return orders.to_csv(index=False).encode(), customers.to_csv(index=False).encode()


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def csv_cells(download: Download) -> list[str]:
    frame = pd.read_csv(io.BytesIO(download.content()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return [*map(str, frame.columns), *(cell for column in frame.columns for cell in frame[column])]


@pytest.mark.slow
def test_every_download_is_safe_to_open_in_a_spreadsheet(downloads: list[Download]) -> None:
    orders, customers = hostile_files()
    at = new_app()
    at.switch_page("pages/data.py").run()
    at.text_input(key="data_name").set_value("hostile").run()
    at.file_uploader(key="data_upload_orders_0").upload("orders.csv", orders, "text/csv").run()
    at.file_uploader(key="data_upload_customers_0").upload("customers.csv", customers, "text/csv").run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert "2 rejected" in str(at.success[0].value)
    at.session_state["trends_segment_dimension"] = "region"
    at.switch_page("pages/what-if.py").run()
    at.text_input(key="whatif_name").set_value("=cmd|' /C calc'!A0").run()
    at.button(key="whatif_save").click().run()
    for path in PAGE_FILES.values():
        at.switch_page(path).run()
        for tab in every_tab(at, path):
            assert not at.exception, (path, tab)
    files = {d.file_name: d for d in downloads if d.file_name and d.file_name.endswith(".csv")}
    # Every kind of CSV the app gives, each with texts from the data in it.
    assert {name.split("-20")[0].split("-as-of")[0] for name in files} >= {
        "churn-by-month",
        "churn-and-retention-by-month",
        "churn-by-region-by-month",
        "reason-mapping.csv",
        "lost-platinum-gold",
        "tier-drops.csv",
        "early-warning",
        "what-if-scenarios.csv",
        "rejected-rows.csv",
    }
    hostile_seen = 0
    for name, download in files.items():
        for cell in csv_cells(download):
            # A negative number is a number to a spreadsheet, not a formula.
            assert is_number(cell) or not cell.startswith(FORMULA_STARTS), (name, cell[:80])
            original = from_spreadsheet_text(cell)
            hostile_seen += original != cell
    # Formulas were there to escape: in ids, reasons, regions, the scenario's name and the rejected rows.
    assert hostile_seen > 100
    lost = pd.read_csv(io.BytesIO(files["reason-mapping.csv"].content()), encoding="utf-8-sig", dtype=str)
    assert "'=1+1 reason" in set(lost["reason"])
