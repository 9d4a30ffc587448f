"""All Plotly figures and their common styling (readable on a projector, same colours everywhere)."""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from churn.i18n import MESSAGES, format_int, format_money, format_percent, format_period, money_symbol, t
from churn.metrics import SMALL_BASE

FONT_SIZE = 16
FONT_FAMILY = "Inter, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
PRIMARY = "#c0392b"  # churn
SECONDARY = "#2471a3"  # retention, customers
MUTED = "#aab7b8"  # periods or values to read with care
TIER_COLOURS = {"platinum": "#6c3483", "gold": "#d4ac0d", "iron": "#2e86c1", "lead": "#7f8c8d", "unranked": "#bdc3c7"}
CAUSE_COLOURS = {
    "dissatisfaction": "#c0392b",
    "competitor": "#d68910",
    "forced": "#5d6d7e",
    "other": "#8e44ad",
    "unknown": "#bdc3c7",
}


TIER_NAMES = {key for key in MESSAGES["en"] if key.startswith("tier.")}
TIER_ORDER = ("platinum", "gold", "iron", "lead", "unranked")
TITLE_FONT_SIZE = FONT_SIZE + 2
# A title line of at most this many columns (a Chinese character takes two) fits a chart in
# half the page on a 1024×768 projector; longer titles wrap.
TITLE_COLUMNS = 38
TITLE_LINE_HEIGHT = 24

# The house style, in one Plotly template on top of "plotly_white": large fonts for a projector,
# a light grid, titles on the left, margins that grow with the labels.
pio.templates["churn"] = go.layout.Template(
    layout={
        "font": {"family": FONT_FAMILY, "size": FONT_SIZE},
        "title": {"x": 0, "xanchor": "left", "font": {"size": TITLE_FONT_SIZE}},
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True, "gridcolor": "#e5e7e9"},
        "legend": {"orientation": "h", "x": 0, "y": -0.2},
        "uniformtext": {"minsize": FONT_SIZE - 3, "mode": "hide"},
    }
)
TEMPLATE = "plotly_white+churn"


def _columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _fill(words: list[str], columns: int) -> list[str]:
    lines = [""]
    for word in words:
        candidate = lines[-1] + word
        if lines[-1] and sum(map(_columns, candidate.rstrip())) > columns:
            lines.append(word.lstrip())
        else:
            lines[-1] = candidate
    return [line.rstrip() for line in lines if line.strip()]


