"""Shared fixtures: a workspace on the hand-worked tiny dataset, and one on the demo data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from churn.build import VIEW_NODES, Builds
from churn.db import open_connection
from churn.ingest import load_files
from churn.settings import Settings
from churn.tiers import TierRule
from churn.workspace import Workspace

FIXTURES = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _saved_workspaces_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Workspaces saved by the tests (AppTests of the Data page) go to a folder of the test run,
    never the project's workspaces/ folder."""
    from churn.saved import workspace_store

    previous = os.environ.get("CHURN_WORKSPACES")
    os.environ["CHURN_WORKSPACES"] = str(tmp_path_factory.mktemp("workspaces"))
    workspace_store.cache_clear()
    yield
    if previous is None:
        os.environ.pop("CHURN_WORKSPACES", None)
    else:
        os.environ["CHURN_WORKSPACES"] = previous
    workspace_store.cache_clear()


TINY_AS_OF = date(2024, 6, 30)
TINY_WINDOW = 30


def make_workspace(folder: Path, orders: list[str], customers: list[str] | None = None) -> Workspace:
    """A workspace whose files are copied into ``folder`` (the only folder it may read)."""
    for name in orders + (customers or []):
        shutil.copy(FIXTURES / name, folder / name)
    workspace = Workspace(open_connection([folder]))
    loads = load_files(workspace.con, [folder / n for n in orders], [folder / n for n in customers or []])
    workspace.set_dataset("tiny", loads)
    return workspace


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path, ["tiny_orders.csv"], ["tiny_customers.csv"])
    workspace.ensure_facts(TINY_AS_OF, TINY_WINDOW)
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def demo() -> Iterator[Workspace]:
    workspace = Workspace.with_demo()
    yield workspace
    workspace.close()


def build_tables(
    con: duckdb.DuckDBPyConnection, as_of: date, window_days: int, *tables: str, tier_rule: TierRule | None = None
) -> None:
    """Build derived tables (churn.build) on a bare connection: those every view reads and ``tables``."""
    values = {"as_of": as_of, "window_days": window_days, "tier_rule": tier_rule or TierRule(), "reason_overrides": ()}
    Builds(con).ensure([*VIEW_NODES, *tables], values)


def period_params(
    as_of: date = TINY_AS_OF,
    window_days: int = TINY_WINDOW,
    grain: str = "month",
    dimension: str = "all",
    tiers: tuple[str, ...] | list[str] = (),
    date_from: date = date(2000, 1, 1),
    date_to: date | None = None,
) -> dict[str, object]:
    """churn_by_period parameters, built the way the pages build them."""
    settings = Settings(as_of, window_days, grain, date_from, date_to or as_of, tier_filter=tuple(tiers))
    return settings.period_params(date_from, dimension)


NO_FILTERS: dict[str, object] = {"tiers": [], "filter_dimension": "region", "filter_values": []}
