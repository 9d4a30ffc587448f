"""Data: upload (or pick from the server's data/ folder) a sales export and/or a customer list,
check how it was read and the column mapping, load it, see warnings and every rejected row;
switch between the datasets of this session."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from churn.build import built_folders, open_data_folder
from churn.db import QueryError
from churn.export import csv_bytes
from churn.i18n import MESSAGES, format_int, format_percent, import_problem_text, t
from churn.ingest import (
    CUSTOMER_COLUMNS,
    DATE_ORDERS,
    ORDER_COLUMNS,
    REQUIRED_ROLES,
    DatasetFile,
    FileInspection,
    ImportProblem,
    combined_evidence,
)
from churn.page_data import default_settings
from churn.roles import Evidence, looks_like_status
from churn.saved import QuotaExceeded, SavedWorkspaceNotFound, workspace_store
from churn.sources import (
    ENCODINGS,
    MAX_UPLOAD_BYTES,
    WHITESPACE,
    PreparedFile,
    prepare_server_file,
    prepare_upload,
    server_files,
)
from churn.ui import (
    WORKSPACE_PARAM,
    built_summary,
    current_settings,
    current_view,
    download_button,
    file_uploader,
    forget_saved_workspace,
    keep_saved_workspace,
    markdown_text,
    opened_workspace,
    reset_settings,
    saved_workspaces_here,
    session_workspace,
    token_from_link,
    workspace_link,
)
from churn.workspace import session_disk_limit

DELIMITER_KEYS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", WHITESPACE: "whitespace"}
PENDING = "data_pending"  # table -> PendingFile
logger = logging.getLogger(__name__)


@dataclass
class PendingFile:
    """A chosen file, prepared and inspected once (not on every rerun of the page)."""

    file_id: str  # the upload or server file, with the encoding asked for
    prepared: PreparedFile
    inspection: FileInspection
    table: str  # what it is loaded as: orders, or customers when the content says so


def why_chosen(evidence: Evidence | None) -> str | None:
    """Why a column was chosen for a role, in words (None: nothing was found for it)."""
    if evidence is None:
        return None
    if evidence.kind == "name":
        return t("data.why_name", column=markdown_text(evidence.column), words=markdown_text(evidence.detail))
    return t("data.why_values", column=markdown_text(evidence.column), examples=markdown_text(evidence.detail))


def status_candidates(inspection: FileInspection) -> str:
    """The columns of a customer list whose name or values suggest a status, for the message that
    asks for one; the file's columns when none does."""
    found = [
        header
        for position, header in enumerate(inspection.headers)
        if looks_like_status([str(row[position] or "") for row in inspection.preview], named=True)
    ]
    return ", ".join(f"“{markdown_text(header)}”" for header in found) or t("data.no_status_none")


def read_as(prepared: PreparedFile, rows: int) -> str:
    """How the file was read, in words."""
    header = t("data.header_yes" if prepared.header else "data.header_no")
    if prepared.format == "parquet":
        return t("data.read_as_parquet", rows=format_int(rows))
    if prepared.format == "excel":
        return t("data.read_as_excel", sheet=markdown_text(prepared.sheet or ""), header=header, rows=format_int(rows))
    delimiter = t(f"data.delimiter.{DELIMITER_KEYS[prepared.found_delimiter]}")
    return t("data.read_as_text", encoding=prepared.encoding, delimiter=delimiter, header=header, rows=format_int(rows))


workspace = session_workspace()
current_settings()
dataset = workspace.dataset
assert dataset is not None

st.title(t("data.title"))
st.caption(t("data.caption", limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
if "data_flash" in st.session_state:
    st.success(st.session_state.pop("data_flash"))

# The dataset in use
shown_name = t("dataset.demo") if dataset.name == "demo" else markdown_text(dataset.name)
st.subheader(t("data.current", name=shown_name, kind=t(f"data.kind.{dataset.kind}")))
if dataset.built is not None:
    st.caption(t("built.current", summary=built_summary(dataset.built), folder=markdown_text(dataset.built.path.name)))
else:
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
                t("data.col_returns"): [load.returns for load in dataset.loads],
            }
        ),
        hide_index=True,
        column_config={
            name: st.column_config.NumberColumn(format="localized")
            for name in (t("data.col_read"), t("data.col_loaded"), t("data.col_rejected"), t("data.col_returns"))
        },
    )
warnings = workspace.cached_query("data_warnings", {"today": date.today()})
for warning in warnings.itertuples():
    st.warning(
        t(
            f"data.warn.{warning.warning}",
            rows=format_int(warning.rows),
            example=markdown_text(str(warning.example)),
            share=format_percent(warning.share),
        ),
        icon=":material/warning:",
    )