def wrap_title(text: str, columns: int = TITLE_COLUMNS) -> list[str]:
    """``text`` in as few lines of at most ``columns`` columns as it needs, of even length:
    broken at spaces, or between any two Chinese characters (a longer word stays whole)."""
    # Closing punctuation stays with the character before it, never starts a line.
    words = re.findall(r"[^\s\u3000-\u9fff\uff00-\uffef]+\s*|[\u3000-\u9fff\uff00-\uffef][，。：；、）！？]*|\s+", text)
    lines = _fill(words, columns)
    even = -(-sum(map(_columns, text)) // len(lines)) if lines else columns
    while even < columns and len(_fill(words, even)) > len(lines):
        even += 1
    return _fill(words, even)


def chart_text(text: object) -> str:
    """A text from the data (a reason, a segment, a column's name, a scenario's name) as a chart
    label: Plotly draws labels, titles and hovers as a subset of HTML (links, bold, line breaks),
    so <, > and & are written as entities, which it shows as the characters they are."""
    return html.escape(str(text), quote=False)


def style(figure: go.Figure, title: str, height: int = 360, subtitle: str | None = None) -> go.Figure:
    """Apply the house style (the "churn" template), the title wrapped to fit a half-width chart
    on a projector, and an optional subtitle (a note on how to read the chart)."""
    lines = wrap_title(title)
    notes = wrap_title(subtitle, TITLE_COLUMNS + 10) if subtitle else []
    extra = TITLE_LINE_HEIGHT * (len(lines) + len(notes) - 1)
    figure.update_layout(
        template=TEMPLATE,
        # automargin: the plot area starts below the title, however many lines it has.
        title={
            "text": "<br>".join(map(chart_text, lines)),
            "subtitle": {"text": "<br>".join(map(chart_text, notes))},
            "automargin": True,
            "yref": "paper",
            "y": 1,
            "yanchor": "bottom",
            "pad": {"b": 16},
        },
        height=height + extra,
        margin={"t": 20},
        showlegend=False,
    )
    return figure


def in_tier_order(segments: list[str]) -> list[str]:
    """Segments with the tiers first, platinum to lead, then the others as they came."""
    return sorted(segments, key=lambda segment: TIER_ORDER.index(segment) if segment in TIER_ORDER else len(TIER_ORDER))


def period_axis(figure: go.Figure, labels: list[str], max_ticks: int = 8) -> None:
    """A categorical period axis with at most ``max_ticks`` horizontal labels (every k-th
    period), so that labels never overlap, also in a half-width chart on a projector."""
    # max_ticks is for labels like "2025-11"; longer ones ("2025年11月") get fewer ticks.
    widest = max((sum(map(_columns, label)) for label in labels), default=7)
    max_ticks = max(2, min(max_ticks, max_ticks * 8 // max(widest, 1)))
    step = max(1, -(-len(labels) // max_ticks))
    figure.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        tickmode="array",
        tickvals=labels[::step],
        ticktext=labels[::step],
        tickangle=0,
    )


def churn_hover(rows: pd.DataFrame, labels: list[str]) -> list[str]:
    """Hover text of a churn rate: the rate with its numerator and denominator."""
    return [
        t(
            "chart.hover_churn",
            period=label,
            rate=format_percent(rate),
            churned=format_int(lost),
            at_start=format_int(base),
        )
        for label, rate, lost, base in zip(
            labels, rows["churn_rate"], rows["churned"], rows["customers_at_start"], strict=True
        )
    ]


def churn_rate_trend(periods: pd.DataFrame, grain: str) -> go.Figure:
    """Churn rate per period as a line, numerator and denominator in the hover. Warm-up periods
    (no customer can have been silent for W days yet, so churn reads near 0%) are left out:
    drawn, they looked like a collapse of churn; the page says why they are missing."""
    data = periods[(periods["customers_at_start"] > 0) & ~periods["is_warm_up"]]
    labels = [format_period(pd.Timestamp(start).date(), grain) for start in data["period_start"]]
    figure = go.Figure(
        go.Scatter(
            x=labels,
            y=data["churn_rate"],
            mode="lines+markers",
            line={"color": PRIMARY, "width": 3},
            marker={"size": 8, "color": PRIMARY},
            hovertext=churn_hover(data, labels),
            hoverinfo="text",
            name=t("chart.churn_rate"),
        )
    )
    style(figure, t("overview.trend_title", grain=t(f"grain.{grain}").lower()))
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title=t("chart.churn_rate"))
    figure.update_xaxes(title=t("chart.period"))
    period_axis(figure, labels)
    return figure


def tier_pyramid(summary: pd.DataFrame, basis_name: str) -> go.Figure:
    """Share of customers next to share of value for each tier, platinum on top."""
    data = summary.iloc[::-1]  # Plotly draws the first category at the bottom
    names = [t(f"tier.{tier}") for tier in data["tier"]]
    figure = go.Figure()
    for column, label, colour in (
        ("customer_share", t("tiers.share_customers"), MUTED),
        ("value_share", t("tiers.share_value", basis=basis_name), PRIMARY),
    ):
        figure.add_trace(
            go.Bar(
                y=names,
                x=data[column],
                name=label,
                orientation="h",
                marker_color=colour,
                text=[format_percent(value) for value in data[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1%}<extra>" + label + "</extra>",
            )
        )
    style(figure, t("tiers.pyramid_title", basis=basis_name), height=380)
    figure.update_layout(barmode="group", showlegend=True, legend={"orientation": "h", "y": -0.12, "x": 0})
    figure.update_xaxes(
        tickformat=".0%", range=[0, max(1.0, float(data[["customer_share", "value_share"]].max().max())) * 1.12]
    )
    return figure


def value_curve(curve: pd.DataFrame, basis_name: str, title: str) -> go.Figure:
    """Cumulative share of value by customer rank, with the tier boundaries marked."""
    hover = [
        t("tiers.curve_hover", customers=format_percent(x), share=format_percent(y), basis=basis_name)
        for x, y in zip(curve["customer_share"], curve["cumulative_value_share"], strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=curve["customer_share"],
            y=curve["cumulative_value_share"],
            mode="lines",
            line={"color": PRIMARY, "width": 3},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    # Boundaries are close together (1%, 5%, 20%): stagger their labels so they never overlap.
    boundaries = curve[curve["is_tier_boundary"]]
    for step, (share, tier) in enumerate(zip(boundaries["customer_share"], boundaries["tier"], strict=True)):
        figure.add_vline(x=share, line={"color": TIER_COLOURS[tier], "dash": "dot", "width": 2})
        figure.add_annotation(
            x=share,
            y=0.05 + 0.1 * step,
            yref="paper",
            text=f"{t(f'tier.{tier}')} | {format_percent(share)}",
            showarrow=False,
            xanchor="left",
            xshift=4,
            font={"size": FONT_SIZE - 2, "color": TIER_COLOURS[tier]},
            bgcolor="rgba(255, 255, 255, 0.85)",
        )
    figure.add_hline(y=1.0, line={"color": "#7f8c8d", "width": 1})
    style(figure, title, height=420)
    figure.update_xaxes(tickformat=".0%", title=t("tiers.curve_x"), range=[0, 1])
    figure.update_yaxes(tickformat=".0%", title=t("tiers.curve_y", basis=basis_name), rangemode="tozero")
    return figure


def churn_rate_by_segment(periods: pd.DataFrame, grain: str, title: str, colours: dict[str, str]) -> go.Figure:
    """One churn-rate line per segment (tiers in tier order, warm-up periods left out), counts
    in the hover; a rate on fewer than SMALL_BASE customers at the start is an open marker, and
    the subtitle says so."""
    figure = go.Figure()
    data = periods[(periods["customers_at_start"] > 0) & ~periods["is_warm_up"]]
    all_labels = [format_period(pd.Timestamp(start).date(), grain) for start in sorted(set(data["period_start"]))]
    segments = in_tier_order([str(segment) for segment in dict.fromkeys(data["segment"])])
    for segment in segments:
        rows = data[data["segment"].astype(str) == segment]
        labels = [format_period(pd.Timestamp(start).date(), grain) for start in rows["period_start"]]
        name = t(f"tier.{segment}") if f"tier.{segment}" in TIER_NAMES else chart_text(segment)
        hover = [f"{name}<br>{text}" for text in churn_hover(rows, labels)]
        small = rows["customers_at_start"] < SMALL_BASE
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=rows["churn_rate"],
                mode="lines+markers",
                name=name,
                line={"color": colours.get(segment, SECONDARY), "width": 3},
                marker={"size": 8, "symbol": ["circle-open" if few else "circle" for few in small]},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    few = data[data["customers_at_start"] < SMALL_BASE]
    note = t("chart.small_base", count=SMALL_BASE) if not few.empty else None
    style(figure, title, height=420, subtitle=note)
    figure.update_layout(showlegend=True)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title=t("chart.churn_rate"))
    period_axis(figure, all_labels)
    return figure


def migration_sankey(moves: pd.DataFrame) -> go.Figure:
    """Customers flowing from tiers of the first window (left) to tiers of the second (right)."""
    sources = ["platinum", "gold", "iron", "lead", "new"]
    targets = ["platinum", "gold", "iron", "lead", "lost"]

    def label(name: str) -> str:
        return t("tiers.new") if name == "new" else t("tiers.lost") if name == "lost" else t(f"tier.{name}")

    def colour(name: str) -> str:
        return TIER_COLOURS.get(name, SECONDARY if name == "new" else PRIMARY)

    totals_from = moves.groupby("from_tier")["customers"].sum()
    totals_to = moves.groupby("to_tier")["customers"].sum()
    node_labels = [f"{label(s)} ({format_int(totals_from.get(s, 0))})" for s in sources] + [
        f"{label(s)} ({format_int(totals_to.get(s, 0))})" for s in targets
    ]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": node_labels,
                "color": [colour(s) for s in sources] + [colour(s) for s in targets],
                "pad": 18,
                "thickness": 18,
            },
            link={
                "source": [sources.index(s) for s in moves["from_tier"]],
                "target": [len(sources) + targets.index(s) for s in moves["to_tier"]],
                "value": moves["customers"],
                "color": "rgba(127, 140, 141, 0.25)",
            },
            textfont={"size": FONT_SIZE},
        )
    )
    style(figure, t("tiers.migration_title"), height=460)
    return figure


def cause_breakdown(by_cause: pd.DataFrame) -> go.Figure:
    """Customers lost and revenue lost per cause class, side by side as shares; horizontal bars,
    so that the cause names read whole in a half-width chart."""
    data = by_cause.iloc[::-1]  # Plotly draws the first category at the bottom
    names = [t(f"cause.{cause}") for cause in data["cause"]]
    figure = go.Figure()
    for column, share, label, pattern in (
        ("revenue_lost", "revenue_share", t("causes.revenue"), "/"),
        ("customers", "share", t("causes.customers"), ""),
    ):
        figure.add_trace(
            go.Bar(
                y=names,
                x=data[share],
                name=label,
                orientation="h",
                marker={"color": [CAUSE_COLOURS[c] for c in data["cause"]], "pattern_shape": pattern},
                text=[format_percent(s) for s in data[share]],
                customdata=[format_money(v) if column == "revenue_lost" else format_int(v) for v in data[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}<br>" + label + ": %{customdata} (%{text})<extra></extra>",
            )
        )
    style(figure, t("causes.breakdown_title"), height=420)
    figure.update_layout(barmode="group", showlegend=True, legend={"traceorder": "reversed"})
    figure.update_xaxes(
        tickformat=".0%",
        rangemode="tozero",
        range=[0, float(by_cause[["share", "revenue_share"]].max().max() or 1) * 1.3],
    )
    return figure


def cause_reasons(reasons: pd.DataFrame) -> go.Figure:
    """Sunburst: cause classes, and the raw reasons inside each (customers lost)."""
    ids: list[str] = []
    labels: list[str] = []
    parents: list[str] = []
    values: list[int] = []
    colours: list[str] = []
    for key, rows in reasons.groupby("cause", sort=False):
        cause = str(key)
        ids.append(cause)
        labels.append(t(f"cause.{cause}"))
        parents.append("")
        values.append(int(rows["customers"].sum()))
        colours.append(CAUSE_COLOURS[cause])
        for index, (reason, customers) in enumerate(zip(rows["reason"], rows["customers"], strict=True)):
            ids.append(f"{cause}/{index}")
            if reason is None or (isinstance(reason, float) and pd.isna(reason)):
                labels.append(t("causes.no_reason") if cause == "unknown" else t("causes.other_reasons"))
            else:
                labels.append(chart_text(reason))
            parents.append(cause)
            values.append(int(customers))
            colours.append(CAUSE_COLOURS[cause])
    figure = go.Figure(
        go.Sunburst(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colours},
            insidetextorientation="horizontal",
            hovertemplate="%{label}: %{value}<extra></extra>",
        )
    )
    style(figure, t("causes.reasons_title"), height=520)
    # Reason names too small to read at their slice's size are hidden (the template's
    # uniformtext), not printed microscopic; the hover names every slice.
    figure.update_traces(textfont={"size": FONT_SIZE})
    return figure


def cause_trend(by_period: pd.DataFrame, grain: str, measure: str, title: str) -> go.Figure:
    """Churn events per period stacked by cause (measure 'churned') or each cause's share ('share')."""
    figure = go.Figure()
    all_labels = [format_period(pd.Timestamp(start).date(), grain) for start in sorted(set(by_period["period_start"]))]
    for cause in ("dissatisfaction", "competitor", "forced", "other", "unknown"):
        rows = by_period[by_period["cause"] == cause]
        if rows.empty:
            continue
        labels = [format_period(pd.Timestamp(start).date(), grain) for start in rows["period_start"]]
        common = {"x": labels, "y": rows[measure], "name": t(f"cause.{cause}")}
        if measure == "share":
            figure.add_trace(go.Scatter(**common, mode="lines", stackgroup="one", line={"color": CAUSE_COLOURS[cause]}))
        else:
            figure.add_trace(go.Bar(**common, marker_color=CAUSE_COLOURS[cause]))
    style(figure, title, height=400)
    figure.update_layout(barmode="stack", showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0})
    period_axis(figure, all_labels, 6)
    if measure == "share":
        figure.update_yaxes(tickformat=".0%", range=[0, 1])
    return figure


def cause_heatmap(table: pd.DataFrame, measure: str, title: str, segment_label: dict[str, str]) -> go.Figure:
    """Causes (rows) × segments (columns), coloured by customers or revenue lost."""
    causes = [c for c in ("dissatisfaction", "competitor", "forced", "other", "unknown") if c in set(table["cause"])]
    segments = list(dict.fromkeys(table["segment"]))
    grid = table.pivot_table(index="cause", columns="segment", values=measure, aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=causes, columns=segments, fill_value=0)
    text = [[format_int(v) if measure == "customers" else format_money(v) for v in row] for row in grid.to_numpy()]
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[chart_text(segment_label.get(s, s)) for s in segments],
            y=[t(f"cause.{c}") for c in causes],
            text=text,
            texttemplate="%{text}",
            colorscale="Reds",
            hovertemplate="%{y} × %{x}: %{text}<extra></extra>",
            showscale=False,
        )
    )
    style(figure, title, height=120 + 60 * len(causes))
    figure.update_yaxes(autorange="reversed")
    return figure


