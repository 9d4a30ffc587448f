"""AppTest helpers.

AppTest resets ``PagesManager.uses_pages_directory`` before every run; because this project
has a ``pages/`` folder, every run after the first then takes Streamlit's old "pages folder"
path and runs the page script alone, without ``app.py`` (its sidebar and settings). The real
server does not do this: ``st.navigation`` turns that path off for good. The fixture below
turns it off in tests the same way, so each ``at.run()`` behaves like a browser rerun.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def navigation_without_pages_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield
    # Every AppTest has the same session id, so its session-scoped workspace would outlive the
    # test; clearing the cache closes it (as the end of a browser session does).
    st.cache_resource.clear()


def new_app(query_params: dict[str, str] | None = None) -> AppTest:
    """The app, run once (with an optional query string)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}
