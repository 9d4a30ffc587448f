"""Tables written for a spreadsheet: every CSV the app or the command line gives goes through
``csv_bytes``, so that no text from the data runs as a formula when the file is opened in Excel,
LibreOffice or Google Sheets (OWASP, "CSV Injection").

A text cell or header that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading apostrophe, which makes a spreadsheet read it as text; numbers, dates and
every other text are written as they are. ``from_spreadsheet_text`` undoes it for a file the
app reads back (an edited reason mapping).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# The first characters a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """``value`` as a spreadsheet must receive it: a text that would start a formula prefixed
    with an apostrophe; anything that is not a text (a number, a date, a missing value) as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_spreadsheet_text(value: str) -> str:
    """A text as ``spreadsheet_text`` received it: the apostrophe it put before a formula's
    first character taken off."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell and header made safe by ``spreadsheet_text``; numeric,
    boolean and date columns untouched (a negative amount stays a number)."""
    safe = table.rename(columns=lambda name: spreadsheet_text(str(name)))
    for position, dtype in enumerate(safe.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = safe.iloc[:, position]
            safe.isetitem(position, column.map(spreadsheet_text, na_action="ignore").to_numpy())
    return safe


def csv_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as the bytes of a CSV file to download: cells made safe for a spreadsheet,
    no index, UTF-8 with a byte-order mark (so that Excel reads Chinese headers and names), lines
    ended by CR LF as RFC 4180 has them (a cell holding a CR or LF is then quoted)."""
    return spreadsheet_table(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
