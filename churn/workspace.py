"""A session's private workspace: its DuckDB connection, the loaded dataset and derived facts.

The app makes one per browser session (``churn.ui.session_workspace``), the report command
one per run, the tests one per test. Queries go through ``Workspace.query`` so that a
session's reruns never use the connection at the same time and a runaway query is stopped.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from churn.causes import apply_overrides, reason_table, write_reason_map
from churn.clv import WEEK_DAYS, LifetimeModels, check, default_holdout_weeks, predict
from churn.db import DATA_DIR, QueryError, build_table, open_connection, run_query
from churn.facts import (
    WindowSuggestion,
    add_window_flows,
    build_facts,
    build_filter_groups,
    build_order_days,
    build_tiers,
    suggest_window,
)
from churn.i18n import t
from churn.ingest import (
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
from churn.tiers import TierRule, migration_params

QUERY_TIMEOUT_SECONDS = 60.0
LIST_SPAN_START = date(1990, 1, 1)
# An import of one file (read, convert, load) is stopped after this long.
IMPORT_TIMEOUT_SECONDS = 600.0
T = TypeVar("T")
logger = logging.getLogger(__name__)
# Derived tables that one query needs, built on its first use for the parameters named and
# kept until the facts or tiers change: the filter-independent part of a query a filter change reruns.
ON_DEMAND_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "revenue_churn_by_period": ("period_revenue_by_filter_group", ("as_of", "grain")),
}


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

    @property
    def span(self) -> tuple[date, date]:
        """First and last order dates; for a customer list alone (no order dates), from
        LIST_SPAN_START to today, so that an as-of date can look back at its churn dates."""
        if self.first_date is None or self.last_date is None:
            return LIST_SPAN_START, date.today()
        return self.first_date, self.last_date

    @property
    def rows_read(self) -> int:
        return sum(load.rows_read for load in self.loads)

    @property
    def rows_loaded(self) -> int:
        return sum(load.rows_loaded for load in self.loads)

    @property
    def rows_rejected(self) -> int:
        return sum(load.rows_rejected for load in self.loads)


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
        self._order_days_as_of: date | None = None
        self._facts_key: tuple[date, int] | None = None
        self._tiers_key: tuple[date, TierRule] | None = None
        self.dataset: DatasetInfo | None = None
        self._window_suggestion: dict[date, WindowSuggestion] = {}
        # The user's corrections of the reason -> cause mapping, keyed by (reason, category).
        self.reason_overrides: dict[tuple[str, str], str] = {}
        self.reason_overrides_version = 0
        self.reasons: pd.DataFrame | None = None
        self._sensitivity: dict[tuple[object, ...], pd.DataFrame] = {}
        # Spells built for other windows W (for the sensitivity chart), by W: the as-of date.
        self._window_spells: dict[int, date] = {}
        # The other windows W whose flows are in spell_flows (cleared when it is rebuilt).
        self._window_flows: set[int] = set()
        # On-demand tables (ON_DEMAND_TABLES) and what they were built for.
        self._on_demand: dict[str, tuple[object, ...]] = {}
        self._cache: dict[tuple[object, ...], pd.DataFrame] = {}
        self._models: dict[tuple[object, ...], LifetimeModels] = {}
        # The latest per-customer predictions and what they were made for (a slider moves often).
        self._predictions: tuple[tuple[object, ...], pd.DataFrame] | None = None

    @classmethod
    def with_demo(cls, uploads: bool = False) -> Workspace:
        """A workspace on the demo dataset; with ``uploads``, a private folder for uploaded files
        that only this workspace's connection may read."""
        upload_dir = Path(tempfile.mkdtemp(prefix="churn-session-")) if uploads else None
        workspace = cls(open_connection([DATA_DIR, *([upload_dir] if upload_dir else [])]), upload_dir)
        workspace.set_dataset("demo", load_demo(workspace.con))
        return workspace

    def close(self) -> None:
        """Stop what the connection runs (an import of a session that has ended), close it and
        delete the session's files."""
        self._closed.set()
        self.con.interrupt()
        with self._lock:
            self.con.close()
            if self.upload_dir is not None:
                shutil.rmtree(self.upload_dir, ignore_errors=True)

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
            raise ImportProblem(t("import.too_slow", name=name, minutes=minutes)) from error
        except duckdb.OutOfMemoryException as error:
            logger.warning("Import of %s ran out of memory: %s", name, error)
            raise ImportProblem(t("import.out_of_memory", name=name)) from error
        except duckdb.Error as error:
            logger.warning("Import of %s failed: %s", name, error)
            raise ImportProblem(t("import.unreadable_table", name=name)) from error

    def load_dataset(self, name: str, files: list[DatasetFile] | None = None) -> DatasetInfo:
        """Load a dataset of the session (``files`` to add a new one under ``name``); the demo is
        always there. A file that cannot be loaded raises ImportProblem and changes nothing."""
        with self._lock:
            if name == "demo":
                return self.set_dataset("demo", load_demo(self.con))
            chosen = files if files is not None else self.datasets[name]
            try:
                create_canonical_tables(self.con)
                loads = [self._import_step(file.source.name, partial(file.load, self.con)) for file in chosen]
            except ImportProblem:
                if not self._closed.is_set():
                    current = self.dataset.name if self.dataset else "demo"
                    self.load_dataset(current if current in self.datasets or current == "demo" else "demo")
                raise
            self.datasets[name] = chosen
            return self.set_dataset(name, loads)

    def inspect_file(self, prepared: PreparedFile, table: str) -> FileInspection:
        """Look at a prepared file before loading it (columns, roles, preview, date order)."""
        with self._lock:
            return self._import_step(prepared.name, partial(inspect_file, self.con, prepared, table))

    def set_dataset(self, name: str, loads: list[LoadResult]) -> DatasetInfo:
        """Record which dataset the canonical tables now hold; facts must be rebuilt."""
        with self._lock:
            self._order_days_as_of = None
            self._facts_key = None
            self._tiers_key = None
            self._window_suggestion.clear()
            self._sensitivity.clear()
            self._window_spells.clear()
            self._window_flows.clear()
            self._on_demand.clear()
            self._cache.clear()
            self._models.clear()
            self._predictions = None
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
            )
            return self.dataset

    def window_suggestion(self, as_of: date) -> WindowSuggestion:
        with self._lock:
            if as_of not in self._window_suggestion:
                self._ensure_order_days(as_of)
                self._window_suggestion[as_of] = suggest_window(self.con)
            return self._window_suggestion[as_of]

    def _ensure_order_days(self, as_of: date) -> None:
        if self._order_days_as_of != as_of:
            build_order_days(self.con, as_of)
            self._order_days_as_of = as_of

    def ensure_facts(self, as_of: date, window_days: int, tier_rule: TierRule | None = None) -> None:
        """Build the derived tables (spells, facts, tiers) unless they already match these settings."""
        rule = tier_rule or TierRule()
        with self._lock:
            changed = False
            if self._facts_key != (as_of, window_days):
                self._ensure_order_days(as_of)
                build_facts(self.con, as_of, window_days)
                self._facts_key = (as_of, window_days)
                self._classify_reasons()
                changed = True
            if self._tiers_key != (as_of, rule):
                build_tiers(self.con, as_of, rule)
                self._tiers_key = (as_of, rule)
                changed = True
            if changed:
                build_filter_groups(self.con, window_days)
                self._window_flows.clear()
                build_table(self.con, "churn_events", "churn_events")
                build_table(self.con, "customer_losses", "customer_losses")

    def set_reason_overrides(self, overrides: dict[tuple[str, str], str]) -> None:
        """Replace the user's reason -> cause corrections and apply them to every query."""
        with self._lock:
            self.reason_overrides = dict(overrides)
            self.reason_overrides_version += 1
            if self._facts_key is not None:
                self._classify_reasons()
                build_table(self.con, "customer_losses", "customer_losses")

    def _classify_reasons(self) -> None:
        self.reasons = apply_overrides(reason_table(self.con), self.reason_overrides)
        write_reason_map(self.con, self.reasons)

    def extra_dimensions(self) -> list[str]:
        """Names of the unmapped columns kept as extra filter dimensions in this dataset."""
        return [str(name) for name in self.cached_query("extra_dimension_names")["dimension"]]

    def has_costs(self) -> bool:
        """Whether every order has a cost, so that margin can be a tier basis."""
        with self._lock:
            if "has_costs" not in self._cache:
                orders, costs = self.con.execute("select count(*), count(cost) from orders").fetchone()  # type: ignore[misc]
                self._cache["has_costs"] = bool(orders) and orders == costs  # type: ignore[assignment]
            return bool(self._cache["has_costs"])

    def cached_query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """``query``, remembered until the dataset or the derived tables change: for small results
        asked for on every rerun (filter choices, what-if baselines), so that moving a slider
        sends no query to the data."""
        key = (
            name,
            self._facts_key,
            self._tiers_key,
            self.reason_overrides_version,
            repr(sorted((params or {}).items())),
        )
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self.query(name, params)
            return self._cache[key]

    def ensure_derived(self, settings: Settings) -> None:
        """Build the derived tables for the settings of this view."""
        self.ensure_facts(settings.as_of, settings.window_days, settings.tier_rule)

    def tier_migration(
        self, rule: TierRule, before: tuple[date, date], after: tuple[date, date]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Tier moves between two value windows: (matrix of counts, customers who dropped);
        remembered per dataset, rule and windows (the filters do not apply to it)."""
        key = ("migration", self._facts_key, rule, before, after)
        with self._lock:
            if key not in self._cache:
                build_table(self.con, "tiers_before", "customer_tiers", migration_params(rule, before))
                build_table(self.con, "tiers_after", "customer_tiers", migration_params(rule, after))
                self._cache[key] = (self.query("tier_migration"), self.query("tier_drops"))  # type: ignore[assignment]
            return self._cache[key]  # type: ignore[return-value]

    def window_sensitivity(self, settings: Settings, windows: tuple[int, ...]) -> pd.DataFrame:
        """The last complete period's churn for each inactivity window W in ``windows``: the
        spells of each other W are built once per as-of date and their flows added to spell_flows,
        so that a filter change only adds up flows; results are kept per view."""
        dataset = self.dataset
        if dataset is None or dataset.first_date is None:
            return pd.DataFrame()
        key = (
            self._facts_key,
            self._tiers_key,
            settings.grain,
            settings.date_from,
            settings.date_to,
            settings.tier_filter,
            settings.filter_dimension,
            settings.filter_values,
            windows,
        )
        with self._lock:
            if key not in self._sensitivity:
                for window in windows:
                    self._ensure_window_flows(settings.as_of, window)
                # One query for every W: its flows are a segment of their own.
                params = settings.period_params(dataset.first_date, dimension="window")
                periods = self.query("churn_by_period", params)
                rows = []
                for window in windows:
                    complete = periods[(periods["segment"] == str(window)) & periods["is_complete"]]
                    if not complete.empty:
                        last = complete.iloc[-1]
                        rows.append(
                            {
                                "window_days": window,
                                "period_start": last["period_start"],
                                "customers_at_start": int(last["customers_at_start"]),
                                "churned": int(last["churned"]),
                                "churn_rate": last["churn_rate"],
                            }
                        )
                shares = self.cached_query("repeat_purchase_share", {"windows": list(windows)})
                result = pd.DataFrame(
                    rows, columns=["window_days", "period_start", "customers_at_start", "churned", "churn_rate"]
                )
                self._sensitivity[key] = result.merge(shares, on="window_days", how="left")
            return self._sensitivity[key]

    def _ensure_window_flows(self, as_of: date, window: int) -> None:
        """Put the flows of window W into spell_flows unless there: its spells are built once per
        as-of date (kept as a table), their flows again when the filter groups change."""
        if self._facts_key is None or window == self._facts_key[1] or window in self._window_flows:
            return
        table = f"customer_spells_w{int(window)}"
        if self._window_spells.get(window) != as_of:
            build_table(self.con, table, "customer_spells", {"as_of": as_of, "window_days": window})
            self._window_spells[window] = as_of
        add_window_flows(self.con, table, window)
        self._window_flows.add(window)

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
        key = ("clv", as_of, weeks)
        with self._lock:
            if key not in self._models:
                calibration_end = as_of - timedelta(days=WEEK_DAYS * weeks)
                summary = self.query("clv_summary", {"calibration_end": as_of, "unit_days": WEEK_DAYS})
                calibration = self.query("clv_summary", {"calibration_end": calibration_end, "unit_days": WEEK_DAYS})
                actual = self.query(
                    "holdout_repeat_purchases", {"calibration_end": calibration_end, "holdout_weeks": weeks}
                )
                median_gap = self.window_suggestion(as_of).median_gap_days if first is not None else None
                self._models[key] = check(summary, calibration, actual, calibration_end, span_days, median_gap)
            return self._models[key]

    def clv_predictions(
        self, as_of: date, horizon_months: int, monthly_discount: float, holdout_weeks: int | None = None
    ) -> pd.DataFrame:
        """``churn.clv.predict`` for every customer with the models of ``lifetime_models`` (whose
        status must be ok): the same for any filter, so only the latest is kept and a filter change
        reuses it."""
        key = (self._facts_key, as_of, horizon_months, monthly_discount, holdout_weeks)
        with self._lock:
            if self._predictions is None or self._predictions[0] != key:
                checked = self.lifetime_models(as_of, holdout_weeks)
                if checked.models is None:
                    raise ValueError(f"No predictions: {checked.note}")
                self._predictions = (key, predict(checked.summary, checked.models, horizon_months, monthly_discount))
            return self._predictions[1]

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run ``queries/<name>.sql``; interrupted with a ``QueryError`` after the timeout."""
        with self._lock:
            if name in ON_DEMAND_TABLES:
                table, names = ON_DEMAND_TABLES[name]
                needed = {key: (params or {})[key] for key in names}
                built_for = (self._facts_key, self._tiers_key, *needed.values())
                if self._on_demand.get(table) != built_for:
                    build_table(self.con, table, table, needed)
                    self._on_demand[table] = built_for
            timer = threading.Timer(QUERY_TIMEOUT_SECONDS, self.con.interrupt)
            timer.start()
            try:
                return run_query(self.con, name, params)
            finally:
                timer.cancel()


def _as_date(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


__all__ = ["DatasetInfo", "QueryError", "Workspace"]
