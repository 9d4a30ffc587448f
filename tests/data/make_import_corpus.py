"""Write the binary files of the import test corpus (the text ones are committed in
tests/data/import/): other encodings, Excel workbooks, Parquet, and damaged or non-table files.

Usage: python tests/data/make_import_corpus.py OUTPUT_FOLDER
The tests run it into a temporary folder (tests/unit/test_import_corpus.py).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import duckdb
import openpyxl
import xlwt

GBK_ORDERS = "客户编号,下单时间,实付金额,地区\n001,2024-01-05,100,华东\n002,2024/1/10,50,华北\n,2024-01-11,20,华北\n"
LATIN_ORDERS = "customer,date,amount,city\nA,2024-01-05,10,Zürich\nB,2024-01-06,20,Café Crème\n"
UTF16_ORDERS = "客户编号\t日期\t金额\nA\t2024-01-05\t10\nB\t2024-01-06\t20\n"


def write_corpus(folder: Path) -> None:
    """Write every generated file of the corpus into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gbk_chinese.csv").write_bytes(GBK_ORDERS.encode("gbk"))
    (folder / "latin1.csv").write_bytes(LATIN_ORDERS.encode("cp1252"))
    (folder / "utf16.txt").write_bytes(UTF16_ORDERS.encode("utf-16"))

    # A workbook whose first sheet is a cover note and whose second holds the orders, with
    # dates as date cells, ids as numbers (17850.0) and a blank row.
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Exported from the shop system"])
    sales = workbook.create_sheet("Sales")
    sales.append(["客户编号", "订单日期", "金额"])
    sales.append([17850, dt.datetime(2024, 1, 5), 12.5])
    sales.append(["0042", dt.datetime(2024, 1, 6, 13, 5), 3])
    sales.append([None, None, None])
    sales.append([17850, dt.date(2024, 2, 1), 7])
    workbook.create_sheet("Empty")
    workbook.save(folder / "workbook.xlsx")

    # An old .xls whose date column holds Excel serial numbers (45296 = 2024-01-05).
    legacy = xlwt.Workbook()
    sheet = legacy.add_sheet("Orders")
    for column, header in enumerate(["customer", "date", "amount"]):
        sheet.write(0, column, header)
    for row, (customer, serial, amount) in enumerate([("A", 45296, 10.0), ("B", 45297, 20.5)], start=1):
        sheet.write(row, 0, customer)
        sheet.write(row, 1, serial)
        sheet.write(row, 2, amount)
    legacy.save(str(folder / "legacy.xls"))

    duckdb.sql(
        "select * from (values ('007', date '2024-01-05', 10.0), ('008', date '2024-01-06', 20.0)) "
        "t(customer_id, order_date, amount)"
    ).write_parquet(str(folder / "orders.parquet"))

    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    (folder / "truncated.parquet").write_bytes((folder / "orders.parquet").read_bytes()[:40])
    (folder / "program.csv").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    (folder / "empty.csv").write_bytes(b"")
    noise = random.Random(7)
    (folder / "noise.csv").write_bytes(bytes(noise.randrange(1, 256) for _ in range(4096)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_corpus(Path(sys.argv[1]))
