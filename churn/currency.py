"""The currencies the dashboard recognises: which one a file's own text names, and amounts written
with its symbol in English or Chinese.

Standard library only, so that any layer may use it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

# What an amount that is missing, NaN or infinite shows: a number there would be a made-up figure.
DASH = "–"


@dataclass(frozen=True)
class Currency:
    """One currency: its ISO 4217 code, its symbol and name in each language, and the decimals
    shown for large business totals."""

    code: str
    symbol_en: str
    symbol_zh: str
    name_en: str
    name_zh: str
    decimals: int = 0


CURRENCIES: Mapping[str, Currency] = MappingProxyType(
    {
        currency.code: currency
        for currency in (
            Currency("CNY", "¥", "¥", "Chinese yuan (CNY)", "人民币（CNY）"),
            # "US$" and "JP¥" in Chinese: there a bare "$" or "¥" would be read as another currency.
            Currency("USD", "$", "US$", "US dollar (USD)", "美元（USD）"),
            Currency("EUR", "€", "€", "Euro (EUR)", "欧元（EUR）"),
            Currency("GBP", "£", "£", "British pound (GBP)", "英镑（GBP）"),
            Currency("JPY", "¥", "JP¥", "Japanese yen (JPY)", "日元（JPY）"),
            Currency("HKD", "HK$", "HK$", "Hong Kong dollar (HKD)", "港元（HKD）"),
            Currency("TWD", "NT$", "NT$", "New Taiwan dollar (TWD)", "新台币（TWD）"),
            Currency("KRW", "₩", "₩", "South Korean won (KRW)", "韩元（KRW）"),
            Currency("INR", "₹", "₹", "Indian rupee (INR)", "印度卢比（INR）"),
            Currency("CHF", "CHF ", "CHF ", "Swiss franc (CHF)", "瑞士法郎（CHF）"),
            Currency("CAD", "CA$", "CA$", "Canadian dollar (CAD)", "加元（CAD）"),
            Currency("AUD", "A$", "A$", "Australian dollar (AUD)", "澳元（AUD）"),
            Currency("SGD", "S$", "S$", "Singapore dollar (SGD)", "新加坡元（SGD）"),
        )
    }
)


def _word(word: str) -> str:
    """A pattern for ``word`` standing alone: no letter either side. Underscores and digits do not
    join words here, so "price_usd" and "12USD" name the dollar."""
    return rf"(?<![A-Za-z])(?:{word})(?![A-Za-z])"


# Tried in order; each match is blanked out before the next pattern is tried, so a longer sign
# ("HK$", "JP¥", "美元") is read before the shorter one inside it ("$", "¥", "元").
_SIGN_PATTERNS: tuple[tuple[str, str], ...] = (
    *((_word(code), code) for code in CURRENCIES),
    (_word("RMB"), "CNY"),
    (r"(?<![A-Za-z])HK\$", "HKD"),
    (r"(?<![A-Za-z])NT\$", "TWD"),
    (r"(?<![A-Za-z])US\$", "USD"),
    (r"(?<![A-Za-z])CA?\$", "CAD"),
    (r"(?<![A-Za-z])AU?\$", "AUD"),
    (r"(?<![A-Za-z])S\$", "SGD"),
    # Another letter before "$" (MX$, R$) is a dollar or real we do not know, not the US dollar.
    (r"(?<![A-Za-z])\$", "USD"),
    (r"(?<![A-Za-z])JP¥", "JPY"),
    (r"円", "JPY"),
    # A bare "¥" is the yuan: our users are mostly Chinese retailers, and Japanese files say 円 or JPY.
    (r"¥", "CNY"),
    (r"€", "EUR"),
    (r"£", "GBP"),
    (r"₩", "KRW"),
    (r"₹", "INR"),
    (r"人民币", "CNY"),
    (r"美元", "USD"),
    (r"欧元", "EUR"),
    (r"英镑", "GBP"),
    (r"港币|港元", "HKD"),
    (r"新?台币", "TWD"),
    (r"日元|日圆", "JPY"),
    (r"韩元", "KRW"),
    (r"卢比", "INR"),
    (r"瑞士法郎|瑞郎", "CHF"),
    (r"加元|加币", "CAD"),
    (r"澳元|澳币", "AUD"),
    (r"新加坡元|新加坡币", "SGD"),
    (_word("yuan|renminbi"), "CNY"),
    (_word("yen"), "JPY"),
    (_word("euros?"), "EUR"),
    (_word("pounds?"), "GBP"),
    (_word("rupees?"), "INR"),
    (_word("swiss francs?"), "CHF"),
    (_word("hong kong dollars?"), "HKD"),
    (_word("(?:new )?taiwan dollars?"), "TWD"),
    (_word("canadian dollars?"), "CAD"),
    (_word("australian dollars?"), "AUD"),
    (_word("singapore dollars?"), "SGD"),
    (_word("(?:us )?dollars?"), "USD"),
)
_SIGNS = tuple((re.compile(pattern, re.IGNORECASE), code) for pattern, code in _SIGN_PATTERNS)
# "元" is also a syllable of ordinary words (单元格, a cell), so it names the yuan only where it is
# a unit: after the number in a value, in brackets or last in a header.
_YUAN_IN_VALUE = re.compile(r"(?<=[\d\s])元")
_YUAN_IN_HEADER = re.compile(r"[(\[【]\s*元\s*[)\]】]|元\s*$")


def _codes_in(text: str, yuan: re.Pattern[str]) -> set[str]:
    """The currencies one header or cell text names."""
    # NFKC reads full-width forms (￥, （, １２３, ＄) as their ASCII twins.
    text = unicodedata.normalize("NFKC", text)
    found: set[str] = set()
    for pattern, code in _SIGNS:
        if pattern.search(text):
            found.add(code)
            text = pattern.sub(" ", text)
    if yuan.search(text):
        found.add("CNY")
    return found


def detect_currency(headers: Sequence[str], values: Sequence[str | None]) -> str | None:
    """The ISO code the money columns' headers and sample cell texts name, or None when they name
    none or more than one (then the user chooses). A number without a sign is no evidence."""
    found: set[str] = set()
    for header in headers:
        found |= _codes_in(header, _YUAN_IN_HEADER)
    for value in values:
        if value is not None:
            found |= _codes_in(value, _YUAN_IN_VALUE)
    return found.pop() if len(found) == 1 else None


def currency_symbol(code: str | None, lang: str) -> str:
    """The symbol written before an amount in ``lang`` ("en" or "zh"); "" when no currency is known.
    A code we do not know is written as itself."""
    if code is None:
        return ""
    currency = CURRENCIES.get(code)
    if currency is None:
        return f"{code} "
    return currency.symbol_zh if lang == "zh" else currency.symbol_en


def currency_name(code: str | None, lang: str) -> str:
    """The currency's name with its code in ``lang`` ("en" or "zh"); "" when no currency is known."""
    if code is None:
        return ""
    currency = CURRENCIES.get(code)
    if currency is None:
        return code
    return currency.name_zh if lang == "zh" else currency.name_en


def format_amount(value: float | None, code: str | None, lang: str) -> str:
    """``value`` rounded to whole units with "," between thousands and the symbol of ``code`` in
    ``lang`` before it ("-¥1,234"); the plain number when ``code`` is None; "–" when there is no
    finite value."""
    if value is None or not math.isfinite(value):
        return DASH
    currency = CURRENCIES.get(code) if code is not None else None
    decimals = currency.decimals if currency is not None else 0
    rounded = round(value, decimals)
    # The sign comes from the rounded amount: -0.4 rounds to -0.0, and "-¥0" would show a loss of nothing.
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency_symbol(code, lang)}{abs(rounded):,.{decimals}f}"


def normalise_code(text: str | None) -> str | None:
    """An ISO code as typed in a URL or a command-line option (" cny ") as a code of CURRENCIES,
    or None when it is not one."""
    if text is None:
        return None
    code = text.strip().upper()
    return code if code in CURRENCIES else None
