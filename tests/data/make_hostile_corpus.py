"""Write the hostile files of the reliability tests: uploads that once crashed a page or the
whole server, or ran for minutes. Binary or large files are generated here rather than committed.

Usage: python tests/data/make_hostile_corpus.py OUTPUT_FOLDER
The tests run it into a temporary folder (tests/unit/test_hostile_files.py, tests/app/test_hostile.py).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import duckdb

# The parts every .xlsx needs around its one worksheet.
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sales" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _letters(column: int) -> str:
    """Excel's name of a column: 1 -> A, 27 -> AA."""
    name = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_workbook(path: Path, sheet_xml_parts: list[str] | None = None, dimension: str | None = None) -> None:
    """An .xlsx with one sheet 'Sales' whose XML body is ``sheet_xml_parts`` (streamed, so that a
    part may be large) and an optional declared ``<dimension ref>``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for part in sheet_xml_parts or []:
                sheet.write(part.encode())
            sheet.write(b"</sheetData></worksheet>")


def write_corpus(folder: Path) -> None:
    """Write every hostile file into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)

    # Two cells, A1 and XFD1048576 (the last cell of a sheet): a reader that makes the sheet a
    # dense grid asks for 2^14 x 2^20 cells (512 GiB). 4-5 KB on disk. Once killed the server.
    write_workbook(
        folder / "excel_last_cell.xlsx",
        [f'<row r="1">{_cell("A1", "customer_id")}</row>', f'<row r="1048576">{_cell("XFD1048576", "1")}</row>'],
        dimension="A1:XFD1048576",
    )
    # The same two cells without the <dimension> element, so only the cells say how far it spans.
    write_workbook(
        folder / "excel_last_cell_undeclared.xlsx",
        [f'<row r="1">{_cell("A1", "customer_id")}</row>', f'<row r="1048576">{_cell("XFD1048576", "1")}</row>'],
    )
    # A zip bomb: one cell holding 300 MB of the letter A, about 300 KB once compressed.
    chunk = "A" * (1024 * 1024)
    write_workbook(
        folder / "excel_zip_bomb.xlsx",
        ['<row r="1"><c r="A1" t="inlineStr"><is><t>', *([chunk] * 300), "</t></is></c></row>"],
        dimension="A1",
    )

    # 16,384 columns (the Excel maximum) in a 360 KB CSV: three rows of short cells.
    columns = 16_384
    header = ",".join(["customer_id", "order_date", "amount", *(f"c{i}" for i in range(4, columns + 1))])
    rows = [",".join(["A", "2024-01-05", "10", *(["x"] * (columns - 3))]) for _ in range(3)]
    (folder / "wide.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    # 1,200 columns as a workbook and as Parquet (the limit is 1,000).
    names = ["customer_id", "order_date", "amount", *(f"c{i}" for i in range(4, 1201))]
    cells = "".join(_cell(f"{_letters(i)}1", name) for i, name in enumerate(names, start=1))
    write_workbook(folder / "excel_wide.xlsx", [f'<row r="1">{cells}</row>'], dimension=f"A1:{_letters(len(names))}1")
    selected = ", ".join(f"'x' as {name}" for name in names[3:])
    duckdb.sql(f"select 'A' as customer_id, date '2024-01-05' as order_date, 10.0 as amount, {selected}").write_parquet(
        str(folder / "wide.parquet")
    )

    # A line of 1 MB (a reason pasted with a whole e-mail) among ordinary orders.
    long_reason = "word " * 200_000
    (folder / "long_line.csv").write_text(
        "customer_id,order_date,amount,note\n"
        "A,2024-01-05,10,ok\n"
        f'B,2024-01-06,20,"{long_reason}"\n'
        "C,2024-01-07,30,ok\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_corpus(Path(sys.argv[1]))
