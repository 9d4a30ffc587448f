"""Churn causes: classify raw churn reasons into dissatisfaction, competitor, forced or other.

The rules are data: ``churn/reason_rules.csv`` lists (cause, keyword) in priority order and
the first rule that matches decides. The order: unknown ("don't know"), a rival named outright
(competitor, 别家), forced (moved, 出差, phone number), switching in words that need context
(went to, switched, 换了: "went to university abroad" is forced), dissatisfaction, other.

Text is normalised first (full-width characters folded, lower case, apostrophes dropped,
punctuation as spaces, Chinese runs apart from Latin words). A keyword in Chinese matches as a
substring; an English keyword matches word by word, in any order — each of its words must be a
word of the text, ``word*`` matches any word starting so (``compet*``: competitor, competition,
competiter), and a word of six letters or more also matches a typo of it: a word at least 80%
similar with the same first letter and at most one letter more or less ("quailty", "qualty").
``~word`` matches only a negated word: "not", "never", "wasnt", "nobody"… within the three
words before it (``~satisf*``: "not satisfied", "wasnt very satisfied"); in Chinese, ``~满意``
needs 不/没/未 within the four characters before it ("不太满意", "不是很满意").
``=text`` matches only the whole text. A lost customer with no reason at all is ``unknown``;
a reason no rule matches is ``other``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import pandas as pd

from churn.export import from_spreadsheet_text

CAUSES = ("dissatisfaction", "competitor", "forced", "other", "unknown")
SPECIFIC_CAUSES = ("dissatisfaction", "competitor", "forced")
RULES_FILE = Path(__file__).with_name("reason_rules.csv")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Normalised text has no apostrophes: "wasn't" is "wasnt"; "didn t" (another apostrophe) leaves "didn".
NEGATIONS = frozenset(
    {
        *("not", "no", "never", "nor", "nobody", "noone", "nothing", "none", "without", "hardly", "barely"),
        *("cannot", "cant", "wont", "isnt", "isn", "wasnt", "wasn", "arent", "aren", "werent", "weren"),
        *("dont", "doesnt", "doesn", "didnt", "didn", "couldnt", "couldn", "wouldnt", "wouldn"),
        *("shouldnt", "shouldn", "hasnt", "hasn", "havent", "haven", "hadnt", "hadn"),
    }
)
# Not 非 or 无: 非常满意 and 无比满意 are "very satisfied".
CHINESE_NEGATIONS = frozenset("不没未")
# How far before a ``~`` keyword a negation may stand: "not very satisfied", "不是很满意".
NEGATION_WORDS_BEFORE = 3
NEGATION_CHARACTERS_BEFORE = 4


@dataclass(frozen=True)
class Rule:
    cause: str
    keyword: str


@dataclass(frozen=True)
class Classification:
    """A cause and why: the rule's keyword and the column it matched in (None: no rule)."""

    cause: str
    keyword: str | None = None
    column: str | None = None


