"""AppTest helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

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


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}
