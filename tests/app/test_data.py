"""The data page in AppTest: upload, mapping, load, rejects, switching datasets."""

from __future__ import annotations

from tests.app.conftest import metrics, new_app, open_tab, shown

ORDERS_GBK = (
    "客户编号,订单日期,实付金额,地区\n"
    "001,2024-01-05,100,华东\n"
    "001,2024-02-01,100,华东\n"
    "002,2024/1/10,50,华北\n"
    ",2024-01-11,20,华北\n"  # line 5: no customer id
    "003,昨天,30,华南\n"  # line 6: not a date
    '003,2024-03-01,"1,234.50",华南\n'
).encode("gbk")


def open_data():
    at = new_app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def test_data_page_shows_the_demo_files() -> None:
    at = open_data()
    files = at.dataframe[0].value
    assert list(files["File"]) == ["demo_orders.csv", "demo_customers.csv"]
    assert list(files["Rows read"]) == [100257, 5000]


def test_upload_a_gbk_file_with_chinese_headers() -> None:
    at = open_data()
    at.text_input(key="data_name").set_value("shop").run()
    at.file_uploader(key="data_upload_orders_0").upload("订单.csv", ORDERS_GBK, "text/csv").run()
    assert not at.exception
    # The mapping form found the Chinese headers.
    assert (
        at.selectbox(key=next(k for k in _keys(at) if k.startswith("data_map_orders_customer_id"))).value == "客户编号"
    )
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("data_map_orders_amount"))).value == "实付金额"
    at.button(key="data_load").click().run()
    assert not at.exception
    assert "Loaded “shop”: 4 of 6 rows, 2 rejected" in at.success[0].value
    rejects = at.dataframe[-1].value
    assert list(rejects["Line"]) == [5, 6]
    assert list(rejects["Reason"]) == ["missing customer id", "not a date"]
    # Every page now shows the new data: 3 customers.
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    # The file has no order id: its rows are order lines.
    assert "Dataset: shop (3 customers, 4 order lines" in " ".join(c.value for c in at.caption)
    # And the demo is one click away.
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_switch").set_value("demo").run()
    assert not at.exception
    at.switch_page("pages/overview.py").run()
    assert "5,000 customers" in " ".join(c.value for c in at.caption)
    assert "Active customers" in metrics(at)


def test_mapping_can_be_changed_and_a_missing_role_is_explained() -> None:
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload("orders.csv", ORDERS_GBK, "text/csv").run()
    amount_key = next(k for k in _keys(at) if k.startswith("data_map_orders_amount"))
    at.selectbox(key=amount_key).set_value("").run()
    at.button(key="data_load").click().run()
    assert "no column found for Amount" in at.error[0].value


def test_a_damaged_excel_file_gets_a_clear_message() -> None:
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload("sales.csv", b"PK\x03\x04rest-of-a-zip", "text/csv").run()
    assert "looks like an Excel workbook but cannot be opened" in at.error[0].value
    assert "save it again, or save the sheet as CSV" in at.error[0].value


def _keys(at) -> list[str]:
    return [widget.key for widget in at.selectbox if widget.key]


def test_excel_upload_lists_the_sheets_and_a_sheet_can_be_chosen(tmp_path) -> None:
    from tests.data.make_import_corpus import write_corpus

    write_corpus(tmp_path)
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload(
        "export.xlsx", (tmp_path / "workbook.xlsx").read_bytes(), "application/octet-stream"
    ).run()
    assert not at.exception
    sheet = at.selectbox(key=next(k for k in _keys(at) if k.startswith("data_sheet_orders")))
    assert (sheet.options, sheet.value) == (["Notes", "Sales", "Empty"], "Sales")
    assert "Read from sheet “Sales” of the workbook; the first row holds the column names. 3 rows." in _captions(at)
    sheet.set_value("Empty").run()
    assert "export.xlsx: sheet “Empty” is empty." in shown(at.error[0].value)