def _period_labels(starts: pd.Series, grain: str) -> list[str]:
    return [format_period(pd.Timestamp(start).date(), grain) for start in starts]


def churn_and_retention(periods: pd.DataFrame, grain: str, title: str) -> go.Figure:
    """Churn rate (top) and retention rate (below) per period, each on its own axis: on one
    0–100% axis, churn's movement was invisible. Warm-up periods left out, counts in the hover."""
    data = periods[(periods["customers_at_start"] > 0) & ~periods["is_warm_up"]]
    labels = _period_labels(data["period_start"], grain)
    churn_texts = churn_hover(data, labels)
    retention_hover = [
        t("chart.hover_retention", period=p, rate=format_percent(r), kept=format_int(n - c), at_start=format_int(n))
        for p, r, c, n in zip(labels, data["retention_rate"], data["churned"], data["customers_at_start"], strict=True)
    ]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, (column, name, colour, hover) in enumerate(
        (
            ("churn_rate", t("chart.churn_rate"), PRIMARY, churn_texts),
            ("retention_rate", t("chart.retention_rate"), SECONDARY, retention_hover),
        ),
        start=1,
    ):
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=data[column],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 3},
                hovertext=hover,
                hoverinfo="text",
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(title=name, tickformat=".0%", row=row, col=1)
    style(figure, title, height=460)
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    period_axis(figure, labels)
    return figure


