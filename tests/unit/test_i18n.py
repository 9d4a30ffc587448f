"""Both catalogs are valid gettext with the same entries, placeholders and plural counts, every key
the code uses exists in both, and ``t`` picks plural forms and survives a missing key."""

from __future__ import annotations

import ast
import logging
import re
import string
import uuid
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from churn import i18n
from churn.causes import CAUSES
from churn.clv import MODEL_STATUSES
from churn.db import load_sql
from churn.i18n import (
    COUNTS,
    MESSAGES,
    catalog_path,
    count_value,
    format_int,
    format_money,
    format_percent,
    format_period,
    set_language,
    t,
)
from churn.ingest import DATE_ORDERS, REJECT_CODES
from churn.roles import CUSTOMER_ROLES, ORDER_ROLES
from churn.settings import FILTER_DIMENSIONS, GRAINS
from churn.sources import IMPORT_PROBLEMS
from churn.tiers import BASES, TIERS, VALUE_WINDOWS

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "zh")
KEY = re.compile(r"[a-z_]+(?:\.[a-z_0-9]+)+")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def read_catalog(lang: str) -> Catalog:
    with catalog_path(lang).open("rb") as file:
        return read_po(file, abort_invalid=True)


def entries(lang: str) -> dict[str, Message]:
    return {(m.id[0] if m.pluralizable else m.id): m for m in read_catalog(lang) if m.id}


