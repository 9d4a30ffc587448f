"""Counts a manager checks first, on hand-made exports: orders against order lines, repeated rows,
returns, customers who only returned goods, and ties decided by cents, not floating-point noise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from churn.db import open_connection
from churn.ingest import create_canonical_tables, load_file
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS

AS_OF = date(2024, 6, 30)


def loaded(tmp_path: Path, text: str) -> Workspace:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    workspace.set_dataset("orders", [load_file(workspace.con, path, "orders")])
    return workspace


def test_an_invoice_of_three_products_at_one_price_is_one_order_of_three_lines(tmp_path: Path) -> None:
    # Invoice 100 holds three different products at 2.55 each: three lines, one order, and no
    # repeated row (the product differs). Invoice 101 is exported twice: one repeated row.
    workspace = loaded(
        tmp_path,
        "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
        "100,85123A,6,2024-01-05,2.55,A\n"
        "100,71053,6,2024-01-05,2.55,A\n"
        "100,84406B,6,2024-01-05,2.55,A\n"
        "101,22633,1,2024-01-06,9.99,B\n"
        "101,22633,1,2024-01-06,9.99,B\n",
    )
    dataset = workspace.dataset
    assert dataset is not None
    assert (dataset.order_lines, dataset.orders, dataset.customers) == (5, 2, 2)
    warnings = workspace.query("data_warnings", {"today": date(2026, 1, 1)}).set_index("warning")
    assert int(warnings.loc["duplicate_rows", "rows"]) == 1
    assert warnings.loc["duplicate_rows", "example"] == "101,22633,1,2024-01-06,9.99,B"
    workspace.close()


def test_without_an_order_id_only_order_lines_are_counted(tmp_path: Path) -> None:
    workspace = loaded(tmp_path, "customer,date,amount\nA,2024-01-05,10\nA,2024-01-05,10\n")
    assert workspace.dataset is not None
    assert (workspace.dataset.order_lines, workspace.dataset.orders) == (2, None)
    workspace.close()


def test_returns_are_counted_among_loaded_rows_only(tmp_path: Path) -> None:
    # Two returns (negative quantity), one of them with no customer id: rejected, not counted.
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer,date,quantity,price\nA,2024-01-05,2,5\nA,2024-01-09,-1,5\n,2024-01-10,-1,5\nB,2024-01-06,1,7\n",
        encoding="utf-8",
    )
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    result = load_file(con, path, "orders")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.returns) == (4, 3, 1, 1)
    con.close()


def test_a_customer_who_only_returned_goods_is_no_customer(tmp_path: Path) -> None:
    # R's only line is a return (bought before the data starts): not new, not active, not lost,
    # not ranked. A's return-only day (Mar 1) neither extends A's spell nor keeps A active: A
    # churns on Jan 10 + 30 = Feb 9, and its revenue nets the return: 100 - 40 = 60.
    workspace = loaded(
        tmp_path,
        "customer,date,amount\nA,2024-01-10,100\nA,2024-03-01,-40\nR,2024-02-01,-25\nB,2024-06-20,30\n",
    )
    workspace.ensure_facts(AS_OF, 30)
    status = workspace.query("customer_status", NO_FILTERS).iloc[0]
    assert (status["customers"], status["active_customers"], status["lost_now"]) == (2, 1, 1)
    facts = dict(workspace.con.execute("select customer_id, churn_date from customer_facts").fetchall())
    assert facts == {"A": date(2024, 2, 9), "B": None}
    spell = workspace.con.execute("select last_order_date, revenue from customer_spells where customer_id = 'A'")
    assert spell.fetchone() == (date(2024, 1, 10), 60.0)
    ranked = workspace.con.execute("select customer_id from customer_tiers order by value_rank").fetchall()
    assert ranked == [("A",), ("B",)]
    assert workspace.dataset is not None and workspace.dataset.customers == 2
    workspace.close()


def test_a_tie_in_cents_is_decided_by_the_customer_id(tmp_path: Path) -> None:
    # A: 10.10 + 20.20 = 30.299999999999997 in floating point; B: one order of 30.30. Both are
    # worth 30.30: a tie, so the customer id decides and A ranks first (platinum of 2 customers:
    # ceil(0.02) = 1). Without rounding to cents B would rank first.
    workspace = loaded(tmp_path, "customer,date,amount\nA,2024-01-05,10.10\nA,2024-02-05,20.20\nB,2024-01-05,30.30\n")
    workspace.ensure_facts(AS_OF, 90, TierRule())
    ranked = workspace.con.execute("select customer_id, value, tier from customer_tiers order by value_rank").fetchall()
    assert ranked == [("A", 30.3, "platinum"), ("B", 30.3, "lead")]
    workspace.close()
