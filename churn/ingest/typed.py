"""The typed fast path for a clean file (a large export, a data team's Parquet): the mapped
columns read with their types in one pass, straight into the canonical table, without staging
as text. Taken only when a sample shows ISO dates, plain numbers and ids without full-width
forms; it gives up (rolls back: the text path decides) when any date or number cannot be taken
as it is, a value is outside the range of real data or a required value is missing, so both
paths load the same rows. (Ids are trimmed; a full-width id after the sample stays as written.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from churn.db import quote_identifier
from churn.ingest.returns import negate_returns
from churn.ingest.schema import (
    REQUIRED_ROLES,
    LoadResult,
    out_of_range_sql,
    range_params,
    source_row_hash,
    table_columns,
)
from churn.ingest.staging import (
    QUOTING,
    STOPPED,
    clear_csv_rejects,
    count,
    csv_params,
    positional,
    try_read_sample,
)
from churn.roles import detect
from churn.sources import PreparedFile

# Values the typed reader takes as they are; a sample with anything else takes the text path.
_PLAIN = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "double": re.compile(r"^-?\d+(\.\d+)?$"),
    "varchar": re.compile(r"^[^\uff00-\uffef\u3000]*$"),  # no full-width forms to translate
}
_FLOAT_ID = re.compile(r"^\d+\.0+$")


@dataclass
class _TypedRead:
    """A file read with the types of its mapped columns: the reader and what it selects."""

    headers: list[str]
    mapping: dict[str, str]  # role -> header
    source: str  # SQL of the typed reader (c1..cN)
    params: dict[str, object]
    expressions: dict[str, str]  # role -> SQL of its value


def load_typed(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    shown: str,
    table: str,
    mapping: dict[str, str] | None,
    exclude_returns: bool,
    extra_columns: list[str],
) -> LoadResult | None:
    """Append a clean file to ``table`` in one typed pass; None (nothing appended) when the file
    needs the text path."""
    found = _plain_file(con, prepared, table, mapping)
    if found is None:
        return None
    headers, mapping = found
    read = _typed_read(con, prepared, table, headers, mapping)
    before = count(con, f"select count(*) from {table}")
    # Straight into the table in one pass, undone if any row needs the text path.
    con.execute("begin transaction")
    try:
        appended = _append(con, prepared, table, read, before, exclude_returns)
        if appended is None:
            con.execute("rollback")
            return None  # the text path finds and explains every problem row
        _keep_extra_columns(con, read, extra_columns)
        con.execute("commit")
    except duckdb.Error as error:
        con.execute("rollback")
        if isinstance(error, STOPPED):
            raise
        return None
    finally:
        if prepared.format != "parquet":
            clear_csv_rejects(con)
    rows, returns = appended
    return LoadResult(shown, table, rows, rows, 0, dict(mapping), None, returns, typed=True)


def _plain_file(
    con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str, mapping: dict[str, str] | None
) -> tuple[list[str], dict[str, str]] | None:
    """The headers and the mapping of a file whose sample the typed reader takes as it is (the
    required roles mapped), else None."""
    if prepared.format not in ("csv", "parquet") or prepared.decimal_comma:
        return None
    read = try_read_sample(con, prepared)
    if read is None:
        return None
    headers, sample = read
    if not sample:
        return None
    if mapping is None:
        mapping = detect(headers, sample, table).mapping
    mapping = {role: column for role, column in mapping.items() if column in headers}
    if any(role not in mapping for role in REQUIRED_ROLES[table]):
        return None
    if not _sample_is_plain(headers, sample, mapping, table_columns(table)):
        return None
    return headers, mapping


def _sample_is_plain(
    headers: list[str], sample: list[list[str | None]], mapping: dict[str, str], columns: dict[str, str]
) -> bool:
    """Every mapped value of the sample as the typed reader takes it; every customer id given,
    none exported as a float ('17850.0')."""
    for role, header in mapping.items():
        values = [row[headers.index(header)] for row in sample]
        filled = [value for value in values if value]
        if not all(_PLAIN[columns[role]].match(value) for value in filled):
            return False
        if role == "customer_id" and (len(filled) < len(values) or any(_FLOAT_ID.match(v) for v in filled)):
            return False
    return True


def _typed_read(
    con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str, headers: list[str], mapping: dict[str, str]
) -> _TypedRead:
    """The reader of the file with the mapped columns typed (the others text) as c1..cN."""
    columns = table_columns(table)
    types = {f"c{i}": "varchar" for i in range(1, len(headers) + 1)}
    for role, header in mapping.items():
        types[positional(headers, header)] = columns[role]
    if prepared.format == "parquet":
        params: dict[str, object] = {"path": str(prepared.path)}
        names = [row[0] for row in con.execute("describe select * from read_parquet($path)", params).fetchall()]
        selected = ", ".join(f"cast({quote_identifier(n)} as {types[f'c{i}']}) as c{i}" for i, n in enumerate(names, 1))
        source = f"(select {selected} from read_parquet($path))"
    else:
        struct = "{" + ", ".join(f"'{name}': '{sql_type}'" for name, sql_type in types.items()) + "}"
        source = (
            f"read_csv($path, header = $header, delim = $delim, {QUOTING}, columns = {struct}, store_rejects = true)"
        )
        params = csv_params(prepared)
    # Ids trimmed (they join the tables); other text as written.
    expressions = {}
    for role, header in mapping.items():
        column = positional(headers, header)
        if columns[role] != "varchar":
            expressions[role] = column
        elif role == "customer_id":
            expressions[role] = f"nullif(trim({column}), '')"
        else:
            expressions[role] = f"nullif({column}, '')"
    return _TypedRead(headers, mapping, source, params, expressions)


def _append(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    table: str,
    read: _TypedRead,
    before: int,
    exclude_returns: bool,
) -> tuple[int, int] | None:
    """Insert the file's rows after row ``before`` of ``table``, returns negated; (rows, returns),
    or None when a row needs the text path (the caller rolls back)."""
    columns = table_columns(table)
    selected = ", ".join(f"{read.expressions.get(role, 'null')}::{t} as {role}" for role, t in columns.items())
    if table == "orders":
        selected += f", {source_row_hash(len(read.headers))} as source_row_hash"
    con.execute(f"insert into {table} select {selected} from {read.source}", read.params)
    appended = f"select count(*) from {table} where rowid >= {before}"
    rows = count(con, appended)
    if rows == 0:
        return None
    if prepared.format != "parquet" and count(con, "select count(*) from reject_errors"):
        return None  # a row DuckDB could not read
    required = " or ".join(f"{role} is null" for role in REQUIRED_ROLES[table])
    if count(con, f"{appended} and ({required})"):
        return None
    ranged = [out_of_range_sql(role, columns[role]) for role in read.mapping if columns[role] in ("date", "double")]
    if ranged:
        # Any value outside the range of real data: the text path rejects it with its reason.
        outside = f"{appended} and ({' or '.join(ranged)})"
        if count(con, outside, range_params(outside)):
            return None
    returns = 0
    if table == "orders":
        negate_returns(con, before, "quantity" in read.mapping, "order_id" in read.mapping)
        returns = count(con, f"{appended} and amount < 0")
        if returns and exclude_returns:
            return None
    return rows, returns


def _keep_extra_columns(con: duckdb.DuckDBPyConnection, read: _TypedRead, extra_columns: list[str]) -> None:
    """Keep the values of the chosen unmapped columns in ``extra_dimensions``."""
    for extra in extra_columns:
        if extra in read.headers and extra not in read.mapping.values():
            con.execute(
                f"insert into extra_dimensions select {read.expressions['customer_id']}, $dimension, "
                f"nullif(trim({positional(read.headers, extra)}), '') from {read.source}",
                {**read.params, "dimension": extra},
            )
