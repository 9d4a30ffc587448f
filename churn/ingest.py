"""Load files into the canonical tables ``orders``, ``customers``, ``reason_map`` and ``rejects``.

A file is read with every column as text, its columns are matched to roles (customer id,
order date, amount, ...) by header name in English or Chinese, and each row is converted.
A row that cannot be converted is not dropped silently: it goes to ``rejects`` with its
line, the column and the reason, so that loaded + rejected = rows read, always.
"""

from __future__ import annotations

import re
import uuid
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


def _stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Read a prepared file (UTF-8 CSV/TSV, or Parquet) into the temp table ``staging`` with every
    column as text and its line number; return the file's column names."""
    try:
        if path.suffix == ".parquet":
            con.execute(
                "create or replace temp table staging as "
                "select row_number() over () + 1 as line, columns(*)::varchar from read_parquet($path)",
                {"path": str(path)},
            )
        else:
            con.execute(
                "create or replace temp table staging as "
                "select row_number() over () + 1 as line, * "
                "from read_csv($path, header = true, all_varchar = true, sample_size = -1)",
                {"path": str(path)},
            )
    except duckdb.Error as error:
        raise ImportProblem(
            f"{path.name}: the file could not be read as a table ({str(error).splitlines()[0]})."
        ) from error
    return [row[0] for row in con.execute("select column_name from (describe staging)").fetchall()][1:]


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names of a prepared file (for the mapping form)."""
    headers = _stage(con, path)
    con.execute("drop table staging")
    return headers


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    mapping: dict[str, str] | None = None,
    name: str | None = None,
) -> LoadResult:
    """Append the rows of a file with a header row (CSV/TSV, or Parquet) to ``orders`` or
    ``customers``; ``name`` is the file name shown to the user (the path is never shown)."""
    if table not in REQUIRED_ROLES:
        raise ValueError(f"Unknown table {table!r}")
    shown_name = name or path.name
    headers = _stage(con, path)
    mapping = {role: column for role, column in (mapping or detect_roles(headers, table)).items() if column in headers}
    computed_amount = table == "orders" and "amount" not in mapping and {"quantity", "unit_price"} <= mapping.keys()
    missing = [
        role for role in REQUIRED_ROLES[table] if role not in mapping and not (role == "amount" and computed_amount)
    ]
    if missing:
        raise ImportProblem(
            f"{shown_name}: no column found for {', '.join(missing)}. Columns in the file: {', '.join(headers)}."
        )
    columns = ORDER_COLUMNS if table == "orders" else CUSTOMER_COLUMNS
    converted: list[str] = []
    checks: list[tuple[str, str, str]] = []  # (role, condition for a bad value, reason)
    for role, sql_type in columns.items():
        if role == "amount" and computed_amount:
            # No amount column: quantity x unit price.
            quantity = _number_sql(quote_identifier(mapping["quantity"]))
            price = _number_sql(quote_identifier(mapping["unit_price"]))
            expression = f"({quantity}) * ({price})"
            checks.append((role, f"{expression} is null", "not a number"))
            converted.append(f"{expression} as amount")
            continue
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
        {"file": shown_name},
    )
    con.execute(f"insert into {table} select {', '.join(converted)} from checked where problem is null")
    rows_read, rows_rejected = con.execute("select count(*), count(problem) from checked").fetchone()  # type: ignore[misc]
    con.execute("drop table staging; drop table checked")
    return LoadResult(shown_name, table, rows_read, rows_read - rows_rejected, rows_rejected, dict(mapping))


def load_files(
    con: duckdb.DuckDBPyConnection, order_files: list[Path], customer_files: list[Path] | None = None
) -> list[LoadResult]:
    """Replace the session's dataset by the given files."""
    create_canonical_tables(con)
    results = [load_file(con, path, "orders") for path in order_files]
    results += [load_file(con, path, "customers") for path in customer_files or []]
    return results


def load_demo(con: duckdb.DuckDBPyConnection) -> list[LoadResult]:
    """Load the committed demo dataset (``data/demo_orders.csv`` and ``data/demo_customers.csv``)."""
    return load_files(con, [DATA_DIR / "demo_orders.csv"], [DATA_DIR / "demo_customers.csv"])


MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


@dataclass
class PreparedFile:
    """An uploaded file saved in the session's folder in a form DuckDB reads."""

    path: Path
    name: str  # the name the user gave it, shown but never used as a path
    format: str  # csv | parquet
    encoding: str | None


def detect_encoding(data: bytes) -> str:
    """The text encoding of a file: a BOM; else UTF-8 if it decodes; else GB18030 when the
    non-ASCII bytes come in pairs as Chinese characters do in GBK (both bytes 0xA1-0xFE); else
    Windows-1252 (accented Latin letters, where a high byte usually stands alone)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    paired = single = 0
    index = 0
    while index < len(sample):
        byte = sample[index]
        if byte < 0x80:
            index += 1
        elif index + 1 < len(sample) and 0xA1 <= byte <= 0xFE and 0xA1 <= sample[index + 1] <= 0xFE:
            paired += 2
            index += 2
        else:
            single += 1
            index += 1
    if paired and paired >= 0.8 * (paired + single):
        try:
            data.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            pass
    return "cp1252"


def prepare_upload(data: bytes, name: str, folder: Path, encoding: str | None = None) -> PreparedFile:
    """Check an uploaded file by its content (not its name) and save it in ``folder`` as UTF-8
    text or Parquet under a generated name. ImportProblem says what is wrong and what to do."""
    shown = Path(name).name or "file"
    if not data.strip():
        raise ImportProblem(f"{shown} is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportProblem(f"{shown} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it or use Parquet.")
    target = folder / f"{uuid.uuid4().hex}"
    if data[:4] == b"PAR1":
        path = target.with_suffix(".parquet")
        path.write_bytes(data)
        return PreparedFile(path, shown, "parquet", None)
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportProblem(f"{shown} is an Excel workbook; Excel files are not read yet: save the sheet as CSV.")
    chosen = encoding or detect_encoding(data)
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as error:
        raise ImportProblem(f"{shown} cannot be read as {chosen} text; choose another encoding.") from error
    if "\x00" in text:
        raise ImportProblem(f"{shown} is not a text table (CSV/TSV) nor a Parquet file.")
    path = target.with_suffix(".csv")
    path.write_text(text.lstrip("\ufeff"), encoding="utf-8")
    return PreparedFile(path, shown, "csv", chosen)
