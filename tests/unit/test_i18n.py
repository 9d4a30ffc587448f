"""Both languages have every key, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from churn.i18n import MESSAGES, format_int, format_money, format_percent, format_period, set_language, t

ROOT = Path(__file__).resolve().parents[2]


def test_both_languages_have_the_same_keys() -> None:
    assert set(MESSAGES["en"]) == set(MESSAGES["zh"])


def test_placeholders_match_between_languages() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, english in MESSAGES["en"].items():
        assert fields(english) == fields(MESSAGES["zh"][key]), key


def test_every_key_used_in_the_code_exists() -> None:
    sources = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("churn/*.py")]
    used: set[str] = set()
    for source in sources:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9.]+)["']""", source.read_text(encoding="utf-8")))
        # Keys built from a prefix, e.g. t(f"grain.{grain}"): each possible value must exist.
        for prefix in re.findall(r"""\bt\(\s*f["']([a-z_]+)\.\{""", source.read_text(encoding="utf-8")):
            assert any(key.startswith(prefix + ".") for key in MESSAGES["en"]), prefix
    assert used, "the scan found no keys: the pattern is broken"
    missing = used - set(MESSAGES["en"])
    assert not missing


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