def forms(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if message.pluralizable else (message.string,)


def test_both_languages_have_the_same_keys() -> None:
    assert set(MESSAGES["en"]) == set(MESSAGES["zh"])
    english, chinese = entries("en"), entries("zh")
    assert list(english) == list(chinese)  # same msgids, in the same order: the files diff line by line
    assert {key: m.id for key, m in english.items()} == {key: m.id for key, m in chinese.items()}  # same msgid_plural


def test_placeholders_match_between_languages() -> None:
    for key, english in MESSAGES["en"].items():
        assert fields(english) == fields(MESSAGES["zh"][key]), key
    # Every plural form too: each form shows the count, as languages such as Russian need.
    english, chinese = entries("en"), entries("zh")
    for key, message in english.items():
        expected = fields(forms(message)[-1])
        for form in (*forms(message), *forms(chinese[key])):
            assert fields(form) == expected, (key, form)


@pytest.mark.parametrize(
    ("lang", "plural_forms"), [("en", "nplurals=2; plural=(n != 1);"), ("zh", "nplurals=1; plural=0;")]
)
def test_catalog_is_valid_gettext(lang: str, plural_forms: str) -> None:
    text = catalog_path(lang).read_text(encoding="utf-8")  # UTF-8, or this raises
    catalog = read_catalog(lang)  # a syntax error raises (abort_invalid)
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == lang
    assert headers["Plural-Forms"] == plural_forms
    assert headers["Content-Type"].lower() == "text/plain; charset=utf-8"
    assert not catalog.fuzzy and not catalog.obsolete
    # Babel keeps the last of two entries with the same msgid without a word: count them in the text.
    ids = re.findall(r'^msgid "(.+)"$', text, flags=re.MULTILINE)
    assert len(ids) == len(set(ids)) == len(catalog)
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        assert all(forms(message)), f"empty msgstr: {message.id}"
        if message.pluralizable:
            key, plural_id = message.id
            assert plural_id == f"{key}_plural"
            assert len(forms(message)) == catalog.num_plurals, key


def test_plural_entries_name_their_count() -> None:
    english = entries("en")
    plural = {key for key, message in english.items() if message.pluralizable}
    assert plural == set(COUNTS)
    for key in plural:
        names = [c.removeprefix("count:").strip() for c in english[key].auto_comments if c.startswith("count:")]
        assert names == [COUNTS[key].name], key
        assert all(COUNTS[key].name in fields(form) for form in forms(english[key])), key


def test_chinese_entries_show_the_english_text() -> None:
    def squeezed(lines: list[str]) -> str:  # a tool may re-wrap comment lines
        return re.sub(r"\s+", "", "".join(lines))

    english = entries("en")
    for key, message in entries("zh").items():
        source = forms(english[key])
        expected = [source[0]] if len(source) == 1 else [f"singular: {source[0]}", f"plural: {source[-1]}"]
        assert squeezed(message.auto_comments) == squeezed(expected), key


# Keys built from a prefix, t(f"tier.{tier}"): the values each can take, where the code names them.
DYNAMIC_KEYS: dict[str, tuple[str, ...]] = {
    "tier.": (*TIERS, "unranked"),  # "unranked": pages/lifetime-value.py's tier labels
    "cause.": CAUSES,
    "grain.": GRAINS,
    "basis.": BASES,
    "tier_window.": VALUE_WINDOWS,
    "ltv.status.": tuple(s for s in MODEL_STATUSES if s != "ok"),  # pages/lifetime-value.py: only without predictions
    "coverage.": ("too_short", "as_of_early", "out_of_range"),  # churn.metrics.churn_coverage, status != "ok"
    "role.": (*ORDER_ROLES, *CUSTOMER_ROLES),
    "data.date_order.": DATE_ORDERS,
    "data.kind.": ("transactions", "customers", "both"),  # churn.workspace: DatasetInfo.kind
    "data.source_": ("upload", "server"),  # pages/data.py
    "causes.column_": ("reason", "category"),  # churn.causes: the columns a keyword is found in
    "reject.": REJECT_CODES,  # pages/data.py: rejects.reason
    "import.": IMPORT_PROBLEMS,  # churn.i18n.import_problem_text: ImportProblem.code
}
# Keys reached through a name, t(title): the constant whose key-like strings they come from.
INDIRECT_KEYS = {
    ("churn/ui.py", "title"): "PAGES",
}


def page_constant(path: str, name: str) -> ast.expr:
    """The value of a module-level constant of a page, read without running the page."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return node.value
    raise AssertionError(f"{path} has no constant {name}")


def literal_strings(node: ast.expr) -> tuple[str, ...]:
    return tuple(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def page_dynamic_keys() -> dict[str, tuple[str, ...]]:
    """The values pages hold in their own constants (pages cannot be imported outside Streamlit)."""
    delimiters = page_constant("pages/data.py", "DELIMITER_KEYS")
    assert isinstance(delimiters, ast.Dict)
    dimensions = [
        literal_strings(page_constant(path, name))
        for path, name in (
            ("pages/lifetime-value.py", "SPLITS"),
            ("pages/trends.py", "SURVIVAL_SPLITS"),
            ("pages/trends.py", "SEGMENT_DIMENSIONS"),
            ("pages/causes.py", "DIMENSIONS"),
        )
    ]
    warnings = re.findall(r"select '(\w+)'", load_sql("data_warnings"))
    return {
        "data.delimiter.": tuple(ast.literal_eval(v) for v in delimiters.values),
        "dimension.": tuple({*FILTER_DIMENSIONS, *(d for group in dimensions for d in group)}),
        "data.warn.": tuple(warnings),
    }


def keys_in_call(argument: ast.expr, path: str) -> tuple[set[str], set[str]]:
    """The literal keys and the f-string prefixes of one ``t(...)`` argument."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return {argument.value}, set()
    if isinstance(argument, ast.IfExp):  # t("a" if x else "b")
        body, orelse = keys_in_call(argument.body, path), keys_in_call(argument.orelse, path)
        return body[0] | orelse[0], body[1] | orelse[1]
    if (
        isinstance(argument, ast.JoinedStr)
        and len(argument.values) == 2
        and isinstance(argument.values[0], ast.Constant)
        and isinstance(argument.values[1], ast.FormattedValue)
    ):
        return set(), {argument.values[0].value}
    source = ast.unparse(argument)
    constant = INDIRECT_KEYS.get((path, source))
    assert constant, f"{path}: t({source}) — the scan cannot read this key; add it to INDIRECT_KEYS"
    keys = {s for s in literal_strings(page_constant(path, constant)) if KEY.fullmatch(s)}
    assert keys, f"{path}: {constant} holds no key"
    return keys, set()


def test_every_key_used_in_the_code_exists() -> None:
    sources = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("churn/**/*.py")]
    used: set[str] = set()
    prefixes: set[str] = set()
    for source in sources:
        path = source.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t" and node.args:
                keys, found = keys_in_call(node.args[0], path)
                used |= keys
                prefixes |= found
    assert len(used) > 100 and len(prefixes) > 10, "the scan found too few keys: it is broken"
    dynamic = DYNAMIC_KEYS | page_dynamic_keys()
    for prefix in prefixes:
        for lang in LANGUAGES:  # each prefix has at least one key
            assert any(key.startswith(prefix) for key in MESSAGES[lang]), (lang, prefix)
        used |= {prefix + value for value in dynamic.get(prefix, ())}
    assert set(dynamic) <= prefixes, f"no t() call builds keys from {set(dynamic) - prefixes}: update DYNAMIC_KEYS"
    missing = {lang: sorted(used - set(MESSAGES[lang])) for lang in LANGUAGES}
    assert missing == {"en": [], "zh": []}