def customer_flow(periods: pd.DataFrame, grain: str, title: str) -> go.Figure:
    """Customers at the end of each period (top), and below it the flows that changed it: new
    and won-back customers up, lost customers down. Two panels with their own titled axes (two
    y axes on one panel had unrelated, unround ticks)."""
    labels = _period_labels(periods["period_start"], grain)
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.35, 0.65])
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=periods["customers_at_end"],
            name=t("trends.flow_at_end"),
            mode="lines",
            line={"color": "#2c3e50", "width": 3},
            hovertemplate="%{x}<br>" + t("trends.flow_at_end") + ": %{y:,}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for column, name, colour, sign in (
        ("new", t("trends.flow_new"), SECONDARY, 1),
        ("won_back", t("trends.flow_won_back"), "#48c9b0", 1),
        ("churned_total", t("trends.flow_lost"), PRIMARY, -1),
    ):
        figure.add_trace(
            go.Bar(
                x=labels,
                y=periods[column] * sign,
                name=name,
                marker_color=colour,
                customdata=periods[column],
                hovertemplate="%{x}<br>" + name + ": %{customdata:,}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    style(figure, title, height=480)
    figure.update_layout(barmode="relative", showlegend=True)
    figure.update_yaxes(title=t("trends.flow_at_end_axis"), rangemode="tozero", tickformat=",d", row=1, col=1)
    figure.update_yaxes(title=t("trends.flow_axis"), tickformat=",d", row=2, col=1)
    period_axis(figure, labels, 6)
    return figure


def revenue_and_customer_churn(periods: pd.DataFrame, revenue: pd.DataFrame, grain: str) -> go.Figure:
    """Customer churn rate and revenue churn rate per period on one axis."""
    customers = periods[(periods["customers_at_start"] > 0) & ~periods["is_warm_up"]]
    money = revenue[revenue["period_start"].isin(customers["period_start"])]
    figure = churn_rate_trend(customers, grain)
    labels = _period_labels(money["period_start"], grain)
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=money["revenue_churn_rate"],
            name=t("trends.revenue_churn"),
            mode="lines+markers",
            line={"color": "#d68910", "width": 3, "dash": "dash"},
            hovertext=[
                t(
                    "trends.hover_revenue",
                    period=p,
                    rate=format_percent(r),
                    lost=format_money(lost),
                    base=format_money(b),
                )
                for p, r, lost, b in zip(
                    labels, money["revenue_churn_rate"], money["revenue_lost"], money["revenue_base"], strict=True
                )
            ],
            hoverinfo="text",
        )
    )
    figure.update_layout(
        title_text=t("trends.revenue_title"), showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0}
    )
    period_axis(figure, _period_labels(customers["period_start"], grain), 6)
    return figure