def test_ambiguous_dates_must_be_confirmed_and_returns_can_be_left_out() -> None:
    at = open_data()
    data = b"invoice,customer,date,amount\n100,A,05/01/2024,10\nC101,A,06/01/2024,-10\n102,B,01/02/2024,20\n"
    at.file_uploader(key="data_upload_orders_0").upload("eu.csv", data, "text/csv").run()
    order_key = next(r.key for r in at.radio if r.key and r.key.startswith("data_date_order_orders"))
    assert at.radio(key=order_key).value is None  # nothing decides: no default
    assert "No date in the file tells which order is meant" in _captions(at)
    at.button(key="data_load").click().run()
    assert "Choose the date order" in at.error[0].value
    at.radio(key=order_key).set_value("dmy").run()
    at.checkbox(key="data_returns").check().run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert "Loaded “dataset 1”: 2 of 3 rows, 1 rejected" in at.success[0].value
    rejects = at.dataframe[-1].value
    assert list(rejects["Reason"]) == ["return or cancellation (left out)"]


def test_a_file_from_the_server_data_folder() -> None:
    at = open_data()
    at.radio(key="data_source").set_value("server").run()
    at.selectbox(key="data_server_customers").set_value("demo_customers.csv").run()
    assert not at.exception
    at.text_input(key="data_name").set_value("crm only").run()
    at.button(key="data_load").click().run()
    assert "Loaded “crm only”: 5,000 of 5,000 rows, 0 rejected" in at.success[0].value
    assert "Dataset in use: crm only (customer list)" in [s.value for s in at.subheader]
    # Every page works on a customer list alone; those that need order dates say so.
    for page in ("overview", "trends", "causes", "tiers", "lifetime-value", "what-if"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
    at.switch_page("pages/causes.py").run()
    assert "according to the customer list" in _captions(at)
    at.switch_page("pages/overview.py").run()
    assert "without order dates" in at.info[0].value
    assert metrics(at)["Customers listed"] == "5,000"


def test_the_data_page_in_chinese() -> None:
    from churn.i18n import set_language

    set_language("zh")  # AppTest formats widget options in the test's thread
    try:
        at = new_app({"lang": "zh"})
        at.switch_page("pages/data.py").run()
        assert not at.exception
        at.file_uploader(key="data_upload_orders_0").upload("订单.csv", ORDERS_GBK, "text/csv").run()
        assert "按 gb18030 文本读取，以逗号分隔字段；第一行是列名。共 6 行。" in _captions(at)
    finally:
        set_language("en")


def _captions(at) -> str:
    return " ".join(caption.value for caption in at.caption)


def test_an_unmapped_column_becomes_a_sidebar_filter() -> None:
    at = open_data()
    data = (
        b"customer,date,amount,store\nA,2024-01-05,10,Lyon\nA,2024-02-05,10,Lyon\nB,2024-01-06,20,Paris\n"
        b"C,2024-01-07,30,Paris\n"
    )
    at.file_uploader(key="data_upload_orders_0").upload("stores.csv", data, "text/csv").run()
    extra = next(m for m in at.multiselect if m.key and m.key.startswith("data_extra_orders"))
    assert extra.value == ["store"]  # proposed: few repeated words
    at.button(key="data_load").click().run()
    filter_by = at.sidebar.selectbox(key="setting_filter_by")
    assert filter_by.options[-1] == "store"
    filter_by.set_value("store").run()
    at.sidebar.multiselect(key="setting_filter_store").set_value(["Paris"]).run()
    assert not at.exception
    at.switch_page("pages/overview.py").run()
    assert not at.exception


def test_a_crm_customer_list_shows_churn_by_cause_without_any_mapping() -> None:
    # The telco export, chosen as the orders file: its content says it is a list of customers, and
    # "Customer Status" (Churned / Stayed / Joined) is read as the status without help. Of its 20
    # customers 6 churned: competitor 2 (0004, 0023), dissatisfaction 3 (0011 and 0013 by their
    # reason, 0024 "Attitude of support person"), unknown 1 (0022 "Don't know").
    from pathlib import Path

    telco = (Path(__file__).resolve().parents[1] / "data" / "import" / "telco_customers.csv").read_bytes()
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload("telco.csv", telco, "text/csv").run()
    assert not at.exception
    assert "telco.csv is a list of customers" in shown(at.info[0].value)
    status = at.selectbox(key=next(k for k in _keys(at) if k.startswith("data_map_customers_status")))
    assert status.value == "Customer Status"
    assert not at.warning  # a status is mapped: nothing to ask
    at.button(key="data_load").click().run()
    assert not at.exception
    assert "Dataset in use: dataset 1 (customer list)" in [s.value for s in at.subheader]
    at.switch_page("pages/causes.py").run()
    assert not at.exception
    figures = {metric.label: metric.value for metric in at.metric}
    # 6 churned customers: dissatisfaction 3 of 6, competitor 2, unknown 1.
    assert figures["Dissatisfaction"] == "50.0%"
    assert figures["Competitor"] == "33.3%"
    assert figures["Silent churn (unknown)"] == "16.7%"


def test_a_customer_list_without_a_status_asks_for_one() -> None:
    at = open_data()
    data = b"customer,Region,Total Revenue\nA,North,100\nB,South,80\n"
    at.file_uploader(key="data_upload_customers_0").upload("crm.csv", data, "text/csv").run()
    assert not at.exception
    assert "Nobody on this list can be counted as lost without a status" in at.warning[0].value


def test_a_nine_day_export_shows_what_it_can_and_says_what_is_missing() -> None:
    # An online-retail order-line export of 9 days (2010-12-01 to 2010-12-09): 28 lines, 22 invoices,
    # 15 customers who bought (14527 only has a cancelled invoice: a return, no purchase).
    from pathlib import Path

    nine_days = (Path(__file__).resolve().parents[1] / "data" / "import" / "nine_days.csv").read_bytes()
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload("retail.csv", nine_days, "text/csv").run()
    at.button(key="data_load").click().run()
    assert not at.exception
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    # Revenue: the 28 lines net 2,250.51; without the -27.50 of 14527, who bought nothing: 2,278.01.
    assert metrics(at) == {
        "Customers": "15",
        "Orders": "22",
        "Revenue of these customers": "2,278",
        "Active customers": "15",
    }
    # W is 30 (the smallest suggestion): lost after 30 silent days, then a full month: Dec 31 + 1
    # month = Feb 1 2011, 62 days from Dec 1.
    assert at.info[0].value.startswith("The orders cover 9 days (2010-12-01 to 2010-12-09).")
    assert "62 days of history. Load a longer history" in at.info[0].value
    for page in ("trends", "causes", "what-if"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert "Load a longer history" in at.info[0].value, page
    at.switch_page("pages/tiers.py").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 1  # the pyramid needs no history
    open_tab(at, "pages/tiers.py", "tiers.churn_title")
    assert any("Load a longer history" in info.value for info in at.info)
    at.switch_page("pages/lifetime-value.py").run()
    assert not at.exception
    # No model predictions on 9 days, with the reason; the retention formula needs churn too.
    assert at.info[0].value.startswith("No predictions: the orders cover 9 days")


def test_a_load_waiting_for_other_sessions_says_how_many_are_ahead(monkeypatch) -> None:
    import threading

    import churn.i18n
    import churn.workspace
    from churn.workspace import ImportQueue

    queue = ImportQueue(slots=1)
    monkeypatch.setattr(churn.workspace, "IMPORT_QUEUE", queue)
    holding, release = threading.Event(), threading.Event()

    def other_session_loading() -> None:
        with queue.turn():
            holding.set()
            release.wait(10)

    # The steps of a load are shown while it runs and replaced by its outcome: the texts the page
    # asked for are recorded as they are written.
    said: list[str] = []
    translate = churn.i18n.t

    def recorded(key: str, **values: object) -> str:
        text = translate(key, **values)
        said.append(text)
        if key == "data.waiting":
            release.set()  # the other session's load ends once this one has said it waits
        return text

    monkeypatch.setattr(churn.i18n, "t", recorded)
    other = threading.Thread(target=other_session_loading)
    other.start()
    holding.wait(5)
    threading.Timer(30, release.set).start()  # at the latest: a load that never waits fails below
    at = open_data()
    at.file_uploader(key="data_upload_orders_0").upload("orders.csv", ORDERS_GBK, "text/csv").run()
    at.button(key="data_load").click().run()
    other.join(10)
    assert not at.exception
    assert any(text.startswith("Waiting for the server: 1 other session is loading its data first") for text in said), (
        said
    )
    assert "4 of 6 rows, 2 rejected" in at.success[0].value
