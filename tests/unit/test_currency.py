"""Currency detection from a file's own headers and cells, amount formatting, symbols, names and codes."""

from __future__ import annotations

import math

import pytest

from churn.currency import (
    CURRENCIES,
    currency_name,
    currency_symbol,
    detect_currency,
    format_amount,
    normalise_code,
)


def test_the_currencies_and_their_symbols() -> None:
    symbols = {code: (currency.symbol_en, currency.symbol_zh) for code, currency in CURRENCIES.items()}
    assert symbols == {
        "CNY": ("¥", "¥"),
        "USD": ("$", "US$"),
        "EUR": ("€", "€"),
        "GBP": ("£", "£"),
        "JPY": ("¥", "JP¥"),
        "HKD": ("HK$", "HK$"),
        "TWD": ("NT$", "NT$"),
        "KRW": ("₩", "₩"),
        "INR": ("₹", "₹"),
        "CHF": ("CHF ", "CHF "),
        "CAD": ("CA$", "CA$"),
        "AUD": ("A$", "A$"),
        "SGD": ("S$", "S$"),
    }
    assert all(currency.code == code for code, currency in CURRENCIES.items())
    assert all(currency.decimals == 0 for currency in CURRENCIES.values())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("金额(元)", "CNY"),
        ("金额（元）", "CNY"),
        ("金额[元]", "CNY"),
        ("金额【元】", "CNY"),
        ("金额元", "CNY"),
        ("金额/元", "CNY"),
        ("单元格", None),
        ("单元格金额", None),
        ("Revenue (USD)", "USD"),
        ("revenue (usd)", "USD"),
        ("Sales £", "GBP"),
        ("Umsatz EUR", "EUR"),
        ("销售额（人民币）", "CNY"),
        ("Amount", None),
        ("price_usd", "USD"),
        ("amount_cny", "CNY"),
        ("Total in RMB", "CNY"),
        ("Total (yuan)", "CNY"),
        ("Amount in dollars", "USD"),
        ("Amount (US dollar)", "USD"),
        ("Price (euros)", "EUR"),
        ("Price (euro)", "EUR"),
        ("Value in pounds", "GBP"),
        ("Amount (Hong Kong dollars)", "HKD"),
        ("金额（美元）", "USD"),
        ("金额美元", "USD"),
        ("金额（港币）", "HKD"),
        ("金额港元", "HKD"),
        ("金额（欧元）", "EUR"),
        ("金额（英镑）", "GBP"),
        ("金额（日元）", "JPY"),
        ("価格（円）", "JPY"),
        ("Price (JPY)", "JPY"),
        ("Price (US$)", "USD"),
        # ISO codes and words count only as whole words.
        ("Audit amount", None),
        ("Cadence", None),
        ("Europe sales", None),
        ("Compound total", None),
        ("Yuanshan store", None),
    ],
)
def test_detect_currency_from_a_header(header: str, expected: str | None) -> None:
    assert detect_currency([header], []) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("¥1,234.00", "CNY"),  # a bare yen sign is the yuan
        ("￥1,234.00", "CNY"),
        ("$12.50", "USD"),
        ("€ 9,99", "EUR"),
        ("1.234,50 €", "EUR"),
        ("£3.20", "GBP"),
        ("12.5", None),
        ("1,234", None),
        ("US$ 30", "USD"),
        ("HK$12", "HKD"),
        ("NT$ 500", "TWD"),
        ("CA$5", "CAD"),
        ("C$5", "CAD"),
        ("A$5", "AUD"),
        ("AU$5", "AUD"),
        ("S$5", "SGD"),
        ("MX$5", None),
        ("１２３元", "CNY"),
        ("123元", "CNY"),
        ("12 元", "CNY"),
        ("单元", None),
        ("RMB 88", "CNY"),
        ("CNY 12.00", "CNY"),
        ("12 USD", "USD"),
        ("12美元", "USD"),
        ("12港元", "HKD"),
        ("JP¥500", "JPY"),
        ("500円", "JPY"),
        ("JPY 500", "JPY"),
        ("₩5,000", "KRW"),
        ("₹99", "INR"),
    ],
)
def test_detect_currency_from_a_value(value: str, expected: str | None) -> None:
    assert detect_currency([], [value]) == expected