def cohort_heatmap(cohorts: pd.DataFrame, cohort_grain: str, minimum: int) -> go.Figure:
    """Cohorts (rows, oldest on top) × periods since first purchase, share still active."""
    grain_name = t(f"grain.{cohort_grain}").lower()
    starts = sorted(set(cohorts["cohort_start"]))
    offsets = sorted(set(cohorts["periods_since"]))
    sizes = cohorts.groupby("cohort_start")["cohort_customers"].first()
    row_labels = [
        f"{format_period(pd.Timestamp(s).date(), cohort_grain)} · {format_int(sizes[s])}"
        + (" *" if sizes[s] < minimum else "")
        for s in starts
    ]
    grid = cohorts.pivot_table(index="cohort_start", columns="periods_since", values="share_active").reindex(
        index=starts, columns=offsets
    )
    active = cohorts.pivot_table(index="cohort_start", columns="periods_since", values="active_customers").reindex(
        index=starts, columns=offsets
    )
    shares, actives = grid.to_numpy(), active.to_numpy()
    hover = [
        [
            ""
            if pd.isna(shares[i, j])
            else t(
                "trends.cohort_hover",
                cohort=format_period(pd.Timestamp(start).date(), cohort_grain),
                customers=format_int(sizes[start]),
                offset=offset,
                grain=grain_name,
                share=format_percent(shares[i, j]),
                active=format_int(actives[i, j]),
            )
            for j, offset in enumerate(offsets)
        ]
        for i, start in enumerate(starts)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=[str(o) for o in offsets],
            y=row_labels,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertext=hover,
            hoverinfo="text",
            colorbar={"tickformat": ".0%"},
        )
    )
    style(figure, t("trends.cohort_heatmap_title", grain=grain_name), height=max(360, 60 + 22 * len(starts)))
    figure.update_yaxes(autorange="reversed", type="category", tickfont={"size": FONT_SIZE - 4})
    figure.update_xaxes(title=t("trends.cohort_x", grain=grain_name), type="category")
    return figure