def save_workspace(name: str, token: str | None) -> None:
    """Save the dataset in use (as a new saved workspace when ``token`` is None) and say so."""
    try:
        saved = workspace_store().save(workspace, name, current_view(), token)
    except QuotaExceeded as error:
        size, limit = format_int(error.size_bytes / 1e6), format_int(error.limit_bytes / 1e6)
        st.error(t(f"saved.too_large_{error.scope}", size=size, limit=limit))
        return
    except OSError:
        logger.exception("A workspace could not be saved")
        st.error(t("saved.failed"))
        return
    keep_saved_workspace(workspace, saved.token, saved.name)
    st.session_state["data_flash"] = t("saved.done", name=markdown_text(saved.name))
    st.rerun()


# Keep the dataset on the server: a saved workspace, opened again by its private link
st.subheader(t("saved.title"))
store = workspace_store()
token = opened_workspace()
saved = None
if token is not None:
    try:
        saved = store.describe(token)
    except SavedWorkspaceNotFound:  # deleted in another session
        forget_saved_workspace(deleted=True)
if dataset.built is not None:
    st.caption(t("built.not_saved"))
elif saved is None:
    st.caption(t("saved.caption"))
    name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    # The demo stays the demo: a saved copy of it gets a name of its own.
    default_save_name = t("saved.demo_name") if dataset.name == "demo" else dataset.name
    save_name = name_column.text_input(t("saved.name"), value=default_save_name, max_chars=100, key="saved_name")
    if button_column.button(t("saved.save"), icon=":material/save:", key="saved_save"):
        save_workspace(save_name, None)
else:
    st.caption(
        t(
            "saved.current",
            name=markdown_text(saved.name),
            saved_at=saved.saved_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            size=format_int(max(1, round(saved.size_bytes / 1e6))),
        )
    )
    st.code(workspace_link(saved.token, current_view()), language=None, wrap_lines=True)
    st.caption(t("saved.link_help"))
    left, right = st.columns(2)
    if left.button(t("saved.save_changes"), icon=":material/save:", help=t("saved.save_changes_help")):
        save_workspace(saved.name, saved.token)
    if right.button(t("saved.save_as_new"), icon=":material/add:", help=t("saved.save_as_new_help")):
        save_workspace(saved.name, None)
    with st.expander(t("saved.manage")):
        new_name = st.text_input(t("saved.rename_to"), value=saved.name, max_chars=100, key="saved_rename")
        if st.button(t("saved.rename"), key="saved_rename_button"):
            renamed = store.rename(saved.token, new_name)
            keep_saved_workspace(workspace, saved.token, renamed.name)
            st.session_state["data_flash"] = t("saved.renamed", name=markdown_text(renamed.name))
            st.rerun()
        sure = st.checkbox(t("saved.delete_confirm", name=markdown_text(saved.name)), key="saved_delete_sure")
        if st.button(t("saved.delete"), icon=":material/delete:", disabled=not sure, key="saved_delete"):
            store.delete(saved.token)
            forget_saved_workspace(deleted=True)
            st.session_state["data_flash"] = t("saved.deleted", name=markdown_text(saved.name))
            st.rerun()
with st.expander(t("saved.open_title")):
    pasted = st.text_input(t("saved.open_link"), key="saved_open_link", placeholder=t("saved.open_placeholder"))
    if st.button(t("saved.open"), key="saved_open") and pasted.strip():
        # The app opens it on the next run (churn.ui): the same path as a link opened in the browser.
        st.query_params[WORKSPACE_PARAM] = token_from_link(pasted)
        st.rerun()

# Switch between the session's datasets: its uploads and the saved workspaces it saved or opened
saved_here = saved_workspaces_here()
names = ["demo", *[name for name in workspace.datasets if name != "demo"]]
names += [name for name in saved_here if name not in names]
if dataset.name not in names:
    names.append(dataset.name)
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
        if chosen in saved_here and chosen not in workspace.datasets:
            # Opened as a link is (churn.ui), on the next run.
            st.query_params[WORKSPACE_PARAM] = saved_here[str(chosen)]
        else:
            workspace.load_dataset(str(chosen))
            reset_settings()
        st.rerun()

# A dataset built by `python -m churn build` into a folder of the server's data/ folder
st.subheader(t("built.title"))
folders = built_folders()
if not folders:
    st.caption(t("built.none"))
    st.code("python -m churn build orders.csv --customers customers.csv --out data/my-build", language="bash")
