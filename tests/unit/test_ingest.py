"""CSV loading for the foundation: roles found by header, bad rows rejected with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from churn.db import load_sql, open_connection
from churn.i18n import import_problem_text, set_language, t
from churn.ingest import REJECT_CODES, create_canonical_tables, inspect_file, load_file
from churn.roles import CUSTOMER_COLUMNS, ORDER_COLUMNS, detect
from churn.sources import FULL_WIDTH, FULL_WIDTH_FROM, FULL_WIDTH_TO
from tests.problems import raises_import_problem


def load(tmp_path: Path, text: str, table: str = "orders"):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    return con, load_file(con, path, table)


def test_roles_from_english_and_chinese_headers() -> None:
    assert detect(["Customer ID", "Order Date", "Sales"], [], "orders").mapping == {
        "customer_id": "Customer ID",
        "order_date": "Order Date",
        "amount": "Sales",
    }
    assert detect(["客户编号", "订单日期", "实付金额", "地区"], [], "orders").mapping == {
        "customer_id": "客户编号",
        "order_date": "订单日期",
        "amount": "实付金额",
        "region": "地区",
    }


def test_bad_rows_are_rejected_with_line_column_and_reason(tmp_path: Path) -> None:
    con, result = load(
        tmp_path,
        "customer,date,amount\n"
        "001,2024-01-05,100\n"  # line 2: fine, leading zeros kept
        ",2024-01-06,50\n"  # line 3: no customer id
        "002,yesterday,50\n"  # line 4: bad date
        '003,2024/1/7,"1,234.50"\n'  # line 5: fine
        "004,2024-01-08,abc\n"  # line 6: not a number
        "17850.0,20240109,(12)\n",  # line 7: fine: id 17850, negative 12
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 3, 3)
    assert result.rows_loaded + result.rows_rejected == result.rows_read
    rejects = con.execute("select line, column_name, reason from rejects order by line").fetchall()
    assert rejects == [
        (3, "customer_id", "missing_customer_id"),
        (4, "order_date", "unparseable_date"),
        (6, "amount", "not_a_number"),
    ]
    orders = con.execute("select customer_id, order_date::varchar, amount from orders order by 1").fetchall()
    assert orders == [("001", "2024-01-05", 100.0), ("003", "2024-01-07", 1234.5), ("17850", "2024-01-09", -12.0)]


def test_missing_required_column_says_which(tmp_path: Path) -> None:
    with raises_import_problem("no column found for Amount"):
        load(tmp_path, "customer,date\n1,2024-01-01\n")


def test_hostile_header_is_just_a_name(tmp_path: Path) -> None:
    con, result = load(tmp_path, 'customer,date,amount,"x""; drop table orders; --"\n1,2024-01-01,5,y\n')
    assert result.rows_loaded == 1
    assert con.execute("select count(*) from orders").fetchone() == (1,)


def test_customers_file_with_optional_dates(tmp_path: Path) -> None:
    con, result = load(
        tmp_path, "customer_id,churn_date,churn_reason\nA,2024-03-25,Moved away\nB,,\nC,not a date,x\n", "customers"
    )
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    rows = con.execute("select customer_id, churn_date::varchar, churn_reason from customers order by 1").fetchall()
    assert rows == [("A", "2024-03-25", "Moved away"), ("B", None, None)]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("客户编号,订单日期,金额\n001,2024-01-05,100\n".encode("utf-8-sig"), "utf-8-sig"),
        ("客户编号,订单日期,金额\n001,2024-01-05,100\n".encode("utf-16"), "utf-16"),
        ("客户编号,订单日期,金额\n001,2024-01-05,100\n".encode("gbk"), "gb18030"),
        ("customer,date,amount,city\n1,2024-01-05,100,Zürich\n".encode("cp1252"), "cp1252"),
        (b"customer,date,amount\n1,2024-01-05,100\n", "utf-8"),
    ],
)
def test_uploads_in_every_encoding_become_utf8(tmp_path: Path, data: bytes, encoding: str) -> None:
    from churn.sources import detect_encoding, prepare_upload

    assert detect_encoding(data) == encoding
    prepared = prepare_upload(data, "../../etc/passwd", tmp_path)
    assert prepared.name == "passwd"  # a name, never a path
    assert prepared.path.parent == tmp_path
    con = open_connection([tmp_path])
    inspection = inspect_file(con, prepared, "orders")
    assert inspection.headers[0] in {"客户编号", "customer"}  # no stray BOM in the first header
    assert inspection.mapping["customer_id"] == inspection.headers[0]
    assert inspection.preview[0][:3] == ["001" if "客户编号" in inspection.headers else "1", "2024-01-05", "100"]


def test_upload_problems_are_explained(tmp_path: Path) -> None:
    from churn.sources import prepare_upload

    with raises_import_problem("is empty"):
        prepare_upload(b"  \n", "a.csv", tmp_path)
    with raises_import_problem("looks like an Excel workbook but cannot be opened"):
        prepare_upload(b"PK\x03\x04zip", "a.csv", tmp_path)
    with raises_import_problem("not a text table"):
        prepare_upload(b"\x7fELF\x00\x00\x00binary", "a.csv", tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written for a refused file


def test_parquet_by_content_and_amount_from_quantity_times_price(tmp_path: Path) -> None:
    import duckdb as plain_duckdb

    from churn.sources import prepare_upload

    source = tmp_path / "source.parquet"
    plain_duckdb.sql(
        "select '007' as customer_id, date '2024-01-05' as order_date, 3 as qty, 2.5 as unit_price"
    ).write_parquet(str(source))
    prepared = prepare_upload(source.read_bytes(), "export.csv", tmp_path)  # the name says csv, the content not
    assert prepared.format == "parquet"
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    result = load_file(con, prepared, "orders")
    assert (result.rows_loaded, result.file) == (1, "export.csv")
    assert con.execute("select customer_id, amount from orders").fetchall() == [("007", 7.5)]  # 3 x 2.5


def test_a_customer_list_says_who_is_lost_in_words_or_with_a_churn_flag(tmp_path: Path) -> None:
    from datetime import date

    from churn.workspace import Workspace

    for name, text, lost in (
        # Words: Churned and 流失 are lost; Stayed, Joined and 在网 are not.
        ("words.csv", "Customer ID,Customer Status\nA,Churned\nB,Stayed\nC,Joined\nD,流失\nE,在网\n", 2),
        # A churn flag: Yes is lost (in a column of yes/no only).
        ("flag.csv", "customer,Churn\nA,Yes\nB,No\nC,No\n", 1),
        ("ones.csv", "customer,Exited\nA,1\nB,0\nC,1\nD,0\n", 2),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        workspace = Workspace(open_connection([tmp_path]))
        create_canonical_tables(workspace.con)
        workspace.set_dataset(name, [load_file(workspace.con, path, "customers")])
        workspace.ensure_facts(date(2025, 6, 30), 90)
        status = workspace.query("customer_status", {"tiers": [], "filter_dimension": "region", "filter_values": []})
        assert int(status.iloc[0]["lost_now"]) == lost, name
        workspace.close()


def test_the_canonical_tables_have_the_columns_roles_detect() -> None:
    # queries/ingest/canonical_tables.sql and churn/roles.py name the same columns, in the same
    # order (rows are inserted by position) and with the same types.
    con = open_connection([])
    create_canonical_tables(con)
    # orders also keeps the hash of each row as read (repeated rows are counted from it).
    orders = {**ORDER_COLUMNS, "source_row_hash": "ubigint"}
    for table, columns in (("orders", orders), ("customers", CUSTOMER_COLUMNS)):
        described = con.execute(f"describe {table}").fetchall()
        assert [(row[0], row[1].lower()) for row in described] == list(columns.items()), table
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    # reason_map is derived (churn/build.py), not written by an import.
    assert tables == {"orders", "customers", "rejects", "extra_dimensions", "status_words", "repeated_rows"}
    assert con.execute("select count(*) from status_words").fetchone() != (0,)


def test_reject_reasons_are_codes_shown_in_each_language(tmp_path: Path) -> None:
    in_sql = re.findall(r"(?:then|else) '(\w+)'", load_sql("unreadable_rows"))
    assert in_sql and set(in_sql) <= set(REJECT_CODES)
    con, _ = load(tmp_path, "customer,date,amount\n,2024-01-05,1\nA,2024-01-05\n")
    assert {row[0] for row in con.execute("select reason from rejects").fetchall()} <= set(REJECT_CODES)
    for lang in ("en", "zh"):
        set_language(lang)
        try:
            assert all(t(f"reject.{code}") != f"reject.{code}" for code in REJECT_CODES)
        finally:
            set_language("en")


def test_an_import_problem_is_a_code_shown_in_each_language(tmp_path: Path) -> None:
    with raises_import_problem("no column found for Order date, Amount") as caught:
        load(tmp_path, "customer\n1\n")
    assert caught.value.code == "missing_roles"
    assert caught.value.params == {"name": "file.csv", "roles": ["order_date", "amount"], "columns": ["customer"]}
    set_language("zh")
    try:
        shown = import_problem_text(caught.value)
    finally:
        set_language("en")
    assert "file.csv" in shown and t("role.amount") not in shown  # the roles by their Chinese names


def test_the_parsing_macros_fold_full_width_forms_as_the_sniffers_do() -> None:
    # clean_text (queries/macros/parse_values.sql) and FULL_WIDTH (churn/sources.py, used to
    # sniff headers and roles) turn the same characters into the same ASCII.
    con = open_connection([])
    folded = con.execute("select clean_text('x' || $text || 'x')", {"text": FULL_WIDTH_FROM}).fetchone()
    assert folded == (f"x{FULL_WIDTH_TO}x",) == (f"x{FULL_WIDTH_FROM}x".translate(FULL_WIDTH),)
