"""The text path: a file staged as text (churn/ingest/staging.py) converted row by row with the
parsing macros of ``queries/macros/parse_values.sql``. A row with a value that cannot be
converted, or is outside the range of real data, goes to ``rejects`` with its line, column and
reason code, so that loaded + rejected = rows read, always."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from churn.db import load_sql
from churn.ingest.inspection import combined_evidence, date_evidence, slashed_example
from churn.ingest.returns import return_condition
from churn.ingest.schema import (
    DATE_ORDERS,
    DATE_OUT_OF_RANGE,
    MISSING_CUSTOMER_ID,
    NOT_A_NUMBER,
    NUMBER_OUT_OF_RANGE,
    REQUIRED_ROLES,
    RETURN_EXCLUDED,
    UNPARSEABLE_DATE,
    LoadResult,
    out_of_range_sql,
    range_params,
    source_row_hash,
    table_columns,
)
from churn.ingest.staging import (
    drop_staging,
    positional,
    record_repeated_rows,
    stage,
    staged_row_counts,
    staged_sample,
)
from churn.roles import detect
from churn.sources import ImportProblem, PreparedFile


@dataclass
class _Conversion:
    """How each staged row becomes a row of the canonical table, as SQL over c1..cN."""

    expressions: dict[str, str] = field(default_factory=dict)  # role -> its value
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (role, bad value, reject code)
    is_return: str = "false"  # true for a return (kept negated, or rejected)
    open_ended: str = "false"  # true for a churn date after the range, read as none

    def reject(self, role: str, condition: str, code: str) -> None:
        """Reject a row where ``condition`` holds (the first failing check names the reason)."""
        self.checks.append((role, condition, code))


def load_as_text(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    shown: str,
    table: str,
    mapping: dict[str, str] | None,
    date_order: str | None,
    exclude_returns: bool,
    extra_columns: list[str],
) -> LoadResult:
    """Stage a file as text, convert it into ``table`` (problem rows into ``rejects``), keep its
    chosen unmapped columns and count its repeated rows."""
    headers = stage(con, prepared)
    try:
        result = convert(con, prepared, shown, headers, table, mapping, date_order, exclude_returns)
        _keep_extra_columns(con, headers, result.mapping, extra_columns)
        if table == "orders":
            columns = [f"c{position}" for position in range(1, len(headers) + 1)]
            record_repeated_rows(con, shown, "(select * from checked where problem is null)", columns, {})
        return result
    finally:
        drop_staging(con)


def convert(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    shown: str,
    headers: list[str],
    table: str,
    mapping: dict[str, str] | None,
    date_order: str | None,
    exclude_returns: bool,
) -> LoadResult:
    """Convert the staged rows into ``table``, the problem rows into ``rejects`` (the temp table
    ``checked`` keeps each staged row with its problem)."""
    mapping, computed_amount = _usable_mapping(con, shown, headers, table, mapping)
    staged, unreadable = staged_row_counts(con)
    if staged == 0 and unreadable == 0:
        raise ImportProblem("no_rows", name=shown)
    date_order = _date_order(con, shown, headers, table, mapping, date_order)
    conversion = _conversion(headers, table, mapping, date_order, prepared.decimal_comma)
    if computed_amount:
        _compute_amount(conversion)
    if table == "orders":
        _mark_returns(con, conversion, exclude_returns)
    _check_rows(con, conversion)
    _write_rejects(con, shown, len(headers))
    columns = table_columns(table)
    selected = ", ".join(f"{conversion.expressions.get(role, 'null')}::{t} as {role}" for role, t in columns.items())
    if table == "orders":
        selected += f", {source_row_hash(len(headers))} as source_row_hash"
    insert = f"insert into {table} select {selected} from checked where problem is null order by line"
    con.execute(insert, range_params(insert))
    counts = con.execute(load_sql("converted_row_counts")).fetchone()
    assert counts is not None
    rows_read, rows_rejected, returns, open_ends = (int(value) for value in counts)
    rows_loaded = rows_read - rows_rejected
    return LoadResult(
        shown, table, rows_read, rows_loaded, rows_rejected, dict(mapping), date_order, returns, open_ends
    )


def _usable_mapping(
    con: duckdb.DuckDBPyConnection, shown: str, headers: list[str], table: str, mapping: dict[str, str] | None
) -> tuple[dict[str, str], bool]:
    """The mapping (detected from the staged rows when not given) of the file's columns, and
    whether the amount is quantity x unit price; an ImportProblem when a required role is
    missing."""
    if mapping is None:
        mapping = detect(headers, staged_sample(con), table).mapping
    mapping = {role: column for role, column in mapping.items() if column in headers}
    computed_amount = table == "orders" and "amount" not in mapping and {"quantity", "unit_price"} <= mapping.keys()
    missing = [
        role for role in REQUIRED_ROLES[table] if role not in mapping and not (role == "amount" and computed_amount)
    ]
    if missing:
        raise ImportProblem("missing_roles", name=shown, roles=missing, columns=headers)
    return mapping, computed_amount


def _date_order(
    con: duckdb.DuckDBPyConnection,
    shown: str,
    headers: list[str],
    table: str,
    mapping: dict[str, str],
    date_order: str | None,
) -> str | None:
    """How to read dates like 05/01/2024: as given, else as the data proves; an ImportProblem
    when the file holds such dates and neither decides."""
    columns = table_columns(table)
    dated = [positional(headers, mapping[role]) for role, t in columns.items() if t == "date" and role in mapping]
    evidence = combined_evidence([date_evidence(con, column) for column in dated])
    if evidence.slashed:
        date_order = date_order or evidence.decided
        if date_order is None:
            examples = (slashed_example(con, column) for column in dated)
            raise ImportProblem("date_order", name=shown, example=next(filter(None, examples), "05/01/2024"))
    elif date_order not in (None, *DATE_ORDERS):
        raise ValueError(f"Unknown date order {date_order!r}")
    return date_order


def _conversion(
    headers: list[str], table: str, mapping: dict[str, str], date_order: str | None, decimal_comma: bool
) -> _Conversion:
    """Each mapped role's value and checks."""
    conversion = _Conversion()
    # Both literals from closed sets: the macros' arguments, never text of the file.
    order = f"'{date_order}'" if date_order in DATE_ORDERS else "null"
    comma = "true" if decimal_comma else "false"
    for role, sql_type in table_columns(table).items():
        if role not in mapping:
            continue
        source = positional(headers, mapping[role])
        # A value an optional column leaves empty is no error.
        filled = f"nullif(trim({source}), '') is not null and "
        if role == "customer_id":
            conversion.expressions[role] = f"parse_id({source})"
            conversion.reject(role, f"parse_id({source}) is null", MISSING_CUSTOMER_ID)
        elif sql_type == "date":
            parsed = f"parse_date({source}, {order})"
            conversion.expressions[role] = parsed
            conversion.reject(role, ("" if role == "order_date" else filled) + f"{parsed} is null", UNPARSEABLE_DATE)
            if role == "churn_date":
                # After the range (9999-12-31, "no end date"): no churn date, counted.
                conversion.reject(role, f"{parsed} < $earliest_date::date", DATE_OUT_OF_RANGE)
                conversion.open_ended = f"{parsed} > $latest_date::date"
                conversion.expressions[role] = f"case when {conversion.open_ended} then null else {parsed} end"
            else:
                conversion.reject(role, out_of_range_sql(parsed, sql_type), DATE_OUT_OF_RANGE)
        elif sql_type == "double":
            parsed = f"parse_number({source}, {comma})"
            conversion.expressions[role] = parsed
            conversion.reject(role, ("" if role == "amount" else filled) + f"{parsed} is null", NOT_A_NUMBER)
            conversion.reject(role, out_of_range_sql(parsed, sql_type), NUMBER_OUT_OF_RANGE)
        else:
            conversion.expressions[role] = f"nullif(clean_text({source}), '')"
    return conversion