else:
    st.caption(t("built.caption"))
    folder_column, open_column = st.columns([3, 1], vertical_alignment="bottom")
    folder_name = folder_column.selectbox(t("built.folder"), folders, key="built_folder")
    if open_column.button(t("built.open"), icon=":material/folder_open:", key="built_open"):
        try:
            info = workspace.open_built(open_data_folder(str(folder_name)))
        except (ValueError, QueryError) as error:
            logger.warning("Built folder %s could not be opened: %s", folder_name, error)
            st.error(t("built.unreadable", folder=markdown_text(str(folder_name))))
        else:
            reset_settings()
            st.session_state["data_flash"] = t("built.opened", name=markdown_text(info.name))
            st.rerun()

# A new dataset
st.subheader(t("data.new"))
default_name = t("data.default_name", number=len(names))
name = st.text_input(t("data.name"), value=default_name, key="data_name").strip() or default_name
source = st.radio(
    t("data.source"),
    ["upload", "server"],
    format_func=lambda s: t(f"data.source_{s}"),
    horizontal=True,
    help=t("data.source_help"),
    key="data_source",
)
encoding = st.selectbox(
    t("data.encoding"),
    ["auto", *ENCODINGS],
    format_func=lambda e: t("data.encoding_auto") if e == "auto" else e,
    key="data_encoding",
)
exclude_returns = st.checkbox(t("data.exclude_returns"), help=t("data.exclude_returns_help"), key="data_returns")
pending: dict[str, PendingFile] = st.session_state.setdefault(PENDING, {})
files: list[DatasetFile] = []
assert workspace.upload_dir is not None
for table, label, roles in (
    ("orders", t("data.orders_file"), ORDER_COLUMNS),
    ("customers", t("data.customers_file"), CUSTOMER_COLUMNS),
):
    version = st.session_state.get("data_version", 0)
    if source == "upload":
        upload = file_uploader(label, f"data_upload_{table}_{version}")
        picked = None if upload is None else upload.file_id
    else:
        upload = None
        picked = st.selectbox(
            label, ["", *server_files()], format_func=lambda f: f or t("data.server_none"), key=f"data_server_{table}"
        )
        picked = f"server:{picked}" if picked else None
    if picked is None:
        pending.pop(table, None)
        continue
    file_id = f"{picked}-{encoding}"
    sheet = st.session_state.get(f"data_sheet_{table}_{file_id}")
    header = st.session_state.get(f"data_header_{table}_{file_id}")
    current = pending.get(table)
    try:
        if (
            current is None
            or current.file_id != file_id
            or sheet not in (None, current.prepared.sheet)
            or header not in (None, current.prepared.header)
        ):
            options = {"encoding": None if encoding == "auto" else str(encoding), "sheet": sheet, "header": header}
            if upload is not None:
                prepared = prepare_upload(upload.getvalue(), upload.name, workspace.upload_dir, **options)
            else:
                prepared = prepare_server_file(picked.removeprefix("server:"), workspace.upload_dir, **options)
            others = [file.prepared.path for other, file in pending.items() if other != table]
            workspace.keep_uploads_within(session_disk_limit(), prepared, others)
            inspection = workspace.inspect_file(prepared, table)
            # The content decides: a customer list chosen as the orders file is loaded as one.
            loaded_as = inspection.table_guess if table == "orders" else table
            if loaded_as != table:
                inspection = workspace.inspect_file(prepared, loaded_as)
            pending[table] = PendingFile(file_id, prepared, inspection, loaded_as)
        current = pending[table]
    except ImportProblem as problem:
        pending.pop(table, None)
        st.error(t("data.problem", problem=import_problem_text(problem, markdown_text)))
        continue
    prepared, inspection = current.prepared, current.inspection
    if current.table != table:
        st.info(t("data.loaded_as_customers", file=markdown_text(prepared.name)))
        table, roles = current.table, CUSTOMER_COLUMNS
    with st.expander(t("data.mapping", file=markdown_text(prepared.name)), expanded=True):
        st.caption(read_as(prepared, inspection.rows))
        if prepared.format != "parquet":
            left, right = st.columns(2)
            if prepared.format == "excel":
                left.selectbox(
                    t("data.sheet"),
                    prepared.sheets,
                    index=prepared.sheets.index(prepared.sheet) if prepared.sheet in prepared.sheets else 0,
                    key=f"data_sheet_{table}_{file_id}",
                )
            right.checkbox(t("data.header"), value=prepared.header, key=f"data_header_{table}_{file_id}")
        st.caption(t("data.preview"))
        st.dataframe(pd.DataFrame(inspection.preview, columns=inspection.headers), hide_index=True)
        required = ", ".join(t(f"role.{role}") for role in REQUIRED_ROLES[table])
        st.caption(t("data.mapping_caption", required=required))
        options = ["", *inspection.headers]
        columns = st.columns(3)
        mapping: dict[str, str] = {}
        for position, role in enumerate(roles):
            with columns[position % 3]:
                choice = st.selectbox(
                    t(f"role.{role}"),
                    options,
                    index=options.index(inspection.mapping[role]) if role in inspection.mapping else 0,
                    format_func=lambda column: column or t("data.role_none"),
                    help=why_chosen(inspection.evidence.get(role)),
                    key=f"data_map_{table}_{role}_{file_id}",
                )
            if choice:
                mapping[role] = str(choice)
        by_values = [e for e in inspection.evidence.values() if e.kind == "values" and mapping.get(e.role) == e.column]
        if by_values:
            st.caption(
                t(
                    "data.roles_from_values",
                    roles="; ".join(
                        f"{t(f'role.{e.role}')} ← “{markdown_text(e.column)}” ({markdown_text(e.detail)})"
                        for e in by_values
                    ),
                )
            )
        if table == "customers" and not {"status", "churn_date"} & mapping.keys():
            st.warning(t("data.no_status", statuses=status_candidates(inspection)))
        unmapped = [header for header in inspection.headers if header not in mapping.values()]
        extra_columns = st.multiselect(
            t("data.extra_columns"),
            unmapped,
            default=[c for c in inspection.dimension_candidates if c in unmapped],
            help=t("data.extra_columns_help"),
            placeholder=t("data.extra_columns_none"),
            key=f"data_extra_{table}_{file_id}",
        )
        date_columns = [mapping[role] for role in roles if roles[role] == "date" and role in mapping]
        evidence = combined_evidence([inspection.date_evidence.get(column) for column in date_columns])
        date_order = None
        if evidence.slashed:
            date_order = st.radio(
                t("data.date_order"),
                DATE_ORDERS,
                index=DATE_ORDERS.index(evidence.decided) if evidence.decided else None,
                format_func=lambda order: t(f"data.date_order.{order}"),
                key=f"data_date_order_{table}_{file_id}",
            )
            example = evidence.day_first_example or evidence.month_first_example
            st.caption(
                t("data.date_order_decided", example=markdown_text(example or ""))
                if evidence.decided
                else t("data.date_order_ambiguous")
            )
    files.append(DatasetFile(prepared, table, mapping, date_order, exclude_returns, list(extra_columns)))

