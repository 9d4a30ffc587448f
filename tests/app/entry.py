"""The app as AppTest runs it: the same entry point as ``app.py`` (``churn.ui.run_app``), from a
folder without a ``pages/`` folder next to it. Streamlit decides from that folder whether to run
its legacy pages-folder mode, and AppTest decides afresh at every run: next to ``app.py`` every
run would start in that mode (a real server leaves it at its first request, for good)."""

from churn.ui import run_app

run_app()
