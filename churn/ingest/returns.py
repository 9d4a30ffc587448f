"""Returns and cancellations: a negative amount or quantity, or an invoice number marked as
cancelled ('C' + the digits of a plain invoice number, as in many ERP exports), counted only
when most invoice numbers are plain digits. Their amount is made negative (or, if asked, the
row is rejected as RETURN_EXCLUDED)."""

from __future__ import annotations

import duckdb

from churn.ingest.staging import count

_MARKED = "regexp_full_match({order_id}, '[Cc]\\d+')"
_PLAIN = "regexp_full_match({order_id}, '\\d+')"


def return_condition(con: duckdb.DuckDBPyConnection, expressions: dict[str, str]) -> str:
    """SQL true for a staged row that is a return, from the converted ``expressions`` of its
    roles (amount, and quantity and order_id when mapped)."""
    conditions = [f"{expressions['amount']} < 0"]
    if "quantity" in expressions:
        conditions.append(f"{expressions['quantity']} < 0")
    if "order_id" in expressions:
        marked = _MARKED.format(order_id=expressions["order_id"])
        plain = _PLAIN.format(order_id=expressions["order_id"])
        counted = con.execute(
            f"select count(*) filter (where {marked}), count(*) filter (where {plain}) from staging"
        ).fetchone()
        marked_count, plain_count = counted or (0, 0)
        if marked_count and plain_count > marked_count:
            conditions.append(marked)
    return "(" + " or ".join(f"coalesce({c}, false)" for c in conditions) + ")"


def negate_returns(con: duckdb.DuckDBPyConnection, first_row: int, has_quantity: bool, has_order_id: bool) -> None:
    """Make the amount of returns negative among the orders appended from ``first_row`` on."""
    conditions = ["quantity < 0"] if has_quantity else []
    if has_order_id:
        appended = f"select count(*) from orders where rowid >= {first_row}"
        marked = count(con, f"{appended} and order_id ilike 'c%'")
        if marked and count(con, f"{appended} and {_PLAIN.format(order_id='order_id')}") > marked:
            conditions.append(_MARKED.format(order_id="order_id"))
    if conditions:
        con.execute(
            f"update orders set amount = -abs(amount) where rowid >= {first_row} and amount > 0 "
            f"and ({' or '.join(conditions)})"
        )