if st.button(t("data.load"), type="primary", key="data_load"):
    if not files:
        st.warning(t("data.need_file"))
    else:
        # The steps of a load as they happen: a large file takes minutes.
        status = st.status(t("data.loading", name=markdown_text(name)), expanded=True)
        try:
            info = workspace.load_dataset(
                name,
                files,
                progress=lambda file, number, total: status.write(
                    t("data.loading_file", file=markdown_text(file), number=number, total=total)
                ),
                # The server loads a few datasets at once (churn.workspace.IMPORT_QUEUE).
                waiting=lambda ahead: status.write(t("data.waiting", count=format_int(ahead))),
            )
            status.write(t("data.building"))
            # Built now, under the steps shown, for the view the new dataset opens with.
            workspace.ensure_derived(default_settings(workspace))
        except ImportProblem as problem:
            status.update(label=t("data.load_failed"), state="error")
            st.error(t("data.problem", problem=import_problem_text(problem, markdown_text)))
            if workspace.dataset is None or workspace.dataset.name != dataset.name:
                # The dataset in use could not be loaded back (a saved one is reopened by its link).
                reset_settings()
        else:
            status.update(label=t("data.load_done"), state="complete")
            pending.clear()
            # The files of the dataset this name held before, or chosen and then replaced.
            workspace.discard_unused_uploads()
            reset_settings()
            # The switcher still holds the dataset chosen before; it would load that one back.
            st.session_state.pop("data_switch", None)
            # Fresh, empty uploaders for the next dataset.
            st.session_state["data_version"] = st.session_state.get("data_version", 0) + 1
            flash = t(
                "data.loaded",
                name=markdown_text(name),
                loaded=format_int(info.rows_loaded),
                read=format_int(info.rows_read),
                rejected=format_int(info.rows_rejected),
            )
            returns = sum(load.returns for load in info.loads)
            if returns and not exclude_returns:
                flash += " " + t("data.loaded_returns", returns=format_int(returns))
            open_ended = sum(load.open_ended for load in info.loads)
            if open_ended:
                flash += " " + t("data.loaded_open_ended", count=format_int(open_ended))
            st.session_state["data_flash"] = flash
            st.rerun()

# Every rejected row
st.subheader(t("data.rejects"))
rejects = workspace.cached_query("rejected_rows")
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
            t("data.col_reason"): [t(f"reject.{code}") for code in rejects["reason"]],
            t("data.col_raw"): rejects["raw"],
        }
    )
    st.dataframe(shown.head(1000), hide_index=True)
    download_button(
        t("data.download_rejects"),
        csv_bytes(shown),
        file_name="rejected-rows.csv",
        mime="text/csv",
    )
