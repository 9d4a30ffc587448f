"""Entry point: the shared sidebar, then the page chosen in the navigation."""

from __future__ import annotations

import streamlit as st

from churn.i18n import t
from churn.ui import session_workspace, sidebar_settings

st.set_page_config(page_title="Customer churn dashboard", page_icon=":material/monitoring:", layout="wide")

workspace = session_workspace()
settings = sidebar_settings(workspace)
workspace.ensure_facts(settings.as_of, settings.window_days)

pages = [
    st.Page("pages/overview.py", title=t("page.overview"), url_path="overview", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()
