"""Saved workspaces: a session's dataset kept on the server and opened again by a private link.

A saved workspace is two files in the workspaces folder (``CHURN_WORKSPACES``, default
``workspaces/`` in the project, git-ignored), both named after the SHA-256 of its token, so
that the token itself is never written to disk or to a log:

- ``<id>.<version>.duckdb``: the dataset's tables as its import wrote them
  (churn.ingest.CANONICAL_TABLES: orders, customers, rejected rows, …), written once, never
  changed;
- ``<id>.json``: its name, when it was saved, what the import said of each file (rows, mapping,
  date order, currency), the user's reason -> cause corrections, the view it was saved with (the
  link's settings, saved what-if scenarios included) and which data file holds its tables.

A save writes a new data file, then replaces the JSON (written to a temporary file, then
``os.replace``): replacing the JSON is the commit. A crash or kill before it leaves the previous
JSON, which names the previous data file, untouched; what it leaves behind is removed when the
next server starts (``WorkspaceStore.clean_up``). The token (192 random bits from ``secrets``)
is the only way in: no listing, and a wrong or truncated token is simply "not found".
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from churn.db import PROJECT_ROOT, open_database_file, quote_identifier
from churn.ingest import CANONICAL_TABLES, LoadResult
from churn.workspace import Workspace

TOKEN_BYTES = 24  # 192 bits; token_urlsafe writes them as 32 characters
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
FORMAT = 1  # of the JSON; a later format must still read this one
MAX_NAME_LENGTH = 100
MB = 1024 * 1024
DEFAULT_WORKSPACE_MB = 500
DEFAULT_FOLDER_MB = 5000
_PARTIAL = ".partial"
logger = logging.getLogger(__name__)


class SavedWorkspaceNotFound(Exception):
    """No saved workspace has this token (or the text is not a token at all)."""


class QuotaExceeded(Exception):
    """A save would make a workspace (``scope`` "workspace") or the whole folder ("folder")
    larger than its limit; nothing was changed."""

    def __init__(self, scope: str, size_bytes: int, limit_bytes: int) -> None:
        super().__init__(f"The {scope} would hold {size_bytes} bytes; the limit is {limit_bytes}.")
        self.scope = scope
        self.size_bytes = size_bytes
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class SavedWorkspace:
    """What the store knows of one saved workspace."""

    token: str
    name: str
    saved_at: datetime
    size_bytes: int
    view: dict[str, str]  # the settings of the view it was saved with, as URL parameters


def new_token() -> str:
    """An unguessable token for a new saved workspace."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def clean_name(name: str) -> str:
    """A workspace name as kept: one line of printable text, at most MAX_NAME_LENGTH characters."""
    line = " ".join("".join(char if char.isprintable() else " " for char in name).split())
    return line[:MAX_NAME_LENGTH]


