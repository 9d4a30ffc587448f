"""The server's resources shared by its sessions: DuckDB's memory split equally among the live
browser sessions (churn.db.MemoryBudget) and imports taken in turn (churn.workspace.ImportQueue)."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from pathlib import Path

import pytest

import churn.workspace
from bench.generate import generate
from bench.load import resident_mb
from churn import db
from churn.db import IDLE_SESSION_MEMORY_MB, MIN_SESSION_MEMORY_MB, MemoryBudget, open_connection
from churn.ingest import DatasetFile
from churn.page_data import default_settings
from churn.sources import ImportProblem, prepare_file
from churn.workspace import ImportQueue, Workspace, import_slots


def test_the_budget_is_shared_equally_by_the_live_sessions() -> None:
    budget = MemoryBudget(900_000_000)
    connections = [open_connection(budgeted=True) for _ in range(3)]
    try:
        budget.join(connections[0])
        assert budget.limits_mb() == [900]
        for con in connections[1:]:
            budget.join(con)
        assert budget.limits_mb() == [300, 300, 300]  # 900 MB ÷ 3 sessions
        budget.leave(connections[0])
        assert budget.limits_mb() == [450, 450]  # its share goes to the others
        # Never less than the floor: 900 MB ÷ 10 sessions would be 90 MB.
        assert budget.share_bytes(10) == MIN_SESSION_MEMORY_MB * 1_000_000
    finally:
        for con in connections:
            con.close()


def test_an_idle_session_gives_its_memory_back_and_gets_it_again_when_it_runs() -> None:
    budget = MemoryBudget(900_000_000, idle_after_seconds=3)
    idle, active = open_connection(budgeted=True), open_connection(budgeted=True)
    try:
        # About 90 MB of table in the session that will go idle.
        idle.execute("create table t as select range as n, md5(range::varchar) as text from range(2000000)")
        budget.join(idle)
        budget.join(active)
        held = idle.execute("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()
        assert held is not None and held[0] > 80_000_000
        assert budget.limits_mb() == [450, 450]
        time.sleep(3.1)
        budget.ran(active)
        assert budget.release_idle() == 1
        assert budget.limits_mb() == [IDLE_SESSION_MEMORY_MB, 900]  # the active one has it all
        # DuckDB moved the idle session's table to its temp folder.
        idle.execute("select count(*) from t").fetchall()
        in_memory = idle.execute("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()
        assert in_memory is not None and in_memory[0] <= IDLE_SESSION_MEMORY_MB * 1_000_000
        budget.ran(idle)  # its next run
        assert budget.limits_mb() == [450, 450]
        assert idle.execute("select count(*) from t").fetchone() == (2_000_000,)
    finally:
        budget.leave(idle)
        budget.leave(active)
        idle.close()
        active.close()


def test_idle_minutes_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHURN_IDLE_MINUTES", raising=False)
    assert MemoryBudget().idle_after_seconds == 15 * 60
    monkeypatch.setenv("CHURN_IDLE_MINUTES", "2")
    assert MemoryBudget().idle_after_seconds == 120


def test_the_budget_is_60_percent_of_the_machine_or_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHURN_MEMORY_BUDGET_MB", raising=False)
    assert db.memory_budget_bytes() == int(db.machine_memory_bytes() * 0.6)
    monkeypatch.setenv("CHURN_MEMORY_BUDGET_MB", "2000")
    assert MemoryBudget().budget_bytes == 2_000_000_000


def test_a_browser_sessions_connection_joins_the_servers_budget_and_leaves_it() -> None:
    before = len(db.MEMORY_BUDGET.limits_mb())
    first, second = Workspace.with_demo(uploads=True), Workspace.with_demo(uploads=True)
    share = db.MEMORY_BUDGET.share_bytes(before + 2) // 1_000_000
    # DuckDB shows sizes of GiB with one decimal: 7.0 GiB for 7,582 MB.
    assert db.MEMORY_BUDGET.limits_mb()[-2:] == [pytest.approx(share, rel=0.02)] * 2
    first.close()
    second.close()
    assert len(db.MEMORY_BUDGET.limits_mb()) == before
    # The report command's and the tests' connections are not sessions: their settings stay locked.
    plain = Workspace.with_demo()
    try:
        with pytest.raises(Exception, match="configuration has been locked"):
            plain.con.execute("set memory_limit = '10GB'")
    finally:
        plain.close()


def test_imports_take_their_turn_and_are_told_how_many_are_ahead() -> None:
    queue = ImportQueue(slots=1)
    order: list[str] = []
    told: list[int] = []
    first_in = threading.Event()
    release = threading.Event()

    def first() -> None:
        with queue.turn():
            order.append("first")
            first_in.set()
            release.wait(5)

    def second() -> None:
        with queue.turn(told.append):
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    first_in.wait(5)
    threads[1].start()
    time.sleep(0.5)
    assert order == ["first"] and told == [1]  # one import ahead of it
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second"]


def test_a_session_that_ends_while_waiting_stops_waiting() -> None:
    queue = ImportQueue(slots=1)
    ended = threading.Event()
    with queue.turn():
        ended.set()
        with pytest.raises(ImportProblem) as problem, queue.turn(cancel=ended):
            pass
    assert problem.value.code == "cancelled"
    with queue.turn():  # the slot was given back
        pass


def test_import_slots_follow_the_cores_or_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert import_slots() == 4  # two threads per connection
    monkeypatch.setenv("CHURN_IMPORT_SLOTS", "1")
    assert import_slots() == 1


@pytest.mark.slow
def test_two_large_uploads_under_a_small_budget_both_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two sessions upload 1M order lines (48 MB of CSV) at once, with 500 MB for both: each gets
    # 256 MB (the floor); one waits for the other's import; both load and build without running
    # out of memory (DuckDB spills what does not fit).
    orders = generate(1_000_000, tmp_path, formats=("csv",))["orders.csv"]
    monkeypatch.setattr(db.MEMORY_BUDGET, "_budget", 500_000_000)
    monkeypatch.setattr(churn.workspace, "IMPORT_QUEUE", ImportQueue(slots=1))
    outcomes: dict[int, object] = {}

    def session(number: int) -> None:
        workspace = Workspace.with_demo(uploads=True)
        try:
            assert workspace.upload_dir is not None
            shutil.copy(orders, workspace.upload_dir / "orders.csv")
            prepared = prepare_file(workspace.upload_dir / "orders.csv", "orders.csv", workspace.upload_dir)
            waited: list[int] = []
            info = workspace.load_dataset(f"big {number}", [DatasetFile(prepared, "orders")], waiting=waited.append)
            workspace.ensure_derived(default_settings(workspace))
            outcomes[number] = (info.rows_loaded, waited, db.MEMORY_BUDGET.limits_mb())
        except Exception as error:  # reported below, with the other session's outcome
            outcomes[number] = error
        finally:
            workspace.close()

    threads = [threading.Thread(target=session, args=(number,)) for number in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert all(isinstance(outcome, tuple) for outcome in outcomes.values()), outcomes
    loaded = [outcome[0] for outcome in outcomes.values() if isinstance(outcome, tuple)]
    waits = [outcome[1] for outcome in outcomes.values() if isinstance(outcome, tuple)]
    assert loaded == [1_000_000, 1_000_000]
    assert sorted(waits) == [[], [1]]  # one queued behind the other


@pytest.mark.slow
def test_the_memory_of_a_large_upload_is_returned_when_its_session_ends(tmp_path: Path) -> None:
    # A session loads 1M order lines (48 MB of CSV), builds its tables and opens the default view;
    # once it has ended, the process holds at most 200 MB more than before it started (what is
    # left is the allocators' cache, not the session's data).
    orders = generate(1_000_000, tmp_path, formats=("csv",))["orders.csv"]
    warm_up = Workspace.with_demo(uploads=True)  # the libraries' own first allocations
    warm_up.close()
    gc.collect()
    before = resident_mb()
    workspace = Workspace.with_demo(uploads=True)
    assert workspace.upload_dir is not None
    shutil.copy(orders, workspace.upload_dir / "orders.csv")
    prepared = prepare_file(workspace.upload_dir / "orders.csv", "orders.csv", workspace.upload_dir)
    workspace.load_dataset("big", [DatasetFile(prepared, "orders")])
    workspace.ensure_derived(default_settings(workspace))
    during = resident_mb()
    workspace.close()
    del workspace
    gc.collect()
    after = resident_mb()
    assert during - before > 200  # the session did hold more than the allowance
    assert after - before < 200, (before, during, after)
