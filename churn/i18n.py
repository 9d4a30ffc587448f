"""Every user-facing string, in English and Simplified Chinese, and the one function ``t``.

The texts live in gettext catalogs, ``churn/locales/<lang>/LC_MESSAGES/messages.po`` (how to
edit them: churn/locales/README.md), read with Babel when this module is imported. The msgid of
an entry is its key ("causes.caption") and the msgstr its text, with ``{placeholders}`` for
``str.format``. The language is set once per script run (``set_language``) from the sidebar
setting; ``t`` then looks a key up in that language and fills the placeholders.

Plural forms: an entry with a ``msgid_plural`` has one text per plural form of its language
(English: "1 row" / "2 rows"; Chinese: one). Its count is the placeholder named by the English
entry's ``#. count: <placeholder>`` comment; ``t`` picks the form from that value as the text
will show it, so call sites keep passing formatted numbers (``format_int(n)`` -> "1,234").

A key missing in a catalog does not break a page: ``t`` logs a warning and returns the key. The
test suite (tests/unit/test_i18n.py) is what keeps both catalogs complete and in step with the
code. Number and period formatting that depends on the language lives here too.
"""

from __future__ import annotations

import contextvars
import gettext
import logging
import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from babel.messages.pofile import read_po

from churn.currency import currency_symbol, format_amount

if TYPE_CHECKING:
    from churn.sources import ImportProblem

logger = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
SOURCE_LANGUAGE = "en"  # the language the code is written against; its catalog names each count
LOCALES = Path(__file__).with_name("locales")

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=SOURCE_LANGUAGE)
_currency: contextvars.ContextVar[str | None] = contextvars.ContextVar("currency", default=None)
_COUNT_COMMENT = re.compile(r"count:\s*(\w+)")
# Digits as a number is shown: grouping separators (1,234 / 1 234 / 1'234) and a sign allowed.
_WHOLE_NUMBER = re.compile(r"[-+\u2212]?\d+")
_GROUPING = str.maketrans("", "", ",_' \u00a0\u202f")


@dataclass(frozen=True, slots=True)
class Count:
    """The placeholder whose number picks the plural form, and its format spec ("" or ".0f")."""

    name: str
    spec: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    """One language's texts: each key's forms (one, or one per plural form) and the plural rule."""

    language: str
    texts: Mapping[str, tuple[str, ...]]
    plural: Callable[[int], int]  # count -> index of the form, from the Plural-Forms header


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def _read_catalog(lang: str) -> tuple[Catalog, dict[str, list[str]]]:
    """The catalog of ``lang`` and each plural entry's extracted (#.) comments."""
    with catalog_path(lang).open("rb") as file:
        po = read_po(file, ignore_obsolete=True, abort_invalid=True)
    texts: dict[str, tuple[str, ...]] = {}
    comments: dict[str, list[str]] = {}
    for message in po:
        if not message.id:
            continue  # the header
        if message.fuzzy:
            continue  # as msgfmt does: a fuzzy text is a guess a translator has not confirmed
        if isinstance(message.id, list | tuple):  # message.pluralizable: (singular, plural), a text per form
            key, forms = message.id[0], tuple(message.string or ())
            comments[key] = list(message.auto_comments)
        else:
            key, forms = message.id, (str(message.string),)
        if all(forms):  # an untranslated entry counts as missing, not as an empty text
            texts[key] = forms
    # The Plural-Forms expression is C; gettext compiles it to a function (as GNUTranslations does).
    return Catalog(lang, MappingProxyType(texts), gettext.c2py(po.plural_expr)), comments


def _counts(catalog: Catalog, comments: dict[str, list[str]]) -> dict[str, Count]:
    """Each plural entry's count, from its ``#. count: <placeholder>`` comment in ``catalog``."""
    counts: dict[str, Count] = {}
    for key, lines in comments.items():
        names = [match.group(1) for line in lines if (match := _COUNT_COMMENT.fullmatch(line.strip()))]
        if not names:
            continue  # no count named: t() shows the last form (the tests require a name)
        specs = [
            spec or ""
            for form in catalog.texts.get(key, ())
            for _, field, spec, _ in string.Formatter().parse(form)
            if field == names[0]
        ]
        counts[key] = Count(names[0], specs[0] if specs else "")
    return counts


def _load() -> tuple[dict[str, Catalog], dict[str, Count]]:
    catalogs: dict[str, Catalog] = {}
    counts: dict[str, Count] = {}
    for lang in LANGUAGE_NAMES:
        catalog, comments = _read_catalog(lang)
        catalogs[lang] = catalog
        if lang == SOURCE_LANGUAGE:
            counts = _counts(catalog, comments)
    return catalogs, counts


CATALOGS, COUNTS = _load()

# Read-only {lang: {key: text}} for code that only needs the keys or a plain text (a plural
# entry shows its first, singular form).
MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        lang: MappingProxyType({key: forms[0] for key, forms in catalog.texts.items()})
        for lang, catalog in CATALOGS.items()
    }
)

