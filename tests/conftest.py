"""Shared fixtures: a workspace on the hand-worked tiny dataset, and one on the demo data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from churn.db import open_connection
from churn.ingest import load_files
from churn.workspace import Workspace

FIXTURES = Path(__file__).parent / "data"
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
