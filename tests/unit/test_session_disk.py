"""A session's disk: uploaded files no dataset uses are deleted at once, the session's folder is
kept within its limit (older datasets let go first, then a plain refusal), and scratch folders of
a session, a connection's spill folder and those of a killed server are removed."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from churn.db import remove_leftover_scratch, scratch_root, spill_folder
from churn.ingest import DatasetFile
from churn.sources import prepare_upload
from churn.workspace import Workspace, session_disk_limit
from tests.problems import raises_import_problem

ROWS = "customer_id,order_date,amount\n" + "".join(f"C{n},2024-01-{n % 28 + 1:02d},10\n" for n in range(2000))
SIZE = len(ROWS.encode())  # 56,780 bytes, whatever the file's name


def upload(workspace: Workspace, name: str) -> DatasetFile:
    assert workspace.upload_dir is not None
    return DatasetFile(prepare_upload(ROWS.encode(), name, workspace.upload_dir), "orders")


def files_in(workspace: Workspace) -> set[str]:
    assert workspace.upload_dir is not None
    return {path.name for path in workspace.upload_dir.iterdir()}


@pytest.fixture
def session() -> Workspace:
    workspace = Workspace.with_demo(uploads=True)
    yield workspace
    workspace.close()


def test_files_no_dataset_uses_are_deleted_when_a_dataset_loads(session: Workspace) -> None:
    first = upload(session, "a.csv")
    replaced = upload(session, "b.csv")  # chosen, then replaced in the uploader by c.csv
    chosen = upload(session, "c.csv")
    session.load_dataset("one", [first])
    # b.csv and c.csv are not loaded yet: c.csv is pending, b.csv is not.
    session.discard_unused_uploads(pending=[chosen.source.path])
    assert files_in(session) == {first.source.path.name, chosen.source.path.name}
    assert not replaced.source.path.exists()
    # "one" loaded again from another file (then the page discards what no dataset uses): its first file goes.
    session.load_dataset("one", [chosen])
    session.discard_unused_uploads()
    assert files_in(session) == {chosen.source.path.name}


def test_the_session_folder_stays_within_its_limit(session: Workspace) -> None:
    # Room for two files of SIZE bytes, not three.
    limit = 2 * SIZE + SIZE // 2
    one = upload(session, "one.csv")
    session.keep_uploads_within(limit, one.source)
    session.load_dataset("one", [one])
    two = upload(session, "two.csv")
    session.keep_uploads_within(limit, two.source)
    session.load_dataset("two", [two])
    assert list(session.datasets) == ["one", "two"]
    # A third: "one", kept longest ago and not in use, is let go with its file.
    three = upload(session, "three.csv")
    session.keep_uploads_within(limit, three.source)
    assert list(session.datasets) == ["two"] and not one.source.path.exists()
    session.load_dataset("three", [three])
    session.discard_unused_uploads()
    assert session.upload_bytes() == 2 * SIZE <= limit
    # With only the dataset in use left, a file that does not fit is refused and deleted.
    session.datasets.pop("two")
    big = DatasetFile(prepare_upload((ROWS * 3).encode(), "big.csv", session.upload_dir), "orders")
    with raises_import_problem("big.csv was not kept: with it, this browser session's uploaded files would take"):
        session.keep_uploads_within(limit, big.source)
    assert not big.source.path.exists() and session.dataset is not None and session.dataset.name == "three"
    assert files_in(session) == {three.source.path.name}


def test_the_limit_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert session_disk_limit() == 1_000_000_000
    monkeypatch.setenv("CHURN_SESSION_DISK_MB", "50")
    assert session_disk_limit() == 50_000_000


def test_a_closed_session_leaves_no_files() -> None:
    workspace = Workspace.with_demo(uploads=True)
    spill = spill_folder(workspace.con)
    assert workspace.upload_dir is not None and spill is not None
    assert workspace.upload_dir.parent == scratch_root() == spill.parent
    spill.mkdir(exist_ok=True)  # DuckDB makes it when it first spills
    (spill / "duckdb_temp_block-1.block").write_bytes(b"x")
    upload(workspace, "a.csv")
    workspace.close()
    assert not workspace.upload_dir.exists() and not spill.exists()


def test_scratch_of_a_killed_server_is_removed_and_a_running_one_kept() -> None:
    # A process that has ended: its id is free (the kernel hands ids out in order, not back at once).
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = Path(tempfile.gettempdir()) / f"churn-{int(ended.stdout)}"
    (dead / "session-x").mkdir(parents=True)
    (dead / "session-x" / "upload").write_bytes(b"rows")
    mine = scratch_root()
    other = Path(tempfile.gettempdir()) / "churn-session-not-a-pid"  # not a scratch folder: kept
    other.mkdir(exist_ok=True)
    try:
        assert dead in remove_leftover_scratch()
        assert not dead.exists() and mine.exists() and other.exists()
    finally:
        other.rmdir()
