"""Turn a file a manager brings into something DuckDB reads: decide its format from its content
(Parquet, Excel, text), its text encoding, its delimiter and whether it has a header row.

Text in UTF-8 with a one-character delimiter is read where it lies; anything else (another
encoding, a whitespace-separated dump, an Excel sheet) is rewritten once as UTF-8 into the
session's own folder under a generated name. The name the user gave is only ever shown.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import re
import subprocess
import sys
import uuid
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from churn.db import DATA_DIR

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SAMPLE_BYTES = 1024 * 1024
# A table wider than this is not an export of orders or customers (and every step of reading it
# grows with its columns): it is refused with a message, not read for minutes.
MAX_COLUMNS = 1000
# Excel: the reader runs in a child process with these limits (see convert_excel); a workbook
# must not unpack beyond MAX_UNPACKED_BYTES nor beyond MAX_UNPACK_RATIO times its own size (a
# zip bomb), and a sheet must not span more than MAX_EXCEL_CELLS cells (20 columns x 1M rows).
EXCEL_MEMORY_BYTES = 3 * 1024 * 1024 * 1024
EXCEL_TIMEOUT_SECONDS = 180
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
MAX_UNPACK_RATIO = 100
MAX_EXCEL_CELLS = 20_000_000
_EXCEL_WORKER = Path(__file__).with_name("excel_worker.py")
# The sample of a text file is at most SAMPLE_BYTES, so a field of the sample is too.
csv.field_size_limit(2 * SAMPLE_BYTES)
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


# Why a file cannot be loaded: the codes of ImportProblem; each is the text import.<code> of the
# catalogs (churn/locales), which says what to do about it.
IMPORT_PROBLEMS = (
    "empty",
    "too_big",
    "binary",
    "bad_encoding",
    "too_many_columns",
    "not_server_file",
    "excel_unreadable",
    "excel_unpacks",
    "excel_too_many_cells",
    "excel_too_slow",
    "excel_needs_memory",
    "no_sheet",
    "sheet_empty",
    "all_sheets_empty",
    "sheet_unreadable",
    "unreadable_table",
    "header_split",
    "missing_roles",
    "no_rows",
    "date_order",
    "too_slow",
    "out_of_memory",
    "file_not_found",
    "map_unused",
    "no_valid_rows",
    "session_disk",
    "cancelled",
)


class ImportProblem(Exception):
    """A file that cannot be loaded: a code of IMPORT_PROBLEMS and the values its text shows (a
    list, such as ``roles``, is joined where it is shown, by ``import_problem_text``)."""

    def __init__(self, code: str, **params: object) -> None:
        if code not in IMPORT_PROBLEMS:
            raise ValueError(f"Unknown import problem {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:  # for logs and tracebacks; users see import_problem_text
        shown = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.code} ({shown})" if shown else self.code


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


def _unpacked_limit(packed_bytes: int) -> int:
    return min(MAX_UNPACKED_BYTES, MAX_UNPACK_RATIO * packed_bytes + 10 * 1024 * 1024)


def _cells_of(reference: bytes) -> tuple[str, int]:
    """The range of a sheet's ``<dimension ref>`` ('A1:XFD1048576') and how many cells it spans."""
    corners = re.findall(rb"([A-Z]{1,3})(\d+)", reference)
    if len(corners) < 2:
        return reference.decode(errors="replace"), 1

    def column(letters: bytes) -> int:
        number = 0
        for letter in letters:
            number = number * 26 + letter - ord("A") + 1
        return number

    (first_col, first_row), (last_col, last_row) = corners[0], corners[-1]
    rows = abs(int(last_row) - int(first_row)) + 1
    columns = abs(column(last_col) - column(first_col)) + 1
    return reference.decode(), rows * columns


def check_workbook(path: Path, name: str) -> None:
    """Refuse an .xlsx before any Excel reader opens it when it would unpack beyond
    MAX_UNPACKED_BYTES (or far beyond what its size holds: a zip bomb) or a sheet declares more
    than MAX_EXCEL_CELLS cells. An old .xls has no such envelope: the reader's process limit
    (``convert_excel``) bounds it."""
    with path.open("rb") as stream:
        if stream.read(4) != _ZIP:
            return
    packed = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
            if unpacked > _unpacked_limit(packed):
                raise ImportProblem(
                    "excel_unpacks",
                    name=name,
                    unpacked=f"{unpacked / 1024 / 1024:,.0f}",
                    packed=f"{packed / 1024 / 1024:,.1f}",
                )
            for entry in entries:
                if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", entry.filename):
                    continue
                with archive.open(entry) as sheet:
                    head = sheet.read(8192)
                found = re.search(rb"<(?:\w+:)?dimension\s+ref=\"([^\"]+)\"", head)
                if found:
                    reference, cells = _cells_of(found.group(1))
                    if cells > MAX_EXCEL_CELLS:
                        raise ImportProblem("excel_too_many_cells", name=name, range=reference, cells=cells)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as error:
        logger.info("Workbook %s is not a readable zip: %s", name, error)
        raise ImportProblem("excel_unreadable", name=name) from error


