"""Entry point: the shared sidebar, then the page chosen in the navigation."""

from __future__ import annotations

import streamlit as st

from churn.i18n import t
from churn.ui import session_workspace, sidebar_settings

st.set_page_config(page_title="Customer churn dashboard", page_icon=":material/monitoring:", layout="wide")

workspace = session_workspace()
settings = sidebar_settings(workspace)
workspace.ensure_derived(settings)

# File names match the URL paths: Streamlit's legacy pages-folder mode (see churn.ui.current_settings)
# must find the same page for a URL on a fresh server.
overview = st.Page("pages/overview.py", title=t("page.overview"), url_path="overview", icon=":material/dashboard:")
tiers = st.Page("pages/tiers.py", title=t("page.tiers"), url_path="tiers", icon=":material/signal_cellular_alt:")
causes = st.Page("pages/causes.py", title=t("page.causes"), url_path="causes", icon=":material/psychology_alt:")
trends = st.Page("pages/trends.py", title=t("page.trends"), url_path="trends", icon=":material/trending_up:")
whatif = st.Page("pages/what-if.py", title=t("page.whatif"), url_path="what-if", icon=":material/tune:")
ltv = st.Page("pages/lifetime-value.py", title=t("page.ltv"), url_path="lifetime-value", icon=":material/savings:")
data = st.Page("pages/data.py", title=t("page.data"), url_path="data", icon=":material/upload_file:")
pages = [overview, trends, causes, tiers, ltv, whatif, data]


def open_overview() -> None:
    """The root URL: go to /overview, keeping the query string (settings and anything else)."""
    st.switch_page(overview, query_params={**st.query_params.to_dict(), **settings.to_query_params()})


# The default page is served at "/", which would leave no "/overview" URL; it only redirects.
root = st.Page(open_overview, title=t("page.overview"), url_path="home", default=True, visibility="hidden")
st.navigation([root, *pages]).run()