def survival_curves(survival: pd.DataFrame, segment_label: dict[str, str], colours: dict[str, str]) -> go.Figure:
    """Kaplan-Meier step curves, one per segment, starting at 100% at month 0."""
    figure = go.Figure()
    for segment in in_tier_order([str(segment) for segment in dict.fromkeys(survival["segment"])]):
        rows = survival[survival["segment"].astype(str) == segment]
        name = chart_text(segment_label.get(segment, segment))
        months = [0, *(rows["months"] + 1)]
        shares = [1.0, *rows["survival"]]
        hover = [
            t("trends.survival_hover", segment=name, months=0, share=format_percent(1.0), at_risk="–", events=0)
        ] + [
            t(
                "trends.survival_hover",
                segment=name,
                months=m + 1,
                share=format_percent(s),
                at_risk=format_int(n),
                events=format_int(e),
            )
            for m, s, n, e in zip(rows["months"], rows["survival"], rows["at_risk"], rows["events"], strict=True)
        ]
        figure.add_trace(
            go.Scatter(
                x=months,
                y=shares,
                name=name,
                mode="lines",
                line={"shape": "hv", "width": 3, "color": colours.get(segment)},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    style(figure, t("trends.survival_chart_title"), height=420)
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0})
    figure.update_yaxes(tickformat=".0%", range=[0, 1.02], title=t("trends.survival_y"))
    figure.update_xaxes(title=t("trends.survival_x"), rangemode="tozero")
    return figure


