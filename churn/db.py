"""The one place that opens DuckDB, runs the SQL files of ``queries/`` and explains errors.

Every browser session, the report command and the tests get their own connection from
``open_connection``: an in-memory database with external access limited to the folders it
is given, no extension auto-install, bounded memory, threads and spill space. The
configuration of other connections is locked so that no query can loosen it; a browser
session's is left open to one setter, the server's ``MEMORY_BUDGET``, which shares the memory
DuckDB may use among the sessions alive (and no SQL but the program's own ever runs).

Scratch files (a session's uploads, a connection's spill) live in one folder per process,
``<temp>/churn-<pid>``; ``remove_leftover_scratch`` deletes those of processes that are gone (a
server killed mid-upload), when a server or the command line starts.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
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

# The memory of all browser sessions' connections together: this share of the machine, or
# CHURN_MEMORY_BUDGET_MB; a session never gets less than MIN_SESSION_MEMORY_MB.
MEMORY_SHARE = 0.6
MEMORY_BUDGET_ENV = "CHURN_MEMORY_BUDGET_MB"
MIN_SESSION_MEMORY_MB = 256
# A session without a run for CHURN_IDLE_MINUTES gives its memory back: its limit drops to
# IDLE_SESSION_MEMORY_MB, DuckDB moves its tables to the session's temp folder, and the active
# sessions share the budget; its next run gets its share back (the tables are read back as used).
IDLE_MINUTES_ENV = "CHURN_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 15.0
IDLE_SESSION_MEMORY_MB = 32
# What one connection may spill to disk; DuckDB's own default is 90% of the free space.
DEFAULT_SPILL_LIMIT = "20GB"
logger = logging.getLogger(__name__)
SCRATCH_PREFIX = "churn-"

CONNECTION_MACROS = ("parse_values", "period_list")

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


class QueryError(Exception):
    """A DuckDB error turned into a message a user can act on."""

    def __init__(self, message: str, hint: str, original: Exception | None = None) -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint
        self.original = original

    def __reduce__(self) -> tuple[type[QueryError], tuple[str, str]]:
        # Raised in a benchmark's worker process, it must cross back to the parent.
        return (QueryError, (self.message, self.hint))


@cache
def scratch_root() -> Path:
    """This process's folder for scratch files, readable by its user only (made on first use)."""
    root = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{os.getpid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def scratch_dir(kind: str) -> Path:
    """A new folder of this process's scratch folder (``kind`` starts its name)."""
    return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=scratch_root()))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_leftover_scratch() -> list[Path]:
    """Delete the scratch folders of processes that no longer run (uploads and spill files left
    by a killed server); the folders removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX)
        if folder.is_dir() and not folder.is_symlink() and pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def spill_folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Where ``con`` spills what does not fit in memory (None when it has no such folder)."""
    # Asked through a cursor of its own: ``con`` may be busy (a query being interrupted).
    cursor = con.cursor()
    try:
        row = cursor.execute("select current_setting('temp_directory')").fetchone()
    finally:
        cursor.close()
    return Path(str(row[0])) if row and row[0] else None


def machine_memory_bytes() -> int:
    """The machine's physical memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_budget_bytes() -> int:
    """The memory all browser sessions' connections may use together: ``CHURN_MEMORY_BUDGET_MB``,
    or 60% of the machine's memory."""
    configured = os.environ.get(MEMORY_BUDGET_ENV)
    if configured:
        return int(float(configured) * 1_000_000)
    return int(machine_memory_bytes() * MEMORY_SHARE)


def idle_seconds() -> float:
    """How long a session may go without a run before it gives its memory back."""
    return float(os.environ.get(IDLE_MINUTES_ENV) or DEFAULT_IDLE_MINUTES) * 60


