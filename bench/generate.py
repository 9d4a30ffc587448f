"""Synthetic sales at benchmark sizes (1M, 10M, 30M order lines), written by DuckDB as CSV and
Parquet in seconds. Deterministic: every value is a hash of the row number and a salt.

About 20 order lines per customer over three years (2023-2025). Each customer has a first day
and an active stretch; their orders fall inside it, so customers whose stretch ends early churn.
Regions, channels, categories, costs (margins of 15-50%, some negative), returns (about 1.5%
negative lines) and, in the customers file, segments and churn reasons in English and Chinese.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ORDERS_PER_CUSTOMER = 20
DAYS = 1096  # 2023-01-01 .. 2025-12-31
REASONS = [
    "price too high",
    "poor service",
    "switched to competitor",
    "moved away",
    "business closed",
    "价格太高",
    "服务差",
    "竞争对手更便宜",
    "搬家",
    "",
]


def _u(salt: int, row: str = "i") -> str:
    """SQL of a uniform number in [0, 1) from a row number (``i`` for lines, ``c`` for
    customers) and a salt."""
    return f"(hash({row}, {salt}) % 1000000) / 1000000.0"


def orders_sql(lines: int) -> str:
    """SQL of ``lines`` order lines."""
    customers = max(1, lines // ORDERS_PER_CUSTOMER)
    return f"""
    with customer as (
        select
            c,
            -- first day: uniform over the three years, more customers later (growth)
            floor(sqrt({_u(1, "c")}) * {DAYS - 30})::integer as first_day,
            -- value scale: heavy-tailed so that the top 1% bring a large share
            1.0 / pow(1.0 - {_u(2, "c")} * 0.999, 0.6) as scale
        from range({customers}) t(c)
    ),
    customer_span as (
        select
            c, first_day, scale,
            -- active stretch: a third stay to the end, the others leave after 1-24 months
            case when {_u(3, "c")} < 0.33 then {DAYS} - first_day
                 else least({DAYS} - first_day, 30 + floor({_u(4, "c")} * 700)::integer) end as span_days
        from customer
    ),
    line as (
        select i, i % {customers} as c
        from range({lines}) t(i)
    )
    select
        'C' || lpad((c + 1)::varchar, 8, '0') as customer_id,
        'O' || lpad((i + 1)::varchar, 10, '0') as order_id,
        date '2023-01-01' + (first_day + floor({_u(5)} * span_days)::integer) as order_date,
        round(case when {_u(6)} < 0.015 then -1 else 1 end * scale * (5 + 95 * {_u(7)}), 2) as amount,
        round(abs(scale * (5 + 95 * {_u(7)})) * (0.5 + 0.4 * {_u(8)}), 2) as cost,
        ['North', 'South', 'East', 'West', 'Central'][1 + (hash(c, 9) % 5)::integer] as region,
        ['store', 'online', 'phone'][1 + (hash(i, 10) % 3)::integer] as channel,
        ['food', 'drinks', 'home', 'garden', 'toys', 'books'][1 + (hash(i, 11) % 6)::integer] as category
    from line
    join customer_span using (c)
    """


def customers_sql(lines: int) -> str:
    """SQL of the customer list that goes with ``orders_sql(lines)``: one row per customer."""
    customers = max(1, lines // ORDERS_PER_CUSTOMER)
    reasons = "[" + ", ".join(f"'{reason}'" for reason in REASONS) + "]"
    return f"""
    select
        'C' || lpad((c + 1)::varchar, 8, '0') as customer_id,
        ['retail', 'wholesale', 'online-only'][1 + (hash(c, 12) % 3)::integer] as segment,
        case when {_u(3, "c")} < 0.33 then '' else {reasons}[1 + (hash(c, 13) % {len(REASONS)})::integer] end
            as churn_reason
    from range({customers}) t(c)
    """


def generate(lines: int, folder: Path, formats: tuple[str, ...] = ("csv", "parquet")) -> dict[str, Path]:
    """Write orders and customers of ``lines`` order lines into ``folder``; return the paths by
    name (orders.csv, orders.parquet, customers.csv). Files already there are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    for fmt in formats:
        path = folder / f"orders_{lines}.{fmt}"
        if not path.exists():
            option = "(header)" if fmt == "csv" else "(format parquet, row_group_size 1000000)"
            con.execute(f"copy ({orders_sql(lines)} order by i) to '{path}' {option}")
        paths[f"orders.{fmt}"] = path
    customers = folder / f"customers_{lines}.csv"
    if not customers.exists():
        con.execute(f"copy ({customers_sql(lines)}) to '{customers}' (header)")
    paths["customers.csv"] = customers
    con.close()
    return paths