def window_sensitivity(sensitivity: pd.DataFrame, current: int, title: str) -> go.Figure:
    """Last complete period's churn rate for each W, the current W marked."""
    hover = [
        t(
            "trends.sensitivity_hover",
            window=w,
            rate=format_percent(r),
            churned=format_int(c),
            at_start=format_int(n),
            share=format_percent(s),
        )
        for w, r, c, n, s in zip(
            sensitivity["window_days"],
            sensitivity["churn_rate"],
            sensitivity["churned"],
            sensitivity["customers_at_start"],
            sensitivity["share_within"],
            strict=True,
        )
    ]
    figure = go.Figure(
        go.Scatter(
            x=sensitivity["window_days"],
            y=sensitivity["churn_rate"],
            mode="lines+markers",
            line={"color": PRIMARY, "width": 3},
            marker={"size": 9},
            hovertext=hover,
            hoverinfo="text",
        )
    )
    figure.add_vline(x=current, line={"color": SECONDARY, "dash": "dot", "width": 2})
    figure.add_annotation(
        x=current,
        y=1,
        yref="paper",
        text=f"{t('trends.sensitivity_current')} = {current}",
        showarrow=False,
        xanchor="left",
        xshift=6,
        font={"color": SECONDARY},
    )
    style(figure, title, height=380)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", title=t("chart.churn_rate"))
    figure.update_xaxes(title=t("trends.sensitivity_x"))
    return figure


def scenario_lines(base: pd.DataFrame, scenario: pd.DataFrame, column: str, title: str) -> go.Figure:
    """Baseline and scenario summed over tiers per period (customers at the start, or value)."""
    prefix = None if column.startswith("customers") else money_symbol()
    figure = go.Figure()
    for frame, name, colour, dash in (
        (base, t("whatif.baseline"), MUTED, "dash"),
        (scenario, t("whatif.scenario"), PRIMARY, "solid"),
    ):
        totals = frame.groupby("period")[column].sum()
        figure.add_trace(
            go.Scatter(
                x=totals.index,
                y=totals.values,
                name=name,
                mode="lines",
                line={"color": colour, "width": 3, "dash": dash},
                hovertemplate=name + " · %{x}: " + (prefix or "") + "%{y:,.0f}<extra></extra>",
            )
        )
    style(figure, title, height=360)
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0})
    figure.update_xaxes(title=t("chart.period"), rangemode="tozero")
    figure.update_yaxes(rangemode="tozero", tickformat=",.0f", tickprefix=prefix)
    return figure


