"""The import corpus: every kind of file a manager may bring, each with its exact outcome.

Text files are committed in tests/data/import/; the binary ones (other encodings, Excel,
Parquet, damaged files) are written by tests/data/make_import_corpus.py into a temporary folder.
Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from churn.db import open_connection, run_query
from churn.i18n import import_problem_text
from churn.ingest import (
    DATE_OUT_OF_RANGE,
    MISSING_CUSTOMER_ID,
    NOT_A_NUMBER,
    RETURN_EXCLUDED,
    UNPARSEABLE_DATE,
    WRONG_NUMBER_OF_FIELDS,
    ImportProblem,
    create_canonical_tables,
    inspect_file,
    load_file,
)
from churn.sources import PreparedFile, prepare_file, prepare_server_file, prepare_upload
from tests.data.make_import_corpus import write_corpus
from tests.problems import raises_import_problem

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "import"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder)
    return folder


class Loaded:
    """One file prepared and loaded on a fresh connection."""

    def __init__(self, path: Path, work: Path, table: str = "orders", **options: object) -> None:
        load_options = {k: options.pop(k) for k in ("date_order", "exclude_returns", "mapping") if k in options}
        self.con = open_connection([path.parent, work])
        create_canonical_tables(self.con)
        self.prepared = prepare_file(path, path.name, work, **options)  # type: ignore[arg-type]
        self.inspection = inspect_file(self.con, self.prepared, table)
        self.result = load_file(self.con, self.prepared, table, **load_options)  # type: ignore[arg-type]
        counts = (self.result.rows_read, self.result.rows_loaded, self.result.rows_rejected)
        assert counts[1] + counts[2] == counts[0]  # loaded + rejected = read, always

    @property
    def counts(self) -> tuple[int, int, int]:
        return self.result.rows_read, self.result.rows_loaded, self.result.rows_rejected

    def orders(self, *columns: str) -> list[tuple]:
        chosen = ", ".join(columns or ("customer_id", "order_date::varchar", "amount"))
        return self.con.execute(f"select {chosen} from orders").fetchall()

    def rejects(self) -> list[tuple]:
        return self.con.execute("select line, column_name, reason from rejects order by line").fetchall()


def problem(path: Path, work: Path, **options: object) -> str:
    with pytest.raises(ImportProblem) as caught:
        Loaded(path, work, **options)
    return import_problem_text(caught.value)


# --- text files -------------------------------------------------------------------------------


def test_csv_saved_by_excel(tmp_path: Path) -> None:
    # BOM, CRLF line ends; "1,234.50" -> 1234.5; ¥80 -> 80; (12) -> -12, a return; id 0042 keeps
    # its zeros and 17850.0 becomes 17850; 2024/1/7 -> 2024-01-07.
    loaded = Loaded(COMMITTED / "excel_export.csv", tmp_path)
    assert loaded.prepared.encoding == "utf-8-sig" and loaded.prepared.path == COMMITTED / "excel_export.csv"
    assert loaded.inspection.headers == ["Customer ID", "Order Date", "Sales", "Region"]
    assert loaded.counts == (3, 3, 0) and loaded.result.returns == 1
    assert loaded.orders("customer_id", "order_date::varchar", "amount", "region") == [
        ("0042", "2024-01-05", 1234.5, "North"),
        ("0042", "2024-02-05", 80.0, "North"),
        ("17850", "2024-01-07", -12.0, "South"),
    ]


def test_semicolons_and_decimal_commas_with_day_first_dates(tmp_path: Path) -> None:
    # 1.234,50 -> 1234.5; 12,5 -> 12.5; -3,00 -> -3. 13/01/2024 can only be 13 January: the data
    # decides day/month/year, so 05/02/2024 is 5 February and 01/03/2024 is 1 March.
    loaded = Loaded(COMMITTED / "semicolon_decimal_comma.csv", tmp_path)
    assert (loaded.prepared.found_delimiter, loaded.prepared.decimal_comma) == (";", True)
    assert loaded.inspection.date_evidence["Date"].decided == "dmy"
    assert loaded.result.date_order == "dmy"
    assert loaded.orders() == [("A1", "2024-01-13", 1234.5), ("A1", "2024-02-05", 12.5), ("B2", "2024-03-01", -3.0)]


@pytest.mark.parametrize(("name", "delimiter"), [("pipe.txt", "|"), ("tab.tsv", "\t")])
def test_other_delimiters(tmp_path: Path, name: str, delimiter: str) -> None:
    loaded = Loaded(COMMITTED / name, tmp_path)
    assert loaded.prepared.found_delimiter == delimiter
    assert loaded.orders() == [("A", "2024-01-05", 10.0), ("B", "2024-01-06", 20.0)]


def test_whitespace_separated_dump(tmp_path: Path) -> None:
    loaded = Loaded(COMMITTED / "whitespace_dump.txt", tmp_path)
    assert loaded.prepared.found_delimiter == "whitespace"
    assert loaded.inspection.headers == ["customer", "order_date", "amount", "region"]
    assert loaded.orders("customer_id", "order_date::varchar", "amount", "region") == [
        ("C001", "2024-01-05", 12.5, "North"),
        ("C002", "2024-01-06", 100.0, "South"),
        ("C001", "2024-02-01", 7.25, "North"),
    ]


def test_file_without_a_header_row_is_mapped_from_its_values(tmp_path: Path) -> None:
    # column 1 repeats (C001 twice): the customer; column 2 holds dates; of the number columns,
    # column 4 has decimals (12.50): the amount, not the whole numbers of column 3.
    loaded = Loaded(COMMITTED / "no_header.csv", tmp_path)
    assert loaded.prepared.header is False
    assert loaded.inspection.headers == ["column 1", "column 2", "column 3", "column 4"]
    assert loaded.result.mapping == {"customer_id": "column 1", "order_date": "column 2", "amount": "column 4"}
    assert loaded.counts == (3, 3, 0)  # the first row is data, not lost as a header
    assert loaded.orders()[0] == ("C001", "2024-01-05", 12.5)
    # The user can say the first row is a header after all.
    forced = prepare_file(COMMITTED / "no_header.csv", "no_header.csv", tmp_path, header=True)
    inspection = inspect_file(open_connection([COMMITTED]), forced, "orders")
    assert (inspection.headers, inspection.rows) == (["C001", "2024-01-05", "3", "12.50"], 2)


def test_ambiguous_day_month_is_never_guessed(tmp_path: Path) -> None:
    # 05/01/2024, 01/02/2024, 12/11/2024: every number is <= 12, the data proves no order.
    message = problem(COMMITTED / "ambiguous_dates.csv", tmp_path)
    assert "can be day/month/year or month/day/year" in message and "Choose the date order" in message
    day_first = Loaded(COMMITTED / "ambiguous_dates.csv", tmp_path, date_order="dmy")
    assert [row[1] for row in day_first.orders()] == ["2024-01-05", "2024-02-01", "2024-11-12"]
    month_first = Loaded(COMMITTED / "ambiguous_dates.csv", tmp_path, date_order="mdy")
    assert [row[1] for row in month_first.orders()] == ["2024-05-01", "2024-01-02", "2024-12-11"]


def test_a_chosen_order_that_the_data_contradicts_rejects_those_rows(tmp_path: Path) -> None:
    # Month first is chosen but 13/01/2024 has no 13th month: that row is rejected, not swapped.
    loaded = Loaded(COMMITTED / "semicolon_decimal_comma.csv", tmp_path, date_order="mdy")
    assert loaded.rejects() == [(2, "order_date", UNPARSEABLE_DATE)]
    assert [row[1] for row in loaded.orders()] == ["2024-05-02", "2024-01-03"]


def test_every_date_format_reads_the_same_day(tmp_path: Path) -> None:
    # ISO, 2024/1/5, 2024年1月5日, 20240105, Excel serial 45296 (days since 1899-12-30),
    # date and time with a space or a T, Unix seconds 1704412800 (2024-01-05 00:00 UTC),
    # 2024.01.05, 2024/01/05 13:45, 5 Jan 2024: all 5 January 2024.
    loaded = Loaded(COMMITTED / "date_formats.csv", tmp_path)
    assert loaded.counts == (11, 11, 0)
    assert {row[1] for row in loaded.orders()} == {"2024-01-05"}


def test_full_width_digits(tmp_path: Path) -> None:
    # ０１２３ -> '0123' (text, zeros kept); "１，２３４．５０" -> 1234.5; ￥５ -> 5;
    # ２０２４－０１－０５ and ２０２４年１月６日 -> dates.
    loaded = Loaded(COMMITTED / "full_width.csv", tmp_path)
    assert loaded.orders() == [("0123", "2024-01-05", 1234.5), ("0123", "2024-01-06", 5.0)]


def test_returns_kept_as_negative_revenue_or_excluded(tmp_path: Path) -> None:
    # amount = quantity x unit price: 6 x 2.55 = 15.30; C536379 is a cancelled invoice: -1 x 27.50
    # = -27.50; 2 x 1.85 = 3.70; -3 x 2.10 = -6.30 (a negative quantity is a return too).
    loaded = Loaded(COMMITTED / "returns.csv", tmp_path)
    assert loaded.result.returns == 2
    amounts = [round(row[0], 2) for row in loaded.orders("amount")]
    assert amounts == [15.3, -27.5, 3.7, -6.3]
    assert round(sum(amounts), 2) == -14.8
    excluded = Loaded(COMMITTED / "returns.csv", tmp_path, exclude_returns=True)
    assert excluded.counts == (4, 2, 2)
    assert excluded.rejects() == [(3, "amount", RETURN_EXCLUDED), (5, "amount", RETURN_EXCLUDED)]


def test_a_leading_c_is_no_cancellation_when_every_invoice_has_one(tmp_path: Path) -> None:
    path = tmp_path / "c_orders.csv"
    path.write_text("order id,customer,date,amount\nC100,A,2024-01-05,10\nC101,A,2024-01-06,20\n", encoding="utf-8")
    loaded = Loaded(path, tmp_path)
    assert (loaded.result.returns, [row[0] for row in loaded.orders("amount")]) == (0, [10.0, 20.0])


def test_hostile_duplicate_and_empty_headers(tmp_path: Path) -> None:
    loaded = Loaded(COMMITTED / "hostile_headers.csv", tmp_path)
    assert loaded.inspection.headers == [
        "customer",
        "date",
        "amount",
        '"; DROP TABLE x; --',
        "Amount (2)",  # differs from 'amount' only by case
        "column 6",  # empty
        "amount (3)",
    ]
    assert loaded.orders() == [("1", "2024-01-05", 5.0)]
    # Any of them can be mapped; the SQL never sees the names.
    chosen = Loaded(
        COMMITTED / "hostile_headers.csv",
        tmp_path,
        mapping={"customer_id": '"; DROP TABLE x; --', "order_date": "date", "amount": "amount (3)"},
    )
    assert chosen.orders() == [("a", "2024-01-05", 7.0)]


def test_rows_with_the_wrong_number_of_fields_are_rejected_with_their_line(tmp_path: Path) -> None:
    loaded = Loaded(COMMITTED / "wrong_width.csv", tmp_path)
    assert loaded.counts == (4, 2, 2)
    assert loaded.rejects() == [(3, "", WRONG_NUMBER_OF_FIELDS), (4, "", WRONG_NUMBER_OF_FIELDS)]
    assert loaded.orders() == [("A", "2024-01-05", 10.0), ("D", "2024-01-08", 40.0)]
    # The rows after a rejected one keep their own line numbers.
    raw = loaded.con.execute("select raw from rejects order by line").fetchall()
    assert raw == [("B,2024-01-06",), ("C,2024-01-07,30,extra",)]


def test_quantity_times_unit_price(tmp_path: Path) -> None:
    # 3 x 2.50 = 7.50; 2 x "1,000" = 2,000; 'x' is not a quantity: line 4 rejected.
    loaded = Loaded(COMMITTED / "qty_price.csv", tmp_path)
    assert loaded.counts == (3, 2, 1)
    assert loaded.orders("customer_id", "amount") == [("A", 7.5), ("B", 2000.0)]
    assert loaded.rejects() == [(4, "quantity", NOT_A_NUMBER)]


def test_crm_customer_list_with_chinese_headers(tmp_path: Path) -> None:
    loaded = Loaded(COMMITTED / "customers_crm.csv", tmp_path, table="customers")
    rows = loaded.con.execute(
        "select customer_id, status, churn_reason, total_revenue, tenure_months, churn_date::varchar from customers"
    ).fetchall()
    assert rows == [
        ("K1", "流失", "价格太高", 1200.0, 14.0, "2024-03-01"),
        ("K2", "活跃", None, 560.0, 8.0, None),
        ("K3", "流失", "搬家", 90.0, 2.0, "2024-04-02"),
    ]


def test_header_only_file(tmp_path: Path) -> None:
    assert problem(COMMITTED / "header_only.csv", tmp_path) == "header_only.csv has no data rows, only a header."


def test_suspicious_data_is_flagged(tmp_path: Path) -> None:
    # 10 customers with 10 each, BIG with 1,000, a repeated row (C1 2024-01-02), an order in
    # 2027 (after "today", within the range of real dates: loaded and flagged) and one in 2099
    # (after next year: rejected, line 15). Revenue 10 x 10 + 1,000 + 10 + 10 = 1,120; BIG's
    # share 1,000 / 1,120 = 89.3%.
    loaded = Loaded(COMMITTED / "suspicious.csv", tmp_path)
    assert loaded.counts == (14, 13, 1)
    assert loaded.rejects() == [(15, "order_date", DATE_OUT_OF_RANGE)]
    warnings = run_query(loaded.con, "data_warnings", {"today": date(2026, 11, 22)})
    assert list(warnings["warning"]) == ["duplicate_rows", "future_dates", "top_customer_share"]
    by_name = warnings.set_index("warning")
    assert (by_name.loc["duplicate_rows", "rows"], by_name.loc["duplicate_rows", "example"]) == (1, "C1,2024-01-02,10")
    assert (by_name.loc["future_dates", "rows"], by_name.loc["future_dates", "example"]) == (1, "2027-06-01")
    assert by_name.loc["top_customer_share", "example"] == "BIG"
    assert by_name.loc["top_customer_share", "share"] == pytest.approx(1000 / 1120)
    equal = Loaded(COMMITTED / "equal_amounts.csv", tmp_path)
    warnings = run_query(equal.con, "data_warnings", {"today": date(2026, 11, 22)})
    assert warnings[["warning", "rows", "example"]].values.tolist() == [["equal_amounts", 10, "5.0"]]
    clean = Loaded(COMMITTED / "tab.tsv", tmp_path)
    assert run_query(clean.con, "data_warnings", {"today": date(2026, 11, 22)}).empty


# --- generated (binary) files -------------------------------------------------------------------


def test_gbk_file_with_chinese_headers(generated: Path, tmp_path: Path) -> None:
    loaded = Loaded(generated / "gbk_chinese.csv", tmp_path)
    assert loaded.prepared.encoding == "gb18030"
    assert loaded.inspection.headers == ["客户编号", "下单时间", "实付金额", "地区"]
    assert loaded.counts == (3, 2, 1)
    assert loaded.orders("customer_id", "order_date::varchar", "amount", "region") == [
        ("001", "2024-01-05", 100.0, "华东"),
        ("002", "2024-01-10", 50.0, "华北"),
    ]
    assert loaded.rejects() == [(4, "customer_id", MISSING_CUSTOMER_ID)]


def test_windows_1252_and_utf16(generated: Path, tmp_path: Path) -> None:
    latin = Loaded(generated / "latin1.csv", tmp_path)
    assert latin.prepared.encoding == "cp1252"
    assert [row[3] for row in latin.inspection.preview] == ["Zürich", "Café Crème"]
    wide = Loaded(generated / "utf16.txt", tmp_path)
    assert (wide.prepared.encoding, wide.prepared.found_delimiter) == ("utf-16", "\t")
    assert wide.inspection.headers == ["客户编号", "日期", "金额"]
    assert wide.orders() == [("A", "2024-01-05", 10.0), ("B", "2024-01-06", 20.0)]


def test_excel_workbook_picks_the_data_sheet_and_lists_all(generated: Path, tmp_path: Path) -> None:
    loaded = Loaded(generated / "workbook.xlsx", tmp_path)
    assert (loaded.prepared.format, loaded.prepared.sheets) == ("excel", ["Notes", "Sales", "Empty"])
    assert loaded.prepared.sheet == "Sales"  # not the cover note before it
    # Date cells become dates (the time of day dropped); the number id 17850 stays 17850; the
    # blank row is skipped.
    assert loaded.orders() == [("17850", "2024-01-05", 12.5), ("0042", "2024-01-06", 3.0), ("17850", "2024-02-01", 7.0)]
    assert "no column found for Customer id" in problem(generated / "workbook.xlsx", tmp_path, sheet="Notes")
    assert problem(generated / "workbook.xlsx", tmp_path, sheet="Empty") == "workbook.xlsx: sheet “Empty” is empty."
    assert "has no sheet named “Nope”. Its sheets: Notes, Sales, Empty." in problem(
        generated / "workbook.xlsx", tmp_path, sheet="Nope"
    )


def test_old_xls_with_excel_serial_dates(generated: Path, tmp_path: Path) -> None:
    # 45296 = 2024-01-05, 45297 = 2024-01-06 (days since 1899-12-30).
    loaded = Loaded(generated / "legacy.xls", tmp_path)
    assert loaded.orders() == [("A", "2024-01-05", 10.0), ("B", "2024-01-06", 20.5)]


def test_parquet_whatever_its_name(generated: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "export.csv"
    shutil.copy(generated / "orders.parquet", renamed)
    loaded = Loaded(renamed, tmp_path)
    assert loaded.prepared.format == "parquet"
    assert loaded.orders() == [("007", "2024-01-05", 10.0), ("008", "2024-01-06", 20.0)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("corrupt.xlsx", "corrupt.xlsx looks like an Excel workbook but cannot be opened"),
        ("truncated.parquet", "truncated.parquet could not be read as a table: it may be damaged"),
        ("program.csv", "program.csv is not a text table (CSV/TSV/TXT), an Excel workbook nor a Parquet file."),
        ("noise.csv", "noise.csv is not a text table (CSV/TSV/TXT), an Excel workbook nor a Parquet file."),
        ("empty.csv", "empty.csv is empty."),
    ],
)
def test_damaged_and_non_table_files_are_explained(generated: Path, tmp_path: Path, name: str, message: str) -> None:
    text = problem(generated / name, tmp_path)
    assert text.startswith(message)
    assert str(generated) not in text and str(tmp_path) not in text  # no path is ever shown


def test_encoding_override(generated: Path, tmp_path: Path) -> None:
    assert "cannot be read as utf-8 text; choose another encoding" in problem(
        generated / "gbk_chinese.csv", tmp_path, encoding="utf-8"
    )
    assert Loaded(generated / "gbk_chinese.csv", tmp_path, encoding="gbk").counts == (3, 2, 1)


# --- uploads and the server folder --------------------------------------------------------------


def test_upload_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import churn.sources

    monkeypatch.setattr(churn.sources, "MAX_UPLOAD_BYTES", 10)
    with raises_import_problem(r"is larger than 0 MB.*server's data/ folder"):
        prepare_upload(b"customer,date,amount\n1,2024-01-01,5\n", "big.csv", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_upload_is_saved_under_a_generated_name(tmp_path: Path) -> None:
    prepared = prepare_upload((COMMITTED / "tab.tsv").read_bytes(), "../../etc/passwd", tmp_path)
    assert prepared.name == "passwd" and prepared.path.parent == tmp_path and prepared.path.name != "passwd"
    assert [p.name for p in tmp_path.iterdir()] == [prepared.path.name]


def test_server_files_only_from_the_data_folder(tmp_path: Path) -> None:
    from churn.sources import server_files

    assert "demo_orders.csv" in server_files() and "generate_demo.py" not in server_files()
    prepared = prepare_server_file("demo_orders.csv", tmp_path)
    assert prepared.path.name == "demo_orders.csv"  # read in place, not copied
    for name in ("../README.md", "/etc/passwd", "generate_demo.py"):
        with raises_import_problem("is not a file in the server's data/ folder"):
            prepare_server_file(name, tmp_path)


def test_a_link_out_of_the_data_folder_is_neither_offered_nor_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import churn.sources

    data, outside = tmp_path / "data", tmp_path / "secret"
    data.mkdir()
    outside.mkdir()
    (outside / "passwords.csv").write_text("customer_id,order_date,amount\nA,2024-01-01,1\n")
    (data / "orders.csv").write_text("customer_id,order_date,amount\nB,2024-01-01,1\n")
    (data / "inside.csv").symlink_to(data / "orders.csv")  # a link within the folder is fine
    (data / "passwords.csv").symlink_to(outside / "passwords.csv")
    (data / "etc").symlink_to("/etc")
    monkeypatch.setattr(churn.sources, "DATA_DIR", data)
    assert churn.sources.server_files() == ["inside.csv", "orders.csv"]
    assert prepare_server_file("inside.csv", tmp_path).path == data / "orders.csv"
    for name in ("passwords.csv", "etc/passwd"):
        with raises_import_problem("is not a file in the server's data/ folder"):
            prepare_server_file(name, tmp_path)


# --- property: whatever the damage, loaded + rejected = rows read -------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
_field = st.one_of(
    _text,
    st.sampled_from(["", "2024-01-05", "2024/1/5", "05/01/2024", "13/01/2024", "1,234.50", "(12)", "¥5", "x"]),
    st.integers(-1000, 100000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(str),
)
_good_row = st.tuples(st.sampled_from(["A", "B", "007"]), st.sampled_from(["2024-01-05", "2024-02-01"]), st.just("10"))
_row = st.one_of(
    _good_row.map(list),
    st.lists(_field, min_size=3, max_size=3),  # damaged values
    st.lists(_field, min_size=1, max_size=5),  # too few or too many fields
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=25), good=st.lists(_good_row.map(list), min_size=3, max_size=6))
def test_damaged_csv_never_crashes_and_counts_add_up(
    tmp_path: Path, rows: list[list[str]], good: list[list[str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["customer", "date", "amount"])
    # Good rows first so that the sniffers see a consistent comma-separated table.
    records = [row for row in good + rows if any(field.strip() for field in row)]
    writer.writerows(records)
    path = tmp_path / "damaged.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    prepared = PreparedFile(path, path.name, "csv", "utf-8")
    try:
        result = load_file(con, prepared, "orders", date_order="dmy")
    except ImportProblem as problem:
        pytest.fail(f"a damaged file must load with rejects, not fail: {problem}")
    assert result.rows_loaded + result.rows_rejected == result.rows_read
    assert result.rows_read == len(records)
    assert con.execute("select count(*) from orders").fetchone() == (result.rows_loaded,)
    assert con.execute("select count(*) from rejects").fetchone() == (result.rows_rejected,)
    con.close()


def test_unmapped_columns_kept_as_filter_dimensions(tmp_path: Path) -> None:
    from churn.settings import Settings
    from churn.workspace import Workspace

    path = tmp_path / "stores.csv"
    path.write_text(
        "customer,date,amount,store,note\n"
        "A,2024-01-05,10,Lyon,x1\n"
        "A,2024-02-05,10,Lyon,x2\n"
        "A,2024-03-05,10,Paris,x3\n"  # A: Lyon twice, Paris once -> Lyon
        "B,2024-01-06,20,Paris,x4\n"
        "C,2024-01-07,30,Paris,x5\n",
        encoding="utf-8",
    )
    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    prepared = prepare_file(path, path.name, tmp_path)
    inspection = inspect_file(workspace.con, prepared, "orders")
    assert inspection.dimension_candidates == ["store"]  # 'note' never repeats: not a dimension
    workspace.set_dataset("stores", [load_file(workspace.con, prepared, "orders", extra_columns=["store"])])
    assert workspace.extra_dimensions() == ["store"]
    assert list(workspace.query("dimension_values", {"dimension": "store"})["value"]) == ["Lyon", "Paris"]
    settings = Settings(date(2024, 6, 30), 30, filter_dimension="store", filter_values=("Lyon",))
    workspace.ensure_derived(settings)
    extra = workspace.con.execute("select customer_id, extra['store'] from customer_facts order by 1").fetchall()
    assert extra == [("A", "Lyon"), ("B", "Paris"), ("C", "Paris")]
    status = workspace.query("customer_status", settings.filter_params()).iloc[0]
    assert int(status["customers"]) == 1  # only A shops mostly in Lyon
    workspace.close()


# --- the typed fast path and the text path load the same rows ------------------------------------


def test_clean_files_take_the_typed_path(tmp_path: Path, generated: Path) -> None:
    for path in (COMMITTED / "tab.tsv", generated / "orders.parquet"):
        con = open_connection([path.parent])
        create_canonical_tables(con)
        result = load_file(con, prepare_file(path, path.name, None), "orders")
        assert result.typed, "a clean file must not be staged as text"
        assert (result.rows_read, result.rows_loaded) == (2, 2)
        assert con.execute("select customer_id, amount from orders").fetchall() in (
            [("A", 10.0), ("B", 20.0)],
            [("007", 10.0), ("008", 20.0)],
        )


def test_a_problem_after_the_sample_sends_the_file_to_the_text_path(tmp_path: Path) -> None:
    # 300 clean rows, then a thousands separator (line 302), a missing id (line 303) and a
    # date in another format (line 304): the typed reader gives up, the text path reads
    # 1,234.50 as 1234.5 and 2024/1/7 as a date, and rejects line 303 with its reason.
    lines = ["customer,date,amount", *(f"C{i},2024-01-05,10" for i in range(300))]
    lines += ['X,2024-01-06,"1,234.50"', ",2024-01-06,5", "Y,2024/1/7,3"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = Loaded(path, tmp_path)
    assert loaded.counts == (303, 302, 1)
    assert loaded.rejects() == [(303, "customer_id", MISSING_CUSTOMER_ID)]
    assert loaded.orders()[-2:] == [("X", "2024-01-06", 1234.5), ("Y", "2024-01-07", 3.0)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", " C ", "007"]),
            st.sampled_from(["2024-01-05", "2024-02-29", "2023-12-31"]),
            st.sampled_from(["10", "-3.5", "0", "12.25"]),
            st.sampled_from(["North", "", "South"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_typed_and_text_paths_agree(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    path = tmp_path / "clean.csv"
    path.write_text("customer,date,amount,region\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    loaded = []
    for typed in (True, False):
        con = open_connection([tmp_path])
        create_canonical_tables(con)
        prepared = prepare_file(path, path.name, tmp_path)
        result = load_file(con, prepared, "orders", fast_path=typed)
        assert result.typed == typed
        loaded.append(
            (
                result.rows_read,
                result.rows_loaded,
                result.returns,
                con.execute("select * exclude (source_row_hash) from orders").fetchall(),
            )
        )
        con.close()
    assert loaded[0] == loaded[1]
