"""AppTest helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from churn.i18n import t
from churn.ui import DOWNLOAD_TAG_PATTERN

APP = str(Path(__file__).resolve().parent / "entry.py")


class App(AppTest):
    """AppTest of the app's entry point (``entry.py``); pages are named as from the project root
    (``pages/data.py``), where they are."""

    def switch_page(self, page_path: str) -> AppTest:
        return super().switch_page(str(Path("..", "..", page_path)))


@pytest.fixture(autouse=True)
def session_resources_released() -> Iterator[None]:
    yield
    # Every AppTest has the same session id, so its session-scoped workspace would outlive the
    # test; clearing the cache closes it (as the end of a browser session does).
    st.cache_resource.clear()


def new_app(query_params: dict[str, str] | None = None) -> AppTest:
    """The app, run once (with an optional query string)."""
    at = App(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def shown(markdown: object) -> str:
    """Markdown as the page shows it: the backslash escapes of texts from the data
    (churn.ui.markdown_text) undone."""
    return re.sub(r"\\(.)", r"\1", str(markdown))


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


# The pages whose tabs run their content only while open (churn.ui.lazy_tabs): the tabs' key and
# the catalog keys of their labels, in order.
LAZY_TABS = {
    "pages/trends.py": (
        "trends_tab",
        (
            "trends.tab_table",
            "trends.tab_flows",
            "trends.tab_cohorts",
            "trends.tab_survival",
            "trends.tab_window",
            "trends.tab_segments",
        ),
    ),
    "pages/causes.py": (
        "causes_tab",
        ("causes.tab_trend", "causes.tab_segments", "causes.accumulation_title", "causes.mapping_title"),
    ),
    "pages/tiers.py": ("tiers_tab", ("tiers.tab_table", "tiers.concentration", "tiers.churn_title", "tiers.migration")),
}


def open_tab(at: AppTest, page: str, label_key: str) -> AppTest:
    """Open the tab of ``page`` labelled by catalog key ``label_key`` (as a click on it does)."""
    key, _ = LAZY_TABS[page]
    at.session_state[key] = t(label_key)
    return at.run()


def every_tab(at: AppTest, page: str) -> Iterator[str]:
    """Open each tab of ``page`` in turn (the page itself once if it has none); yield its label key."""
    if page not in LAZY_TABS:
        yield ""
        return
    for label_key in LAZY_TABS[page][1]:
        open_tab(at, page, label_key)
        yield label_key


@dataclass
class Download:
    label: str
    data: Any
    file_name: str | None  # without the session's tag (churn.ui.private_file_name)
    served_as: str | None  # with it

    def content(self) -> bytes:
        data = self.data() if callable(self.data) else self.data
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Download]]:
    """Every st.download_button drawn while the test runs, with its data and file name (AppTest
    has no media file manager to ask for them)."""
    drawn: list[Download] = []
    real = st.download_button

    def recording(label: str, data: Any, file_name: str | None = None, *args: Any, **kwargs: Any) -> bool:
        # Every download's name carries its session's tag.
        assert file_name and DOWNLOAD_TAG_PATTERN.search(file_name), file_name
        drawn.append(Download(label, data, DOWNLOAD_TAG_PATTERN.sub("", file_name), file_name))
        return real(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    yield drawn
