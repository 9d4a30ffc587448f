"""The HTML report (churn.report_html): one well-formed, self-contained document with a section
and the main chart of every page, nothing fetched from the internet, data escaped, the Chinese
version without English texts, and datasets without churn rates handled."""

from __future__ import annotations

import json
import re
import shutil
import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from churn.__main__ import main
from churn.db import open_connection
from churn.i18n import MESSAGES, set_language, t
from churn.ingest import load_files
from churn.page_data import default_settings
from churn.report_html import CHART_WIDTH, html_report, report_file_name
from churn.settings import Settings
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.conftest import FIXTURES, TINY_AS_OF, TINY_WINDOW, make_workspace

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["overview", "trends", "causes", "tiers", "lifetime-value"]
# Elements with no end tag in HTML.
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
# Attributes that make a browser fetch what they name (<a href> only navigates when clicked).
FETCHING = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href"}
HOSTILE_NAME = '<script>alert("name")</script><img src=http://evil.invalid/name.png>'
HOSTILE_REASONS = ("<script>alert('reason')</script>", "<img src=http://evil.invalid/reason.png>")


class Document(HTMLParser):
    """The parts of a document the tests look at; raises on an end tag that closes another element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []  # text nodes outside <script> and <style>
        self.headings: list[str] = []  # the texts of <h2>: one per section
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.feed(text)
        self.close()
        assert self.open == [], f"elements left open: {self.open}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        inside = self.open[-1] if self.open else None
        if inside == "script":
            self.scripts.append(data)
        elif inside == "style":
            self.styles.append(data)
        elif data.strip():
            self.texts.append(data.strip())
            if inside == "h2":
                self.headings.append(data.strip())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]

    def by_class(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.elements if name in (attrs.get("class") or "").split()]


def remote(value: str | None) -> bool:
    return bool(value) and bool(re.search(r"(?i)(^|[\s,(\"'])(https?:)?//", value or ""))


def assert_self_contained(document: Document, link: str | None = None) -> None:
    """Nothing in the document makes a browser fetch a resource from elsewhere: no element
    attribute, inline style or stylesheet names an http(s) or protocol-relative address (the
    text of Plotly's script holds such strings, but only as data); the one <a href> is the link."""
    for tag, attrs in document.elements:
        for name, value in attrs.items():
            if tag == "a" and name == "href":
                assert value == link
            elif name in FETCHING or name == "style":
                assert not remote(value) and "url(" not in (value or ""), (tag, name, value)
    assert document.all("link") == [] and document.all("img") == [] and document.all("iframe") == []
    assert all(attrs.get("src") is None for attrs in document.all("script"))
    for style in document.styles:
        assert "@import" not in style and "url(" not in style


def charts(document: Document) -> int:
    return len(document.by_class("plotly-graph-div"))


@pytest.fixture(scope="module")
def demo_reports(demo: Workspace) -> dict[str, str]:
    settings = default_settings(demo)
    return {
        "en": html_report(demo, settings, "http://localhost:8501/overview?as_of=2025-12-31&window=60"),
        "zh": html_report(demo, replace(settings, lang="zh", currency="CNY")),
    }


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")  # html_report sets the language of the thread


@pytest.mark.slow
def test_the_demo_report_has_every_section_and_chart(demo_reports: dict[str, str]) -> None:
    report = demo_reports["en"]
    document = Document(report)
    assert report.startswith("<!DOCTYPE html>")
    assert [attrs.get("id") for attrs in document.all("section")] == SECTIONS
    assert document.headings == [
        "Overview",
        "Churn-rate trends",
        "Churn causes",
        "Customer tiers",
        "What customers are worth",
    ]
    # One chart each, two on the causes page (breakdown and reasons): 6, each with its script.
    assert charts(document) == 6
    assert [attrs.get("id") for attrs in document.by_class("plotly-graph-div")] == [f"chart-{n}" for n in range(1, 7)]
    # Plotly's JavaScript once, in the head, then one small script per chart.
    assert len(document.all("script")) == 1 + 6
    assert sum("Plotly.newPlot" in script for script in document.scripts) == 6
    assert max(map(len, document.scripts)) > 3_000_000 and report.count("plotly.js v") == 1
    # Each page's reading sentence and figures, as the pages word them.
    assert len(document.by_class("reading")) == 6  # the lifetime value's trust sentence too
    assert any(text.startswith("Churn is 10.4% a month (288 of 2,760 customers in 2025-12)") for text in document.texts)
    assert any(text.startswith("Over the last 12 months churn averaged") for text in document.texts)
    assert any("is the largest known cause:" in text for text in document.texts)
    assert any(text.startswith("The top 5.0% of customers (platinum and gold) bring") for text in document.texts)
    assert any("The early-warning list holds" in text for text in document.texts)
    assert "Churn rate" in document.texts and "10.4%" in document.texts


@pytest.mark.slow
def test_the_demo_report_names_its_settings_and_links_back(demo_reports: dict[str, str]) -> None:
    document = Document(demo_reports["en"])
    texts = document.texts
    assert "Dataset: demo data (5,000 customers, 100,257 orders, 2023-01-01 to 2025-12-31)" in texts
    settings = dict(zip(texts[texts.index("As-of date") :: 2], texts[texts.index("As-of date") + 1 :: 2], strict=False))
    assert settings["As-of date"] == "2025-12-31"
    assert settings["Inactivity window W (days)"] == "60"
    assert settings["Period"] == "Month"
    assert settings["Periods shown"] == "All periods up to the as-of date"
    assert settings["Tier rule"] == "Platinum 1%, Gold 4%, Iron 15%, Lead 80%; ranked by revenue over all history"
    assert settings["Tiers shown"] == "All tiers"
    assert settings["Filter customers by"] == "All customers"
    assert settings["Language"] == "English"
    assert settings["Currency of the amounts"] == "Not stated (no sign)"
    assert [attrs["href"] for attrs in document.all("a")] == [
        "http://localhost:8501/overview?as_of=2025-12-31&window=60"
    ]
    assert "Open this view in the dashboard" in texts


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_fetches_nothing(demo_reports: dict[str, str], lang: str) -> None:
    link = "http://localhost:8501/overview?as_of=2025-12-31&window=60" if lang == "en" else None
    document = Document(demo_reports[lang])
    assert_self_contained(document, link)
    # Charts print whole on A4: a fixed width, no mode bar, no MathJax.
    newplots = [script for script in document.scripts if "Plotly.newPlot" in script]
    assert all(f'"width":{CHART_WIDTH}' in script for script in newplots)
    assert all('"displayModeBar": false' in script and '"displaylogo": false' in script for script in newplots)
    assert not any("MathJax.Hub" in script or "mathjax" in script.lower()[:2000] for script in newplots)


@pytest.mark.slow
def test_the_report_prints_on_a4(demo_reports: dict[str, str]) -> None:
    style = "".join(Document(demo_reports["en"]).styles)
    assert "@page { size: A4; margin: 12mm; }" in style
    assert re.search(r"\nsection \{ break-before: page; page-break-before: always; \}", style)
    assert re.search(r"figure\.chart \{[^}]*width: 680px;[^}]*break-inside: avoid;", style)


def english_fragments() -> set[str]:
    """The literal parts of every English text of the catalog that are words, not a name or a
    number: what must not show in the Chinese report."""
    fragments = set()
    for key, text in MESSAGES["en"].items():
        if MESSAGES["zh"][key] == text:
            continue  # the same in both languages ("{name} ({customers})")
        for literal, *_ in string.Formatter().parse(text):
            for part in re.split(r"<br>|[\d%]+", literal or ""):
                if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2:
                    fragments.add(part.strip(" .,:;()"))
    return {fragment for fragment in fragments if len(fragment) >= 6}


@pytest.mark.slow
def test_the_chinese_report_has_no_english_text(demo_reports: dict[str, str]) -> None:
    document = Document(demo_reports["zh"])
    fragments = english_fragments()
    assert len(fragments) > 500  # the catalog's English texts, split at their placeholders
    leftovers = [(text, f) for text in document.texts for f in fragments if f in text]
    assert leftovers == []
    # No run of English words either (a text from elsewhere than the catalog).
    assert [text for text in document.texts if re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}", text)] == []
    set_language("zh")
    assert [attrs.get("id") for attrs in document.all("section")] == SECTIONS
    titles = ("overview.title", "trends.title", "causes.title", "tiers.title", "ltv.title")
    assert document.headings == [t(title) for title in titles]
    assert t("report.title") in document.texts
    assert document.all("html") == [{"lang": "zh-Hans"}]
    assert "金额的币种" in document.texts and "人民币（CNY）" in document.texts
    # The charts speak Chinese too: their titles are in the figures' JSON (non-ASCII escaped).
    assert json.dumps("各月流失率")[1:-1] in "".join(document.scripts)


def hostile_workspace(folder: Path, name: str = HOSTILE_NAME) -> Workspace:
    """The tiny orders, with customers whose churn reasons are markup, under a name that is markup."""
    shutil.copy(FIXTURES / "tiny_orders.csv", folder / "orders.csv")
    reasons = "\n".join(
        [
            "customer_id,churn_date,churn_reason",
            f'J,2024-03-25,"{HOSTILE_REASONS[0]}"',
            f"A,,{HOSTILE_REASONS[1]}",
            "D,,Price too high",
            "C,,Moved away",
        ]
    )
    (folder / "customers.csv").write_text(reasons + "\n", encoding="utf-8")
    workspace = Workspace(open_connection([folder]))
    workspace.set_dataset(name, load_files(workspace.con, [folder / "orders.csv"], [folder / "customers.csv"]))
    return workspace


def test_markup_in_the_data_stays_text(tmp_path: Path) -> None:
    workspace = hostile_workspace(tmp_path)
    try:
        report = html_report(workspace, Settings(TINY_AS_OF, TINY_WINDOW))
        filtered = html_report(workspace, Settings(TINY_AS_OF, TINY_WINDOW, filter_values=("<b>x</b>",)))
    finally:
        workspace.close()
    document = Document(report)
    assert_self_contained(document)
    # The name shows as the text it is, in the title and the header; no element comes of it.
    assert f"Churn report · {HOSTILE_NAME}" in document.texts
    assert any(text.startswith(f"Dataset: {HOSTILE_NAME} (11 customers") for text in document.texts)
    assert [tag for tag, _ in document.elements if tag in ("img", "b")] == []
    assert len(document.all("script")) == 1 + charts(document)
    # The reasons are chart labels: in the figures' JSON, where < > / are escaped.
    assert charts(document) == 6
    assert "evil.invalid" in "".join(document.scripts)
    assert not any(re.search(r"<(img|script|/script)", script) for script in document.scripts[1:])
    # A filter value from the data, in the settings.
    filtered_document = Document(filtered)
    assert "Region: <b>x</b>" in filtered_document.texts
    assert [tag for tag, _ in filtered_document.elements if tag in ("img", "b")] == []


def test_a_customer_list_alone(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, [], ["tiny_crm_customers.csv"])
    try:
        settings = Settings(date(2025, 6, 30), 60, tier_rule=TierRule((20, 20, 20, 40)))
        document = Document(html_report(workspace, settings))
    finally:
        workspace.close()
    assert [attrs.get("id") for attrs in document.all("section")] == SECTIONS
    notes = [text for text in document.texts if text.startswith(("This dataset is a customer list", "The purchase"))]
    assert len(notes) == 2  # the overview's and the lifetime value's: no periods, no purchase model
    assert t("causes.trend_needs_dates") in document.texts
    assert "Customers listed" in document.texts
    # No window, period or range in the settings: a customer list has no order dates.
    assert "Inactivity window W (days)" not in document.texts and "As-of date" in document.texts
    # The pyramid, the reasons of the customers lost (0002 and 0004) and the realised value.
    assert charts(document) == 4
    assert_self_contained(document)


def test_too_short_for_a_churn_rate(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, ["tiny_orders.csv"])
    try:
        # Orders from 2023-12-15; with W = 30 days the first churn can fall in mid January.
        settings = Settings(date(2024, 1, 10), 30)
        document = Document(html_report(workspace, settings))
    finally:
        workspace.close()
    coverage = [text for text in document.texts if "W = 30" in text and "2024-01-10" in text]
    assert coverage, "the report says why there is no churn rate"
    assert "What the data holds up to 2024-01-10." in document.texts
    # No churn-rate chart, no trend: the pyramid and the realised value remain.
    assert charts(document) == 2
    assert_self_contained(document)


def test_a_link_back_must_be_a_web_address(tiny: Workspace) -> None:
    with pytest.raises(ValueError, match="http"):
        html_report(tiny, Settings(TINY_AS_OF, TINY_WINDOW), "javascript:alert(1)")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("demo", "churn-report-demo-2025-12-31.html"),
        ("orders.csv, customers.csv", "churn-report-orders.csv-customers.csv-2025-12-31.html"),
        ("销售 数据.xlsx", "churn-report-销售-数据.xlsx-2025-12-31.html"),
        ("../../etc/passwd", "churn-report-etc-passwd-2025-12-31.html"),
        (HOSTILE_NAME, "churn-report-script-alert-name-script-img-src-http-evil.invalid-name.png-2025-12-31.html"),
        ("<>", "churn-report-data-2025-12-31.html"),
    ],
)
def test_report_file_name(name: str, expected: str) -> None:
    assert report_file_name(name, date(2025, 12, 31)) == expected


def test_the_command_writes_a_document(capsys: pytest.CaptureFixture[str]) -> None:
    tiny = [str(ROOT / "tests/data/tiny_orders.csv"), "--as-of", "2024-06-30", "--window", "30"]
    link = "http://localhost:8501/overview?as_of=2024-06-30"
    assert main(["report", *tiny, "--format", "html", "--link", link, "--lang", "zh"]) == 0
    document = Document(capsys.readouterr().out)
    assert document.all("html") == [{"lang": "zh-Hans"}]
    assert [attrs["href"] for attrs in document.all("a")] == [link]
    assert [attrs.get("id") for attrs in document.all("section")] == SECTIONS
    assert_self_contained(document, link)
    # The options of the JSON report alone are refused with the HTML one, and the other way round.
    assert main(["report", *tiny, "--format", "html", "--holdout-weeks", "4"]) == 2
    assert "--holdout-weeks: only with --format json" in capsys.readouterr().err
    assert main(["report", *tiny, "--link", link]) == 2
    assert "--link: only with --format html" in capsys.readouterr().err
