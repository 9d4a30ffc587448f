"""Turn a file a manager brings into something DuckDB reads: decide its format from its content
(Parquet, Excel, text), its text encoding, its delimiter and whether it has a header row.

Text in UTF-8 with a one-character delimiter is read where it lies; anything else (another
encoding, a whitespace-separated dump, an Excel sheet) is rewritten once as UTF-8 into the
session's own folder under a generated name. The name the user gave is only ever shown.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from churn.db import DATA_DIR
from churn.i18n import t

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SAMPLE_BYTES = 1024 * 1024
DELIMITERS = (",", "\t", ";", "|")
WHITESPACE = "whitespace"  # runs of spaces or tabs separate the fields
ENCODINGS = ("utf-8", "gb18030", "utf-16", "cp1252", "latin-1")

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of old .xls workbooks
# Full-width digits and signs (typed with a Chinese input method) and their ASCII forms.
FULL_WIDTH_FROM = "０１２３４５６７８９．，－／：（）￥　"
FULL_WIDTH_TO = "0123456789.,-/:()¥ "
FULL_WIDTH = str.maketrans(FULL_WIDTH_FROM, FULL_WIDTH_TO)
NUMBER_PATTERN = re.compile(r"^[-+(]?\s*[¥$€£]?\s*[-+]?\d[\d,.\s]*\)?$")
DATE_PATTERN = re.compile(
    r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}"  # 2024-01-05, 2024/1/5, 2024年1月5日
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"  # 05/01/2024
    r"|(19|20)\d{2}[01]\d[0-3]\d$)"  # 20240105
)
_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d+$|^-?\d+\.\d+$")


class ImportProblem(Exception):
    """A file that cannot be loaded, with what to do about it."""


@dataclass
class PreparedFile:
    """A file ready for DuckDB, and what was found out about it."""

    path: Path  # where DuckDB reads it (never shown)
    name: str  # the name the user gave it, shown but never used as a path
    format: str  # csv | parquet | excel
    encoding: str | None = None
    delimiter: str = ","  # as read by DuckDB (a whitespace dump is rewritten with tabs)
    found_delimiter: str = ","  # as found in the file: one of DELIMITERS or WHITESPACE
    header: bool = True
    decimal_comma: bool = False  # numbers written 1.234,50
    sheets: list[str] = field(default_factory=list)  # every sheet of an Excel workbook
    sheet: str | None = None


def shown_name(name: str) -> str:
    """The last part of a user-given name: a label, never a path."""
    return Path(name.replace("\\", "/")).name or "file"


def detect_encoding(data: bytes) -> str:
    """The text encoding of a file from its first bytes: a BOM; else UTF-8 if it decodes; else
    GB18030 when the non-ASCII bytes come in pairs as Chinese characters do in GBK (both bytes
    0xA1-0xFE); else Windows-1252 (accented Latin letters, where a high byte usually stands alone)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A sample may end inside a character; only an error before the last 3 bytes counts.
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return "utf-8"
    paired = single = 0
    index = 0
    sample = data[:65536]
    while index < len(sample):
        byte = sample[index]
        if byte < 0x80:
            index += 1
        elif index + 1 < len(sample) and 0xA1 <= byte <= 0xFE and 0xA1 <= sample[index + 1] <= 0xFE:
            paired += 2
            index += 2
        else:
            single += 1
            index += 1
    if paired and paired >= 0.8 * (paired + single):
        try:
            # final=False: a sample may end inside a character.
            codecs.getincrementaldecoder("gb18030")().decode(sample, final=len(sample) == len(data))
            return "gb18030"
        except UnicodeDecodeError:
            pass
    return "cp1252"


