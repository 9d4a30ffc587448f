"""Convert one sheet of an Excel workbook to UTF-8 CSV, in a child process of its own.

Run by ``churn.sources.convert_excel`` as ``python excel_worker.py SOURCE TARGET SHEET
MEMORY_BYTES MAX_CELLS MAX_COLUMNS``. The Excel reader (calamine, in Rust) makes a sheet one
dense grid from its first to its last cell and aborts the whole process when memory runs out:
a 4.7 KB workbook whose only cells are A1 and XFD1048576 asks for 512 GiB. Here the process
limits its own address space first, so such a workbook ends this process and no other.

Prints one line of JSON: ``{"sheets": [...], "sheet": "..."}`` on success (exit 0), or
``{"problem": CODE, ...}`` for a workbook that cannot be converted (exit 3). Only the standard
library and python_calamine are imported, so the process starts quickly.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import resource
import sys
from typing import Any

PROBLEM_EXIT = 3


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 17850.0 -> 17850: ids and whole amounts as written
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _filled(row: list[Any]) -> int:
    return sum(1 for cell in row if cell not in (None, ""))


def convert(source: str, target: str, sheet: str | None, max_cells: int, max_columns: int) -> dict[str, Any]:
    """Write ``sheet`` (default: the sheet with the most filled cells) of ``source`` to ``target``."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(source)
        sheets = list(workbook.sheet_names)
    except Exception as error:  # calamine raises its own errors for every kind of damage
        return {"problem": "unreadable", "detail": str(error)}
    if sheet and sheet not in sheets:
        return {"problem": "no_sheet", "sheet": sheet, "sheets": sheets}
    best: tuple[int, str] | None = None
    for candidate in [sheet] if sheet else sheets:
        try:
            grid = workbook.get_sheet_by_name(candidate)
        except Exception as error:
            return {"problem": "sheet_unreadable", "sheet": candidate, "detail": str(error)}
        if grid.height * grid.width > max_cells:
            return {"problem": "too_many_cells", "sheet": candidate, "rows": grid.height, "columns": grid.width}
        filled = sum(_filled(row) for row in grid.iter_rows())
        if best is None or filled > best[0]:
            best = (filled, candidate)
    assert best is not None
    filled, chosen = best
    if filled == 0:
        return {"problem": "all_sheets_empty" if len(sheets) > 1 and not sheet else "sheet_empty", "sheet": chosen}
    grid = workbook.get_sheet_by_name(chosen)
    rows = [row for row in grid.to_python(skip_empty_area=True) if _filled(row)]
    # Trailing empty columns (a stray format far to the right) are not columns of the table.
    width = max(max((i + 1 for i, cell in enumerate(row) if cell not in (None, "")), default=0) for row in rows)
    if width > max_columns:
        return {"problem": "too_many_columns", "sheet": chosen, "columns": width}
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in rows:
            writer.writerow([_cell(cell) for cell in row[:width]])
    return {"sheets": sheets, "sheet": chosen}


def main(argv: list[str]) -> int:
    source, target, sheet, memory, max_cells, max_columns = argv[1:7]
    limit = int(memory)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = convert(source, target, sheet or None, int(max_cells), int(max_columns))
    print(json.dumps(result, ensure_ascii=False))
    return PROBLEM_EXIT if "problem" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
