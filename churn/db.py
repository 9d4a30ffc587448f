"""The one place that opens DuckDB, runs the SQL files in ``queries/`` and explains errors.

Every browser session, the report command and the tests get their own connection from
``open_connection``: an in-memory database with external access limited to the folders it
is given, no extension auto-install, bounded memory and threads, and its configuration
locked so that no query can loosen it.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DATA_DIR = PROJECT_ROOT / "data"

# Enough for the tables of 10M order lines (~2 GB) without spilling; beyond, DuckDB spills to disk.
DEFAULT_MEMORY_LIMIT = "3GB"
DEFAULT_THREADS = 2

# The view's customer filter, used by every filtered query in queries/: a customer is kept when
# their tier is among $tiers and their value of $filter_dimension (region, channel, category,
# segment, or an extra dimension kept from the file) among $filter_values; empty lists keep all.
KEPT_MACRO = """
create macro is_kept(tier, region, channel, category, segment, extra, tiers, dimension, selected) as
    (len(tiers) = 0 or list_contains(tiers, tier))
    and (len(selected) = 0 or list_contains(selected, case dimension
        when 'region' then region when 'channel' then channel when 'category' then category
        when 'segment' then segment else extra[dimension] end))
"""

# The periods of a grain ('month' | 'quarter' | 'year') from the one holding first_date to the
# one holding as_of, [period_start, period_end): the period list of every query by period.
PERIODS_MACRO = """
create macro period_list(grain, first_date, as_of) as table
    select period_start::date as period_start, (period_start + period_length)::date as period_end
    from (
        select
            unnest(generate_series(date_trunc(grain, first_date), date_trunc(grain, as_of), period_length))
                as period_start,
            period_length
        from (
            select case grain
                when 'month' then interval 1 month
                when 'quarter' then interval 3 month
                when 'year' then interval 1 year
            end as period_length
        )
    )
"""

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(Exception):
    """A DuckDB error turned into a message a user can act on."""

    def __init__(self, message: str, hint: str, original: Exception | None = None) -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint
        self.original = original


def open_connection(
    readable_dirs: list[Path] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> duckdb.DuckDBPyConnection:
    """Open a private, hardened in-memory DuckDB connection.

    Only files below ``readable_dirs`` can be read by SQL (the demo ``data/`` folder by
    default); the configuration is locked afterwards.
    """
    dirs = [DATA_DIR] if readable_dirs is None else readable_dirs
    con = duckdb.connect(
        ":memory:",
        config={
            # No implicit scans of Python variables (a query must never see another
            # session's DataFrame by name).
            "python_enable_replacements": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": memory_limit,
            "threads": threads,
            # Where DuckDB spills what does not fit in memory (a 30M-line file): a folder of
            # this connection's own under the system's temp dir, not the working directory.
            "temp_directory": str(Path(tempfile.gettempdir()) / f"churn-duckdb-{uuid.uuid4().hex}"),
        },
    )
    allowed = [str(Path(d).resolve()) + "/" for d in dirs]
    con.execute(KEPT_MACRO)
    con.execute(PERIODS_MACRO)
    con.execute("set allowed_directories = $dirs", {"dirs": allowed})
    con.execute("set enable_external_access = false")
    con.execute("set enable_progress_bar = false")  # nothing written to the server's terminal
    con.execute("set lock_configuration = true")
    return con


@cache
def load_sql(name: str) -> str:
    """The text of ``queries/<name>.sql``; ``name`` must be a plain file stem."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"Not a query name: {name!r}")
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def query_parameters(sql: str) -> set[str]:
    """Names of the ``$parameters`` a SQL text uses."""
    return set(_PARAMETER.findall(sql))


def _bind(sql: str, params: dict[str, Any] | None) -> dict[str, Any]:
    wanted = query_parameters(sql)
    given = params or {}
    missing = wanted - given.keys()
    if missing:
        raise ValueError(f"Missing query parameters: {', '.join(sorted(missing))}")
    return {key: given[key] for key in wanted}


def run_query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run ``queries/<name>.sql`` with its named parameters bound; return a DataFrame."""
    sql = load_sql(name)
    try:
        return con.execute(sql, _bind(sql, params)).df()
    except duckdb.Error as error:
        raise translate_error(error, name) from error


def build_table(con: duckdb.DuckDBPyConnection, table: str, name: str, params: dict[str, Any] | None = None) -> None:
    """(Re)create ``table`` from the result of ``queries/<name>.sql``."""
    _write_result(con, f"create or replace table {quote_identifier(table)} as", name, params)


def append_rows(con: duckdb.DuckDBPyConnection, table: str, name: str, params: dict[str, Any] | None = None) -> None:
    """Insert the result of ``queries/<name>.sql`` into ``table`` (columns by name)."""
    _write_result(con, f"insert into {quote_identifier(table)} by name", name, params)


def _write_result(con: duckdb.DuckDBPyConnection, statement: str, name: str, params: dict[str, Any] | None) -> None:
    sql = load_sql(name)
    try:
        con.execute(f"{statement} {sql}", _bind(sql, params))
    except duckdb.Error as error:
        raise translate_error(error, name) from error


def quote_identifier(name: str) -> str:
    """Quote a SQL identifier (double quotes doubled inside)."""
    return '"' + name.replace('"', '""') + '"'


def translate_error(error: Exception, context: str) -> QueryError:
    """Turn a DuckDB exception into a short message and a hint on what to do."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, duckdb.OutOfMemoryException):
        return QueryError(
            f"The computation '{context}' ran out of memory.",
            "Try a shorter date range or a smaller file.",
            error,
        )
    if isinstance(error, duckdb.InterruptException):
        return QueryError(
            f"The computation '{context}' was stopped.", "It took too long; try again with less data.", error
        )
    if isinstance(error, duckdb.PermissionException):
        return QueryError(
            "That file cannot be read here.",
            "Upload the file through the Data page instead of naming a path.",
            error,
        )
    if isinstance(error, duckdb.ConversionException):
        return QueryError(f"A value could not be converted in '{context}': {text}", "Check the column mapping.", error)
    return QueryError(
        f"The computation '{context}' failed: {text}", "If this persists, report it with the file you used.", error
    )
