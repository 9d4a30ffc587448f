"""Files and values that once crashed a page or the whole server, or ran for minutes: each has
its exact outcome, and this test process (the server's stand-in) is still alive after each.

The large or binary files are written by tests/data/make_hostile_corpus.py into a temporary
folder; the value files are committed in tests/data/hostile/.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from churn.__main__ import main
from churn.db import open_connection
from churn.i18n import import_problem_text
from churn.ingest import (
    DATE_OUT_OF_RANGE,
    NUMBER_OUT_OF_RANGE,
    DatasetFile,
    ImportProblem,
    create_canonical_tables,
    inspect_file,
    latest_date,
    load_file,
)
from churn.sources import prepare_file
from churn.workspace import Workspace
from tests.data.make_hostile_corpus import write_corpus
from tests.problems import raises_import_problem

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_corpus(folder)
    return folder


def load(path: Path, work: Path, table: str = "orders"):
    con = open_connection([path.parent, work])
    create_canonical_tables(con)
    prepared = prepare_file(path, path.name, work)
    inspect_file(con, prepared, table)
    result = load_file(con, prepared, table)
    assert result.rows_loaded + result.rows_rejected == result.rows_read
    return con, result


def refused(path: Path, work: Path) -> str:
    with pytest.raises(ImportProblem) as caught:
        load(path, work)
    return import_problem_text(caught.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        # Once: "memory allocation of 549755813888 bytes failed", the server process aborted.
        (
            "excel_last_cell.xlsx",
            "excel_last_cell.xlsx: a sheet spans A1:XFD1048576 (17,179,869,184 cells); sheets of up to "
            "20,000,000 cells are read.",
        ),
        # No <dimension> to check first: the reader's own process runs out of its memory limit.
        (
            "excel_last_cell_undeclared.xlsx",
            "excel_last_cell_undeclared.xlsx needs more memory to open than this server allows for one workbook.",
        ),
        # 300 MB of XML in 0.3 MB: refused before any reader unpacks it.
        ("excel_zip_bomb.xlsx", "excel_zip_bomb.xlsx would unpack to 300 MB from 0.3 MB"),
        # Once 105-135 s to inspect and minutes to load (loops quadratic in the columns).
        ("wide.csv", "wide.csv has 16,384 columns; files of up to 1,000 columns are read."),
        ("excel_wide.xlsx", "excel_wide.xlsx has 1,200 columns; files of up to 1,000 columns are read."),
        ("wide.parquet", "wide.parquet has 1,200 columns; files of up to 1,000 columns are read."),
    ],
)
def test_hostile_files_are_refused_with_a_message(corpus: Path, tmp_path: Path, name: str, message: str) -> None:
    started = time.monotonic()
    text = refused(corpus / name, tmp_path)
    assert text.startswith(message)
    assert str(corpus) not in text and str(tmp_path) not in text  # no path is ever shown
    assert time.monotonic() - started < 60  # refused, not read for minutes (a bound, not a timing)
    assert list(tmp_path.iterdir()) == []  # nothing left behind of a refused workbook


def test_a_line_of_a_megabyte_is_read(corpus: Path, tmp_path: Path) -> None:
    # Once "field larger than field limit (131072)". Three orders, the long note unmapped.
    con, result = load(corpus / "long_line.csv", tmp_path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    assert con.execute("select customer_id, amount from orders order by 1").fetchall() == [
        ("A", 10.0),
        ("B", 20.0),
        ("C", 30.0),
    ]


def test_absurd_order_values_are_rejected_with_a_reason(tmp_path: Path) -> None:
    # values_orders.csv, line by line (the header is line 1):
    #   2 A 2024-01-05 10       loaded
    #   3 A 1e308               number out of range (beyond ±1e15)
    #   4 B inf, 5 B NaN, 6 B -Infinity: number out of range
    #   7 C 9999-12-31, 8 C 0001-01-01, 9 C 1899-12-31: date out of range
    #  10 C 1900-01-01 4        loaded (the first date of the range)
    #  11 D 1e15 exactly        loaded (the largest amount)
    #  12 D 1e15 + 1            number out of range
    #  13 E 20                  loaded
    con, result = load(HOSTILE / "values_orders.csv", tmp_path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (12, 4, 8)
    assert con.execute("select line, column_name, reason from rejects order by line").fetchall() == [
        (3, "amount", NUMBER_OUT_OF_RANGE),
        (4, "amount", NUMBER_OUT_OF_RANGE),
        (5, "amount", NUMBER_OUT_OF_RANGE),
        (6, "amount", NUMBER_OUT_OF_RANGE),
        (7, "order_date", DATE_OUT_OF_RANGE),
        (8, "order_date", DATE_OUT_OF_RANGE),
        (9, "order_date", DATE_OUT_OF_RANGE),
        (12, "amount", NUMBER_OUT_OF_RANGE),
    ]
    assert con.execute("select sum(amount), min(order_date)::varchar from orders").fetchone() == (
        10 + 4 + 1e15 + 20,
        "1900-01-01",
    )


def test_a_churn_date_of_9999_is_an_open_end(tmp_path: Path) -> None:
    # K1's churn date 9999-12-31 means "no end date": loaded, without a churn date, and counted.
    # K3 signed up in year 1 and K5 churned in 1850: rejected; K4's revenue 1e308: rejected.
    con, result = load(HOSTILE / "values_customers.csv", tmp_path, table="customers")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.open_ended) == (5, 2, 3, 1)
    assert con.execute("select customer_id, churn_date from customers order by 1").fetchall() == [
        ("K1", None),
        ("K2", date(2024, 5, 1)),
    ]
    assert con.execute("select line, column_name, reason from rejects order by line").fetchall() == [
        (4, "signup_date", DATE_OUT_OF_RANGE),
        (5, "total_revenue", NUMBER_OUT_OF_RANGE),
        (6, "churn_date", DATE_OUT_OF_RANGE),
    ]


def test_the_date_range_ends_with_next_year() -> None:
    assert latest_date(date(2026, 3, 1)) == date(2027, 12, 31)


def test_a_clean_file_with_an_absurd_value_takes_the_path_that_explains_it(tmp_path: Path) -> None:
    # ISO dates and plain numbers would take the typed fast path; 9999-12-31 must still be rejected.
    path = tmp_path / "clean.csv"
    path.write_text("customer_id,order_date,amount\nA,2024-01-05,10\nB,9999-12-31,20\n", encoding="utf-8")
    _, result = load(path, tmp_path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)


def test_the_report_is_strict_json_and_survives_every_hostile_file(corpus: Path, capsys) -> None:
    assert (
        main(["report", str(HOSTILE / "values_orders.csv"), "--customers", str(HOSTILE / "values_customers.csv")]) == 0
    )
    text = capsys.readouterr().out

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the report's JSON")

    report = json.loads(text, parse_constant=refuse)
    assert report["dataset"]["rows_rejected"] == 11
    for name in ("excel_last_cell.xlsx", "excel_zip_bomb.xlsx", "wide.csv"):
        assert main(["report", str(corpus / name)]) == 2
        assert capsys.readouterr().err.startswith(f"error: {name}")


@pytest.fixture(scope="module")
def big_orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3M order lines (about 90 MB): an import that takes a few seconds on this machine."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    duckdb.execute(
        "copy (select 'C' || (i % 100000) as customer_id, date '2023-01-01' + (i % 700)::integer as order_date, "
        "(i % 977) * 1.5 as amount from range(3000000) t(i)) to $path",
        {"path": str(path)},
    )
    return path


def slow_workspace(path: Path) -> tuple[Workspace, DatasetFile]:
    workspace = Workspace(open_connection([path.parent]))
    create_canonical_tables(workspace.con)
    workspace.set_dataset("demo", [])
    return workspace, DatasetFile(prepare_file(path, path.name, None), "orders")


def test_an_import_past_its_time_limit_is_stopped(big_orders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("churn.workspace.IMPORT_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr("churn.workspace.load_demo", lambda con: create_canonical_tables(con) or [])
    workspace, orders = slow_workspace(big_orders)
    try:
        started = time.monotonic()
        with raises_import_problem(r"big\.csv took longer than 0 minutes and was stopped"):
            workspace.load_dataset("big", [orders])
        assert time.monotonic() - started < 10
        # The session goes on with its previous dataset and a working connection.
        assert workspace.dataset is not None and workspace.dataset.name == "demo"
        assert workspace.con.execute("select 1").fetchone() == (1,)
    finally:
        workspace.close()


def test_closing_a_session_stops_its_import(big_orders: Path) -> None:
    workspace, orders = slow_workspace(big_orders)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            workspace.load_dataset("big", [orders])
        except BaseException as error:  # the test looks at what ended it
            outcome.append(error)

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    workspace.close()  # the browser session ended
    worker.join(timeout=30)
    assert not worker.is_alive() and time.monotonic() - started < 10
    assert isinstance(outcome[0], ImportProblem)


def test_a_file_of_exactly_a_thousand_columns_is_read(tmp_path: Path) -> None:
    # The limit itself is allowed: 3 roles + 997 other columns, two rows, dates that need the text
    # path (05/01/2024 with 13/01/2024 deciding day first).
    names = ["customer_id", "order_date", "amount", *(f"note {i}" for i in range(4, 1001))]
    rows = [["A", "05/01/2024", "10", *(["x"] * 997)], ["B", "13/01/2024", "20", *(["y"] * 997)]]
    path = tmp_path / "thousand.csv"
    path.write_text("\n".join(",".join(row) for row in [names, *rows]) + "\n", encoding="utf-8")
    con, result = load(path, tmp_path)
    assert (result.rows_read, result.rows_loaded, result.date_order) == (2, 2, "dmy")
    assert con.execute("select customer_id, order_date::varchar from orders order by 1").fetchall() == [
        ("A", "2024-01-05"),
        ("B", "2024-01-13"),
    ]
