"""Entry point: ``streamlit run app.py`` — the shared sidebar, then the page chosen in the
navigation (``churn.ui.run_app``)."""

from __future__ import annotations

from churn.ui import run_app

run_app()
