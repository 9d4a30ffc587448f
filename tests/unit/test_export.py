"""CSV for a spreadsheet (churn.export): texts that would start a formula are written as text,
everything else as it is."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from churn.export import csv_bytes, from_spreadsheet_text, spreadsheet_text

# Texts a spreadsheet would run (OWASP's examples among them) and what the CSV must hold instead.
FORMULAS = {
    "=1+1 C00772": "'=1+1 C00772",
    "@SUM(1+1)*cmd|' /C calc'!A0 C00110": "'@SUM(1+1)*cmd|' /C calc'!A0 C00110",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "+1": "'+1",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
}
# Texts that are not formulas stay exactly as they are.
PLAIN = ["C00772", "Price too high", "1+1", " =1", "'quoted", "＝1+1", "<b>x</b>", "[a](http://x)", "\u202eevil", ""]


@pytest.mark.parametrize(("text", "written"), FORMULAS.items())
def test_a_formula_is_written_as_text_and_read_back(text: str, written: str) -> None:
    assert spreadsheet_text(text) == written
    assert from_spreadsheet_text(written) == text


@pytest.mark.parametrize("text", PLAIN)
def test_other_texts_are_untouched(text: str) -> None:
    assert spreadsheet_text(text) == text
    assert from_spreadsheet_text(text) == text


def test_numbers_stay_numbers_and_texts_are_escaped_in_the_csv() -> None:
    table = pd.DataFrame(
        {
            "customer": ["=1+1 C00772", "C2", None],
            "=header": ["x", "-y", "z"],
            "amount": [-2.5, 3.0, float("nan")],
            "orders": [-1, 2, 3],
            "kept": [True, False, True],
        }
    )
    content = csv_bytes(table)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    lines = content.decode("utf-8-sig").splitlines()
    assert lines == [
        "customer,'=header,amount,orders,kept",
        "'=1+1 C00772,x,-2.5,-1,True",  # a negative number is a number: no apostrophe
        "C2,'-y,3.0,2,False",
        ",z,,3,True",
    ]
    # The table itself is not changed.
    assert table["customer"].iloc[0] == "=1+1 C00772" and list(table.columns)[1] == "=header"


def test_every_cell_of_a_hostile_table_is_safe_when_read_back() -> None:
    cells = [*FORMULAS, *PLAIN, "a\nb", "x" * 100_000, "\x00\x07ctrl", "\u200f=rtl"]
    content = csv_bytes(pd.DataFrame({"text": cells, "number": range(len(cells))}))
    read = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(read) == len(cells)
    for original, cell in zip(cells, read["text"], strict=True):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert from_spreadsheet_text(cell) == original
    assert read["number"].tolist() == [str(n) for n in range(len(cells))]
