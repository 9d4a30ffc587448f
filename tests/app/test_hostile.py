"""Uploads, values and links that once crashed a page or the server, through the app itself:
each gets its message or loads with its rejected rows, and every page still renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from churn.whatif import Levers
from tests.app.conftest import every_tab, new_app, shown
from tests.data.make_hostile_corpus import write_corpus

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
PAGES = ["overview", "trends", "causes", "tiers", "lifetime-value", "what-if", "data"]
PAGE_FILES = {name: f"pages/{name}.py" for name in PAGES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_corpus(folder)
    return folder


def open_data():
    at = new_app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def upload(at, name: str, content: bytes, table: str = "orders", version: int = 0):
    at.file_uploader(key=f"data_upload_{table}_{version}").upload(name, content, "application/octet-stream").run()
    assert not at.exception
    return at


def every_page_renders(at) -> None:
    for path in PAGE_FILES.values():
        at.switch_page(path).run()
        for tab in every_tab(at, path):
            assert not at.exception, (path, tab, [e.value for e in at.exception])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("excel_last_cell.xlsx", "Not loaded: excel_last_cell.xlsx: a sheet spans A1:XFD1048576"),
        ("excel_last_cell_undeclared.xlsx", "Not loaded: excel_last_cell_undeclared.xlsx needs more memory"),
        ("excel_zip_bomb.xlsx", "Not loaded: excel_zip_bomb.xlsx would unpack to 300 MB"),
        ("wide.csv", "Not loaded: wide.csv has 16,384 columns"),
    ],
)
def test_a_hostile_upload_gets_a_message_and_the_app_goes_on(corpus: Path, name: str, message: str) -> None:
    at = upload(open_data(), name, (corpus / name).read_bytes())
    assert shown(at.error[0].value).startswith(message)
    every_page_renders(at)


def test_absurd_values_are_rejected_and_every_page_renders() -> None:
    at = open_data()
    at.text_input(key="data_name").set_value("absurd").run()
    upload(at, "values_orders.csv", (HOSTILE / "values_orders.csv").read_bytes())
    upload(at, "values_customers.csv", (HOSTILE / "values_customers.csv").read_bytes(), table="customers")
    at.button(key="data_load").click().run()
    assert not at.exception
    # 12 + 5 rows read; 4 + 2 loaded; K1's churn date 9999-12-31 read as no churn date.
    assert at.success[0].value.startswith("Loaded “absurd”: 6 of 17 rows, 11 rejected")
    assert "1 churn date after next year (such as 9999-12-31" in at.success[0].value
    reasons = at.dataframe[-1].value["Reason"].tolist()
    assert reasons.count("date before 1900 or after next year") == 5
    assert reasons.count("not a finite number, or beyond ±1,000,000,000,000,000") == 6
    every_page_renders(at)


def test_a_second_dataset_shows_that_dataset() -> None:
    # Once: "Loaded two", then "Dataset in use: one" (the switcher loaded its old choice back).
    at = open_data()
    at.text_input(key="data_name").set_value("one").run()
    upload(at, "a.csv", b"customer_id,order_date,amount\nA,2024-01-05,10\nB,2024-02-01,20\nA,2024-03-01,5\n")
    at.button(key="data_load").click().run()
    assert at.subheader[0].value == "Dataset in use: one (orders)"
    at.text_input(key="data_name").set_value("two").run()
    upload(at, "b.csv", b"customer_id,order_date,amount\nX,2024-01-05,10\nY,2024-02-01,20\n", version=1)
    at.button(key="data_load").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Dataset in use: two (orders)"
    at.switch_page("pages/overview.py").run()
    assert "Dataset: two (2 customers" in " ".join(caption.value for caption in at.caption)


BAD_LINKS = {
    "as_of before the data": {"as_of": "2020-01-01"},
    "as_of far after the data": {"as_of": "2090-01-01"},
    "from before the data": {"from": "2022-06-01"},
    "to after the data": {"to": "2026-06-30"},
    "from after to": {"from": "2025-06-01", "to": "2024-01-01"},
    "not a date": {"as_of": "yesterday", "from": "2024-13-45"},
    "window zero": {"window": "0"},
    "unknown grain": {"grain": "fortnight"},
    "unknown tiers": {"tier_filter": "diamond"},
    "unknown filter dimension": {"filter_by": "planet", "filter": "Mars"},
    "tier shares not a pyramid": {"tiers": "50,50,50,50"},
}


@pytest.mark.parametrize("link", BAD_LINKS)
def test_a_link_that_does_not_fit_the_data_is_reset_with_a_warning(link: str) -> None:
    at = new_app(BAD_LINKS[link])
    assert not at.exception, [e.value for e in at.exception]
    assert any("could not be used" in warning.value for warning in at.sidebar.warning), link
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]


def test_every_page_opens_from_a_link_that_does_not_fit_the_data() -> None:
    at = new_app({"as_of": "2020-01-01", "from": "2022-06-01", "to": "2026-06-30", "window": "0"})
    assert "as_of, window, from, to" in at.sidebar.warning[0].value
    every_page_renders(at)


BAD_SCENARIOS = [
    "not-a-scenario",
    Levers(churn_cut_all=1.5).to_token(),
    # JSON that is not a scenario: a list, unknown keys, strings, booleans, a horizon of 1.5 years,
    # an unknown cause, a margin beyond the slider's range, infinity.
    *(
        __import__("base64").urlsafe_b64encode(text.encode()).decode().rstrip("=")
        for text in (
            "[1, 2]",
            '{"planet": 1}',
            '{"churn_cut_all": "all"}',
            '{"churn_cut_all": true}',
            '{"horizon_years": 1.5}',
            '{"churn_cut_by_cause": {"weather": 0.5}}',
            '{"churn_cut_by_cause": "dissatisfaction"}',
            '{"margin_change": 7}',
            '{"cost_fixed": Infinity}',
        )
    ),
]


@pytest.mark.parametrize("token", BAD_SCENARIOS)
def test_a_damaged_scenario_link_is_reset_with_a_warning(token: str) -> None:
    at = new_app({"scenario": token})
    at.switch_page("pages/what-if.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("scenario in this link" in warning.value.lower() for warning in at.warning), token


MARKDOWN_LINK = "[sign in again](http://evil.invalid)"
MARKDOWN_IMAGE = "![x](evil.png)"  # a file name has no slashes


def markdown_sources(at) -> list[str]:
    """The Markdown source of every text element on the page and in the sidebar."""
    kinds = ("markdown", "caption", "subheader", "header", "title", "success", "info", "warning", "error")
    return [str(element.value) for kind in kinds for element in at.get(kind)] + [
        str(element.value) for kind in kinds for element in at.sidebar.get(kind)
    ]


def test_markdown_from_the_data_is_shown_as_text() -> None:
    # A file named, headed and filled with Markdown links and images, under a name that is one.
    orders = (
        f"customer_id,order_date,amount,{MARKDOWN_IMAGE}\n"
        f"{MARKDOWN_LINK},2024-01-05,10,{MARKDOWN_LINK}\n"
        f"B,2024-02-01,20,{MARKDOWN_IMAGE}\n"
        f"{MARKDOWN_LINK},2024-03-01,5,x\n"
        f"C,{MARKDOWN_IMAGE},5,x\n"
    ).encode()
    at = open_data()
    at.text_input(key="data_name").set_value(MARKDOWN_LINK).run()
    upload(at, f"{MARKDOWN_IMAGE}.csv", orders)
    # The file's mapping, under its name, before it is loaded.
    seen = [*markdown_sources(at), *(str(expander.label) for expander in at.expander)]
    at.button(key="data_load").click().run()
    assert not at.exception
    for path in PAGE_FILES.values():
        at.switch_page(path).run()
        assert not at.exception, path
        seen += markdown_sources(at)
    text = "\n".join(seen)
    # The name and the file's name are on the pages, every bracket and colon escaped: no link, no image.
    assert r"\[sign in again\]\(http\:\/\/evil\.invalid\)" in text
    assert r"\!\[x\]\(evil\.png\)" in text
    assert not re.search(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\):\/\/", text)