def convert_excel(source: Path, name: str, sheet: str | None, target: Path) -> tuple[list[str], str]:
    """Write one sheet of a workbook as UTF-8 CSV to ``target``; return all sheet names and the
    sheet written (by default the one with the most filled cells). The Excel reader runs in a
    child process limited to EXCEL_MEMORY_BYTES and EXCEL_TIMEOUT_SECONDS, so that no workbook
    can take the server down."""
    check_workbook(source, name)
    command = [
        sys.executable,
        "-I",
        str(_EXCEL_WORKER),
        str(source),
        str(target),
        sheet or "",
        str(EXCEL_MEMORY_BYTES),
        str(MAX_EXCEL_CELLS),
        str(MAX_COLUMNS),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=EXCEL_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        target.unlink(missing_ok=True)
        raise ImportProblem("excel_too_slow", name=name, seconds=EXCEL_TIMEOUT_SECONDS) from error
    lines = done.stdout.decode("utf-8", errors="replace").strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if done.returncode == 0 and "sheet" in result:
        return [str(s) for s in result["sheets"]], str(result["sheet"])
    target.unlink(missing_ok=True)
    problem = result.get("problem")
    logger.info(
        "Excel conversion of %s ended with %s: %s %s",
        name,
        done.returncode,
        result or "",
        done.stderr.decode("utf-8", errors="replace")[-500:],
    )
    if problem == "no_sheet":
        raise ImportProblem("no_sheet", name=name, sheet=sheet, sheets=[str(s) for s in result["sheets"]])
    if problem == "sheet_empty":
        raise ImportProblem("sheet_empty", name=name, sheet=result["sheet"])
    if problem == "all_sheets_empty":
        raise ImportProblem("all_sheets_empty", name=name)
    if problem == "sheet_unreadable":
        raise ImportProblem("sheet_unreadable", name=name, sheet=result["sheet"])
    if problem == "too_many_cells":
        cells = int(result["rows"]) * int(result["columns"])
        reference = f"{result['rows']:,} × {result['columns']:,}"
        raise ImportProblem("excel_too_many_cells", name=name, range=reference, cells=cells)
    if problem == "too_many_columns":
        raise ImportProblem("too_many_columns", name=name, columns=int(result["columns"]), limit=MAX_COLUMNS)
    if problem == "unreadable":
        raise ImportProblem("excel_unreadable", name=name)
    # Killed or out of memory: the workbook needs more than one file may use.
    raise ImportProblem("excel_needs_memory", name=name)


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
        raise ImportProblem("empty", name=shown)

    def new_path(suffix: str) -> Path:
        if folder is None:
            raise ValueError(f"{shown} must be converted but there is no folder to write to.")
        return folder / f"{uuid.uuid4().hex}{suffix}"

    if head[:4] == b"PAR1":
        _check_parquet_width(source, shown)
        return PreparedFile(source, shown, "parquet")
    if head[:4] == _ZIP or head[:8] == _OLE:
        target = new_path(".csv")
        sheets, sheet = convert_excel(source, shown, sheet, target)
        prepared = PreparedFile(target, shown, "excel", sheets=sheets, sheet=sheet)
        with target.open("r", encoding="utf-8", newline="") as converted:
            text = converted.read(SAMPLE_BYTES)
        lines = _sample_lines(text, truncated=len(text) == SAMPLE_BYTES)
        rows = [next(csv.reader([line]), []) for line in lines]
        prepared.header = header if header is not None else bool(rows) and sniff_header(rows[0])
        prepared.decimal_comma = False
        return prepared

    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding != "utf-16" and _is_binary(head):
        raise ImportProblem("binary", name=shown)
    chosen = encoding or detect_encoding(head)
    try:
        text = head.decode(chosen, errors="strict" if size <= SAMPLE_BYTES else "ignore")
    except (UnicodeDecodeError, LookupError) as error:
        raise ImportProblem("bad_encoding", name=shown, encoding=chosen) from error
    if _is_binary(text):
        raise ImportProblem("binary", name=shown)
    text = text.lstrip("\ufeff")
    lines = _sample_lines(text, truncated=size > SAMPLE_BYTES)
    found = sniff_delimiter(lines)
    rows = [_split(line, found) for line in lines]
    width = max((len(row) for row in rows), default=0)
    if width > MAX_COLUMNS:
        raise ImportProblem("too_many_columns", name=shown, columns=width, limit=MAX_COLUMNS)
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


def _check_parquet_width(path: Path, name: str) -> None:
    try:
        width = len(pq.read_schema(path))
    except (OSError, ValueError, pa.ArrowException):
        return  # a damaged file: reading it says so
    if width > MAX_COLUMNS:
        raise ImportProblem("too_many_columns", name=name, columns=width, limit=MAX_COLUMNS)


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
        raise ImportProblem("empty", name=shown)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportProblem("too_big", name=shown, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
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


def _inside_data_dir(path: Path) -> bool:
    """Whether ``path``, links followed, is a file inside the server's ``data/`` folder: a link
    that points outside it (to /etc/passwd, to another user's files) is not offered or read."""
    return path.is_file() and path.resolve().is_relative_to(DATA_DIR.resolve())


def server_files() -> list[str]:
    """Files in the server's ``data/`` folder that can be picked instead of uploaded (too big to
    upload, say): regular files inside the folder only (a link out of it is left out), not
    hidden, not the folder's own scripts and notes."""
    return sorted(
        path.name
        for path in DATA_DIR.iterdir()
        if _inside_data_dir(path) and not path.name.startswith(".") and path.suffix not in (".py", ".md")
    )


def prepare_server_file(name: str, folder: Path | None, **options: str | bool | None) -> PreparedFile:
    """Prepare a file of the server's ``data/`` folder chosen by name from ``server_files``."""
    # Checked again when read: the folder may have changed since the list was drawn.
    if name not in server_files() or not _inside_data_dir(DATA_DIR / name):
        raise ImportProblem("not_server_file", name=shown_name(name))
    return prepare_file((DATA_DIR / name).resolve(), name, folder, **options)  # type: ignore[arg-type]