def normalise(text: str) -> str:
    """Folded, lower-case words; Chinese runs stand apart so "客户deceased" has the word "deceased"."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("’", "")
    spaced = _CJK_RUN.sub(r" \g<0> ", folded)
    return " ".join(re.sub(r"[^\w\u3400-\u9fff]+", " ", spaced).split())


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    with path.open(encoding="utf-8") as handle:
        rules = tuple(Rule(row["cause"], row["keyword"]) for row in csv.DictReader(handle))
    unknown_causes = {rule.cause for rule in rules} - set(CAUSES)
    if unknown_causes:
        raise ValueError(f"Unknown causes in {path.name}: {', '.join(sorted(unknown_causes))}")
    return rules


def _word_matches(keyword_word: str, word: str) -> bool:
    if keyword_word.endswith("*"):
        return word.startswith(keyword_word[:-1])
    if word == keyword_word:
        return True
    # A typo of a word of six letters or more keeps its first letter and its length within one letter;
    # without these checks "moved" matched "movie", "abroad" "road", "other" "their", "arrears" "carriers".
    return (
        len(keyword_word) >= 6
        and word[:1] == keyword_word[:1]
        and abs(len(word) - len(keyword_word)) <= 1
        and SequenceMatcher(None, keyword_word, word).ratio() >= 0.8
    )


def _part_matches(part: str, words: list[str]) -> bool:
    """Whether one word of an English keyword matches a word of the text (``~part``: a negated one)."""
    if not part.startswith("~"):
        return any(_word_matches(part, word) for word in words)
    return any(
        _word_matches(part[1:], word) and not NEGATIONS.isdisjoint(words[max(0, i - NEGATION_WORDS_BEFORE) : i])
        for i, word in enumerate(words)
    )


def matches(keyword: str, text: str) -> bool:
    """Whether a rule keyword matches a normalised text."""
    if keyword.startswith("="):
        return text == normalise(keyword[1:])
    if _CJK.search(keyword):
        compact, target = text.replace(" ", ""), normalise(keyword).replace(" ", "")
        if not keyword.startswith("~"):
            return target in compact
        return any(
            not CHINESE_NEGATIONS.isdisjoint(
                compact[max(0, found.start() - NEGATION_CHARACTERS_BEFORE) : found.start()]
            )
            for found in re.finditer(re.escape(target), compact)
        )
    words = text.split()
    return all(_part_matches(part, words) for part in keyword.split())


@lru_cache(maxsize=4096)
def classify_text(text: str) -> Classification | None:
    """The first rule matching ``text``; None for an empty text or when no rule matches."""
    normalised = normalise(text)
    if not normalised and text.strip() not in {"-", "?"}:
        return None
    for rule in load_rules():
        if matches(rule.keyword, normalised) or (rule.keyword.startswith("=") and text.strip() == rule.keyword[1:]):
            return Classification(rule.cause, rule.keyword)
    return None


def classify(reason: str | None, category: str | None = None) -> Classification:
    """The cause of one lost customer from its raw reason and churn category.

    A specific cause (dissatisfaction, competitor, forced) from the reason wins, then one from
    the category ("Other: moved to another city" is forced; a category "Price" with no reason is
    dissatisfaction); then unknown / other from the reason, then from the category. A reason no
    rule matches is other; no reason and no category is unknown.
    """
    found = [
        (column, result)
        for column, text in (("reason", reason), ("category", category))
        if text and text.strip() and (result := classify_text(text)) is not None
    ]
    for column, result in found:
        if result.cause in SPECIFIC_CAUSES:
            return Classification(result.cause, result.keyword, column)
    if found:
        column, result = found[0]
        return Classification(result.cause, result.keyword, column)
    if (reason and reason.strip()) or (category and category.strip()):
        return Classification("other")
    return Classification("unknown")


def classify_reasons(table: pd.DataFrame) -> pd.DataFrame:
    """The reasons on record (queries/read/reasons_on_record.sql: every distinct reason and
    category with its customers and lost customers) with the automatic classification (cause,
    keyword, column)."""
    results = [classify(r, c) for r, c in zip(table["reason"], table["category"], strict=True)]
    table = table.copy()
    table["cause"] = [result.cause for result in results]
    table["keyword"] = [result.keyword for result in results]
    table["column"] = [result.column for result in results]
    return table


def reason_key(reason: object, category: object) -> tuple[str, str]:
    """The key of a (reason, category) pair in the overrides: missing values as ''."""

    def text(value: object) -> str:
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    return (text(reason), text(category))


def apply_overrides(table: pd.DataFrame, overrides: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The classified table with the user's corrections: ``automatic_cause`` keeps the rules'
    answer, ``cause`` the one in force, ``is_edited`` marks corrected rows."""
    keys = [reason_key(r, c) for r, c in zip(table["reason"], table["category"], strict=True)]
    result = table.copy()
    result["automatic_cause"] = table["cause"]
    result["cause"] = [overrides.get(key, cause) for key, cause in zip(keys, table["cause"], strict=True)]
    result["is_edited"] = [key in overrides for key in keys]
    return result


