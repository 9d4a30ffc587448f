"""Load files into the canonical tables ``orders``, ``customers``, ``extra_dimensions``,
``repeated_rows`` and ``rejects``.

A file's columns are matched to roles (customer id, order date, amount, ...) by header name in
English or Chinese, or by their values, and each row is converted. A clean file takes the typed
fast path (``typed``); any other is staged as text (``staging``) and converted (``convert``). A
row that cannot be converted is not dropped silently: it goes to ``rejects`` with its line, the
column and a reason code (``REJECT_CODES``), so that loaded + rejected = rows read, always.

Modules: ``schema`` (tables, required roles, ranges, reject codes), ``staging``, ``typed``,
``convert``, ``returns``, ``inspection`` (a file before loading), ``load`` (``load_file``).
"""

from churn.ingest.inspection import DateEvidence, FileInspection, combined_evidence, inspect_file
from churn.ingest.load import DatasetFile, load_demo, load_file, load_files
from churn.ingest.schema import (
    CANONICAL_TABLES,
    DATE_ORDERS,
    DATE_OUT_OF_RANGE,
    EARLIEST_DATE,
    MAX_AMOUNT,
    MISSING_CUSTOMER_ID,
    NOT_A_NUMBER,
    NUMBER_OUT_OF_RANGE,
    REJECT_CODES,
    REQUIRED_ROLES,
    RETURN_EXCLUDED,
    UNPARSEABLE_DATE,
    UNREADABLE_TEXT,
    WRONG_NUMBER_OF_FIELDS,
    LoadResult,
    create_canonical_tables,
    latest_date,
)
from churn.ingest.staging import MAX_LINE_BYTES, STOPPED, unique_headers
from churn.roles import CUSTOMER_COLUMNS, ORDER_COLUMNS
from churn.sources import ImportProblem, PreparedFile

__all__ = [
    "CANONICAL_TABLES",
    "CUSTOMER_COLUMNS",
    "DATE_ORDERS",
    "DATE_OUT_OF_RANGE",
    "EARLIEST_DATE",
    "MAX_AMOUNT",
    "MAX_LINE_BYTES",
    "MISSING_CUSTOMER_ID",
    "NOT_A_NUMBER",
    "NUMBER_OUT_OF_RANGE",
    "ORDER_COLUMNS",
    "REJECT_CODES",
    "REQUIRED_ROLES",
    "RETURN_EXCLUDED",
    "STOPPED",
    "UNPARSEABLE_DATE",
    "UNREADABLE_TEXT",
    "WRONG_NUMBER_OF_FIELDS",
    "DatasetFile",
    "DateEvidence",
    "FileInspection",
    "ImportProblem",
    "LoadResult",
    "PreparedFile",
    "combined_evidence",
    "create_canonical_tables",
    "inspect_file",
    "latest_date",
    "load_demo",
    "load_file",
    "load_files",
    "unique_headers",
]
