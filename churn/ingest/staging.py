"""Reading a prepared file as text: its first rows, its row count, the temp tables ``staging``
(line, c1…cN: every column as text under its position, so no header text reaches SQL) and
``unreadable`` (rows DuckDB cannot split or decode), and the count of repeated rows."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Sequence

import duckdb

from churn.db import load_sql, quote_identifier
from churn.sources import ImportProblem, PreparedFile

logger = logging.getLogger(__name__)
# Errors that end an import (the time limit, the session's end, memory): never taken as a sign
# that the file needs another way of reading.
STOPPED = (duckdb.InterruptException, duckdb.OutOfMemoryException)
# A line of a text file may hold up to this many bytes (a long note pasted into a cell); DuckDB's
# default, 2 MB, would make a file with one longer line unreadable as a whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
# How every read_csv of a prepared text file quotes (bind $max_line_size to MAX_LINE_BYTES).
QUOTING = "quote = '\"', escape = '\"', max_line_size = $max_line_size"
SAMPLE_ROWS = 200


def unique_headers(raw: Sequence[str | None]) -> list[str]:
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


def positional(headers: list[str], header: str) -> str:
    """The staged name of the column shown as ``header``: c1, c2, …"""
    return f"c{headers.index(header) + 1}"


def count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> int:
    """The one number a ``select count(*) …`` gives."""
    counted = con.execute(sql, params or {}).fetchone()
    return int(counted[0]) if counted else 0


def clear_csv_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the rows the last read_csv set aside (none made yet: nothing to forget)."""
    with contextlib.suppress(duckdb.CatalogException):
        con.execute(load_sql("clear_csv_rejects"))


def csv_params(prepared: PreparedFile) -> dict[str, object]:
    """The parameters of a read_csv of ``prepared`` with $path, $header, $delim and QUOTING."""
    return {
        "path": str(prepared.path),
        "header": prepared.header,
        "delim": prepared.delimiter,
        "max_line_size": MAX_LINE_BYTES,
    }