# A number placeholder before a plural noun needs plural forms, unless that number is never 1.
COUNTED_NOUN = re.compile(
    r"(?<!\{)\{\w+(?:[:!][^{}]*)?\}(?!\}) (?:[\w-]+ ){0,2}?"
    r"(?:rows|orders|order lines|customers|days|weeks|months|years|returns|reasons|files|dates|purchases|events|"
    r"losses|columns|seconds|minutes|cells|sheets)\b"
)
NEVER_ONE = {
    "import.excel_too_many_cells": "over 20,000,000 cells",
    "import.excel_too_slow": "churn.sources.EXCEL_TIMEOUT_SECONDS",
    "import.too_many_columns": "more than churn.sources.MAX_COLUMNS",
    "import.too_slow": "churn.workspace.IMPORT_TIMEOUT_SECONDS in minutes",
    "whatif.cut_tier": "a tier name, not a number",
    "whatif.retained_caption": "years × 12",
    "whatif.competitor_caption": "twice a whole number",
    "trends.cohort_caption": "pages/trends.py SMALL_COHORT",
    "tiers.curve_hover": "a percentage",
    "chart.small_base": "churn.charts.SMALL_BASE",
    "summary.top_cause": "a percentage",
    "summary.causes": "a percentage",
    "summary.tiers": "a percentage",
    "sidebar.window_reason_none": "churn.window.FALLBACK_WINDOW_DAYS",
    "sidebar.use_suggestion": "a suggested W is 30 days at least",
    "ltv.why_silent": "'days' follows the silent days, more than the usual gap",
}


def test_counted_nouns_have_plural_forms() -> None:
    single = {key: text for key, text in MESSAGES["en"].items() if key not in COUNTS}
    needing = {key for key, text in single.items() if COUNTED_NOUN.search(text)}
    assert needing == set(NEVER_ONE)


def sample_values(text: str, count_name: str, count: object) -> dict[str, object]:
    """A value for every placeholder of ``text``: numbers where a format spec wants one."""
    values: dict[str, object] = {}
    for _, name, spec, _ in string.Formatter().parse(text):
        if name:
            values[name] = 0.5 if spec else "x"
    return values | {count_name: count}


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_english_singular_for_one_and_plural_otherwise(key: str) -> None:
    singular, plural = i18n.CATALOGS["en"].texts[key]
    assert singular != plural
    count = COUNTS[key]
    cases: list[tuple[object, str]] = [(1, singular), (2, plural), (0, plural)]
    if not count.spec:  # most call sites pass the count formatted: format_int(n)
        cases += [(format_int(1), singular), (format_int(1001), plural)]
    for shown, expected in cases:
        values = sample_values(plural, count.name, shown)
        assert t(key, **values) == expected.format(**values), (key, shown)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (format_int(1), "1 row could not be loaded;"),
        (1, "1 row could not be loaded;"),
        (format_int(2), "2 rows could not be loaded;"),
        (format_int(0), "0 rows could not be loaded;"),
        (format_int(1234), "1,234 rows could not be loaded;"),
        (format_int(None), "– rows could not be loaded;"),  # no number shown: the last (many) form
    ],
)
def test_english_plural_forms(count: object, expected: str) -> None:
    assert t("data.rejects_caption", count=count).startswith(expected)


