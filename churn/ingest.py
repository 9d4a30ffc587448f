"""Load files into the canonical tables ``orders``, ``customers``, ``reason_map`` and ``rejects``.

A file is read with every column as text, its columns are matched to roles (customer id,
order date, amount, ...) by header name in English or Chinese, and each row is converted.
A row that cannot be converted is not dropped silently: it goes to ``rejects`` with its
line, the column and the reason, so that loaded + rejected = rows read, always.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from churn.db import DATA_DIR, quote_identifier
from churn.i18n import t
from churn.roles import (
    CUSTOMER_COLUMNS,
    ORDER_COLUMNS,
    Evidence,
    detect,
    guess_table,
    share_matching,
    status_words,
)
from churn.sources import (
    DATE_PATTERN,
    FULL_WIDTH_FROM,
    FULL_WIDTH_TO,
    NUMBER_PATTERN,
    ImportProblem,
    PreparedFile,
)

logger = logging.getLogger(__name__)
# Errors that end an import (the time limit, the session's end, memory): never taken as a sign
# that the file needs another way of reading.
STOPPED = (duckdb.InterruptException, duckdb.OutOfMemoryException)

REQUIRED_ROLES = {"orders": ("customer_id", "order_date", "amount"), "customers": ("customer_id",)}

DATE_ORDERS = ("dmy", "mdy")  # how to read 05/01/2024: day first or month first
_TIMES = ("", " %H:%M", " %H:%M:%S")
_YEAR_FIRST = [f"%Y{sep}%m{sep}%d{time}" for sep in ("/", ".", "-") for time in _TIMES if (sep, time) != ("-", "")] + [
    "%Y%m%d",
    *(f"%Y年%m月%d日{time}" for time in _TIMES),
    # Month names (English), which say which number is the day: 5 Jan 2024, Jan 5, 2024.
    "%d %b %Y",
    "%d-%b-%Y",
    "%b %d %Y",
    "%b %d, %Y",
]
_DAY_FIRST = {
    "dmy": [f"%d{sep}%m{sep}%Y{time}" for sep in ("/", ".", "-") for time in _TIMES],
    "mdy": [f"%m{sep}%d{sep}%Y{time}" for sep in ("/", ".", "-") for time in _TIMES],
}
_SLASHED_DATE = r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}"
RETURN_EXCLUDED = "return excluded"
DATE_OUT_OF_RANGE = "date out of range"
NUMBER_OUT_OF_RANGE = "number out of range"
# Dates before this, or more than a year after the current year, are not real order dates (year
# 1, 9999-12-31 "no end date"): such a row is rejected, except that a churn date after the range
# is read as no churn date (an open end). Amounts beyond ±MAX_AMOUNT, NaN or infinite are rejected.
EARLIEST_DATE = date(1900, 1, 1)
# A line of a text file may hold up to this many bytes (a long note pasted into a cell); DuckDB's
# default, 2 MB, would make a file with one longer line unreadable as a whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
# How every read_csv of a prepared text file quotes (bind $max_line_size to MAX_LINE_BYTES).
_QUOTING = "quote = '\"', escape = '\"', max_line_size = $max_line_size"
MAX_AMOUNT = 1e15


def latest_date(today: date | None = None) -> date:
    """The last date a file's dates may hold: the end of next year."""
    return date((today or date.today()).year + 1, 12, 31)


def _date_range() -> dict[str, date]:
    return {"earliest_date": EARLIEST_DATE, "latest_date": latest_date()}