def _compute_amount(conversion: _Conversion) -> None:
    """No amount column: quantity x unit price."""
    amount = f"({conversion.expressions['quantity']}) * ({conversion.expressions['unit_price']})"
    conversion.expressions["amount"] = amount
    conversion.reject("amount", f"{amount} is null", NOT_A_NUMBER)
    conversion.reject("amount", out_of_range_sql(amount, "double"), NUMBER_OUT_OF_RANGE)


def _mark_returns(con: duckdb.DuckDBPyConnection, conversion: _Conversion, exclude_returns: bool) -> None:
    """Returns negated, or rejected when excluded."""
    conversion.is_return = return_condition(con, conversion.expressions)
    if exclude_returns:
        conversion.reject("amount", conversion.is_return, RETURN_EXCLUDED)
    else:
        amount = conversion.expressions["amount"]
        conversion.expressions["amount"] = f"case when {conversion.is_return} then -abs({amount}) else {amount} end"


def _check_rows(con: duckdb.DuckDBPyConnection, conversion: _Conversion) -> None:
    """The temp table ``checked``: every staged row with its first problem ('role<TAB>code' or
    NULL), whether it is a return and whether its churn date is an open end."""
    first_problem = " ".join(f"when {condition} then '{role}\t{code}'" for role, condition, code in conversion.checks)
    sql = (
        f"create or replace temp table checked as select *, case {first_problem} else null end as problem, "
        f"coalesce({conversion.is_return}, false) as is_return, {conversion.open_ended} as is_open_ended "
        "from staging"
    )
    con.execute(sql, range_params(sql))


def _write_rejects(con: duckdb.DuckDBPyConnection, shown: str, width: int) -> None:
    """The rows with a problem and the unreadable rows into ``rejects``, each row's values as read."""
    raw = ", ".join(f"coalesce(c{i}, '')" for i in range(1, width + 1))
    con.execute(
        "insert into rejects "
        f"select $file, line, split_part(problem, '\t', 1), split_part(problem, '\t', 2), concat_ws(',', {raw}) "
        "from checked where problem is not null "
        "union all select $file, line, '', reason, raw from unreadable order by 2",
        {"file": shown},
    )


def _keep_extra_columns(
    con: duckdb.DuckDBPyConnection, headers: list[str], mapping: dict[str, str], extra_columns: list[str]
) -> None:
    """Keep the values of the chosen unmapped columns of the loaded rows in ``extra_dimensions``."""
    for column in extra_columns:
        if column in headers and column not in mapping.values():
            con.execute(
                f"insert into extra_dimensions select parse_id({positional(headers, mapping['customer_id'])}), "
                f"$dimension, nullif(clean_text({positional(headers, column)}), '') from checked "
                "where problem is null",
                {"dimension": column},
            )
