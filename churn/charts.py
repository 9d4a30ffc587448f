"""All Plotly figures and their common styling (readable on a projector, same colours everywhere)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from churn.i18n import format_int, format_percent, format_period, t

FONT_SIZE = 16
FONT_FAMILY = "Inter, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
PRIMARY = "#c0392b"  # churn
SECONDARY = "#2471a3"  # retention, customers
MUTED = "#aab7b8"  # periods or values to read with care
TIER_COLOURS = {"platinum": "#7f8c8d", "gold": "#d4ac0d", "iron": "#5d6d7e", "lead": "#a6acaf"}
CAUSE_COLOURS = {
    "dissatisfaction": "#c0392b",
    "competitor": "#d68910",
    "forced": "#5d6d7e",
    "other": "#8e44ad",
    "unknown": "#bdc3c7",
}


def style(figure: go.Figure, title: str, height: int = 360) -> go.Figure:
    """Apply the house style: large fonts, light grid, title left, no Plotly logo clutter."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        font={"family": FONT_FAMILY, "size": FONT_SIZE},
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        hoverlabel={"font_size": FONT_SIZE},
        showlegend=False,
    )
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True, gridcolor="#e5e7e9")
    return figure


def churn_rate_trend(periods: pd.DataFrame, grain: str) -> go.Figure:
    """Churn rate per period as a line, numerator and denominator in the hover; warm-up
    periods (churn cannot be observed yet) drawn as grey points, apart from the line."""
    data = periods[periods["customers_at_start"] > 0]
    labels = [format_period(pd.Timestamp(start).date(), grain) for start in data["period_start"]]
    hover = [
        t(
            "chart.hover_churn",
            period=label,
            rate=format_percent(rate),
            churned=format_int(churned),
            at_start=format_int(at_start),
        )
        + (("<br>" + t("chart.warm_up_hover")) if warm_up else "")
        for label, rate, churned, at_start, warm_up in zip(
            labels, data["churn_rate"], data["churned"], data["customers_at_start"], data["is_warm_up"], strict=True
        )
    ]
    warm_up = data["is_warm_up"].to_numpy()
    figure = go.Figure()
    for is_warm_up, colour, mode in ((True, MUTED, "markers"), (False, PRIMARY, "lines+markers")):
        mask = warm_up == is_warm_up
        figure.add_trace(
            go.Scatter(
                x=[label for label, keep in zip(labels, mask, strict=True) if keep],
                y=data["churn_rate"][mask],
                mode=mode,
                line={"color": colour, "width": 3},
                marker={"size": 8, "color": colour},
                hovertext=[text for text, keep in zip(hover, mask, strict=True) if keep],
                hoverinfo="text",
                name=t("chart.warm_up") if is_warm_up else t("chart.churn_rate"),
            )
        )
    style(figure, t("overview.trend_title", grain=t(f"grain.{grain}").lower()))
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title=t("chart.churn_rate"))
    figure.update_xaxes(
        title=t("chart.period"), type="category", categoryorder="array", categoryarray=labels, nticks=12
    )
    return figure
