"""Data: upload a sales export and/or a customer list, check the column mapping, load it, see
every rejected row; switch between the datasets of this session."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from churn.i18n import MESSAGES, format_int, t
from churn.ingest import (
    CUSTOMER_COLUMNS,
    MAX_UPLOAD_BYTES,
    ORDER_COLUMNS,
    REQUIRED_ROLES,
    ImportProblem,
    PreparedFile,
    detect_roles,
    file_columns,
    prepare_upload,
)
from churn.ui import current_settings, reset_settings, session_workspace

ENCODINGS = ("auto", "utf-8", "gb18030", "utf-16", "cp1252")
REASON_KEYS = {
    "missing customer id": "data.reason_missing_id",
    "unparseable date": "data.reason_bad_date",
    "not a number": "data.reason_not_number",
}
PENDING = "data_pending"  # prepared uploads: table -> (PreparedFile, upload id, its column names)

workspace = session_workspace()
current_settings()
dataset = workspace.dataset
assert dataset is not None

st.title(t("data.title"))
st.caption(t("data.caption", limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
if "data_flash" in st.session_state:
    st.success(st.session_state.pop("data_flash"))

# The dataset in use
shown_name = t("dataset.demo") if dataset.name == "demo" else dataset.name
st.subheader(t("data.current", name=shown_name, kind=t(f"data.kind.{dataset.kind}")))
st.dataframe(
    pd.DataFrame(
        {
            t("data.col_file"): [load.file for load in dataset.loads],
            t("data.col_table"): [
                t("data.kind.transactions" if load.table == "orders" else "data.kind.customers")
                for load in dataset.loads
            ],
            t("data.col_read"): [load.rows_read for load in dataset.loads],
            t("data.col_loaded"): [load.rows_loaded for load in dataset.loads],
            t("data.col_rejected"): [load.rows_rejected for load in dataset.loads],
        }
    ),
    hide_index=True,
)

# Switch between the session's datasets
names = ["demo", *[name for name in workspace.datasets if name != "demo"]]
if len(names) > 1:
    chosen = st.selectbox(
        t("data.switch"),
        names,
        index=names.index(dataset.name) if dataset.name in names else 0,
        format_func=lambda name: t("dataset.demo") if name == "demo" else name,
        help=t("data.switch_help"),
        key="data_switch",
    )
    if chosen != dataset.name:
        workspace.load_dataset(str(chosen))
        reset_settings()
        st.rerun()

# A new dataset
st.subheader(t("data.new"))
name = st.text_input(t("data.name"), value=f"dataset {len(names)}", key="data_name").strip() or f"dataset {len(names)}"
encoding = st.selectbox(
    t("data.encoding"),
    ENCODINGS,
    format_func=lambda e: t("data.encoding_auto") if e == "auto" else e,
    key="data_encoding",
)
pending: dict[str, tuple[PreparedFile, str, list[str]]] = st.session_state.setdefault(PENDING, {})
mappings: dict[str, dict[str, str]] = {}
for table, label, roles in (
    ("orders", t("data.orders_file"), ORDER_COLUMNS),
    ("customers", t("data.customers_file"), CUSTOMER_COLUMNS),
):
    upload = st.file_uploader(label, key=f"data_upload_{table}_{st.session_state.get('data_version', 0)}")
    if upload is None:
        pending.pop(table, None)
        continue
    assert workspace.upload_dir is not None
    upload_id = f"{upload.file_id}-{encoding}"
    try:
        # Prepared and read once per upload (not on every rerun of the page).
        if table not in pending or pending[table][1] != upload_id:
            prepared = prepare_upload(
                upload.getvalue(), upload.name, workspace.upload_dir, None if encoding == "auto" else str(encoding)
            )
            pending[table] = (prepared, upload_id, file_columns(workspace.con, prepared.path))
        prepared, _, headers = pending[table]
    except ImportProblem as problem:
        pending.pop(table, None)
        st.error(t("data.problem", problem=problem))
        continue
    detected = detect_roles(headers, table)
    required = ", ".join(t(f"role.{role}") for role in REQUIRED_ROLES[table])
    with st.expander(t("data.mapping", file=prepared.name), expanded=True):
        st.caption(t("data.mapping_caption", required=required))
        options = ["", *headers]
        columns = st.columns(3)
        mapping: dict[str, str] = {}
        for position, role in enumerate(roles):
            with columns[position % 3]:
                choice = st.selectbox(
                    t(f"role.{role}"),
                    options,
                    index=options.index(detected[role]) if role in detected else 0,
                    format_func=lambda column: column or t("data.role_none"),
                    key=f"data_map_{table}_{role}_{upload_id}",
                )
            if choice:
                mapping[role] = str(choice)
        mappings[table] = mapping

if st.button(t("data.load"), type="primary", key="data_load"):
    if not pending:
        st.warning(t("data.need_file"))
    else:
        files = [
            (prepared.path, table, mappings.get(table, {}), prepared.name)
            for table, (prepared, _, _) in pending.items()
        ]
        try:
            info = workspace.load_dataset(name, files)
        except ImportProblem as problem:
            st.error(t("data.problem", problem=problem))
        else:
            pending.clear()
            reset_settings()
            # Fresh, empty uploaders for the next dataset.
            st.session_state["data_version"] = st.session_state.get("data_version", 0) + 1
            st.session_state["data_flash"] = t(
                "data.loaded",
                name=name,
                loaded=format_int(info.rows_loaded),
                read=format_int(info.rows_read),
                rejected=format_int(info.rows_rejected),
            )
            st.rerun()

# Every rejected row
st.subheader(t("data.rejects"))
rejects = workspace.query("rejected_rows")
if rejects.empty:
    st.caption(t("data.no_rejects"))
else:
    st.caption(t("data.rejects_caption", count=format_int(len(rejects))))
    shown = pd.DataFrame(
        {
            t("data.col_file"): rejects["file"],
            t("data.col_line"): rejects["line"],
            t("data.col_column"): [
                t(f"role.{c}") if f"role.{c}" in MESSAGES["en"] else c for c in rejects["column_name"]
            ],
            t("data.col_reason"): [t(REASON_KEYS[r]) if r in REASON_KEYS else r for r in rejects["reason"]],
            t("data.col_raw"): rejects["raw"],
        }
    )
    st.dataframe(shown.head(1000), hide_index=True)
    st.download_button(
        t("data.download_rejects"),
        shown.to_csv(index=False).encode("utf-8-sig"),
        file_name="rejected-rows.csv",
        mime="text/csv",
    )
