"""Load files into the canonical tables ``orders``, ``customers``, ``reason_map`` and ``rejects``.

A file is read with every column as text, its columns are matched to roles (customer id,
order date, amount, ...) by header name in English or Chinese, and each row is converted.
A row that cannot be converted is not dropped silently: it goes to ``rejects`` with its
line, the column and the reason, so that loaded + rejected = rows read, always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from churn.db import DATA_DIR, quote_identifier

# Canonical columns and their SQL types. Optional columns stay NULL when not mapped.
ORDER_COLUMNS: dict[str, str] = {
    "customer_id": "varchar",
    "order_date": "date",
    "amount": "double",
    "order_id": "varchar",
    "quantity": "double",
    "unit_price": "double",
    "cost": "double",
    "region": "varchar",
    "channel": "varchar",
    "category": "varchar",
    "churn_reason": "varchar",
}
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "varchar",
    "signup_date": "date",
    "churn_date": "date",
    "status": "varchar",
    "churn_reason": "varchar",
    "churn_category": "varchar",
    "region": "varchar",
    "segment": "varchar",
    "total_revenue": "double",
    "tenure_months": "double",
}
REQUIRED_ROLES = {"orders": ("customer_id", "order_date", "amount"), "customers": ("customer_id",)}

# Header names per role, compared after lower-casing and removing spaces, '_' and '-'.
ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customerid",
        "customer",
        "custid",
        "clientid",
        "memberid",
        "客户编号",
        "客户id",
        "客户",
        "会员号",
        "会员id",
    ),
    "order_date": (
        "orderdate",
        "date",
        "invoicedate",
        "purchasedate",
        "transactiondate",
        "订单日期",
        "日期",
        "下单时间",
        "交易日期",
    ),
    "amount": ("amount", "revenue", "sales", "total", "orderamount", "金额", "销售额", "实付金额", "订单金额"),
    "order_id": ("orderid", "invoice", "invoiceno", "ordernumber", "订单号", "订单编号"),
    "quantity": ("quantity", "qty", "数量"),
    "unit_price": ("unitprice", "price", "单价"),
    "cost": ("cost", "cogs", "成本"),
    "region": ("region", "area", "地区", "区域"),
    "channel": ("channel", "渠道"),
    "category": ("category", "productcategory", "品类", "类别"),
    "signup_date": ("signupdate", "joindate", "registrationdate", "注册日期", "入会日期"),
    "churn_date": ("churndate", "exitdate", "enddate", "流失日期"),
    "status": ("status", "状态"),
    "churn_reason": ("churnreason", "reason", "流失原因", "原因"),
    "churn_category": ("churncategory", "reasoncategory", "流失类别"),
    "segment": ("segment", "客户类型", "细分"),
    "tenure_months": ("tenure", "tenuremonths", "monthsascustomer", "在网时长", "客户时长", "会员时长"),
    "total_revenue": ("totalrevenue", "totalspend", "lifetimerevenue", "totalsales", "累计消费", "消费总额", "总收入"),
}

DATE_FORMATS = ["%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"]


@dataclass
class LoadResult:
    """What happened to one file."""

    file: str
    table: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    mapping: dict[str, str] = field(default_factory=dict)


class ImportProblem(Exception):
    """A file that cannot be loaded, with what to do about it."""


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def detect_roles(headers: list[str], table: str) -> dict[str, str]:
    """Map canonical roles of ``table`` to file headers by name; the first match wins."""
    roles = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
    normalised = {_normalise_header(h): h for h in reversed(headers)}
    mapping: dict[str, str] = {}
    for role in roles:
        for synonym in ROLE_SYNONYMS[role]:
            header = normalised.get(synonym)
            if header is not None and header not in mapping.values():
                mapping[role] = header
                break
    return mapping


def create_canonical_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty canonical tables (dropping any previous dataset)."""
    for table, columns in (("orders", ORDER_COLUMNS), ("customers", CUSTOMER_COLUMNS)):
        body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
        con.execute(f"create or replace table {table} ({body})")
    con.execute(
        "create or replace table reason_map "
        "(reason_raw varchar, category_raw varchar, cause varchar, is_edited boolean)"
    )
    con.execute(
        "create or replace table rejects (file varchar, line bigint, column_name varchar, reason varchar, raw varchar)"
    )


