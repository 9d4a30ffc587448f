"""Texts from the data in charts (churn.charts.chart_text): Plotly draws labels, titles and hovers
as a subset of HTML, so a reason or a segment such as ``<a href=…>`` must reach it as entities."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from churn.charts import cause_reasons, chart_text, churn_rate_by_segment, scenario_comparison, style
from churn.i18n import set_language

LINK = '<a href="http://evil.invalid">sign in again</a>'
ESCAPED = '&lt;a href="http://evil.invalid"&gt;sign in again&lt;/a&gt;'


def test_chart_text_escapes_markup_and_keeps_the_rest() -> None:
    assert chart_text(LINK) == ESCAPED
    assert chart_text("R&D <b>") == "R&amp;D &lt;b&gt;"
    assert chart_text("Price too high · 价格太高") == "Price too high · 价格太高"


def test_reasons_segments_scenarios_and_titles_are_text() -> None:
    set_language("en")
    reasons = pd.DataFrame({"cause": ["competitor", "competitor"], "reason": [LINK, "Cheaper"], "customers": [3, 1]})
    assert ESCAPED in cause_reasons(reasons).data[0].labels
    periods = pd.DataFrame(
        {
            "segment": [LINK, LINK],
            "period_start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "customers_at_start": [40, 40],
            "churned": [4, 2],
            "churn_rate": [0.1, 0.05],
            "is_warm_up": [False, False],
        }
    )
    trace = churn_rate_by_segment(periods, "month", "Churn rate", {}).data[0]
    assert trace.name == ESCAPED and all(text.startswith(ESCAPED + "<br>") for text in trace.hovertext)
    scenarios = pd.DataFrame({"scenario": [LINK], "net_gain": [100.0]})
    assert list(scenario_comparison(scenarios, "Net gain").data[0].x) == [ESCAPED]
    # A title naming a column of the file; the line breaks of a wrapped title stay line breaks.
    figure = style(go.Figure(), f"By {LINK} " + "word " * 20)
    title = figure.layout.title.text
    assert "&lt;a" in title and "<a" not in title and "<br>" in title