def test_plural_forms_in_context() -> None:
    assert (
        t("sidebar.dataset_list", name="alpha", customers=format_int(1))
        == "Dataset: alpha (1 customer, a customer list)"
    )
    assert (
        t("sidebar.dataset_list", name="beta", customers=format_int(2))
        == "Dataset: beta (2 customers, a customer list)"
    )
    assert t("causes.metric_customers", customers="1") == "1 customer churned"
    assert t("data.loaded_open_ended", count="1").startswith("1 churn date after next year")
    assert t("data.warn.duplicate_rows", rows="1", example="a").startswith("1 row repeats an earlier row")
    # The count as the text shows it: {median:.0f} of 1.4 reads "1", of 1.6 reads "2".
    window = {"days": 30, "p95": 3.0, "repeats": "5"}
    assert "(median 1 day," in t("sidebar.window_reason", median=1.4, **window)
    assert "(median 2 days," in t("sidebar.window_reason", median=1.6, **window)


def test_chinese_has_one_form() -> None:
    assert all(len(i18n.CATALOGS["zh"].texts[key]) == 1 for key in COUNTS)
    set_language("zh")
    try:
        assert t("data.rejects_caption", count="1").startswith("1 行无法载入")
        assert t("data.rejects_caption", count="2").startswith("2 行无法载入")
    finally:
        set_language("en")


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (1, "", 1),
        ("1", "", 1),
        ("1,234", "", 1234),
        ("-1", "", 1),
        (1.4, ".0f", 1),  # shown as "1"
        (1.4, "", None),
        ("1.0", "", None),  # a fraction, even .0, takes the last form (as CLDR has it for English)
        ("–", "", None),
        (None, "", None),
        (True, "", None),
    ],
)
def test_count_is_the_number_shown(value: object, spec: str, expected: int | None) -> None:
    assert count_value(value, spec) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_missing_key_returns_the_key(lang: str, caplog: pytest.LogCaptureFixture) -> None:
    key = f"test.missing_{uuid.uuid4().hex}"  # t() logs a key once per language
    set_language(lang)
    try:
        with caplog.at_level(logging.WARNING, logger="churn.i18n"):
            assert t(key) == key
            assert t(key, count="1") == key
    finally:
        set_language("en")
    assert [r.getMessage() for r in caplog.records if key in r.getMessage()], "the missing key was not logged"


def test_a_broken_translation_shows_the_english_text(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = i18n.Catalog("zh", {"data.rejects_caption": ("{cout} 行无法载入",)}, lambda n: 0)
    monkeypatch.setitem(i18n.CATALOGS, "zh", broken)
    set_language("zh")
    try:
        assert t("data.rejects_caption", count="2").startswith("2 rows could not be loaded")
    finally:
        set_language("en")


def test_messages_are_read_only() -> None:
    with pytest.raises(TypeError):
        MESSAGES["en"]["app.title"] = "changed"  # type: ignore[index]


def test_domain_names_in_chinese() -> None:
    set_language("zh")
    try:
        assert [t(f"tier.{tier}") for tier in ("platinum", "gold", "iron", "lead")] == ["白金", "黄金", "铁", "铅"]
        assert [t(f"cause.{c}") for c in ("dissatisfaction", "competitor", "forced")] == ["不满", "竞争对手", "被迫"]
        assert [t(f"grain.{g}") for g in ("month", "quarter", "year")] == ["月", "季度", "年"]
    finally:
        set_language("en")


@pytest.mark.parametrize(
    ("lang", "grain", "expected"),
    [
        ("en", "month", "2025-03"),
        ("en", "quarter", "2025 Q1"),
        ("en", "year", "2025"),
        ("zh", "month", "2025年3月"),
        ("zh", "quarter", "2025年第1季度"),
        ("zh", "year", "2025年"),
    ],
)
def test_period_labels(lang: str, grain: str, expected: str) -> None:
    set_language(lang)
    try:
        assert format_period(date(2025, 3, 1), grain) == expected
    finally:
        set_language("en")


def test_number_formats() -> None:
    assert format_int(2772) == "2,772"
    assert format_percent(287 / 2772) == "10.4%"  # 287 / 2772 = 0.10354
    assert format_money(544588.4) == "544,588"
    assert format_percent(None) == format_int(None) == "–"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        set_language("fr")