class WorkspaceStore:
    """The saved workspaces of one folder, with size limits per workspace and for the folder."""

    def __init__(self, root: Path, max_workspace_bytes: int, max_folder_bytes: int) -> None:
        self.root = root
        self.max_workspace_bytes = max_workspace_bytes
        self.max_folder_bytes = max_folder_bytes
        # One save, rename, delete or open at a time changes or reads the folder's JSON files.
        self._lock = threading.Lock()

    def _identifier(self, token: str) -> str:
        if not _TOKEN.fullmatch(token):
            raise SavedWorkspaceNotFound
        return hashlib.sha256(token.encode()).hexdigest()

    def _meta_path(self, token: str) -> Path:
        return self.root / f"{self._identifier(token)}.json"

    def _read_meta(self, token: str) -> dict[str, Any]:
        path = self._meta_path(token)
        try:
            meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise SavedWorkspaceNotFound from error
        return meta

    def _write_meta(self, token: str, meta: dict[str, Any]) -> None:
        _replace_atomically(self._meta_path(token), json.dumps(meta, ensure_ascii=False, indent=1).encode())

    def _describe(self, token: str, meta: dict[str, Any]) -> SavedWorkspace:
        data = self.root / meta["data"]
        return SavedWorkspace(
            token=token,
            name=meta["name"],
            saved_at=datetime.fromisoformat(meta["saved_at"]),
            size_bytes=data.stat().st_size,
            view=dict(meta["view"]),
        )

    def describe(self, token: str) -> SavedWorkspace:
        """The saved workspace of ``token``; SavedWorkspaceNotFound if there is none."""
        with self._lock:
            return self._describe(token, self._read_meta(token))

    def folder_bytes(self) -> int:
        """What the folder holds now, in bytes."""
        if not self.root.is_dir():
            return 0
        return sum(path.stat().st_size for path in self.root.iterdir() if path.is_file())

    def save(self, workspace: Workspace, name: str, view: dict[str, str], token: str | None = None) -> SavedWorkspace:
        """Keep the workspace's dataset under ``name`` with the settings of ``view``: as a new
        saved workspace (a new token), or as the new version of ``token``'s. QuotaExceeded
        (and nothing changed) if it would be too large."""
        dataset = workspace.dataset
        if dataset is None:
            raise ValueError("No dataset is loaded.")
        if token is not None:
            self.describe(token)  # SavedWorkspaceNotFound: nothing to replace
        token = token or new_token()
        self.root.mkdir(parents=True, exist_ok=True)
        identifier = self._identifier(token)
        data_name = f"{identifier}.{secrets.token_hex(8)}.duckdb"
        partial = self.root / (data_name + _PARTIAL)
        try:
            _write_tables(partial, workspace.canonical_tables())
            size = partial.stat().st_size
            meta = {
                "format": FORMAT,
                "name": clean_name(name) or dataset.name,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "data": data_name,
                "loads": [asdict(load) for load in dataset.loads],
                "reason_overrides": [[*key, cause] for key, cause in sorted(workspace.reason_overrides.items())],
                "view": {str(key): str(value) for key, value in view.items()},
            }
            with self._lock:
                if size > self.max_workspace_bytes:
                    raise QuotaExceeded("workspace", size, self.max_workspace_bytes)
                previous = _data_file(self.root, self._meta_path(token))
                replaced = previous.stat().st_size if previous is not None and previous.exists() else 0
                # The folder as it will be: the new data file is in it already, the replaced one goes.
                folder = self.folder_bytes() - replaced
                if folder > self.max_folder_bytes:
                    raise QuotaExceeded("folder", folder, self.max_folder_bytes)
                os.replace(partial, self.root / data_name)
                self._write_meta(token, meta)  # the commit
                if previous is not None:
                    previous.unlink(missing_ok=True)
                saved = self._describe(token, meta)
        finally:
            partial.unlink(missing_ok=True)
        logger.info("Saved workspace %s… (%d bytes)", identifier[:8], saved.size_bytes)
        return saved

    def open(self, token: str, workspace: Workspace) -> SavedWorkspace:
        """Make the saved dataset of ``token`` the one ``workspace`` uses, with its reason
        corrections; SavedWorkspaceNotFound if there is none."""
        with self._lock:
            meta = self._read_meta(token)
            con = open_database_file(self.root / meta["data"], read_only=True)
            try:
                tables = {name: con.table(quote_identifier(name)).to_arrow_table() for name in CANONICAL_TABLES}
            finally:
                con.close()
            saved = self._describe(token, meta)
        loads = [LoadResult(**load) for load in meta["loads"]]
        workspace.restore_dataset(saved.name, tables, loads)
        overrides = {(reason, category): cause for reason, category, cause in meta["reason_overrides"]}
        workspace.set_reason_overrides(overrides)
        return saved

    def rename(self, token: str, name: str) -> SavedWorkspace:
        """Give the saved workspace of ``token`` a new name (its data is not rewritten)."""
        with self._lock:
            meta = self._read_meta(token)
            meta["name"] = clean_name(name) or meta["name"]
            self._write_meta(token, meta)
            return self._describe(token, meta)

    def delete(self, token: str) -> None:
        """Remove the saved workspace of ``token`` and its files; the link stops working."""
        with self._lock:
            meta_path = self._meta_path(token)
            data = _data_file(self.root, meta_path)
            if data is None:
                raise SavedWorkspaceNotFound
            meta_path.unlink()  # the commit: from here on the link finds nothing
            data.unlink(missing_ok=True)

    def clean_up(self) -> None:
        """Remove what interrupted saves left behind: temporary files and data files that no
        saved workspace names. Run when a server starts, before any save."""
        if not self.root.is_dir():
            return
        with self._lock:
            named = {json.loads(path.read_text(encoding="utf-8"))["data"] for path in self.root.glob("*.json")}
            for path in self.root.iterdir():
                data_name = path.name.removesuffix(".wal")
                if path.name.endswith(_PARTIAL) or (data_name.endswith(".duckdb") and data_name not in named):
                    path.unlink(missing_ok=True)


def _data_file(root: Path, meta_path: Path) -> Path | None:
    """The data file the JSON at ``meta_path`` names; None when there is no such JSON."""
    try:
        return root / str(json.loads(meta_path.read_text(encoding="utf-8"))["data"])
    except FileNotFoundError:
        return None


def _write_tables(path: Path, tables: dict[str, Any]) -> None:
    """Write the tables into a new DuckDB file at ``path``, checkpointed and flushed to disk."""
    con = open_database_file(path, read_only=False)
    try:
        for name, rows in tables.items():
            con.register("saved_rows", rows)
            con.execute(f"create table {quote_identifier(name)} as select * from saved_rows")
            con.unregister("saved_rows")
        con.execute("checkpoint")
    finally:
        con.close()
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _replace_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that a reader sees the old or the new file, never a part."""
    partial = path.with_name(path.name + _PARTIAL)
    with partial.open("wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _megabytes(variable: str, default: int) -> int:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default * MB
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{variable} must be a whole number of megabytes, not {text!r}.")
    return int(text) * MB


@cache
def workspace_store() -> WorkspaceStore:
    """The server's store, configured by the environment: ``CHURN_WORKSPACES`` (the folder,
    default ``workspaces/`` in the project), ``CHURN_WORKSPACE_MAX_MB`` (one workspace, default
    500) and ``CHURN_WORKSPACES_MAX_MB`` (the whole folder, default 5000). What interrupted saves
    left is removed when it is first asked for."""
    root = Path(os.environ.get("CHURN_WORKSPACES") or PROJECT_ROOT / "workspaces")
    store = WorkspaceStore(
        root,
        _megabytes("CHURN_WORKSPACE_MAX_MB", DEFAULT_WORKSPACE_MB),
        _megabytes("CHURN_WORKSPACES_MAX_MB", DEFAULT_FOLDER_MB),
    )
    store.clean_up()
    return store


__all__ = [
    "QuotaExceeded",
    "SavedWorkspace",
    "SavedWorkspaceNotFound",
    "WorkspaceStore",
    "clean_name",
    "new_token",
    "workspace_store",
]
