"""Saved workspaces (churn.saved): kept whole, reopened by token only, replaced atomically, within
their size limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from churn.report import build_report, strict_json
from churn.saved import (
    MB,
    QuotaExceeded,
    SavedWorkspaceNotFound,
    WorkspaceStore,
    clean_name,
    new_token,
    workspace_store,
)
from churn.settings import Settings
from churn.workspace import Workspace
from tests.conftest import TINY_AS_OF, TINY_WINDOW, make_workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> WorkspaceStore:
    return WorkspaceStore(tmp_path / "workspaces", 100 * MB, 1000 * MB)


@pytest.fixture
def empty() -> Iterator[Workspace]:
    """A workspace to open saved ones into (it starts on the demo data)."""
    workspace = Workspace.with_demo()
    yield workspace
    workspace.close()


def figures(workspace: Workspace) -> dict[str, Any]:
    """Every figure of the report (churn.report) under the tiny dataset's settings, the dataset's
    name left out."""
    report = strict_json(build_report(workspace, Settings(as_of=TINY_AS_OF, window_days=TINY_WINDOW)))
    del report["dataset"]["name"]
    return dict(_unordered(report))


def _unordered(value: Any) -> Any:
    """Lists of rows as sorted lists: the report's cohort rows come in no fixed order."""
    if isinstance(value, dict):
        return {key: _unordered(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


def test_a_saved_workspace_opens_with_the_same_tables_figures_and_corrections(
    tiny: Workspace, store: WorkspaceStore, empty: Workspace
) -> None:
    tiny.set_reason_overrides({("Too expensive", "dissatisfaction"): "competitor"})
    saved = store.save(tiny, "Shop A", {"window": "30", "saved": "abc"})
    assert saved.name == "Shop A" and saved.view == {"window": "30", "saved": "abc"}
    assert len(saved.token) == 32  # 24 random bytes from secrets: 192 bits

    opened = store.open(saved.token, empty)

    assert opened == saved
    assert empty.dataset is not None and tiny.dataset is not None
    assert empty.dataset.name == "Shop A"
    assert empty.dataset.loads == tiny.dataset.loads  # rows read, mapping, date order, currency
    assert (empty.dataset.customers, empty.dataset.order_lines) == (tiny.dataset.customers, tiny.dataset.order_lines)
    assert empty.reason_overrides == {("Too expensive", "dissatisfaction"): "competitor"}
    for table, rows in tiny.canonical_tables().items():
        assert (
            empty.canonical_tables()[table]
            .sort_by([(rows.column_names[0], "ascending")])
            .equals(rows.sort_by([(rows.column_names[0], "ascending")]))
        ), table
    assert figures(empty) == figures(tiny)


def test_the_token_is_the_only_way_in_and_is_never_on_disk(tiny: Workspace, store: WorkspaceStore) -> None:
    saved = store.save(tiny, "Shop A", {})
    files = sorted(path.name for path in store.root.iterdir())
    assert len(files) == 2 and all(saved.token not in name for name in files)
    assert all(saved.token not in path.read_text(errors="replace") for path in store.root.glob("*.json"))
    for wrong in ("", saved.token[:-1], saved.token + "x", new_token(), "../" + saved.token, files[0]):
        with pytest.raises(SavedWorkspaceNotFound):
            store.describe(wrong)
    assert new_token() != new_token()


def test_two_workspaces_never_see_each_other(tmp_path: Path, store: WorkspaceStore, empty: Workspace) -> None:
    first = make_workspace(tmp_path, ["tiny_orders.csv"], ["tiny_customers.csv"])
    second = Workspace.with_demo()
    try:
        first_saved = store.save(first, "tiny", {})
        second_saved = store.save(second, "demo", {})
        store.open(first_saved.token, empty)
        assert empty.dataset is not None and first.dataset is not None
        assert (empty.dataset.name, empty.dataset.customers) == ("tiny", first.dataset.customers)
        store.open(second_saved.token, empty)
        assert empty.dataset.customers == 5000  # the demo's, nothing of tiny's left
        ids = set(empty.query("dataset_summary").columns)
        assert ids  # the dataset answers queries
        first_ids = set(first.con.sql("select customer_id from orders").df()["customer_id"])
        assert not first_ids & set(empty.con.sql("select customer_id from orders").df()["customer_id"])
    finally:
        first.close()
        second.close()


def test_rename_changes_the_name_only_and_delete_removes_the_files(tiny: Workspace, store: WorkspaceStore) -> None:
    saved = store.save(tiny, "Shop A", {"grain": "quarter"})
    renamed = store.rename(saved.token, "  Shop\nB  ")
    assert renamed.name == "Shop B"  # one line, trimmed
    assert (renamed.view, renamed.size_bytes) == (saved.view, saved.size_bytes)
    assert store.describe(saved.token).name == "Shop B"
    store.delete(saved.token)
    assert list(store.root.iterdir()) == []
    with pytest.raises(SavedWorkspaceNotFound):
        store.describe(saved.token)
    with pytest.raises(SavedWorkspaceNotFound):
        store.delete(saved.token)


def test_saving_again_replaces_the_version_and_keeps_the_link(
    tiny: Workspace, store: WorkspaceStore, empty: Workspace
) -> None:
    saved = store.save(tiny, "Shop A", {"window": "30"})
    tiny.set_reason_overrides({("Moved away", "forced"): "forced"})
    again = store.save(tiny, "Shop A v2", {"window": "45"}, token=saved.token)
    assert again.token == saved.token
    assert len(list(store.root.glob("*.duckdb"))) == 1  # the previous version's data file is gone
    opened = store.open(saved.token, empty)
    assert (opened.name, opened.view) == ("Shop A v2", {"window": "45"})
    assert empty.reason_overrides == {("Moved away", "forced"): "forced"}
    with pytest.raises(SavedWorkspaceNotFound):  # a token that was never saved is not created
        store.save(tiny, "x", {}, token=new_token())


def test_quotas_refuse_a_save_and_change_nothing(tiny: Workspace, tmp_path: Path) -> None:
    root = tmp_path / "workspaces"
    roomy = WorkspaceStore(root, 100 * MB, 1000 * MB)
    first = roomy.save(tiny, "first", {})
    size = first.size_bytes
    with pytest.raises(QuotaExceeded) as error:
        WorkspaceStore(root, size - 1, 1000 * MB).save(tiny, "too big", {})
    assert (error.value.scope, error.value.size_bytes, error.value.limit_bytes) == ("workspace", size, size - 1)
    # The folder holds one workspace of `size` bytes (plus its small JSON): a second does not fit
    # in 2 * size, but saving the first again (replacing its version) does.
    folder_limit = 2 * size
    crowded = WorkspaceStore(root, 100 * MB, folder_limit)
    with pytest.raises(QuotaExceeded) as error:
        crowded.save(tiny, "second", {})
    assert error.value.scope == "folder" and error.value.size_bytes > folder_limit
    assert crowded.save(tiny, "first again", {}, token=first.token).name == "first again"
    assert len(list(root.glob("*.json"))) == 1 and len(list(root.glob("*.duckdb"))) == 1
    assert not list(root.glob("*.partial"))


def test_names_are_one_printable_line() -> None:
    assert clean_name("  Q3\tdata\r\n(final) ") == "Q3 data (final)"
    assert clean_name("x" * 300) == "x" * 100
    assert clean_name("\x00\x1b") == ""


def test_the_folder_and_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHURN_WORKSPACES", str(tmp_path / "kept"))
    monkeypatch.setenv("CHURN_WORKSPACE_MAX_MB", "7")
    monkeypatch.setenv("CHURN_WORKSPACES_MAX_MB", "70")
    workspace_store.cache_clear()
    try:
        store = workspace_store()
        assert (store.root, store.max_workspace_bytes, store.max_folder_bytes) == (tmp_path / "kept", 7 * MB, 70 * MB)
        monkeypatch.setenv("CHURN_WORKSPACE_MAX_MB", "lots")
        workspace_store.cache_clear()
        with pytest.raises(ValueError, match="CHURN_WORKSPACE_MAX_MB must be a whole number"):
            workspace_store()
    finally:
        workspace_store.cache_clear()


# A child process saves a new version of a workspace and is killed with SIGKILL in the middle:
# while the data file is being written (WRITE), or after it was written but before the JSON
# was replaced (COMMIT). It prints "ready" once it is where it should be killed.
_CHILD = """
import os, sys, time
from pathlib import Path
from typing import Any
import churn.saved as saved
from churn.report import build_report, strict_json
from churn.saved import WorkspaceStore, MB
from churn.settings import Settings
from churn.workspace import Workspace

where, root, token = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
if where == "WRITE":
    real = saved.open_database_file
    def slow(path, read_only):
        con = real(path, read_only)
        con.execute("create table half_written as select range as n from range(1000000)")
        con.execute("checkpoint")
        print("ready", flush=True)
        time.sleep(60)
        return con
    saved.open_database_file = slow
else:
    real_replace = saved._replace_atomically
    def stop(path, content):
        print("ready", flush=True)
        time.sleep(60)
    saved._replace_atomically = stop
workspace = Workspace.with_demo()
WorkspaceStore(root, 500 * MB, 5000 * MB).save(workspace, "version 2", {"window": "99"}, token=token)
"""


@pytest.mark.parametrize("where", ["WRITE", "COMMIT"])
def test_a_save_killed_midway_leaves_the_previous_version_readable(
    where: str, tiny: Workspace, store: WorkspaceStore, empty: Workspace, tmp_path: Path
) -> None:
    first = store.save(tiny, "version 1", {"window": "30"})
    before = sorted(path.name for path in store.root.iterdir())
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, where, str(store.root), first.token],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        # Mid-save: the new data file is on disk, the JSON still names version 1.
        assert len(list(store.root.iterdir())) > len(before)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    opened = store.open(first.token, empty)
    assert (opened.name, opened.view) == ("version 1", {"window": "30"})
    assert empty.dataset is not None and tiny.dataset is not None
    assert empty.dataset.customers == tiny.dataset.customers
    # The next server's store removes what the killed save left; version 1 stays.
    store.clean_up()
    assert sorted(path.name for path in store.root.iterdir()) == before
    assert json.loads(next(store.root.glob("*.json")).read_text())["name"] == "version 1"


def test_the_demo_is_saved_and_opened_whole(store: WorkspaceStore, tiny: Workspace) -> None:
    """100k order lines: every row comes back."""
    demo = Workspace.with_demo()
    try:
        saved = store.save(demo, "demo", {})
        store.open(saved.token, tiny)
        counts = tiny.con.sql("select count(*) as n from orders").df()
        assert counts.equals(pd.DataFrame({"n": [100257]}))
    finally:
        demo.close()


def test_a_customer_list_alone_is_saved_and_opened(tmp_path: Path, store: WorkspaceStore, empty: Workspace) -> None:
    listed = make_workspace(tmp_path, [], ["tiny_customers.csv"])
    try:
        saved = store.save(listed, "CRM list", {})
        store.open(saved.token, empty)
        assert empty.dataset is not None and listed.dataset is not None
        assert (empty.dataset.kind, empty.dataset.first_date) == ("customers", None)
        assert empty.dataset.customers == listed.dataset.customers
    finally:
        listed.close()
