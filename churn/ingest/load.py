"""Loading files into the canonical tables: ``load_file`` takes the typed fast path for a clean
file and the text path for any other (or when asked); a dataset of several files; the demo."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from churn.currency import detect_currency
from churn.db import DATA_DIR, quote_identifier
from churn.ingest.convert import load_as_text
from churn.ingest.schema import REQUIRED_ROLES, LoadResult, create_canonical_tables
from churn.ingest.staging import QUOTING, count, csv_params, record_repeated_rows, try_read_sample
from churn.ingest.typed import load_typed
from churn.sources import PreparedFile


@dataclass
class DatasetFile:
    """One file of a dataset and how to load it (kept to reload the dataset when switching back)."""

    source: PreparedFile
    table: str  # orders | customers
    mapping: dict[str, str] | None = None  # role -> column name; None: detected
    date_order: str | None = None
    exclude_returns: bool = False
    extra_columns: list[str] = field(default_factory=list)  # unmapped columns kept as filters

    def load(self, con: duckdb.DuckDBPyConnection) -> LoadResult:
        return load_file(
            con,
            self.source,
            self.table,
            self.mapping,
            date_order=self.date_order,
            exclude_returns=self.exclude_returns,
            extra_columns=self.extra_columns,
        )


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: PreparedFile | Path,
    table: str,
    mapping: dict[str, str] | None = None,
    name: str | None = None,
    date_order: str | None = None,
    exclude_returns: bool = False,
    extra_columns: list[str] | None = None,
    fast_path: bool = True,
) -> LoadResult:
    """Append the rows of a prepared file to ``orders`` or ``customers``. ``mapping`` (role ->
    column name) defaults to what the headers and values suggest; ``date_order`` ('dmy' or 'mdy')
    reads dates like 05/01/2024 and is needed when the data does not decide it. Returns
    (negative amount or quantity, or a cancelled invoice 'C536379') stay as negative revenue
    unless ``exclude_returns``, which rejects them with that reason. ``extra_columns`` (unmapped
    column names) are kept in ``extra_dimensions`` for filtering. ``fast_path=False`` reads the
    file as text even when it is clean (both ways load the same rows)."""
    if table not in REQUIRED_ROLES:
        raise ValueError(f"Unknown table {table!r}")
    prepared = source if isinstance(source, PreparedFile) else PreparedFile(source, source.name, _format_of(source))
    shown = name or prepared.name
    result: LoadResult | None = None
    if fast_path:
        before = count(con, f"select count(*) from {table}")
        result = load_typed(con, prepared, shown, table, mapping, exclude_returns, extra_columns or [])
        if result is not None and table == "orders" and _may_repeat(con, before):
            _record_repeated_file_rows(con, prepared, shown)
    if result is None:
        result = load_as_text(con, prepared, shown, table, mapping, date_order, exclude_returns, extra_columns or [])
    return replace(result, currency=file_currency(con, prepared, result.mapping))


MONEY_ROLES = ("amount", "unit_price", "cost", "total_revenue")


def file_currency(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, mapping: dict[str, str]) -> str | None:
    """The currency the headers and first values of the file's money columns name, if one."""
    columns = [mapping[role] for role in MONEY_ROLES if role in mapping]
    if not columns:
        return None
    read = try_read_sample(con, prepared)
    if read is None:
        return None
    headers, sample = read
    positions = [headers.index(column) for column in columns if column in headers]
    values = [row[position] for row in sample for position in positions if position < len(row)]
    return detect_currency(columns, values)


def _may_repeat(con: duckdb.DuckDBPyConnection, first_row: int) -> bool:
    """Whether two of the order lines loaded from ``first_row`` on have the same source_row_hash
    (the hash of the whole row as read): without that, no row of the file repeats another, and
    the file need not be read again."""
    counted = con.execute(
        "select count(*) <> count(distinct source_row_hash) from orders where rowid >= $first_row",
        {"first_row": first_row},
    ).fetchone()
    return bool(counted and counted[0])


def _record_repeated_file_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, shown: str) -> None:
    """Count the repeated rows of a file loaded by the typed path, reading it again as text (only
    when its row hashes say some may repeat)."""
    params: dict[str, object]
    if prepared.format == "parquet":
        source, params = "read_parquet($path)", {"path": str(prepared.path)}
    else:
        source = (
            f"read_csv($path, header = $header, all_varchar = true, delim = $delim, {QUOTING}, ignore_errors = true)"
        )
        params = csv_params(prepared)
    names = [row[0] for row in con.execute(f"describe select * from {source}", params).fetchall()]
    record_repeated_rows(con, shown, source, [quote_identifier(n) for n in names], params)


def _format_of(path: Path) -> str:
    return "parquet" if path.suffix == ".parquet" else "csv"


def load_files(
    con: duckdb.DuckDBPyConnection,
    order_files: list[Path | PreparedFile],
    customer_files: list[Path | PreparedFile] | None = None,
) -> list[LoadResult]:
    """Replace the session's dataset by the given files (roles detected)."""
    create_canonical_tables(con)
    results = [load_file(con, source, "orders") for source in order_files]
    results += [load_file(con, source, "customers") for source in customer_files or []]
    return results


def load_demo(con: duckdb.DuckDBPyConnection) -> list[LoadResult]:
    """Load the committed demo dataset (``data/demo_orders.csv`` and ``data/demo_customers.csv``)."""
    return load_files(con, [DATA_DIR / "demo_orders.csv"], [DATA_DIR / "demo_customers.csv"])
