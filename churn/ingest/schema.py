"""What an import writes and reports: the canonical tables (``queries/ingest/canonical_tables.sql``),
the roles each table needs, the range of real values, the codes of rejected rows, ``LoadResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from churn.db import load_sql, query_parameters
from churn.roles import CUSTOMER_COLUMNS, ORDER_COLUMNS, status_words

REQUIRED_ROLES = {"orders": ("customer_id", "order_date", "amount"), "customers": ("customer_id",)}
DATE_ORDERS = ("dmy", "mdy")  # how to read 05/01/2024: day first or month first

# Why a row was not loaded: the codes in rejects.reason, shown as the text reject.<code>.
MISSING_CUSTOMER_ID = "missing_customer_id"
UNPARSEABLE_DATE = "unparseable_date"
NOT_A_NUMBER = "not_a_number"
DATE_OUT_OF_RANGE = "date_out_of_range"
NUMBER_OUT_OF_RANGE = "number_out_of_range"
RETURN_EXCLUDED = "return_excluded"
WRONG_NUMBER_OF_FIELDS = "wrong_number_of_fields"  # queries/ingest/unreadable_rows.sql
UNREADABLE_TEXT = "unreadable_text"  # queries/ingest/unreadable_rows.sql
REJECT_CODES = (
    MISSING_CUSTOMER_ID,
    UNPARSEABLE_DATE,
    NOT_A_NUMBER,
    DATE_OUT_OF_RANGE,
    NUMBER_OUT_OF_RANGE,
    RETURN_EXCLUDED,
    WRONG_NUMBER_OF_FIELDS,
    UNREADABLE_TEXT,
)

# Dates before this, or more than a year after the current year, are not real order dates (year
# 1, 9999-12-31 "no end date"): such a row is rejected, except that a churn date after the range
# is read as no churn date (an open end). Amounts beyond ±MAX_AMOUNT, NaN or infinite are rejected.
EARLIEST_DATE = date(1900, 1, 1)
MAX_AMOUNT = 1e15


def latest_date(today: date | None = None) -> date:
    """The last date a file's dates may hold: the end of next year."""
    return date((today or date.today()).year + 1, 12, 31)


def range_params(sql: str) -> dict[str, object]:
    """The bounds of real values ($earliest_date, $latest_date, $max_amount) that ``sql`` uses
    (DuckDB refuses parameters a statement does not use)."""
    bounds: dict[str, object] = {"earliest_date": EARLIEST_DATE, "latest_date": latest_date(), "max_amount": MAX_AMOUNT}
    return {name: value for name, value in bounds.items() if name in query_parameters(sql)}


def out_of_range_sql(expression: str, sql_type: str) -> str:
    """SQL true for a converted value outside the range of real data (NULL stays NULL)."""
    if sql_type == "date":
        return f"date_out_of_range({expression}, $earliest_date::date, $latest_date::date)"
    return f"number_out_of_range({expression}, $max_amount::double)"


def table_columns(table: str) -> dict[str, str]:
    """The canonical columns of ``table`` (orders | customers) and their SQL types."""
    return ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS


def source_row_hash(columns: int) -> str:
    """SQL of orders.source_row_hash for a file read as the positional columns c1..c{columns}."""
    return "hash(" + ", ".join(f"c{position}" for position in range(1, columns + 1)) + ")"


# The tables an import writes (queries/ingest/canonical_tables.sql): a dataset is these tables;
# everything else is derived from them (churn.build).
CANONICAL_TABLES = ("orders", "customers", "rejects", "extra_dimensions", "status_words", "repeated_rows")


def create_canonical_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty canonical tables (dropping any previous dataset)."""
    con.execute(load_sql("canonical_tables"))
    con.executemany("insert into status_words values (?, ?)", list(status_words().items()))


@dataclass
class LoadResult:
    """What happened to one file."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    mapping: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    returns: int = 0  # rows kept as negative revenue (or rejected when excluded)
    open_ended: int = 0  # churn dates after the date range (9999-12-31) read as no churn date
    typed: bool = False  # read by the typed fast path (else staged as text and converted)
    currency: str | None = None  # ISO 4217 code the money columns' headers and values name (churn.currency)
