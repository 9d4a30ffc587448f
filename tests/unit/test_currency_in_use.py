"""The currency from a file to the figures: detected at import, kept in the settings and the URL,
shown by format_money and money_label, stated in the report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from churn.__main__ import main
from churn.db import open_connection
from churn.i18n import format_money, money_label, set_currency, set_language
from churn.ingest import create_canonical_tables, load_file
from churn.settings import Settings, settings_from_query_params

ORDERS = "customer,date,{amount}\nC1,2024-01-05,{first}\nC2,2024-02-10,{second}\nC1,2024-03-01,{second}\n"


def write_orders(tmp_path: Path, amount: str, first: str, second: str) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS.format(amount=amount, first=first, second=second), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("header", "first", "second", "expected"),
    [
        ("金额(元)", "120.5", "88", "CNY"),  # the header names yuan
        ("Amount", '"$1,200.00"', "$35.10", "USD"),  # the values carry dollar signs
        ("Revenue (EUR)", "12", "9", "EUR"),
        ("Amount", "12.5", "9", None),  # nothing says which currency
        ("Amount (USD)", "£12", "£9", None),  # header and values disagree: the user chooses
    ],
)
def test_import_detects_the_currency_of_the_amounts(
    tmp_path: Path, header: str, first: str, second: str, expected: str | None
) -> None:
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    result = load_file(con, write_orders(tmp_path, header, first, second), "orders")
    assert result.rows_loaded == 3
    assert result.currency == expected
    con.close()


def test_the_currency_goes_into_and_out_of_the_url() -> None:
    defaults = Settings(as_of=date(2024, 6, 30), window_days=60)
    assert Settings(as_of=date(2024, 6, 30), window_days=60, currency="CNY").to_query_params()["currency"] == "CNY"
    assert "currency" not in defaults.to_query_params()
    settings, problems = settings_from_query_params({"currency": "usd"}, defaults)
    assert (settings.currency, problems) == ("USD", [])
    settings, problems = settings_from_query_params({"currency": "doubloons"}, defaults)
    assert (settings.currency, problems) == (None, ["currency"])


def test_money_is_formatted_in_the_runs_currency_and_language() -> None:
    try:
        set_language("en")
        set_currency(None)
        assert format_money(1234.4) == "1,234"
        assert money_label("Revenue lost") == "Revenue lost"
        set_currency("CNY")
        assert format_money(1234.4) == "¥1,234"
        assert money_label("Revenue lost") == "Revenue lost (¥)"
        set_currency("USD")
        assert format_money(-50) == "-$50"
        set_language("zh")
        # In Chinese, a dollar is marked as the US dollar (the yuan is ¥) and brackets are full width.
        assert format_money(-50) == "-US$50"
        assert money_label("流失收入") == "流失收入（US$）"
    finally:
        set_language("en")
        set_currency(None)


def test_the_report_states_the_currency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_orders(tmp_path, "Sales £", "12", "9")
    assert main(["report", str(path), "--window", "30"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["currency"] == "GBP"
    assert main(["report", str(path), "--window", "30", "--currency", "cny"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["currency"] == "CNY"
    with pytest.raises(SystemExit):
        main(["report", str(path), "--currency", "XXX"])
