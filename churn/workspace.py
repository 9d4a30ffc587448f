"""A session's private workspace: its DuckDB connection, the loaded dataset and derived facts.

The app makes one per browser session (``churn.ui.session_workspace``), the report command
one per run, the tests one per test. Queries go through ``Workspace.query`` so that a
session's reruns never use the connection at the same time and a runaway query is stopped.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from churn.build import (
    BUILT_RESULTS,
    BUILT_TABLES,
    NODES,
    RAW_SOURCES,
    SETTINGS,
    VIEW_NODES,
    Builds,
    BuiltFolder,
    ViewSettings,
    tables_read,
)
from churn.clv import WEEK_DAYS, LifetimeModels, check, default_holdout_weeks, predict
from churn.db import (
    DATA_DIR,
    MEMORY_BUDGET,
    QueryError,
    load_sql,
    open_connection,
    quote_identifier,
    run_query,
    scratch_dir,
    spill_folder,
)
from churn.ingest import (
    CANONICAL_TABLES,
    DatasetFile,
    FileInspection,
    ImportProblem,
    LoadResult,
    create_canonical_tables,
    inspect_file,
    load_demo,
)
from churn.settings import Settings
from churn.sources import PreparedFile
from churn.tiers import TierRule
from churn.window import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS, WindowSuggestion, suggest_window

QUERY_TIMEOUT_SECONDS = 60.0
LIST_SPAN_START = date(1990, 1, 1)
# An import of one file (read, convert, load) is stopped after this long.
IMPORT_TIMEOUT_SECONDS = 600.0
IMPORT_SLOTS_ENV = "CHURN_IMPORT_SLOTS"
SESSION_DISK_ENV = "CHURN_SESSION_DISK_MB"  # a session's uploaded files, in megabytes
DEFAULT_SESSION_DISK_MB = 1000
T = TypeVar("T")
logger = logging.getLogger(__name__)
# Query parameters that are settings of the derived tables a query reads (churn.build.SETTINGS;
# the reason overrides are the workspace's own, never a parameter): a query run for another
# as-of date reads tables built for that date.
SETTING_PARAMETERS = tuple(setting for setting in SETTINGS if setting != "reason_overrides")
# Computed results kept per workspace (they are small; predictions are kept for the latest
# settings only, see ``remember``).
MAX_REMEMBERED = 256


@dataclass
class DatasetInfo:
    """Size and span of the loaded dataset."""

    name: str
    kind: str  # transactions | customers | both
    customers: int
    order_lines: int
    orders: int | None  # distinct order ids; None when the data has no order id (order lines only)
    revenue: float
    first_date: date | None
    last_date: date | None
    loads: list[LoadResult] = field(default_factory=list)
    has_costs: bool = False  # every order line has a cost: margin can be a tier basis
    built: BuiltFolder | None = None  # a folder built by ``python -m churn build`` (no order lines)

    @property
    def span(self) -> tuple[date, date]:
        """First and last order dates; for a customer list alone (no order dates), from
        LIST_SPAN_START to today, so that an as-of date can look back at its churn dates."""
        if self.first_date is None or self.last_date is None:
            return LIST_SPAN_START, date.today()
        return self.first_date, self.last_date

    @property
    def currency(self) -> str | None:
        """The currency the files name (churn.currency.detect_currency), when they agree."""
        if self.built is not None:
            recorded = self.built.manifest.get("currency")
            return str(recorded) if recorded else None
        named = {load.currency for load in self.loads if load.currency}
        return named.pop() if len(named) == 1 else None

    @property
    def rows_read(self) -> int:
        return sum(load.rows_read for load in self.loads)

    @property
    def rows_loaded(self) -> int:
        return sum(load.rows_loaded for load in self.loads)

    @property
    def rows_rejected(self) -> int:
        return sum(load.rows_rejected for load in self.loads)


@dataclass(frozen=True)
class WorkspaceSnapshot:
    """A workspace's dataset, derived tables and computed results as plain data (no connection):
    ``Workspace.from_snapshot`` makes a new workspace of them with its own connection. The app
    makes one of the demo per process (``churn.page_data.demo_snapshot``)."""

    tables: tuple[tuple[str, str, pa.Table], ...]  # name, CREATE statement, rows
    dataset: DatasetInfo
    generation: int
    built: dict[str, Hashable]
    results: dict[str, Any]
    view: ViewSettings | None
    remembered: dict[Hashable, Any]


def import_slots() -> int:
    """How many imports may run at once in the server (``CHURN_IMPORT_SLOTS``; default one per
    two cores, as each connection runs two threads)."""
    configured = os.environ.get(IMPORT_SLOTS_ENV)
    return max(1, int(configured) if configured else (os.cpu_count() or 1) // 2)


class ImportQueue:
    """The imports of the whole server, at most ``slots`` at once (reading a file is the heaviest
    thing a session does, in time and memory); the others wait their turn, first come first
    served, and are told how many are ahead of them."""

    def __init__(self, slots: int | None = None) -> None:
        self._slots = slots
        self._changed = threading.Condition()
        self._running = 0
        self._waiting: list[object] = []

    @contextmanager
    def turn(
        self, waiting: Callable[[int], None] | None = None, cancel: threading.Event | None = None
    ) -> Iterator[None]:
        """Wait for a free slot, then hold it until the block ends. ``waiting(n)`` is told the
        number of imports ahead each time it changes; ``cancel`` set while waiting raises
        ImportProblem "cancelled" (the session has ended)."""
        ticket = object()
        told = None
        with self._changed:
            self._waiting.append(ticket)
        try:
            while True:
                with self._changed:
                    slots = self._slots or import_slots()
                    ahead = self._running + self._waiting.index(ticket) - slots + 1
                    if ahead <= 0:
                        self._waiting.remove(ticket)
                        self._running += 1
                        break
                    if cancel is not None and cancel.is_set():
                        raise ImportProblem("cancelled")
                if waiting is not None and ahead != told:
                    waiting(ahead)  # outside the lock: it may draw on a page
                    told = ahead
                with self._changed:
                    self._changed.wait(0.2)
        except BaseException:
            with self._changed:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._changed.notify_all()
            raise
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()


# The server's imports: one queue for every session of the process.
IMPORT_QUEUE = ImportQueue()


def session_disk_limit() -> int:
    """How many bytes of uploaded files one browser session may keep (``CHURN_SESSION_DISK_MB``,
    default 1000 MB): room for its dataset and a few earlier ones to switch back to."""
    return int(float(os.environ.get(SESSION_DISK_ENV) or DEFAULT_SESSION_DISK_MB) * 1_000_000)


class Workspace:
    """One connection with one dataset loaded and its facts built for the current settings."""

    def __init__(self, con: duckdb.DuckDBPyConnection, upload_dir: Path | None = None) -> None:
        self.con = con
        # The session's own folder for uploaded files (removed with the workspace).
        self.upload_dir = upload_dir
        # Datasets kept in the session, by name: the files to load and how.
        self.datasets: dict[str, list[DatasetFile]] = {}
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self.dataset: DatasetInfo | None = None
        # The derived tables (churn.build) and the settings of the current view.
        self.builds = Builds(con)
        self.view: ViewSettings | None = None
        # The user's corrections of the reason -> cause mapping, keyed by (reason, category).
        self.reason_overrides: dict[tuple[str, str], str] = {}
        # Results computed from the derived tables, by what they were computed for (``remember``).
        self._remembered: dict[Hashable, Any] = {}

    @classmethod
    def _opened(cls, uploads: bool) -> Workspace:
        """An empty workspace; with ``uploads``, a browser session's: a private folder for its
        uploaded files, and memory that is a share of the server's budget (churn.db.MemoryBudget)."""
        if not uploads:
            return cls(open_connection([DATA_DIR]))
        upload_dir = scratch_dir("session")
        workspace = cls(open_connection([DATA_DIR, upload_dir], budgeted=True), upload_dir)
        MEMORY_BUDGET.join(workspace.con)
        return workspace

    def session_ran(self) -> None:
        """The session runs a page: a session that had gone idle and given its memory back gets
        its share of the server's budget again (churn.db.MemoryBudget)."""
        MEMORY_BUDGET.ran(self.con)

    @classmethod
    def with_demo(cls, uploads: bool = False) -> Workspace:
        """A workspace on the demo dataset; with ``uploads``, a private folder for uploaded files
        that only this workspace's connection may read."""
        workspace = cls._opened(uploads)
        workspace.set_dataset("demo", load_demo(workspace.con))
        return workspace

    def snapshot(self) -> WorkspaceSnapshot:
        """Everything this workspace holds, copied out of its connection."""
        with self._lock:
            assert self.dataset is not None
            listed = self.con.execute(
                "select table_name, sql from duckdb_tables() where schema_name = 'main' and not temporary"
            ).fetchall()
            tables = tuple(
                (str(name), str(create), self.con.table(quote_identifier(str(name))).to_arrow_table())
                for name, create in listed
            )
            return WorkspaceSnapshot(
                tables,
                copy.deepcopy(self.dataset),
                self.builds.generation,
                dict(self.builds.built),
                copy.deepcopy(self.builds.results),
                self.view,
                copy.deepcopy(self._remembered),
            )

    @classmethod
    def from_snapshot(cls, snapshot: WorkspaceSnapshot, uploads: bool = False) -> Workspace:
        """A new workspace, with a connection of its own, holding copies of what ``snapshot``
        holds: nothing of it is shared but the snapshot's immutable Arrow tables, read once."""
        workspace = cls._opened(uploads)
        con = workspace.con
        for name, create, rows in snapshot.tables:
            con.execute(create)
            con.register("snapshot_rows", rows)
            try:
                con.execute(f"insert into {quote_identifier(name)} select * from snapshot_rows")
            finally:
                con.unregister("snapshot_rows")
        for table in snapshot.built:
            if NODES[table].kind == "macro":  # table macros bind to the tables: made after them
                con.execute(load_sql(NODES[table].sql[0]))
        workspace.dataset = copy.deepcopy(snapshot.dataset)
        workspace.builds.generation = snapshot.generation
        workspace.builds.built = dict(snapshot.built)
        workspace.builds.results = copy.deepcopy(snapshot.results)
        workspace.view = snapshot.view
        workspace._remembered = copy.deepcopy(snapshot.remembered)
        return workspace

    def close(self) -> None:
        """Stop what the connection runs (an import of a session that has ended), close it and
        delete the session's files."""
        self._closed.set()
        self.con.interrupt()
        with self._lock:
            spill = spill_folder(self.con)
            MEMORY_BUDGET.leave(self.con)
            self.con.close()
            if self.upload_dir is not None:
                shutil.rmtree(self.upload_dir, ignore_errors=True)
            if spill is not None:
                shutil.rmtree(spill, ignore_errors=True)

    def upload_bytes(self) -> int:
        """The size of the session's uploaded (and converted) files."""
        if self.upload_dir is None:
            return 0
        return sum(path.stat().st_size for path in self.upload_dir.rglob("*") if path.is_file())

    def _uploads_in_use(self, pending: Iterable[Path]) -> set[Path]:
        files = {file.source.path for files in self.datasets.values() for file in files}
        return {path.resolve() for path in (*files, *pending)}

    def discard_unused_uploads(self, pending: Iterable[Path] = ()) -> None:
        """Delete the session's uploaded files that no kept dataset loads and that are not
        ``pending`` (chosen on the Data page, not loaded yet): a file replaced in the uploader,
        a sheet converted before another was chosen, the files of a dataset loaded again."""
        if self.upload_dir is None:
            return
        with self._lock:
            in_use = self._uploads_in_use(pending)
            for path in self.upload_dir.iterdir():
                if path.resolve() not in in_use:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)

    def keep_uploads_within(self, limit_bytes: int, new: PreparedFile, pending: Iterable[Path] = ()) -> None:
        """Make room in the session's folder for the file just prepared (``new``): unused files
        deleted, then the datasets kept longest ago dropped from the session, with their files
        (never the one in use). If that is not enough, ``new`` is deleted and ImportProblem
        "session_disk" says so."""
        pending = [*pending, new.path]
        with self._lock:
            self.discard_unused_uploads(pending)
            in_use = self.dataset.name if self.dataset else "demo"
            for name in [name for name in self.datasets if name != in_use]:
                if self.upload_bytes() <= limit_bytes:
                    break
                logger.info("Dropped an older dataset of a session to make room for an upload")
                del self.datasets[name]
                self.discard_unused_uploads(pending)
            size = self.upload_bytes()
            if size > limit_bytes:
                if self.upload_dir is not None and new.path.is_relative_to(self.upload_dir):
                    new.path.unlink(missing_ok=True)
                raise ImportProblem(
                    "session_disk", name=new.name, size=round(size / 1e6), limit=round(limit_bytes / 1e6)
                )

    @contextmanager
    def _time_limit(self, seconds: float) -> Iterator[None]:
        """Interrupt whatever the connection runs once ``seconds`` have passed or the workspace
        is closed, and again every 0.2 s after (an import is several statements)."""
        done = threading.Event()
        deadline = time.monotonic() + seconds

        def watch() -> None:
            while not done.wait(0.2):
                if time.monotonic() >= deadline or self._closed.is_set():
                    self.con.interrupt()

        watcher = threading.Thread(target=watch, name="import-time-limit", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()

    def _import_step(self, name: str, step: Callable[[], T]) -> T:
        """Run one step of an import of the file shown as ``name`` within IMPORT_TIMEOUT_SECONDS;
        a DuckDB error (the time limit, memory, a damaged file) becomes an ImportProblem a
        manager can act on, and its technical text goes to the log."""
        try:
            with self._time_limit(IMPORT_TIMEOUT_SECONDS):
                return step()
        except duckdb.InterruptException as error:
            minutes = round(IMPORT_TIMEOUT_SECONDS / 60)
            raise ImportProblem("too_slow", name=name, minutes=minutes) from error
        except duckdb.OutOfMemoryException as error:
            logger.warning("Import of %s ran out of memory: %s", name, error)
            raise ImportProblem("out_of_memory", name=name) from error
        except duckdb.Error as error:
            logger.warning("Import of %s failed: %s", name, error)
            raise ImportProblem("unreadable_table", name=name) from error

    def load_dataset(
        self,
        name: str,
        files: list[DatasetFile] | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        waiting: Callable[[int], None] | None = None,
    ) -> DatasetInfo:
        """Load a dataset of the session (``files`` to add a new one under ``name``); the demo is
        always there. A file that cannot be loaded raises ImportProblem and changes nothing.
        The files are read in the server's IMPORT_QUEUE: ``waiting(n)`` is told how many imports
        of other sessions are ahead while it waits; ``progress(file name, number, of)`` is told
        before each file is read."""
        with self._lock:
            if name == "demo":
                return self.set_dataset("demo", load_demo(self.con))
            chosen = files if files is not None else self.datasets[name]
            try:
                with IMPORT_QUEUE.turn(waiting, self._closed):
                    create_canonical_tables(self.con)
                    loads = []
                    for number, file in enumerate(chosen, start=1):
                        if progress is not None:
                            progress(file.source.name, number, len(chosen))
                        loads.append(self._import_step(file.source.name, partial(file.load, self.con)))
            except ImportProblem:
                if not self._closed.is_set():
                    current = self.dataset.name if self.dataset else "demo"
                    self.load_dataset(current if current in self.datasets or current == "demo" else "demo")
                raise
            # Last loaded, last dropped when the session's folder is full (keep_uploads_within).
            self.datasets.pop(name, None)
            self.datasets[name] = chosen
            return self.set_dataset(name, loads)

    def canonical_tables(self) -> dict[str, pa.Table]:
        """The dataset's tables as its import wrote them (churn.ingest.CANONICAL_TABLES), copied
        out of the connection: what a saved workspace keeps (churn.saved)."""
        with self._lock:
            return {name: self.con.table(quote_identifier(name)).to_arrow_table() for name in CANONICAL_TABLES}

    def restore_dataset(self, name: str, tables: dict[str, pa.Table], loads: list[LoadResult]) -> DatasetInfo:
        """Make ``tables`` (as ``canonical_tables`` gave them) the dataset in use, under ``name``,
        with what its import said of each file (``loads``); facts are rebuilt."""
        with self._lock:
            create_canonical_tables(self.con)
            for table in CANONICAL_TABLES:
                quoted = quote_identifier(table)
                self.con.execute(f"delete from {quoted}")
                self.con.register("restored_rows", tables[table])
                try:
                    self.con.execute(f"insert into {quoted} by name select * from restored_rows")
                finally:
                    self.con.unregister("restored_rows")
            return self.set_dataset(name, loads)

    def inspect_file(self, prepared: PreparedFile, table: str) -> FileInspection:
        """Look at a prepared file before loading it (columns, roles, preview, date order)."""
        with self._lock:
            return self._import_step(prepared.name, partial(inspect_file, self.con, prepared, table))

    def open_built(self, folder: BuiltFolder) -> DatasetInfo:
        """Make a folder built by ``python -m churn build`` the dataset in use. It has no order
        lines: its tables are loaded as the pages ask for them (for the settings it was built
        for), and its stored results answer the queries that read order lines; other settings
        raise NotBuilt, which names the build command (churn.build.BuiltFolder)."""
        with self._lock:
            create_canonical_tables(self.con)
            for table in CANONICAL_TABLES:
                name = folder.match(table, {})
                if name is None:
                    continue
                quoted = quote_identifier(table)
                self.con.execute(f"delete from {quoted}")
                self.con.execute(
                    f"insert into {quoted} by name select * from read_parquet($files)",
                    {"files": folder.files(BUILT_TABLES, name)},
                )
            # The corrections of reasons' causes it was built with are the view's.
            self.reason_overrides = dict(folder.view.reason_overrides)
            return self.set_dataset(folder.path.name, [], folder)

    def set_dataset(self, name: str, loads: list[LoadResult], built: BuiltFolder | None = None) -> DatasetInfo:
        """Record which dataset the canonical tables now hold (``built``: a built folder's);
        facts must be rebuilt, or loaded from the folder."""
        with self._lock:
            self.builds.reset(built)
            self.view = None
            self._remembered.clear()
            summary = self.query("dataset_summary").iloc[0]
            has_orders = int(summary["order_lines"]) > 0
            has_customers = int(summary["listed_customers"]) > 0
            kind = "both" if has_orders and has_customers else "transactions" if has_orders else "customers"
            self.dataset = DatasetInfo(
                name=name,
                kind=kind,
                customers=int(summary["customers"]),
                order_lines=int(summary["order_lines"]),
                orders=None if pd.isna(summary["orders"]) else int(summary["orders"]),
                revenue=float(summary["revenue"]),
                first_date=_as_date(summary["first_date"]),
                last_date=_as_date(summary["last_date"]),
                loads=loads,
                has_costs=bool(summary["has_costs"]),
                built=built,
            )
            return self.dataset

    def rename_dataset(self, name: str) -> None:
        """Call the dataset in use ``name`` (it was saved under that name), in the session's list too."""
        with self._lock:
            assert self.dataset is not None
            if self.dataset.name in self.datasets and name not in self.datasets:
                self.datasets[name] = self.datasets.pop(self.dataset.name)
            self.dataset.name = name

    def window_suggestion(self, as_of: date) -> WindowSuggestion:
        """The inactivity window W the data suggests at the as-of date (churn.window.suggest_window)."""
        return suggest_window(self.cached_query("purchase_gaps", {"as_of": as_of}))

    def ensure_facts(self, as_of: date, window_days: int, tier_rule: TierRule | None = None) -> None:
        """Make these the view's settings and build the tables every view reads (churn.build:
        the customers' profiles, tiers, spells, facts and filter groups) unless built for them;
        the other tables are built when a query first reads them."""
        if not MIN_WINDOW_DAYS <= window_days <= MAX_WINDOW_DAYS:
            raise ValueError(
                f"The inactivity window must be {MIN_WINDOW_DAYS}-{MAX_WINDOW_DAYS} days, not {window_days}."
            )
        with self._lock:
            self.view = self.view_settings(as_of, window_days, tier_rule)
            self.builds.ensure(VIEW_NODES, self.view.values())

    def view_settings(self, as_of: date, window_days: int, tier_rule: TierRule | None = None) -> ViewSettings:
        """The settings of a view at these values, with the user's reason corrections."""
        return ViewSettings(as_of, window_days, tier_rule or TierRule(), _frozen(self.reason_overrides))

    def ensure_derived(self, settings: Settings) -> None:
        """Build the derived tables for the settings of this view."""
        self.ensure_facts(settings.as_of, settings.window_days, settings.tier_rule)

    def set_reason_overrides(self, overrides: dict[tuple[str, str], str]) -> None:
        """Replace the user's reason -> cause corrections; every query after applies them."""
        with self._lock:
            self.reason_overrides = dict(overrides)
            if self.view is not None:
                self.view = replace(self.view, reason_overrides=_frozen(self.reason_overrides))

    @property
    def reasons(self) -> pd.DataFrame | None:
        """Every reason and category on record with its cause (churn.causes.apply_overrides), for
        the view's settings; None before the first view."""
        with self._lock:
            if self.view is None:
                return None
            self.builds.ensure(["reason_map"], self.view.values())
            reasons: pd.DataFrame = self.builds.results["reason_map"]
            return reasons

    def extra_dimensions(self) -> list[str]:
        """Names of the unmapped columns kept as extra filter dimensions in this dataset."""
        return [str(name) for name in self.cached_query("extra_dimension_names")["dimension"]]

    def _values(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """The settings a query's tables are built for: the view's, and those its parameters give."""
        values: dict[str, Any] = self.view.values() if self.view is not None else {}
        values.update({name: value for name, value in (params or {}).items() if name in SETTING_PARAMETERS})
        return values

    def _reads(self, name: str, params: dict[str, Any] | None) -> tuple[tuple[str, ...], dict[str, Any]]:
        return tables_read(load_sql(name)), self._values(params)

    def remember(self, key: Hashable, compute: Callable[[], T], slot: str | None = None) -> T:
        """``compute()``, kept under ``key`` until the dataset changes; with ``slot``, only the
        latest result of that slot is kept (per-customer predictions: a slider moves often)."""
        with self._lock:
            stored = (slot, key) if slot else key
            if stored not in self._remembered:
                if slot:
                    for old in [k for k in self._remembered if isinstance(k, tuple) and k[:1] == (slot,)]:
                        del self._remembered[old]
                if len(self._remembered) >= MAX_REMEMBERED:
                    self._remembered.pop(next(iter(self._remembered)))
                self._remembered[stored] = compute()
            result: T = self._remembered[stored]
            return result

    def cached_query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """``query``, remembered until the tables it reads are rebuilt: for small results asked
        for on every rerun (filter choices, what-if baselines), so that moving a slider sends no
        query to the data."""
        with self._lock:
            tables, values = self._reads(name, params)
            key = ("query", name, _frozen(params or {}), self.builds.keys(tables, values))
            return self.remember(key, lambda: self.query(name, params))

    def tier_migration(
        self, rule: TierRule, before: tuple[date, date], after: tuple[date, date]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Tier moves between two value windows: (matrix of counts, customers who dropped); the
        filters do not apply to it."""
        params = {"tier_rule": rule, "migration_before": before, "migration_after": after}
        return self.cached_query("tier_migration", params), self.cached_query("tier_drops", params)

    def window_sensitivity(self, settings: Settings, windows: tuple[int, ...]) -> pd.DataFrame:
        """The last complete period's churn under each inactivity window W in ``windows``, for the
        view's filters: every W counted in one pass (window_churn, built once per as-of date,
        grain and range), so that a filter change only adds up filter groups; with the share of
        repeat purchases each W treats as still active."""
        columns = ["window_days", "period_start", "customers_at_start", "churned", "churn_rate", "share_within"]
        dataset = self.dataset
        period = settings.last_complete_period(dataset.first_date) if dataset and dataset.first_date else None
        if period is None:
            return pd.DataFrame(columns=columns)
        params = {
            **settings.filter_params(),
            "as_of": settings.as_of,
            "windows": list(windows),
            "sensitivity_period": period,
        }
        result = self.cached_query("window_sensitivity", params)
        shares = self.cached_query("repeat_purchase_share", {"as_of": settings.as_of, "windows": list(windows)})
        result = result.merge(shares, on="window_days", how="left").assign(period_start=pd.Timestamp(period[0]))
        return result[columns]

    def lifetime_models(self, as_of: date, holdout_weeks: int | None = None) -> LifetimeModels:
        """The purchase and spend models up to the as-of date, checked first (churn.clv.check):
        fitted up to a calibration date ``holdout_weeks`` before it (default: the last quarter of
        the history), compared with the repeat purchases after it, then refitted on the whole
        history. Remembered per dataset, as-of date and holdout: a fit takes a moment, the page
        reruns often."""
        dataset = self.dataset
        first = dataset.first_date if dataset is not None else None
        span_days = (as_of - first).days + 1 if first is not None else 0
        weeks = holdout_weeks or default_holdout_weeks(span_days)
        key = ("clv", self.builds.generation, as_of, weeks)

        def fit() -> LifetimeModels:
            calibration_end = as_of - timedelta(days=WEEK_DAYS * weeks)
            # The purchase days up to the as-of date (customer_order_days) hold both summaries.
            day = {"as_of": as_of, "unit_days": WEEK_DAYS}
            summary = self.query("clv_summary", {**day, "calibration_end": as_of})
            calibration = self.query("clv_summary", {**day, "calibration_end": calibration_end})
            actual = self.query(
                "holdout_repeat_purchases", {"as_of": as_of, "calibration_end": calibration_end, "holdout_weeks": weeks}
            )
            median_gap = self.window_suggestion(as_of).median_gap_days if first is not None else None
            return check(summary, calibration, actual, calibration_end, span_days, median_gap)

        return self.remember(key, fit)

    def clv_predictions(
        self, as_of: date, horizon_months: int, monthly_discount: float, holdout_weeks: int | None = None
    ) -> pd.DataFrame:
        """``churn.clv.predict`` for every customer with the models of ``lifetime_models`` (whose
        status must be ok): the same for any filter, so only the latest is kept and a filter change
        reuses it."""
        checked = self.lifetime_models(as_of, holdout_weeks)
        if checked.models is None:
            raise ValueError(f"No predictions: {checked.note}")
        models = checked.models
        key = (self.builds.generation, as_of, horizon_months, monthly_discount, holdout_weeks)
        return self.remember(
            key, lambda: predict(checked.summary, models, horizon_months, monthly_discount), slot="predictions"
        )

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run the SQL file ``name`` (in queries/read/) after building the derived tables it reads
        for the view's settings and its parameters (churn.build); interrupted with a
        ``QueryError`` after the timeout."""
        with self._lock:
            tables, values = self._reads(name, params)
            folder = self.builds.folder
            if folder is not None:
                stored = folder.stored_result(name, params or {})
                if stored is not None:
                    return run_query(self.con, "stored_result", {"files": folder.files(BUILT_RESULTS, stored)})
                if set(tables) & set(RAW_SOURCES):
                    raise folder.not_built(name, params or {})
            self.builds.ensure(tables, values)
            timer = threading.Timer(QUERY_TIMEOUT_SECONDS, self.con.interrupt)
            timer.start()
            try:
                return run_query(self.con, name, params)
            finally:
                timer.cancel()


def _frozen(mapping: dict[Any, Any]) -> tuple[tuple[Any, Any], ...]:
    """A dict as a sorted tuple of pairs (lists as tuples): a key for what was computed from it."""
    return tuple(
        sorted(((key, tuple(value) if isinstance(value, list) else value) for key, value in mapping.items()), key=repr)
    )


def _as_date(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


__all__ = ["DatasetInfo", "QueryError", "Workspace"]