class MemoryBudget:
    """The memory DuckDB may use in this process, shared equally by the connections of the
    active browser sessions: each one's ``memory_limit`` is the budget divided by their number
    (at least MIN_SESSION_MEMORY_MB), set again whenever a session starts, ends, goes idle or
    comes back. An idle session (no run for ``idle_seconds``) is held to IDLE_SESSION_MEMORY_MB.
    What does not fit is spilled to the connection's temp folder, never allocated beyond the
    budget."""

    def __init__(self, budget_bytes: int | None = None, idle_after_seconds: float | None = None) -> None:
        self._budget = budget_bytes
        self._idle_after = idle_after_seconds
        self._lock = threading.Lock()
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self._last_run: dict[int, float] = {}  # by id() of the connection
        self._idle: set[int] = set()
        self._sweeper: threading.Thread | None = None

    @property
    def budget_bytes(self) -> int:
        return self._budget if self._budget is not None else memory_budget_bytes()

    @property
    def idle_after_seconds(self) -> float:
        return self._idle_after if self._idle_after is not None else idle_seconds()

    def share_bytes(self, sessions: int) -> int:
        """Each active session's memory limit when ``sessions`` are active."""
        return max(MIN_SESSION_MEMORY_MB * 1_000_000, self.budget_bytes // max(1, sessions))

    def join(self, con: duckdb.DuckDBPyConnection) -> None:
        """Count ``con`` (a session's connection, opened with ``budgeted=True``) in the budget."""
        with self._lock:
            self._connections.append(con)
            self._last_run[id(con)] = time.monotonic()
            self._reshare()
            if self._sweeper is None:
                self._sweeper = threading.Thread(target=self._sweep, name="memory-budget", daemon=True)
                self._sweeper.start()

    def leave(self, con: duckdb.DuckDBPyConnection) -> None:
        """Stop counting ``con`` (before it is closed): the others get its share."""
        with self._lock:
            if any(joined is con for joined in self._connections):
                self._connections = [joined for joined in self._connections if joined is not con]
                self._last_run.pop(id(con), None)
                self._idle.discard(id(con))
                self._reshare()

    def ran(self, con: duckdb.DuckDBPyConnection) -> None:
        """``con``'s session runs (a page, a widget change): an idle session gets its share back."""
        with self._lock:
            if id(con) in self._last_run:
                self._last_run[id(con)] = time.monotonic()
                if id(con) in self._idle:
                    self._idle.discard(id(con))
                    self._reshare()

    def release_idle(self) -> int:
        """Hold the sessions that have gone idle to IDLE_SESSION_MEMORY_MB; how many there are."""
        with self._lock:
            now = time.monotonic()
            idle = {key for key, last in self._last_run.items() if now - last >= self.idle_after_seconds}
            if idle != self._idle:
                self._idle = idle
                self._reshare()
            return len(idle)

    def _sweep(self) -> None:
        while True:
            time.sleep(max(1.0, min(60.0, self.idle_after_seconds / 4)))
            try:
                self.release_idle()
            except duckdb.Error:  # a connection closed without leaving: left out next time
                logger.exception("Could not share the memory budget")
                with self._lock:
                    self._connections = [con for con in self._connections if _is_open(con)]

    def _reshare(self) -> None:
        active = [con for con in self._connections if id(con) not in self._idle]
        share_mb = self.share_bytes(len(active)) // 1_000_000
        for con in self._connections:
            limit_mb = IDLE_SESSION_MEMORY_MB if id(con) in self._idle else share_mb
            # A cursor is a connection of its own to the same database: it sets the database's
            # limit without waiting for what the session's connection is running.
            cursor = con.cursor()
            try:
                cursor.execute(f"set memory_limit = '{int(limit_mb)}MB'")
            finally:
                cursor.close()

    def limits_mb(self) -> list[int]:
        """The memory limit of each connection in the budget, in MB (for tests and the log)."""
        with self._lock:
            limits = []
            for con in self._connections:
                cursor = con.cursor()
                try:
                    row = cursor.execute("select current_setting('memory_limit')").fetchone()
                finally:
                    cursor.close()
                limits.append(_megabytes(str(row[0]) if row else "0 MiB"))
            return limits


def _is_open(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.cursor().close()
    except duckdb.Error:
        return False
    return True


def _megabytes(setting: str) -> int:
    """DuckDB's way of showing a memory size ("286.1 MiB", "1.3 GiB") in MB."""
    number, unit = setting.split()
    factor = {"bytes": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}[unit]
    return round(float(number) * factor / 1_000_000)


# The server's budget, shared by every browser session of the process.
MEMORY_BUDGET = MemoryBudget()


def open_connection(
    readable_dirs: list[Path] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
    budgeted: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open a private, hardened in-memory DuckDB connection.

    Only files below ``readable_dirs`` can be read by SQL (the demo ``data/`` folder by
    default); the configuration is locked afterwards, but for a ``budgeted`` connection (a
    browser session's), whose memory limit MemoryBudget sets as sessions come and go.
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
            # this connection's own in the process's scratch folder, not the working directory.
            "temp_directory": str(scratch_root() / f"spill-{uuid.uuid4().hex}"),
            "max_temp_directory_size": DEFAULT_SPILL_LIMIT,
        },
    )
    allowed = [str(Path(d).resolve()) + "/" for d in dirs]
    for macro in CONNECTION_MACROS:
        con.execute(load_sql(macro))
    con.execute("set allowed_directories = $dirs", {"dirs": allowed})
    con.execute("set enable_external_access = false")
    con.execute("set enable_progress_bar = false")  # nothing written to the server's terminal
    if not budgeted:
        con.execute("set lock_configuration = true")
    return con


def open_database_file(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file of a saved workspace (churn.saved): only the program's own
    statements run on it, it reads no other file, and its configuration is locked."""
    con = duckdb.connect(
        str(path),
        read_only=read_only,
        config={
            "python_enable_replacements": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": DEFAULT_MEMORY_LIMIT,
            "threads": DEFAULT_THREADS,
        },
    )
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


@cache
def query_files() -> dict[str, Path]:
    """Every SQL file of ``queries/`` by its name (the file stem, unique across the folders)."""
    files: dict[str, Path] = {}
    for path in sorted(QUERIES_DIR.glob("*/*.sql")):
        if path.stem in files:
            raise ValueError(f"Two SQL files are named {path.stem}: {files[path.stem]} and {path}")
        files[path.stem] = path
    return files


@cache
def load_sql(name: str) -> str:
    """The text of the SQL file ``name`` (a file stem) in ``queries/``."""
    path = query_files().get(name)
    if path is None:
        raise ValueError(f"Not a query name: {name!r}")
    return path.read_text(encoding="utf-8")


def strip_comments(sql: str) -> str:
    """A SQL text without its ``--`` comments."""
    return _COMMENT.sub("", sql)


def query_parameters(sql: str) -> set[str]:
    """Names of the ``$parameters`` a SQL text uses (its comments left out)."""
    return set(_PARAMETER.findall(_COMMENT.sub("", sql)))


def _bind(sql: str, params: dict[str, Any] | None) -> dict[str, Any]:
    wanted = query_parameters(sql)
    given = params or {}
    missing = wanted - given.keys()
    if missing:
        raise ValueError(f"Missing query parameters: {', '.join(sorted(missing))}")
    return {key: given[key] for key in wanted}


def run_query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run the SQL file ``name`` with its named parameters bound; return a DataFrame."""
    sql = load_sql(name)
    try:
        return con.execute(sql, _bind(sql, params)).df()
    except duckdb.Error as error:
        raise translate_error(error, name) from error


def build_table(con: duckdb.DuckDBPyConnection, table: str, name: str, params: dict[str, Any] | None = None) -> None:
    """(Re)create ``table`` from the result of the SQL file ``name``."""
    _write_result(con, f"create or replace table {quote_identifier(table)} as", name, params)


def append_rows(con: duckdb.DuckDBPyConnection, table: str, name: str, params: dict[str, Any] | None = None) -> None:
    """Insert the result of the SQL file ``name`` into ``table`` (columns by name)."""
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
