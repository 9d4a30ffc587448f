"""Column roles found as a person reads a header, from the values where names say nothing, with
the evidence; and whether a file is an orders export or a customer list."""

from __future__ import annotations

from pathlib import Path

import pytest

from churn.roles import CUSTOMER_ROLES, ORDER_ROLES, detect, guess_table, looks_like_status, patterns

IMPORT = Path(__file__).resolve().parents[1] / "data" / "import"


@pytest.mark.parametrize(
    ("header", "table", "role"),
    [
        # Words in any position and order, separators, case, camel case, units and prefixes.
        ("Customer Status", "customers", "status"),
        ("Account state", "customers", "status"),
        ("客户状态", "customers", "status"),
        ("Tenure in Months", "customers", "tenure_months"),
        ("Months as customer", "customers", "tenure_months"),
        ("Total Revenue (USD)", "customers", "total_revenue"),
        ("销售额（元）", "orders", "amount"),
        ("CustomerID", "orders", "customer_id"),
        ("ID of customer", "orders", "customer_id"),
        ("cust_no", "orders", "customer_id"),
        ("InvoiceDate", "orders", "order_date"),
        ("Order-Date", "orders", "order_date"),
        ("InvoiceNo", "orders", "order_id"),
        ("UnitPrice", "orders", "unit_price"),
        ("Net Sales [EUR]", "orders", "amount"),
        ("客户编号", "orders", "customer_id"),
        ("下单时间", "orders", "order_date"),
        ("Churn Reason", "customers", "churn_reason"),
        ("Churn Category", "customers", "churn_category"),
        ("流失原因", "customers", "churn_reason"),
        ("Customer Segment", "customers", "segment"),
        ("Date Churned", "customers", "churn_date"),
        ("Sign-up date", "customers", "signup_date"),
    ],
)
def test_a_header_is_read_as_a_person_reads_it(header: str, table: str, role: str) -> None:
    found = detect([header], [], table)
    assert found.mapping == {role: header}
    assert (found.evidence[role].kind, found.evidence[role].column) == ("name", header)


def test_the_telco_customer_list_is_mapped_without_help() -> None:
    # The public telco churn export: 38 columns, of which six play a role. "Customer Status" is the
    # status (not the customer id: "Customer ID" is), "Total Revenue" wins over "Total Charges"
    # (an earlier pattern) and over "Total Extra Data Charges" (two words too many).
    lines = (IMPORT / "telco_customers.csv").read_text(encoding="utf-8").splitlines()
    headers = lines[0].split(",")
    sample = [line.split(",") for line in lines[1:]]
    found = detect(headers, sample, "customers")
    assert found.mapping == {
        "customer_id": "Customer ID",
        "status": "Customer Status",
        "churn_reason": "Churn Reason",
        "churn_category": "Churn Category",
        "total_revenue": "Total Revenue",
        "tenure_months": "Tenure in Months",
    }
    assert found.evidence["tenure_months"].detail == "tenure months"
    assert guess_table(headers, sample) == "customers"


def test_an_online_retail_export_is_orders() -> None:
    headers = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    sample = [
        ["536365", "85123A", "WHITE HANGING HEART", "6", "2010-12-01 08:26:00", "2.55", "17850", "United Kingdom"],
        ["536365", "71053", "WHITE METAL LANTERN", "6", "2010-12-01 08:26:00", "3.39", "17850", "United Kingdom"],
    ]
    found = detect(headers, sample, "orders")
    # No amount column: quantity x unit price (the loader computes it).
    assert found.mapping == {
        "customer_id": "CustomerID",
        "order_date": "InvoiceDate",
        "order_id": "InvoiceNo",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "region": "Country",
    }
    assert guess_table(headers, sample) == "orders"


def test_status_from_the_values_when_the_name_says_nothing() -> None:
    headers = ["id", "note", "flag"]
    sample = [["1", "ok", "Churned"], ["2", "fine", "Stayed"], ["3", "", "Joined"], ["4", "x", "流失"]]
    found = detect(headers, sample, "customers")
    assert found.mapping["status"] == "flag"
    assert (found.evidence["status"].kind, found.evidence["status"].detail) == ("values", "Churned, Stayed, Joined")


def test_a_churn_flag_is_a_status_by_its_name_only() -> None:
    # Yes/No is a status when the name says churn; any other yes/no column is not.
    assert detect(["Churn"], [["Yes"], ["No"]], "customers").mapping == {"status": "Churn"}
    assert "status" not in detect(["Paperless Billing"], [["Yes"], ["No"]], "customers").mapping
    assert looks_like_status(["Yes", "No", "No"], named=True)
    assert not looks_like_status(["Yes", "No", "No"], named=False)


def test_a_churn_score_is_no_status() -> None:
    # "Churn Score" matches the name pattern "churn", but 0-100 numbers are not statuses.
    found = detect(["Customer ID", "Churn Score", "Customer Status"], [["1", "82", "Stayed"]], "customers")
    assert found.mapping["status"] == "Customer Status"


def test_each_column_plays_one_role_and_each_role_has_one_column() -> None:
    found = detect(["Customer", "Customer Name", "Date", "Sales", "Total"], [], "orders")
    assert found.mapping == {"customer_id": "Customer", "order_date": "Date", "amount": "Sales"}


def test_a_customer_list_needs_one_row_per_customer() -> None:
    headers = ["customer", "status", "date", "amount"]
    repeated = [["A", "active", "2024-01-05", "10"], ["A", "active", "2024-02-05", "10"]]
    assert guess_table(headers, repeated) == "orders"
    # Unique ids and a signup date (a date of a customer list, not an order date): a list.
    headers = ["Customer ID", "Signup Date", "Total Revenue", "Status"]
    assert guess_table(headers, [["A", "2024-01-05", "100", "Active"], ["B", "2024-02-05", "80", "Churned"]]) == (
        "customers"
    )


def test_every_pattern_is_of_a_known_role() -> None:
    assert {pattern.role for pattern in patterns()} == set(ORDER_ROLES) | set(CUSTOMER_ROLES)