def looks_like_value(cell: str) -> bool:
    """True for a cell that is a number or a date (so the row holding it is data, not a header)."""
    cell = cell.strip().translate(FULL_WIDTH)
    return bool(cell) and bool(NUMBER_PATTERN.match(cell) or DATE_PATTERN.match(cell))


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == WHITESPACE:
        return line.split()
    return next(csv.reader([line], delimiter=delimiter), [])


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (>1) of fields; runs of
    whitespace when no single character does; a comma for a one-column file."""
    best: tuple[float, int, int] | None = None
    chosen = ","
    for preference, delimiter in enumerate((*DELIMITERS, WHITESPACE)):
        counts = Counter(len(_split(line, delimiter)) for line in lines)
        fields, lines_with = counts.most_common(1)[0] if counts else (0, 0)
        if fields < 2:
            continue
        score = (lines_with / len(lines), fields, -preference)
        # Whitespace only wins when no one-character delimiter is consistent.
        if delimiter == WHITESPACE and best is not None and best[0] >= 0.8:
            break
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def sniff_header(first_row: list[str]) -> bool:
    """A first row is a header unless it holds a number or a date (column names are words)."""
    return not any(looks_like_value(cell) for cell in first_row)


def sniff_decimal_comma(rows: list[list[str]]) -> bool:
    """True when numbers are written 1.234,50 (Excel in much of Europe, with ';' between fields)."""
    cells = [cell.strip() for row in rows for cell in row]
    comma = sum(1 for cell in cells if _DECIMAL_COMMA.match(cell))
    point = sum(1 for cell in cells if _DECIMAL_POINT.match(cell))
    return comma > point


def _sample_lines(text: str, truncated: bool) -> list[str]:
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut
    return [line for line in lines[:200] if line.strip()]


def _is_binary(content: str | bytes) -> bool:
    """True for content with NUL or many control characters: a program or image, not a table."""
    codes = content if isinstance(content, bytes) else [ord(char) for char in content]
    controls = sum(1 for code in codes if code < 32 and code not in (9, 10, 13))
    return 0 in codes or controls > 0.01 * max(len(codes), 1)


def _excel_cell(value: object) -> str:
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


def excel_sheets(data: bytes, name: str) -> list[str]:
    """The sheet names of an Excel workbook (.xlsx or .xls)."""
    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except Exception as error:  # calamine raises its own errors for every kind of damage
        raise ImportProblem(t("import.excel_unreadable", name=name, error=error)) from error


def _excel_to_csv(data: bytes, name: str, sheet: str | None, target: Path) -> tuple[list[str], str]:
    """Write one sheet of a workbook as UTF-8 CSV; return all sheet names and the sheet written
    (by default the one with the most data)."""
    sheets = excel_sheets(data, name)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    if sheet is not None and sheet not in sheets:
        raise ImportProblem(t("import.no_sheet", name=name, sheet=sheet, sheets=", ".join(sheets)))
    candidates = [sheet] if sheet is not None else sheets
    found: dict[str, list[list[object]]] = {}
    for candidate in candidates:
        try:
            rows = workbook.get_sheet_by_name(candidate).to_python(skip_empty_area=True)
        except Exception as error:
            raise ImportProblem(t("import.sheet_unreadable", name=name, sheet=candidate, error=error)) from error
        found[candidate] = [row for row in rows if any(cell not in (None, "") for cell in row)]
    # By default the sheet with the most filled cells (not a cover note before the data).
    sheet = max(candidates, key=lambda s: sum(1 for row in found[s] for cell in row if cell not in (None, "")))
    rows = found[sheet]
    if not rows:
        if len(candidates) > 1:
            raise ImportProblem(t("import.all_sheets_empty", name=name))
        raise ImportProblem(t("import.sheet_empty", name=name, sheet=sheet))
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in rows:
            writer.writerow([_excel_cell(cell) for cell in row])
    assert sheet is not None
    return sheets, sheet


def _rewrite_text(source: Path, target: Path, encoding: str, whitespace: bool) -> None:
    """Copy a text file as UTF-8 without BOM, turning runs of whitespace into tabs if asked."""
    with (
        source.open("r", encoding=encoding, errors="replace", newline="") as text,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        first = True
        for line in text:
            if first:
                line = line.lstrip("\ufeff")
                first = False
            if whitespace:
                ending = "\n" if line.endswith(("\n", "\r")) else ""
                line = "\t".join(line.split()) + ending
            out.write(line)


def prepare_file(
    source: Path,
    name: str,
    folder: Path | None,
    encoding: str | None = None,
    sheet: str | None = None,
    header: bool | None = None,
) -> PreparedFile:
    """Find out what ``source`` holds and make it readable by DuckDB; ``folder`` receives any
    rewritten copy. ``encoding``, ``sheet`` and ``header`` override what is detected."""
    shown = shown_name(name)
    size = source.stat().st_size
    with source.open("rb") as stream:
        head = stream.read(SAMPLE_BYTES)
    if not head.strip():
        raise ImportProblem(t("import.empty", name=shown))

    def new_path(suffix: str) -> Path:
        if folder is None:
            raise ValueError(f"{shown} must be converted but there is no folder to write to.")
        return folder / f"{uuid.uuid4().hex}{suffix}"

    if head[:4] == b"PAR1":
        return PreparedFile(source, shown, "parquet")
    if head[:4] == _ZIP or head[:8] == _OLE:
        target = new_path(".csv")
        sheets, sheet = _excel_to_csv(source.read_bytes(), shown, sheet, target)
        prepared = PreparedFile(target, shown, "excel", sheets=sheets, sheet=sheet)
        text = target.read_text(encoding="utf-8")[:SAMPLE_BYTES]
        lines = _sample_lines(text, truncated=len(text) == SAMPLE_BYTES)
        rows = [next(csv.reader([line]), []) for line in lines]
        prepared.header = header if header is not None else bool(rows) and sniff_header(rows[0])
        prepared.decimal_comma = False
        return prepared

    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding != "utf-16" and _is_binary(head):
        raise ImportProblem(t("import.binary", name=shown))
    chosen = encoding or detect_encoding(head)
    try:
        text = head.decode(chosen, errors="strict" if size <= SAMPLE_BYTES else "ignore")
    except (UnicodeDecodeError, LookupError) as error:
        raise ImportProblem(t("import.bad_encoding", name=shown, encoding=chosen)) from error
    if _is_binary(text):
        raise ImportProblem(t("import.binary", name=shown))
    text = text.lstrip("\ufeff")
    lines = _sample_lines(text, truncated=size > SAMPLE_BYTES)
    found = sniff_delimiter(lines)
    rows = [_split(line, found) for line in lines]
    prepared = PreparedFile(
        source,
        shown,
        "csv",
        encoding=chosen,
        delimiter="\t" if found == WHITESPACE else found,
        found_delimiter=found,
        header=header if header is not None else sniff_header(rows[0]),
        decimal_comma=found != "," and sniff_decimal_comma(rows[1:]),
    )
    # DuckDB reads UTF-8 (a BOM included) in place; anything else is rewritten once.
    if chosen not in ("utf-8", "utf-8-sig") or found == WHITESPACE:
        prepared.path = new_path(".csv")
        _rewrite_text(source, prepared.path, chosen, whitespace=found == WHITESPACE)
    return prepared


def prepare_upload(
    data: bytes,
    name: str,
    folder: Path,
    encoding: str | None = None,
    sheet: str | None = None,
    header: bool | None = None,
) -> PreparedFile:
    """Save an uploaded file in the session's ``folder`` under a generated name and prepare it."""
    shown = shown_name(name)
    if not data.strip():
        raise ImportProblem(t("import.empty", name=shown))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportProblem(t("import.too_big", name=shown, limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    raw = folder / uuid.uuid4().hex
    raw.write_bytes(data)
    try:
        prepared = prepare_file(raw, shown, folder, encoding, sheet, header)
    except ImportProblem:
        raw.unlink()
        raise
    if prepared.path != raw:
        raw.unlink()
    return prepared


def server_files() -> list[str]:
    """Files in the server's ``data/`` folder that can be picked instead of uploaded (too big to
    upload, say): regular files only, not hidden, not the folder's own scripts and notes."""
    return sorted(
        path.name
        for path in DATA_DIR.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix not in (".py", ".md")
    )


def prepare_server_file(name: str, folder: Path | None, **options: str | bool | None) -> PreparedFile:
    """Prepare a file of the server's ``data/`` folder chosen by name from ``server_files``."""
    if name not in server_files():
        raise ImportProblem(t("import.not_server_file", name=shown_name(name)))
    return prepare_file(DATA_DIR / name, name, folder, **options)  # type: ignore[arg-type]