_warned: set[tuple[str, str]] = set()  # log each missing key once per language, not on every rerun


def set_language(lang: str) -> None:
    """Make ``lang`` the language of every ``t`` call in this thread's current run."""
    if lang not in CATALOGS:
        raise ValueError(f"Unknown language {lang!r}")
    _language.set(lang)


def current_language() -> str:
    return _language.get()


def set_currency(code: str | None) -> None:
    """Make ``code`` (ISO 4217, None: not known) the currency of every ``format_money`` call in
    this thread's current run."""
    _currency.set(code)


def money_symbol() -> str:
    """The symbol of the run's currency in the page's language ("" when not known): the tick
    prefix of money axes."""
    return currency_symbol(_currency.get(), _language.get())


def money_label(text: str) -> str:
    """A label of money figures with the currency's symbol: "Revenue lost (¥)"; as is when the
    currency is not known."""
    symbol = currency_symbol(_currency.get(), _language.get()).strip()
    return f"{text} ({symbol})" if symbol and _language.get() == "en" else f"{text}（{symbol}）" if symbol else text


def count_value(value: object, spec: str = "") -> int | None:
    """The whole number ``value`` shows as (1, "1", "1,234", 1.0 with spec ".0f"), or None when
    it shows no whole number ("–", "1.5"): then the text takes its last (many) form."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return abs(value)
    try:
        shown = format(value, spec) if spec else str(value)
    except (TypeError, ValueError):
        return None
    shown = shown.strip().translate(_GROUPING)
    if not _WHOLE_NUMBER.fullmatch(shown):
        return None
    return abs(int(shown.replace("\u2212", "-")))


def _pick(catalog: Catalog, key: str, forms: tuple[str, ...], values: Mapping[str, object]) -> str:
    """The form of a plural entry for the count among ``values``."""
    count = COUNTS.get(key)
    n = count_value(values.get(count.name), count.spec) if count is not None else None
    if n is None:
        return forms[-1]
    index = catalog.plural(n)
    return forms[index] if 0 <= index < len(forms) else forms[-1]


def _text(lang: str, key: str, values: Mapping[str, object]) -> str | None:
    catalog = CATALOGS[lang]
    forms = catalog.texts.get(key)
    if forms is None:
        return None
    return forms[0] if len(forms) == 1 else _pick(catalog, key, forms, values)


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the current language, in the plural form for its count, with
    ``{placeholders}`` filled. A missing key is logged and returned as it is."""
    lang = _language.get()
    text = _text(lang, key, values)
    if text is None:
        if (lang, key) not in _warned:
            _warned.add((lang, key))
            logger.warning("No text for %r in the %s catalog (%s)", key, lang, catalog_path(lang))
        return key
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        if lang == SOURCE_LANGUAGE:
            raise  # the call site and the English text disagree: a bug the tests must see
        # A translation's placeholder typo must not break the page: show the English text.
        logger.exception("The %s text of %r does not format; showing the English text", lang, key)
        english = _text(SOURCE_LANGUAGE, key, values)
        return english.format(**values) if english is not None else key


def import_problem_text(problem: ImportProblem, quote: Callable[[str], str] = str) -> str:
    """Why a file was not loaded, in the current language: the text ``import.<code>`` with its
    values, roles by their names, lists joined and whole numbers formatted (page and CLI). The
    texts from the file (its name, headers, examples) go through ``quote``: a page passes
    churn.ui.markdown_text, so that they show as text, not Markdown."""
    values: dict[str, object] = {}
    for name, value in problem.params.items():
        if name == "roles" and isinstance(value, list | tuple):
            values[name] = ", ".join(t(f"role.{role}") for role in value)
        elif isinstance(value, list | tuple):
            values[name] = ", ".join(quote(str(item)) for item in value)
        elif isinstance(value, int) and not isinstance(value, bool):
            values[name] = format_int(value)
        elif isinstance(value, str):
            values[name] = quote(value)
        else:
            values[name] = value
    return t(f"import.{problem.code}", **values)


def format_int(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(value):,}"


def format_percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def format_money(value: float | None) -> str:
    """A whole amount in the run's currency (``set_currency``), its symbol in the page's
    language: "¥1,234", "US$1,234"; without a symbol when the currency is not known."""
    return format_amount(value, _currency.get(), _language.get())


def format_period(start: date, grain: str) -> str:
    """A period label: 2025-11 / 2025 Q4 / 2025 (2025年11月 / 2025年第4季度 / 2025年)."""
    quarter = (start.month - 1) // 3 + 1
    if _language.get() == "zh":
        return {"month": f"{start.year}年{start.month}月", "quarter": f"{start.year}年第{quarter}季度"}.get(
            grain, f"{start.year}年"
        )
    return {"month": f"{start.year}-{start.month:02d}", "quarter": f"{start.year} Q{quarter}"}.get(
        grain, str(start.year)
    )
