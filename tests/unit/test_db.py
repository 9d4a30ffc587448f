"""The session connection is private and locked down; errors become readable messages."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from churn.db import QueryError, open_connection, quote_identifier, run_query, translate_error


def test_files_outside_the_allowed_folders_cannot_be_read(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    (tmp_path / "ok.csv").write_text("a\n1\n")
    assert con.execute("select * from read_csv($p)", {"p": str(tmp_path / "ok.csv")}).fetchall() == [(1,)]
    with pytest.raises(duckdb.PermissionException):
        con.execute("select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        con.execute("copy (select 1) to '/tmp/escape.csv'")


def test_configuration_is_locked(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    for statement in ("set enable_external_access = true", "set threads = 8", "set allowed_directories = ['/']"):
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(statement)


def test_python_variables_are_not_visible_to_sql(tmp_path: Path) -> None:
    secret_frame = pd.DataFrame({"x": [1]})  # noqa: F841 - must not be found by name
    con = open_connection([tmp_path])
    with pytest.raises(duckdb.CatalogException):
        con.execute("select * from secret_frame")


def test_connections_do_not_share_data(tmp_path: Path) -> None:
    first, second = open_connection([tmp_path]), open_connection([tmp_path])
    first.execute("create table orders as select 1 as x")
    with pytest.raises(duckdb.CatalogException):
        second.execute("select * from orders")


def test_run_query_requires_its_parameters(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    with pytest.raises(ValueError, match="as_of"):
        run_query(con, "customer_order_days", {})


def test_query_names_cannot_be_paths(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    with pytest.raises(ValueError, match="Not a query name"):
        run_query(con, "../etc/passwd")


def test_errors_are_translated(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    with pytest.raises(QueryError) as raised:
        run_query(con, "dataset_summary")  # no tables loaded
    assert "dataset_summary" in raised.value.message
    assert raised.value.hint
    permission = translate_error(duckdb.PermissionException("x"), "load")
    assert "cannot be read" in permission.message


def test_quote_identifier() -> None:
    assert quote_identifier('a"; drop table x; --') == '"a""; drop table x; --"'


def test_runaway_query_is_interrupted_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import churn.db
    import churn.workspace
    from churn.workspace import Workspace

    workspace = Workspace(open_connection([tmp_path]))
    monkeypatch.setattr(churn.workspace, "QUERY_TIMEOUT_SECONDS", 0.2)
    runaway = "select count(*) from range(1000000000000) a"
    monkeypatch.setattr(churn.db, "load_sql", lambda name: runaway)
    monkeypatch.setattr(churn.workspace, "load_sql", lambda name: runaway)
    with pytest.raises(QueryError) as raised:
        workspace.query("runaway")
    assert raised.value.message == "The computation 'runaway' was stopped."
    # The connection still works afterwards.
    assert workspace.con.execute("select 42").fetchone() == (42,)


def test_a_query_bigger_than_memory_spills_to_the_connections_own_temp_folder() -> None:
    import os

    from churn.db import open_connection, scratch_root, spill_folder

    con = open_connection(memory_limit="64MB")
    folder = str(spill_folder(con))
    assert folder.startswith(f"{scratch_root()}/spill-") and not folder.startswith(os.getcwd())
    con.execute("create table t as select i, hash(i)::varchar as s from range(4000000) r(i)")
    assert con.execute("select count(*) from (select * from t order by s)").fetchone() == (4000000,)
    con.close()
    assert not os.path.exists(folder)  # removed with the connection