def _bound(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters of ``params`` that ``sql`` uses (DuckDB refuses unused ones)."""
    return {key: value for key, value in params.items() if f"${key}" in sql}


def _out_of_range_sql(expression: str, sql_type: str) -> str:
    """SQL true for a converted value outside the range of real data (NULL stays NULL)."""
    if sql_type == "date":
        return f"({expression} < $earliest_date::date or {expression} > $latest_date::date)"
    return f"(not isfinite({expression}) or abs({expression}) > {MAX_AMOUNT:.0e})"


@dataclass
class LoadResult:
    """What happened to one file."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    mapping: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    returns: int = 0  # rows kept as negative revenue (or rejected when excluded)
    open_ended: int = 0  # churn dates after the date range (9999-12-31) read as no churn date


@dataclass
class DatasetFile:
    """One file of a dataset and how to load it (kept to reload the dataset when switching back)."""

    source: PreparedFile
    table: str  # orders | customers
    mapping: dict[str, str] | None = None  # role -> column name; None: detected
    date_order: str | None = None
    exclude_returns: bool = False
    extra_columns: list[str] = field(default_factory=list)  # unmapped columns kept as filters

    def load(self, con: duckdb.DuckDBPyConnection) -> LoadResult:
        return load_file(
            con,
            self.source,
            self.table,
            self.mapping,
            date_order=self.date_order,
            exclude_returns=self.exclude_returns,
            extra_columns=self.extra_columns,
        )


@dataclass
class DateEvidence:
    """What the values of the date columns say about day/month order in dates like 05/01/2024."""

    slashed: int = 0  # values written with the day and month as numbers before the year
    day_first_example: str | None = None  # e.g. 13/01/2024: the first number can only be a day
    month_first_example: str | None = None  # e.g. 01/13/2024

    @property
    def decided(self) -> str | None:
        """The order the data proves, or None when it proves nothing (or contradicts itself)."""
        if self.day_first_example and not self.month_first_example:
            return "dmy"
        if self.month_first_example and not self.day_first_example:
            return "mdy"
        return None


@dataclass
class FileInspection:
    """A prepared file looked at before loading: its columns, the roles found, a preview."""

    headers: list[str]
    mapping: dict[str, str]
    preview: list[list[str | None]]
    rows: int
    date_evidence: dict[str, DateEvidence]  # per column holding dates like 05/01/2024
    dimension_candidates: list[str] = field(default_factory=list)  # unmapped columns fit for filtering
    evidence: dict[str, Evidence] = field(default_factory=dict)  # why each role's column was chosen
    table_guess: str = "orders"  # what the content says the file is: orders | customers


def create_canonical_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty canonical tables (dropping any previous dataset)."""
    for table, columns in (("orders", ORDER_COLUMNS), ("customers", CUSTOMER_COLUMNS)):
        body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
        con.execute(f"create or replace table {table} ({body})")
    con.execute(
        "create or replace table reason_map "
        "(reason_raw varchar, category_raw varchar, cause varchar, is_edited boolean)"
    )
    con.execute(
        "create or replace table rejects (file varchar, line bigint, column_name varchar, reason varchar, raw varchar)"
    )
    # Unmapped columns kept as extra filter dimensions, one row per loaded row and column.
    con.execute("create or replace table extra_dimensions (customer_id varchar, dimension varchar, value varchar)")
    # What the values of a status column say (churned: lost; stayed: kept; yes/no: a churn flag).
    con.execute("create or replace table status_words (word varchar, meaning varchar)")
    con.executemany("insert into status_words values (?, ?)", list(status_words().items()))
    # Per orders file: loaded rows identical to an earlier loaded row in every column of the file.
    con.execute("create or replace table repeated_rows (file varchar, rows bigint, example varchar)")


def _clean_sql(column: str) -> str:
    """Trimmed text with full-width digits and signs turned into ASCII (１２３ -> 123)."""
    return f"trim(translate({column}, '{FULL_WIDTH_FROM}', '{FULL_WIDTH_TO}'))"


def _number_sql(column: str, decimal_comma: bool = False) -> str:
    """SQL turning text like '1,234.50', '¥1,234', '(1,234)' or, with ``decimal_comma``,
    '1.234,50' into a double (NULL if not a number)."""
    if decimal_comma:
        cleaned = f"replace(regexp_replace({_clean_sql(column)}, '[.¥$€£元\\s]', '', 'g'), ',', '.')"
    else:
        cleaned = f"regexp_replace({_clean_sql(column)}, '[,¥$€£元\\s]', '', 'g')"
    return (
        f"case when regexp_matches({cleaned}, '^\\(.*\\)$') "
        f"then -try_cast(trim({cleaned}, '()') as double) else try_cast({cleaned} as double) end"
    )


def _date_sql(column: str, date_order: str | None) -> str:
    """SQL reading a date written as ISO, 2024/1/5, 2024年1月5日, 20240105, a date and time, an
    Excel serial number (45296) or Unix seconds; 05/01/2024 only with a chosen ``date_order``."""
    text = _clean_sql(column)
    formats = ", ".join(f"'{f}'" for f in _YEAR_FIRST + _DAY_FIRST.get(date_order or "", []))
    return (
        f"coalesce(try_cast({text} as date), try_cast({text} as timestamp)::date, "
        f"try_strptime({text}, [{formats}])::date, "
        # Excel stores dates as days since 1899-12-30: 5 digits cover 1927 to 2173.
        f"case when regexp_full_match({text}, '\\d{{5}}(\\.\\d+)?') "
        f"then date '1899-12-30' + cast(floor({text}::double) as integer) end, "
        f"case when regexp_full_match({text}, '1\\d{{9}}') then to_timestamp({text}::bigint)::date end)"
    )


def _id_sql(column: str) -> str:
    # Ids are text; an id exported as a float ('17850.0') becomes '17850'.
    return f"nullif(regexp_replace({_clean_sql(column)}, '^(\\d+)\\.0+$', '\\1'), '')"


def unique_headers(raw: list[str | None]) -> list[str]:
    """Header names as shown and mapped: trimmed, an empty one named by its position, a repeat
    (also one differing only by case) numbered, so that every column has its own name."""
    headers: list[str] = []
    used: set[str] = set()
    for position, value in enumerate(raw, start=1):
        base = re.sub(r"\s+", " ", (value or "").replace("\ufeff", "")).strip() or f"column {position}"
        name, copy = base, 1
        while name.casefold() in used:
            copy += 1
            name = f"{base} ({copy})"
        used.add(name.casefold())
        headers.append(name)
    return headers


def _stage(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> list[str]:
    """Read a prepared file into the temp table ``staging`` (line, c1..cN, every column as text),
    and rows DuckDB cannot split into the right number of fields into ``unreadable`` (line,
    reason, raw). Return the column names (the header row, or 'column 1'... without one)."""
    path = str(prepared.path)
    try:
        if prepared.format == "parquet":
            described = con.execute("describe select * from read_parquet($path)", {"path": path}).fetchall()
            names = [row[0] for row in described]
            columns = ", ".join(f"{quote_identifier(n)}::varchar as c{i}" for i, n in enumerate(names, start=1))
            con.execute(
                f"create or replace temp table staging as select row_number() over () as line, {columns} "
                "from read_parquet($path)",
                {"path": path},
            )
            con.execute("create or replace temp table unreadable (line bigint, reason varchar, raw varchar)")
            return unique_headers(names)
        options = {"path": path, "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES}
        reader = f"read_csv($path, header = false, all_varchar = true, delim = $delim, {_QUOTING}"
        # The columns named c1..cN in the one statement that reads the file (a rename per column
        # would make the work grow with the square of the columns).
        names = [
            row[0] for row in con.execute(f"describe select * from {reader}, ignore_errors = true)", options).fetchall()
        ]
        columns = ", ".join(f"{quote_identifier(n)} as c{i}" for i, n in enumerate(names, start=1))
        con.execute(
            f"create or replace temp table staging as select row_number() over () as line, {columns} "
            f"from {reader}, store_rejects = true)",
            options,
        )
    except STOPPED:
        raise
    except duckdb.Error as error:
        # The technical text goes to the log (never the path the file was saved under).
        logger.info("%s could not be read as a table: %s", prepared.name, str(error).replace(path, prepared.name))
        raise ImportProblem(t("import.unreadable_table", name=prepared.name)) from error
    con.execute(
        "create or replace temp table unreadable as select line, "
        "case when any_value(error_type) in ('MISSING COLUMNS', 'TOO MANY COLUMNS') "
        "then 'wrong number of fields' else 'unreadable text' end as reason, any_value(csv_line) as raw "
        "from reject_errors group by line"
    )
    con.execute("delete from reject_errors; delete from reject_scans")
    if con.execute("select count(*) from unreadable").fetchone() != (0,):
        # Rows DuckDB set aside leave gaps: number the rows read by the lines that remain.
        con.execute(
            "create or replace temp table staging as "
            "with total as (select (select count(*) from staging) + (select count(*) from unreadable) as n), "
            "kept as (select line, row_number() over (order by line) as record from range(1, "
            "(select n from total) + 1) lines(line) where line not in (select line from unreadable)) "
            "select kept.line, staging.* exclude (line) from staging join kept on staging.line = kept.record"
        )
    if not prepared.header:
        return [f"column {position}" for position in range(1, len(names) + 1)]
    first = con.execute("select * exclude (line) from staging where line = 1").fetchone()
    if first is None:
        raise ImportProblem(t("import.header_split", name=prepared.name))
    con.execute("delete from staging where line = 1")
    return unique_headers(list(first))


def _sample(con: duckdb.DuckDBPyConnection) -> list[list[str | None]]:
    """The first 200 staged rows, to guess roles from the values."""
    rows = con.execute("select * exclude (line) from staging order by line limit 200").fetchall()
    return [list(row) for row in rows]


def _column(headers: list[str], header: str) -> str:
    return f"c{headers.index(header) + 1}"


def _date_evidence(con: duckdb.DuckDBPyConnection, column: str) -> DateEvidence:
    text = _clean_sql(column)
    first = f"try_cast(regexp_extract({text}, '{_SLASHED_DATE}', 1) as integer)"
    second = f"try_cast(regexp_extract({text}, '{_SLASHED_DATE}', 2) as integer)"
    row = con.execute(
        f"select count(*) filter (where regexp_matches({text}, '{_SLASHED_DATE}')), "
        f"min({text}) filter (where {first} > 12 and {second} <= 12), "
        f"min({text}) filter (where {second} > 12 and {first} <= 12) from staging"
    ).fetchone()
    assert row is not None
    return DateEvidence(int(row[0]), row[1], row[2])


def combined_evidence(evidence: list[DateEvidence | None]) -> DateEvidence:
    """The evidence of several date columns of one file taken together (None: a column without
    dates like 05/01/2024)."""
    evidence = [e for e in evidence if e is not None]
    return DateEvidence(
        sum(e.slashed for e in evidence),
        next((e.day_first_example for e in evidence if e.day_first_example), None),
        next((e.month_first_example for e in evidence if e.month_first_example), None),
    )


def inspect_file(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> FileInspection:
    """Look at a prepared file before loading: columns, roles, preview, day/month evidence. Reads
    the first rows; the whole file only to count its rows and, when the first rows hold dates
    like 05/01/2024, to find a date that decides their order (so a large file opens quickly)."""
    try:
        headers, sample = _read_sample(con, prepared)
    except STOPPED:
        raise
    except duckdb.Error:
        headers, sample = [], []  # e.g. rows of different widths at the start: the text path copes
    slashed = re.compile(_SLASHED_DATE)
    needs_scan = not headers or any(
        share_matching([row[i] or "" for row in sample], slashed) > 0 for i in range(len(headers))
    )
    if not needs_scan:
        found = detect(headers, sample, table)
        candidates = _dimension_candidates(headers, sample, found.mapping)
        return FileInspection(
            headers,
            found.mapping,
            sample[:5],
            _count_rows(con, prepared),
            {},
            candidates,
            found.evidence,
            guess_table(headers, sample),
        )
    headers = _stage(con, prepared)
    try:
        sample = _sample(con)
        found = detect(headers, sample, table)
        evidence = {
            header: _date_evidence(con, f"c{position}")
            for position, header in enumerate(headers, start=1)
            if share_matching([row[position - 1] or "" for row in sample], slashed) > 0
        }
        counted = con.execute("select (select count(*) from staging) + (select count(*) from unreadable)").fetchone()
        candidates = _dimension_candidates(headers, sample, found.mapping)
        return FileInspection(
            headers,
            found.mapping,
            sample[:5],
            int(counted[0]) if counted else 0,
            evidence,
            candidates,
            found.evidence,
            guess_table(headers, sample),
        )
    finally:
        con.execute("drop table if exists staging; drop table if exists unreadable")


def _count_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> int:
    """Rows of a file, header excluded (rows of the wrong width included: they are read, then
    rejected)."""
    path = {"path": str(prepared.path)}
    if prepared.format == "parquet":
        counted = con.execute("select count(*) from read_parquet($path)", path).fetchone()
        return int(counted[0]) if counted else 0
    counted = con.execute(
        "select count(*) from read_csv($path, header = $header, all_varchar = true, delim = $delim, "
        f"{_QUOTING}, store_rejects = true)",
        {**path, "header": prepared.header, "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES},
    ).fetchone()
    try:
        rejected = con.execute("select count(distinct line) from reject_errors").fetchone()
        con.execute("delete from reject_errors; delete from reject_scans")
    except duckdb.CatalogException:
        rejected = (0,)  # DuckDB made no reject tables: nothing was rejected
    return (int(counted[0]) if counted else 0) + (int(rejected[0]) if rejected else 0)


def _dimension_candidates(headers: list[str], sample: list[list[str | None]], mapping: dict[str, str]) -> list[str]:
    """Unmapped columns of words with a few repeated values (a city, a store), not of numbers,
    dates or ids: worth keeping as filters."""
    mapped = set(mapping.values())
    candidates = []
    for position, header in enumerate(headers):
        if header in mapped:
            continue
        filled = [value for value in (row[position] or "" for row in sample) if value.strip()]
        if not filled or share_matching(filled, NUMBER_PATTERN) > 0.5 or share_matching(filled, DATE_PATTERN) > 0.5:
            continue
        distinct = len(set(filled))
        if 1 < distinct <= 50 and distinct <= len(filled) / 2:
            candidates.append(header)
    return candidates


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: PreparedFile | Path,
    table: str,
    mapping: dict[str, str] | None = None,
    name: str | None = None,
    date_order: str | None = None,
    exclude_returns: bool = False,
    extra_columns: list[str] | None = None,
) -> LoadResult:
    """Append the rows of a prepared file to ``orders`` or ``customers``. ``mapping`` (role ->
    column name) defaults to what the headers and values suggest; ``date_order`` ('dmy' or 'mdy')
    reads dates like 05/01/2024 and is needed when the data does not decide it. Returns
    (negative amount or quantity, or a cancelled invoice 'C536379') stay as negative revenue
    unless ``exclude_returns``, which rejects them with that reason. ``extra_columns`` (unmapped
    column names) are kept in ``extra_dimensions`` for filtering."""
    if table not in REQUIRED_ROLES:
        raise ValueError(f"Unknown table {table!r}")
    prepared = source if isinstance(source, PreparedFile) else PreparedFile(source, source.name, _format_of(source))
    shown = name or prepared.name
    fast = _load_typed(con, prepared, shown, table, mapping, exclude_returns, extra_columns or [])
    if fast is not None:
        if table == "orders":
            if prepared.format == "parquet":
                source, params = "read_parquet($path)", {"path": str(prepared.path)}
            else:
                source = (
                    f"read_csv($path, header = $header, all_varchar = true, delim = $delim, {_QUOTING}, "
                    "ignore_errors = true)"
                )
                params = {
                    "path": str(prepared.path),
                    "header": prepared.header,
                    "delim": prepared.delimiter,
                    "max_line_size": MAX_LINE_BYTES,
                }
            names = [row[0] for row in con.execute(f"describe select * from {source}", params).fetchall()]
            _record_repeated_rows(con, shown, source, [quote_identifier(n) for n in names], params)
        return fast
    headers = _stage(con, prepared)
    try:
        result = _convert(con, prepared, shown, headers, table, mapping, date_order, exclude_returns)
        for column in extra_columns or []:
            if column in headers and column not in result.mapping.values():
                con.execute(
                    f"insert into extra_dimensions select {_id_sql(_column(headers, result.mapping['customer_id']))}, "
                    f"$dimension, nullif({_clean_sql(_column(headers, column))}, '') from checked "
                    "where problem is null",
                    {"dimension": column},
                )
        if table == "orders":
            columns = [f"c{position}" for position in range(1, len(headers) + 1)]
            _record_repeated_rows(con, shown, "(select * from checked where problem is null)", columns, {})
        return result
    finally:
        con.execute("drop table if exists staging; drop table if exists checked; drop table if exists unreadable")


def _record_repeated_rows(
    con: duckdb.DuckDBPyConnection, file: str, source: str, columns: list[str], params: dict[str, object]
) -> None:
    """Count the loaded rows of ``source`` identical to an earlier one in every column of the file
    (different products of one invoice are different rows) into ``repeated_rows``. The rows are
    hashed first; only when some hash repeats are the rows themselves compared, so the count is
    exact and a file without repeats is read once."""
    listed = ", ".join(columns)
    counted = con.execute(f"select count(*), count(distinct hash({listed})) from {source}", params).fetchone()
    if counted is None or counted[0] == counted[1]:
        return
    con.execute(
        "insert into repeated_rows select $file, sum(copies - 1), left(arg_max(example, copies), 200) from ("
        f"select count(*) as copies, concat_ws(',', {listed}) as example from {source} "
        f"group by {listed} having count(*) > 1) having sum(copies - 1) > 0",
        {**params, "file": file},
    )


# Values the typed reader takes as they are; a sample with anything else takes the text path.
_PLAIN = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "double": re.compile(r"^-?\d+(\.\d+)?$"),
    "varchar": re.compile(r"^[^\uff00-\uffef\u3000]*$"),  # no full-width forms to translate
}
_FLOAT_ID = re.compile(r"^\d+\.0+$")


def _read_sample(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> tuple[list[str], list[list[str | None]]]:
    """The column names and the first 200 rows as text, read from the start of the file only."""
    if prepared.format == "parquet":
        path = {"path": str(prepared.path)}
        described = con.execute("describe select * from read_parquet($path)", path).fetchall()
        rows = con.execute("select columns(*)::varchar from read_parquet($path) limit 200", path).fetchall()
        return unique_headers([row[0] for row in described]), [list(row) for row in rows]
    rows = con.execute(
        f"select * from read_csv($path, header = false, all_varchar = true, delim = $delim, {_QUOTING}) limit 201",
        {"path": str(prepared.path), "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES},
    ).fetchall()
    if not prepared.header:
        return [f"column {i}" for i in range(1, len(rows[0]) + 1)] if rows else [], [list(r) for r in rows[:200]]
    return unique_headers(list(rows[0])) if rows else [], [list(row) for row in rows[1:]]


def _load_typed(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    shown: str,
    table: str,
    mapping: dict[str, str] | None,
    exclude_returns: bool,
    extra_columns: list[str],
) -> LoadResult | None:
    """The fast path for a clean file (a large export, a data team's Parquet): read the mapped
    columns with their types in one pass, without the text staging. Taken only when a sample
    shows ISO dates, plain numbers and ids without full-width forms; it gives up (None: the text
    path decides) when any date or number cannot be taken as it is or a required value is
    missing, so both paths load the same rows. (Ids are trimmed; a full-width id after the
    sample stays as written.)"""
    if prepared.format not in ("csv", "parquet") or prepared.decimal_comma:
        return None
    try:
        headers, sample = _read_sample(con, prepared)
    except STOPPED:
        raise
    except duckdb.Error:
        return None
    if not sample:
        return None
    if mapping is None:
        mapping = detect(headers, sample, table).mapping
    mapping = {role: column for role, column in mapping.items() if column in headers}
    columns = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
    if any(role not in mapping for role in REQUIRED_ROLES[table]):
        return None
    for role, header in mapping.items():
        values = [row[headers.index(header)] for row in sample]
        filled = [value for value in values if value not in (None, "")]
        pattern = _PLAIN[columns[role]]
        if not all(pattern.match(value) for value in filled) or (role == "customer_id" and len(filled) < len(values)):
            return None
        if role == "customer_id" and any(_FLOAT_ID.match(value) for value in filled):
            return None
    path = {"path": str(prepared.path)}
    types = {f"c{i}": "varchar" for i in range(1, len(headers) + 1)}
    for role, header in mapping.items():
        types[_column(headers, header)] = columns[role]
    if prepared.format == "parquet":
        names = [row[0] for row in con.execute("describe select * from read_parquet($path)", path).fetchall()]
        selected = ", ".join(f"cast({quote_identifier(n)} as {types[f'c{i}']}) as c{i}" for i, n in enumerate(names, 1))
        source = f"(select {selected} from read_parquet($path))"
        params: dict[str, object] = path
    else:
        struct = "{" + ", ".join(f"'{name}': '{sql_type}'" for name, sql_type in types.items()) + "}"
        source = (
            f"read_csv($path, header = $header, delim = $delim, {_QUOTING}, columns = {struct}, store_rejects = true)"
        )
        params = {**path, "header": prepared.header, "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES}
    column = {role: _column(headers, header) for role, header in mapping.items()}
    # Ids trimmed (they join the tables); other text as written.
    expressions = {
        role: (f"nullif(trim({c}), '')" if role == "customer_id" else f"nullif({c}, '')")
        if columns[role] == "varchar"
        else c
        for role, c in column.items()
    }
    selected = ", ".join(f"{expressions.get(role, 'null')}::{t} as {role}" for role, t in columns.items())
    counted = con.execute(f"select count(*) from {table}").fetchone()
    before = int(counted[0]) if counted else 0
    # Straight into the table in one pass, undone if any row needs the text path.
    con.execute("begin transaction")
    try:
        con.execute(f"insert into {table} select {selected} from {source}", params)
        rows = _count(con, f"select count(*) from {table} where rowid >= {before}")
        unreadable = 0 if prepared.format == "parquet" else _count(con, "select count(*) from reject_errors")
        required = " or ".join(f"{role} is null" for role in REQUIRED_ROLES[table])
        missing = _count(con, f"select count(*) from {table} where rowid >= {before} and ({required})")
        ranged = [_out_of_range_sql(role, columns[role]) for role in mapping if columns[role] in ("date", "double")]
        if ranged and not missing:
            # Any value outside the range of real data: the text path rejects it with its reason.
            outside = f"select count(*) from {table} where rowid >= {before} and ({' or '.join(ranged)})"
            missing = int(con.execute(outside, _bound(outside, _date_range())).fetchone()[0])  # type: ignore[index]
        returns = 0
        if table == "orders":
            _negate_returns(con, before, "quantity" in mapping, "order_id" in mapping)
            returns = _count(con, f"select count(*) from orders where rowid >= {before} and amount < 0")
        if rows == 0 or unreadable or missing or (returns and exclude_returns):
            con.execute("rollback")
            return None  # the text path finds and explains every problem row
        for extra in extra_columns:
            if extra in headers and extra not in mapping.values():
                con.execute(
                    f"insert into extra_dimensions select {expressions['customer_id']}, $dimension, "
                    f"nullif(trim({_column(headers, extra)}), '') from {source}",
                    {**params, "dimension": extra},
                )
        con.execute("commit")
    except duckdb.Error as error:
        con.execute("rollback")
        if isinstance(error, STOPPED):
            raise
        return None
    finally:
        if prepared.format != "parquet":
            with contextlib.suppress(duckdb.CatalogException):
                con.execute("delete from reject_errors; delete from reject_scans")
    return LoadResult(shown, table, rows, rows, 0, dict(mapping), None, returns)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    counted = con.execute(sql).fetchone()
    return int(counted[0]) if counted else 0


def _negate_returns(con: duckdb.DuckDBPyConnection, first_row: int, has_quantity: bool, has_order_id: bool) -> None:
    """Make the amount of returns negative among the orders appended from ``first_row`` on: a
    negative quantity, or an invoice number marked as cancelled (see ``_return_sql``)."""
    conditions = ["quantity < 0"] if has_quantity else []
    if has_order_id:
        marked = _count(con, f"select count(*) from orders where rowid >= {first_row} and order_id ilike 'c%'")
        if marked:
            plain = _count(
                con, f"select count(*) from orders where rowid >= {first_row} and regexp_full_match(order_id, '\\d+')"
            )
            if plain > marked:
                conditions.append("regexp_full_match(order_id, '[Cc]\\d+')")
    if conditions:
        con.execute(
            f"update orders set amount = -abs(amount) where rowid >= {first_row} and amount > 0 "
            f"and ({' or '.join(conditions)})"
        )


def _format_of(path: Path) -> str:
    return "parquet" if path.suffix == ".parquet" else "csv"


def _convert(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    shown: str,
    headers: list[str],
    table: str,
    mapping: dict[str, str] | None,
    date_order: str | None,
    exclude_returns: bool,
) -> LoadResult:
    if mapping is None:
        sample = _sample(con)
        mapping = detect(headers, sample, table).mapping
    mapping = {role: column for role, column in mapping.items() if column in headers}
    computed_amount = table == "orders" and "amount" not in mapping and {"quantity", "unit_price"} <= mapping.keys()
    missing = [
        role for role in REQUIRED_ROLES[table] if role not in mapping and not (role == "amount" and computed_amount)
    ]
    if missing:
        roles = ", ".join(t(f"role.{role}") for role in missing)
        raise ImportProblem(t("import.missing_roles", name=shown, roles=roles, columns=", ".join(headers)))
    rows_staged = con.execute("select count(*) from staging").fetchone()
    unreadable = con.execute("select count(*) from unreadable").fetchone()
    if rows_staged == (0,) and unreadable == (0,):
        raise ImportProblem(t("import.no_rows", name=shown))
    columns = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
    date_roles = [role for role, sql_type in columns.items() if sql_type == "date" and role in mapping]
    evidence = combined_evidence([_date_evidence(con, _column(headers, mapping[role])) for role in date_roles])
    if evidence.slashed:
        date_order = date_order or evidence.decided
        if date_order is None:
            example = con.execute(
                f"select min({_clean_sql(_column(headers, mapping[date_roles[0]]))}) from staging "
                f"where regexp_matches({_clean_sql(_column(headers, mapping[date_roles[0]]))}, '{_SLASHED_DATE}')"
            ).fetchone()
            raise ImportProblem(t("import.date_order", name=shown, example=example[0] if example else "05/01/2024"))
    elif date_order not in (None, *DATE_ORDERS):
        raise ValueError(f"Unknown date order {date_order!r}")
    decimal_comma = prepared.decimal_comma
    open_ended = "false"  # SQL true for a churn date after the range, read as none
    expressions: dict[str, str] = {}
    checks: list[tuple[str, str, str]] = []  # (role, condition for a bad value, reason)
    for role, sql_type in columns.items():
        if role not in mapping:
            continue
        source = _column(headers, mapping[role])
        if role == "customer_id":
            expressions[role] = _id_sql(source)
            checks.append((role, f"{expressions[role]} is null", "missing customer id"))
        elif sql_type == "date":
            expressions[role] = _date_sql(source, date_order)
            bad = f"{expressions[role]} is null"
            if role != "order_date":
                bad = f"nullif(trim({source}), '') is not null and {bad}"
            checks.append((role, bad, "unparseable date"))
            if role == "churn_date":
                parsed = expressions[role]
                checks.append((role, f"{parsed} < $earliest_date::date", DATE_OUT_OF_RANGE))
                open_ended = f"{parsed} > $latest_date::date"
                expressions[role] = f"case when {open_ended} then null else {parsed} end"
            else:
                checks.append((role, _out_of_range_sql(expressions[role], sql_type), DATE_OUT_OF_RANGE))
        elif sql_type == "double":
            expressions[role] = _number_sql(source, decimal_comma)
            bad = f"{expressions[role]} is null"
            if role != "amount":
                bad = f"nullif(trim({source}), '') is not null and {bad}"
            checks.append((role, bad, "not a number"))
            checks.append((role, _out_of_range_sql(expressions[role], sql_type), NUMBER_OUT_OF_RANGE))
        else:
            expressions[role] = f"nullif({_clean_sql(source)}, '')"
    if computed_amount:
        # No amount column: quantity x unit price.
        expressions["amount"] = f"({expressions['quantity']}) * ({expressions['unit_price']})"
        checks.append(("amount", f"{expressions['amount']} is null", "not a number"))
        checks.append(("amount", _out_of_range_sql(expressions["amount"], "double"), NUMBER_OUT_OF_RANGE))
    if table == "orders":
        is_return = _return_sql(con, expressions)
        if exclude_returns:
            checks.append(("amount", is_return, RETURN_EXCLUDED))
        else:
            amount = expressions["amount"]
            expressions["amount"] = f"case when {is_return} then -abs({amount}) else {amount} end"
    else:
        is_return = "false"
    first_problem = " ".join(f"when {condition} then '{role}\t{reason}'" for role, condition, reason in checks)
    checked_sql = (
        f"create or replace temp table checked as select *, case {first_problem} else null end as problem, "
        f"coalesce({is_return}, false) as is_return, {open_ended} as is_open_ended from staging"
    )
    con.execute(checked_sql, _bound(checked_sql, _date_range()))
    raw = ", ".join(f"coalesce(c{i}, '')" for i in range(1, len(headers) + 1))
    con.execute(
        "insert into rejects "
        f"select $file, line, split_part(problem, '\t', 1), split_part(problem, '\t', 2), concat_ws(',', {raw}) "
        "from checked where problem is not null "
        "union all select $file, line, '', reason, raw from unreadable order by 2",
        {"file": shown},
    )
    selected = ", ".join(f"{expressions.get(role, 'null')}::{sql_type} as {role}" for role, sql_type in columns.items())
    insert = f"insert into {table} select {selected} from checked where problem is null order by line"
    con.execute(insert, _bound(insert, _date_range()))
    counts = con.execute(
        "select count(*) + (select count(*) from unreadable), count(problem) + (select count(*) from unreadable), "
        "count(*) filter (where is_return and problem is null), "
        "count(*) filter (where is_open_ended and problem is null) from checked"
    ).fetchone()
    assert counts is not None
    rows_read, rows_rejected, returns, open_ends = (int(value) for value in counts)
    rows_loaded = rows_read - rows_rejected
    return LoadResult(
        shown, table, rows_read, rows_loaded, rows_rejected, dict(mapping), date_order, returns, open_ends
    )


def _return_sql(con: duckdb.DuckDBPyConnection, expressions: dict[str, str]) -> str:
    """SQL true for a return or cancellation: a negative amount or quantity, or an invoice number
    marked as cancelled ('C' + the digits of a plain invoice number, as in many ERP exports)."""
    conditions = [f"{expressions['amount']} < 0"]
    if "quantity" in expressions:
        conditions.append(f"{expressions['quantity']} < 0")
    if "order_id" in expressions:
        order_id = expressions["order_id"]
        marked, plain = con.execute(
            f"select count(*) filter (where regexp_full_match({order_id}, '[Cc]\\d+')), "
            f"count(*) filter (where regexp_full_match({order_id}, '\\d+')) from staging"
        ).fetchone() or (0, 0)
        # Only when most invoice numbers are plain digits does a leading C mark a cancellation.
        if marked and plain > marked:
            conditions.append(f"regexp_full_match({order_id}, '[Cc]\\d+')")
    return "(" + " or ".join(f"coalesce({c}, false)" for c in conditions) + ")"


def load_files(
    con: duckdb.DuckDBPyConnection,
    order_files: list[Path | PreparedFile],
    customer_files: list[Path | PreparedFile] | None = None,
) -> list[LoadResult]:
    """Replace the session's dataset by the given files (roles detected)."""
    create_canonical_tables(con)
    results = [load_file(con, source, "orders") for source in order_files]
    results += [load_file(con, source, "customers") for source in customer_files or []]
    return results


def load_demo(con: duckdb.DuckDBPyConnection) -> list[LoadResult]:
    """Load the committed demo dataset (``data/demo_orders.csv`` and ``data/demo_customers.csv``)."""
    return load_files(con, [DATA_DIR / "demo_orders.csv"], [DATA_DIR / "demo_customers.csv"])