def _number_sql(column: str) -> str:
    """SQL turning text like '1,234.50', '¥1,234' or '(1,234)' into a double (NULL if not a number)."""
    cleaned = f"regexp_replace(trim({column}), '[,¥$€£\\s]', '', 'g')"
    return (
        f"case when regexp_matches({cleaned}, '^\\(.*\\)$') "
        f"then -try_cast(trim({cleaned}, '()') as double) else try_cast({cleaned} as double) end"
    )


def _date_sql(column: str) -> str:
    formats = ", ".join(f"'{f}'" for f in DATE_FORMATS)
    return f"coalesce(try_cast(trim({column}) as date), try_strptime(trim({column}), [{formats}])::date)"


def _id_sql(column: str) -> str:
    # Ids are text; an id exported as a float ('17850.0') becomes '17850'.
    return f"nullif(regexp_replace(trim({column}), '^(\\d+)\\.0+$', '\\1'), '')"


def load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, mapping: dict[str, str] | None = None
) -> LoadResult:
    """Append the rows of a CSV file with a header row to ``orders`` or ``customers``."""
    if table not in REQUIRED_ROLES:
        raise ValueError(f"Unknown table {table!r}")
    try:
        con.execute(
            "create or replace temp table staging as "
            "select row_number() over () + 1 as line, * "
            "from read_csv($path, header = true, all_varchar = true, sample_size = -1)",
            {"path": str(path)},
        )
    except duckdb.Error as error:
        raise ImportProblem(
            f"{path.name}: the file could not be read as CSV ({str(error).splitlines()[0]})."
        ) from error
    headers = [row[0] for row in con.execute("select column_name from (describe staging)").fetchall()][1:]
    mapping = mapping or detect_roles(headers, table)
    missing = [role for role in REQUIRED_ROLES[table] if role not in mapping]
    if missing:
        raise ImportProblem(
            f"{path.name}: no column found for {', '.join(missing)}. Columns in the file: {', '.join(headers)}."
        )
    columns = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
    converted: list[str] = []
    checks: list[tuple[str, str, str]] = []  # (role, condition for a bad value, reason)
    for role, sql_type in columns.items():
        if role not in mapping:
            converted.append(f"null::{sql_type} as {role}")
            continue
        source = quote_identifier(mapping[role])
        if role == "customer_id":
            expression = _id_sql(source)
            checks.append((role, f"{expression} is null", "missing customer id"))
        elif sql_type == "date":
            expression = _date_sql(source)
            bad = f"{expression} is null"
            if role != "order_date":
                bad = f"nullif(trim({source}), '') is not null and {bad}"
            checks.append((role, bad, "unparseable date"))
        elif sql_type == "double":
            expression = _number_sql(source)
            bad = f"{expression} is null"
            if role != "amount":
                bad = f"nullif(trim({source}), '') is not null and {bad}"
            checks.append((role, bad, "not a number"))
        else:
            expression = f"nullif(trim({source}), '')"
        converted.append(f"{expression} as {role}")
    first_problem = " ".join(f"when {condition} then '{role}\t{reason}'" for role, condition, reason in checks)
    con.execute(
        f"create or replace temp table checked as select *, case {first_problem} else null end as problem from staging"
    )
    con.execute(
        "insert into rejects select $file, line, split_part(problem, '\t', 1), split_part(problem, '\t', 2), "
        "concat_ws(',', *columns(* exclude (line, problem))) from checked where problem is not null",
        {"file": path.name},
    )
    con.execute(f"insert into {table} select {', '.join(converted)} from checked where problem is null")
    rows_read, rows_rejected = con.execute("select count(*), count(problem) from checked").fetchone()  # type: ignore[misc]
    con.execute("drop table staging; drop table checked")
    return LoadResult(path.name, table, rows_read, rows_read - rows_rejected, rows_rejected, dict(mapping))


def load_files(
    con: duckdb.DuckDBPyConnection, order_files: list[Path], customer_files: list[Path] | None = None
) -> list[LoadResult]:
    """Replace the session's dataset by the given files."""
    create_canonical_tables(con)
    results = [load_csv(con, path, "orders") for path in order_files]
    results += [load_csv(con, path, "customers") for path in customer_files or []]
    return results


def load_demo(con: duckdb.DuckDBPyConnection) -> list[LoadResult]:
    """Load the committed demo dataset (``data/demo_orders.csv`` and ``data/demo_customers.csv``)."""
    return load_files(con, [DATA_DIR / "demo_orders.csv"], [DATA_DIR / "demo_customers.csv"])