def scenario_comparison(table: pd.DataFrame, title: str) -> go.Figure:
    """Net gain of each saved scenario."""
    colours = [PRIMARY if value < 0 else SECONDARY for value in table["net_gain"]]
    figure = go.Figure(
        go.Bar(
            x=[chart_text(name) for name in table["scenario"]],
            y=table["net_gain"],
            marker_color=colours,
            text=[format_money(v) for v in table["net_gain"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    style(figure, title, height=340)
    figure.update_yaxes(tickformat=",.0f", tickprefix=money_symbol())
    return figure


def value_boxes(distribution: pd.DataFrame, title: str, labels: dict[str, str]) -> go.Figure:
    """Box plots drawn from quantiles computed in SQL (10/25/50/75/90%) with the average."""
    figure = go.Figure()
    order = in_tier_order([str(segment) for segment in distribution["segment"]])
    ordered = distribution.assign(rank=distribution["segment"].astype(str).map(order.index)).sort_values("rank")
    for row in ordered.itertuples():
        name = chart_text(labels.get(str(row.segment), str(row.segment)))
        colour = TIER_COLOURS.get(str(row.segment), SECONDARY)
        figure.add_trace(
            go.Box(
                name=name,
                x=[name],
                q1=[row.p25],
                median=[row.median_revenue],
                q3=[row.p75],
                lowerfence=[row.p10],
                upperfence=[row.p90],
                mean=[row.average_revenue],
                marker_color=colour,
                boxmean=True,
            )
        )
    style(figure, title, height=400)
    # A log scale shows tiers of very different value together, but cannot show zero or less.
    if (distribution["p10"] > 0).all():
        figure.update_yaxes(
            type="log", tickformat="~s", title=t("chart.value_log_scale"), dtick=1, tickprefix=money_symbol()
        )
    else:
        figure.update_yaxes(tickformat=",.0f", title="", tickprefix=money_symbol())
    return figure


def tracking_chart(tracking: pd.DataFrame, title: str) -> go.Figure:
    """The holdout check of the purchase model: cumulative repeat purchases week by week after the
    calibration end, as they happened and as the model expected them."""
    figure = go.Figure()
    for column, name, colour, dash in (
        ("actual", t("chart.actual_purchases"), SECONDARY, "solid"),
        ("predicted", t("chart.predicted_purchases"), PRIMARY, "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=tracking["week"],
                y=tracking[column],
                name=name,
                mode="lines",
                line={"color": colour, "dash": dash, "width": 3},
                hovertemplate=t("chart.hover_tracking", name=name) + "<extra></extra>",
            )
        )
    style(figure, title, height=360)
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.25, "x": 0})
    figure.update_xaxes(title=t("chart.weeks_after_calibration"))
    figure.update_yaxes(title=t("chart.cumulative_repeat_purchases"), rangemode="tozero", tickformat=",.0f")
    return figure


def first_order_heatmap(table: pd.DataFrame, title: str) -> go.Figure:
    """Customers by first-order quintile × lifetime-revenue quintile."""
    grid = table.pivot_table(
        index="first_order_quintile", columns="lifetime_quintile", values="customers", aggfunc="sum", fill_value=0
    ).reindex(index=[1, 2, 3, 4, 5], columns=[1, 2, 3, 4, 5], fill_value=0)
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[str(c) for c in grid.columns],
            y=[str(i) for i in grid.index],
            text=[[format_int(v) for v in row] for row in grid.to_numpy()],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y} × %{x}: %{text}<extra></extra>",
        )
    )
    style(figure, title, height=420)
    figure.update_xaxes(title=t("ltv.first_x"), type="category")
    figure.update_yaxes(title=t("ltv.first_y"), type="category")
    return figure