def reason_choices(table: pd.DataFrame) -> pd.DataFrame:
    """The rows queries/build/reason_map.sql reads (as the table ``reason_choices``) from a table
    of apply_overrides: each reason and category on record with the cause in force."""
    keys = [reason_key(r, c) for r, c in zip(table["reason"], table["category"], strict=True)]
    return pd.DataFrame(
        {
            "reason_raw": pd.Series([reason or None for reason, _ in keys], dtype=object),
            "category_raw": pd.Series([category or None for _, category in keys], dtype=object),
            "cause": pd.Series([str(cause) for cause in table["cause"]], dtype=object),
            "is_edited": pd.Series([bool(edited) for edited in table["is_edited"]], dtype=bool),
        }
    )


def overrides_from_edits(
    reasons: pd.DataFrame, edited_causes: dict[int, str], overrides: dict[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    """New overrides after the user set the causes of some rows of ``reasons`` (by position):
    a cause equal to the rules' own answer removes the override, any other sets it."""
    result = dict(overrides)
    for position, cause in edited_causes.items():
        if cause not in CAUSES:
            continue
        row = reasons.iloc[int(position)]
        key = reason_key(row["reason"], row["category"])
        if cause == row["automatic_cause"]:
            result.pop(key, None)
        else:
            result[key] = cause
    return result


def merge_overrides(
    reasons: pd.DataFrame, overrides: dict[tuple[str, str], str], uploaded: dict[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    """Overrides after a mapping file: its causes win; one equal to the rules' answer is no override."""
    automatic = {
        reason_key(r, c): cause
        for r, c, cause in zip(reasons["reason"], reasons["category"], reasons["automatic_cause"], strict=True)
    }
    merged = {**overrides, **uploaded}
    return {key: cause for key, cause in merged.items() if automatic.get(key) != cause}


def read_overrides(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Overrides from an uploaded mapping CSV (columns reason, category, cause)."""
    missing = {"reason", "cause"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"The mapping file needs the columns reason, category and cause; missing: {', '.join(sorted(missing))}."
        )
    frame = frame.fillna("")
    bad = sorted(set(frame["cause"]) - set(CAUSES))
    if bad:
        raise ValueError(
            f"Unknown causes in the mapping file: {', '.join(map(str, bad))}. Use one of: {', '.join(CAUSES)}."
        )
    categories = frame["category"] if "category" in frame.columns else [""] * len(frame)
    # The file may be the page's own download: reasons that began like a formula got an apostrophe.
    return {
        (from_spreadsheet_text(str(r)), from_spreadsheet_text(str(c))): str(cause)
        for r, c, cause in zip(frame["reason"], categories, frame["cause"], strict=True)
    }


def accumulation_effect(
    customers: int, lost_to_competitors: int, profit_per_customer: float, steps: int = 5
) -> pd.DataFrame:
    """The customer accumulation effect: us (A) against an equal-sized rival (B), both starting
    with ``customers``; each customer lost to the rival moves the gap by two (docs/metrics.md, "Competitor losses")."""
    lost_values = (
        sorted({round(lost_to_competitors * i / (steps - 1)) for i in range(steps)}) if lost_to_competitors else [0]
    )
    rows = []
    for lost in lost_values:
        ours, theirs = customers - lost, customers + lost
        rows.append(
            {
                "lost": lost,
                "our_customers": ours,
                "our_share": ours / (2 * customers) if customers else None,
                "our_profit": ours * profit_per_customer,
                "rival_customers": theirs,
                "rival_share": theirs / (2 * customers) if customers else None,
                "rival_profit": theirs * profit_per_customer,
                "profit_gap": (theirs - ours) * profit_per_customer,
                "rival_to_us": theirs / ours if ours > 0 else None,
            }
        )
    return pd.DataFrame(rows)