@pytest.mark.parametrize(
    ("headers", "values", "expected"),
    [
        (["Amount"], ["$12", "$3"], "USD"),
        (["Revenue (USD)"], ["12.5", "3"], "USD"),  # the header alone says it
        (["Amount (USD)"], ["US$ 30"], "USD"),  # both say the same
        (["Amount"], ["HK$12", "HK$3"], "HKD"),
        (["Amount"], ["HK$12", "$3"], None),
        (["金额(元)"], ["$12"], None),
        (["Amount"], ["¥1", "$2"], None),
        (["Revenue (USD)", "Cost (EUR)"], [], None),
        (["Amount"], ["12", "3.5"], None),
        (["Amount"], [None, "12"], None),
        (["Amount"], [None, "¥3"], "CNY"),
        ([], [], None),
    ],
)
def test_detect_currency_weighs_all_the_evidence(
    headers: list[str], values: list[str | None], expected: str | None
) -> None:
    assert detect_currency(headers, values) == expected


@pytest.mark.parametrize(
    ("value", "code", "lang", "expected"),
    [
        (1234, "CNY", "en", "¥1,234"),
        (1234, "CNY", "zh", "¥1,234"),
        (1234.56, "USD", "en", "$1,235"),
        (1234, "USD", "zh", "US$1,234"),
        (1234, "JPY", "en", "¥1,234"),
        (1234, "JPY", "zh", "JP¥1,234"),
        (1234, "HKD", "zh", "HK$1,234"),
        (1234, "CHF", "en", "CHF 1,234"),
        (999.6, "EUR", "en", "€1,000"),
        (1234567, None, "en", "1,234,567"),
        (1234, None, "zh", "1,234"),
        (-1234, "CNY", "en", "-¥1,234"),
        (-1234, "USD", "zh", "-US$1,234"),
        (-1234, None, "en", "-1,234"),
        (-1234.6, "GBP", "en", "-£1,235"),
        (0, "CNY", "en", "¥0"),
        (0, None, "en", "0"),
        (-0.4, "CNY", "en", "¥0"),
        (-0.4, None, "en", "0"),
        (-0.0, "USD", "zh", "US$0"),
        (0.4, "USD", "en", "$0"),
        (12, "XYZ", "en", "XYZ 12"),
    ],
)
def test_format_amount(value: float, code: str | None, lang: str, expected: str) -> None:
    assert format_amount(value, code, lang) == expected


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("code", ["CNY", None])
def test_format_amount_without_a_finite_value(value: float | None, code: str | None) -> None:
    assert format_amount(value, code, "en") == "–"


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        (None, "en", ""),
        (None, "zh", ""),
        ("CNY", "en", "¥"),
        ("USD", "en", "$"),
        ("USD", "zh", "US$"),
        ("JPY", "en", "¥"),
        ("JPY", "zh", "JP¥"),
        ("KRW", "zh", "₩"),
    ],
)
def test_currency_symbol(code: str | None, lang: str, expected: str) -> None:
    assert currency_symbol(code, lang) == expected


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        (None, "en", ""),
        ("CNY", "en", "Chinese yuan (CNY)"),
        ("CNY", "zh", "人民币（CNY）"),
        ("USD", "en", "US dollar (USD)"),
        ("USD", "zh", "美元（USD）"),
        ("EUR", "zh", "欧元（EUR）"),
        ("GBP", "en", "British pound (GBP)"),
        ("GBP", "zh", "英镑（GBP）"),
    ],
)
def test_currency_name(code: str | None, lang: str, expected: str) -> None:
    assert currency_name(code, lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cny", "CNY"),
        (" USD ", "USD"),
        ("Eur", "EUR"),
        ("RMB", None),
        ("XYZ", None),
        ("US D", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_code(text: str | None, expected: str | None) -> None:
    assert normalise_code(text) == expected
