"""CSV loading for the foundation: roles found by header, bad rows rejected with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from churn.db import open_connection
from churn.ingest import ImportProblem, create_canonical_tables, detect_roles, load_csv


def load(tmp_path: Path, text: str, table: str = "orders"):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    return con, load_csv(con, path, table)


def test_roles_from_english_and_chinese_headers() -> None:
    assert detect_roles(["Customer ID", "Order Date", "Sales"], "orders") == {
        "customer_id": "Customer ID",
        "order_date": "Order Date",
        "amount": "Sales",
    }
    assert detect_roles(["客户编号", "订单日期", "实付金额", "地区"], "orders") == {
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
        (3, "customer_id", "missing customer id"),
        (4, "order_date", "unparseable date"),
        (6, "amount", "not a number"),
    ]
    orders = con.execute("select customer_id, order_date::varchar, amount from orders order by 1").fetchall()
    assert orders == [("001", "2024-01-05", 100.0), ("003", "2024-01-07", 1234.5), ("17850", "2024-01-09", -12.0)]


def test_missing_required_column_says_which(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem, match="no column found for amount"):
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