def read_sample(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> tuple[list[str], list[list[str | None]]]:
    """The column names and the first 200 rows as text, read from the start of the file only."""
    if prepared.format == "parquet":
        path = {"path": str(prepared.path)}
        described = con.execute("describe select * from read_parquet($path)", path).fetchall()
        rows = con.execute(f"select columns(*)::varchar from read_parquet($path) limit {SAMPLE_ROWS}", path).fetchall()
        return unique_headers([row[0] for row in described]), [list(row) for row in rows]
    rows = con.execute(
        f"select * from read_csv($path, header = false, all_varchar = true, delim = $delim, {QUOTING}) "
        f"limit {SAMPLE_ROWS + 1}",
        {"path": str(prepared.path), "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES},
    ).fetchall()
    if not prepared.header:
        names = [f"column {i}" for i in range(1, len(rows[0]) + 1)] if rows else []
        return names, [list(row) for row in rows[:SAMPLE_ROWS]]
    return unique_headers(list(rows[0])) if rows else [], [list(row) for row in rows[1:]]


def try_read_sample(
    con: duckdb.DuckDBPyConnection, prepared: PreparedFile
) -> tuple[list[str], list[list[str | None]]] | None:
    """``read_sample``, or None when DuckDB cannot split the first rows (rows of different widths
    at the start: the text path copes with them); a stopped query still stops."""
    try:
        return read_sample(con, prepared)
    except STOPPED:
        raise
    except duckdb.Error:
        return None


def count_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> int:
    """Rows of a file, header excluded (rows of the wrong width included: they are read, then
    rejected)."""
    if prepared.format == "parquet":
        return count(con, "select count(*) from read_parquet($path)", {"path": str(prepared.path)})
    counted = count(
        con,
        "select count(*) from read_csv($path, header = $header, all_varchar = true, delim = $delim, "
        f"{QUOTING}, store_rejects = true)",
        csv_params(prepared),
    )
    try:
        rejected = count(con, "select count(distinct line) from reject_errors")
        con.execute(load_sql("clear_csv_rejects"))
    except duckdb.CatalogException:
        rejected = 0  # DuckDB made no reject tables: nothing was rejected
    return counted + rejected


def stage(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> list[str]:
    """Read a prepared file into the temp table ``staging`` (line, c1..cN, every column as text),
    and rows DuckDB cannot split into the right number of fields into ``unreadable`` (line,
    reason, raw). Return the column names (the header row, or 'column 1'... without one)."""
    try:
        if prepared.format == "parquet":
            return unique_headers(_stage_parquet(con, prepared))
        names = _stage_csv(con, prepared)
    except STOPPED:
        raise
    except duckdb.Error as error:
        # The technical text goes to the log (never the path the file was saved under).
        path = str(prepared.path)
        logger.info("%s could not be read as a table: %s", prepared.name, str(error).replace(path, prepared.name))
        raise ImportProblem("unreadable_table", name=prepared.name) from error
    _set_aside_unreadable_rows(con)
    if not prepared.header:
        return [f"column {position}" for position in range(1, len(names) + 1)]
    return _take_header_row(con, prepared)


def _stage_parquet(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> list[str]:
    """Stage a Parquet file (whose rows are all readable); return its column names."""
    path = {"path": str(prepared.path)}
    names = [row[0] for row in con.execute("describe select * from read_parquet($path)", path).fetchall()]
    columns = ", ".join(f"{quote_identifier(n)}::varchar as c{i}" for i, n in enumerate(names, start=1))
    con.execute(
        f"create or replace temp table staging as select row_number() over () as line, {columns} "
        "from read_parquet($path)",
        path,
    )
    con.execute(load_sql("unreadable_table"))
    return names


def _stage_csv(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> list[str]:
    """Stage a text file, the header row as line 1; return DuckDB's names of its columns."""
    options = {"path": str(prepared.path), "delim": prepared.delimiter, "max_line_size": MAX_LINE_BYTES}
    reader = f"read_csv($path, header = false, all_varchar = true, delim = $delim, {QUOTING}"
    # The columns named c1..cN in the one statement that reads the file (a rename per column
    # would make the work grow with the square of the columns).
    described = con.execute(f"describe select * from {reader}, ignore_errors = true)", options).fetchall()
    names = [row[0] for row in described]
    columns = ", ".join(f"{quote_identifier(n)} as c{i}" for i, n in enumerate(names, start=1))
    con.execute(
        f"create or replace temp table staging as select row_number() over () as line, {columns} "
        f"from {reader}, store_rejects = true)",
        options,
    )
    return names


def _set_aside_unreadable_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Move the rows the read set aside into ``unreadable`` and number the staged rows by the
    lines of the file they come from."""
    con.execute(load_sql("unreadable_table"))
    con.execute(load_sql("unreadable_rows"))
    con.execute(load_sql("clear_csv_rejects"))
    if count(con, "select count(*) from unreadable"):
        con.execute(load_sql("renumber_staged_rows"))


def _take_header_row(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> list[str]:
    """Remove the header row (line 1) from ``staging``; return its names made unique."""
    first = con.execute("select * exclude (line) from staging where line = 1").fetchone()
    if first is None:
        raise ImportProblem("header_split", name=prepared.name)
    con.execute("delete from staging where line = 1")
    return unique_headers(list(first))


def staged_sample(con: duckdb.DuckDBPyConnection) -> list[list[str | None]]:
    """The first 200 staged rows, to guess roles from the values."""
    rows = con.execute(f"select * exclude (line) from staging order by line limit {SAMPLE_ROWS}").fetchall()
    return [list(row) for row in rows]


def staged_row_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(rows staged, rows unreadable)."""
    staged, unreadable = con.execute(load_sql("staged_row_counts")).fetchone() or (0, 0)
    return int(staged), int(unreadable)


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp tables of a file read as text."""
    con.execute("drop table if exists staging; drop table if exists checked; drop table if exists unreadable")


def record_repeated_rows(
    con: duckdb.DuckDBPyConnection, file: str, source: str, columns: list[str], params: dict[str, object]
) -> None:
    """Count the loaded rows of ``source`` identical to an earlier one in every column of the file
    (different products of one invoice are different rows) into ``repeated_rows``. The rows are
    hashed first; only when some hash repeats are the rows themselves compared, so the count is
    exact and a file without repeats is read once. ``columns``: positional or quoted names."""
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
