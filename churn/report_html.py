"""The HTML report (``python -m churn report --format html``, and the download in the sidebar): one
self-contained document of a view to send or print. It names the dataset and the settings, links
back to the view, then gives each page's headline figures, its one-line reading and its main
chart, from the same page data (churn/page_data.py), readings (churn/summary.py) and charts
(churn/charts.py) as the pages.

The file opens offline: Plotly's JavaScript is inlined once and nothing refers to a resource on
the internet. Every text is escaped, the data's own (dataset and file names, reasons) included.
Its style prints on A4, a section per page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from urllib.parse import urlsplit

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from churn.charts import (
    cause_breakdown,
    cause_reasons,
    churn_and_retention,
    churn_rate_trend,
    tier_pyramid,
    value_boxes,
)
from churn.currency import currency_name
from churn.db import QueryError
from churn.i18n import (
    LANGUAGE_NAMES,
    format_int,
    format_money,
    format_percent,
    format_period,
    set_currency,
    set_language,
    t,
)
from churn.metrics import ChurnTrend, tier_most_at_risk, top_known_cause
from churn.page_data import Causes, LifetimeValue, Overview, Tiers, Trends
from churn.settings import FILTER_DIMENSIONS, Settings
from churn.summary import (
    causes_reading,
    loss_summary,
    ltv_reading,
    ltv_trust,
    missing_churn,
    overview_reading,
    tiers_reading,
    trends_reading,
)
from churn.tiers import TIERS
from churn.workspace import DatasetInfo, Workspace

# A4 portrait is 210 mm wide; between margins of 12 mm that leaves 186 mm, 703 CSS pixels (96 to
# the inch). Charts get a fixed width a little under it, so that they print whole without scaling
# (a responsive chart would keep the width of the screen it was drawn on).
CHART_WIDTH = 680
# No mode bar (its logo links to plotly.com), no MathJax, no resizing to the window.
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": False}
ANNUAL_DISCOUNT = 0.10  # the lifetime-value page's default
HORIZON_MONTHS = 12

STYLE = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body {
    margin: 0;
    color: #1f2933;
    background: #ffffff;
    font-family: Inter, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif;
    font-size: 15px;
    line-height: 1.5;
}
main { max-width: 186mm; margin: 0 auto; padding: 24px 0 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 0 0 12px; padding-bottom: 4px; border-bottom: 2px solid #c0392b; }
p { margin: 8px 0; overflow-wrap: anywhere; }
header { margin-bottom: 24px; }
section { padding-top: 16px; }
.caption { color: #52606d; font-size: 13px; }
.reading { background: #eaf2fa; border-left: 4px solid #2471a3; padding: 8px 12px; }
.note { background: #fdf3e1; border-left: 4px solid #d68910; padding: 8px 12px; }
table.settings { border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0; }
table.settings th, table.settings td { text-align: left; vertical-align: top; padding: 3px 0;
    border-bottom: 1px solid #e5e7e9; }
table.settings th { font-weight: 600; padding-right: 16px; width: 40%; }
table.settings td { overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin: 12px 0; }
.figures.pairs { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.figure { border: 1px solid #d9dee3; border-radius: 6px; padding: 8px 10px; break-inside: avoid;
    page-break-inside: avoid; }
.figure .label { font-size: 13px; color: #52606d; overflow-wrap: anywhere; }
.figure .value { font-size: 24px; font-weight: 600; }
.figure .detail { font-size: 12px; color: #52606d; overflow-wrap: anywhere; }
figure.chart { width: 680px; max-width: 100%; margin: 16px 0; break-inside: avoid; page-break-inside: avoid; }
/* A new page for each page of the dashboard, the title and the settings on the first. */
section { break-before: page; page-break-before: always; }
@media print {
    main { max-width: none; padding: 0; }
    section { padding-top: 0; }
    a { color: inherit; }
    .reading, .note { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


@cache
def _plotly_js() -> str:
    """Plotly's JavaScript, inlined once per document (read once per process: 4.8 MB)."""
    return str(plotly.offline.get_plotlyjs())


def _e(text: object) -> str:
    """``text`` as HTML text or attribute value: <, >, &, and quotes escaped."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Figure:
    """A headline figure as the pages' metric cards show it: a label, a value, a line under it."""

    label: str
    value: str
    detail: str = ""


class _Section:
    """One section's HTML, built part by part (every text escaped on the way in)."""

    def __init__(self, document: _Document, key: str, title: str) -> None:
        self.document = document
        self.key = key
        self.parts = [f"<h2>{_e(title)}</h2>"]

    def text(self, text: str, kind: str = "caption") -> None:
        """A paragraph: ``caption`` (how to read), ``reading`` (the answer) or ``note`` (why not)."""
        if text:
            self.parts.append(f'<p class="{kind}">{_e(text)}</p>')

    def figures(self, figures: list[Figure]) -> None:
        cards = "".join(
            '<div class="figure">'
            f'<div class="label">{_e(figure.label)}</div>'
            f'<div class="value">{_e(figure.value)}</div>'
            + (f'<div class="detail">{_e(figure.detail)}</div>' if figure.detail else "")
            + "</div>"
            for figure in figures
        )
        # Four figures in two rows of two, not three and one.
        layout = "figures pairs" if len(figures) in (2, 4) else "figures"
        self.parts.append(f'<div class="{layout}">{cards}</div>')

    def chart(self, figure: go.Figure) -> None:
        self.parts.append(self.document.chart(figure))

    def html(self) -> str:
        return f'<section id="{self.key}">' + "".join(self.parts) + "</section>"


class _Document:
    """The charts of one document, numbered in order (stable ids, unlike Plotly's random ones)."""

    def __init__(self) -> None:
        self.charts = 0

    def chart(self, figure: go.Figure) -> str:
        self.charts += 1
        figure.update_layout(width=CHART_WIDTH, autosize=False)
        # Plotly writes the figure's JSON with <, > and / escaped: data cannot close the script.
        body = pio.to_html(
            figure,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            config=CHART_CONFIG,
            div_id=f"chart-{self.charts}",
        )
        return f'<figure class="chart">{body}</figure>'


def report_file_name(dataset_name: str, as_of: date) -> str:
    """``churn-report-<dataset>-<as-of>.html``, the dataset's name made safe for a file name
    (letters, digits, dots and dashes; at most 60 characters)."""
    safe = re.sub(r"[^\w.-]+", "-", dataset_name, flags=re.UNICODE).strip("-.")[:60].strip("-.")
    return f"churn-report-{safe or 'data'}-{as_of.isoformat()}.html"


def html_report(workspace: Workspace, settings: Settings, link: str | None = None) -> str:
    """The report of the workspace's dataset under ``settings`` as one HTML document, in the
    settings' language and currency; ``link``, the view's address in the dashboard, is linked
    from its top."""
    dataset = workspace.dataset
    if dataset is None:
        raise ValueError("No dataset is loaded.")
    if link is not None and urlsplit(link).scheme not in ("http", "https"):
        raise ValueError(f"The link back must be an http(s) address, not {link!r}.")
    set_language(settings.lang)
    set_currency(settings.currency)
    workspace.ensure_derived(settings)
    document = _Document()
    sections = [
        _overview(document, workspace, settings),
        _trends(document, workspace, settings),
        _causes(document, workspace, settings),
        _tiers(document, workspace, settings),
        _lifetime_value(document, workspace, settings),
    ]
    name = _dataset_name(dataset)
    head = (
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t('report.title'))} · {_e(name)}</title>"
        f"<style>{STYLE}</style>"
        f'<script type="text/javascript">{_plotly_js()}</script>'
    )
    body = _header(dataset, settings, link) + "".join(section.html() for section in sections)
    language = "zh-Hans" if settings.lang == "zh" else settings.lang
    return f'<!DOCTYPE html>\n<html lang="{language}"><head>{head}</head><body><main>{body}</main></body></html>\n'


def _listed(items: list[str] | tuple[str, ...], lang: str) -> str:
    """Items of a list in a sentence: "a, b" in English, "a、b" in Chinese."""
    return ("、" if lang == "zh" else ", ").join(items)


def _dataset_name(dataset: DatasetInfo) -> str:
    return t("dataset.demo") if dataset.name == "demo" else dataset.name


def _header(dataset: DatasetInfo, settings: Settings, link: str | None) -> str:
    """The title, the dataset and its span, the settings, the link back to the view."""
    name = _dataset_name(dataset)
    if dataset.first_date is None:
        described = t("sidebar.dataset_list", name=name, customers=format_int(dataset.customers))
    else:
        first, last = dataset.span
        described = t(
            "sidebar.dataset",
            name=name,
            customers=format_int(dataset.customers),
            orders=t("sidebar.orders", orders=format_int(dataset.orders))
            if dataset.orders is not None
            else t("sidebar.order_lines", lines=format_int(dataset.order_lines)),
            first=first.isoformat(),
            last=last.isoformat(),
        )
    rows = "".join(
        f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in _settings_rows(dataset, settings)
    )
    parts = [
        "<header>",
        f"<h1>{_e(t('report.title'))}</h1>",
        f"<p>{_e(described)}</p>",
        f'<table class="settings"><caption hidden>{_e(t("sidebar.settings"))}</caption>{rows}</table>',
    ]
    if link:
        parts.append(f'<p><a href="{_e(link)}">{_e(t("report.link"))}</a></p>')
    parts.append(f'<p class="caption">{_e(t("report.made", date=date.today().isoformat()))}</p>')
    parts.append("</header>")
    return "".join(parts)


def _settings_rows(dataset: DatasetInfo, settings: Settings) -> list[tuple[str, str]]:
    """The settings the report was made with, labelled as in the sidebar."""
    rows = [(t("sidebar.as_of"), settings.as_of.isoformat())]
    if dataset.first_date is not None:  # a customer list alone has no window, grain or periods
        if settings.date_from is None and settings.date_to is None:
            shown = t("report.range_all")
        else:
            start, end = settings.query_window(dataset.first_date)
            shown = t("report.range", date_from=start.isoformat(), date_to=end.isoformat())
        rows += [
            (t("sidebar.window"), format_int(settings.window_days)),
            (t("sidebar.grain"), t(f"grain.{settings.grain}")),
            (t("sidebar.date_range"), shown),
        ]
    rule = settings.tier_rule
    shares = _listed(
        [f"{t(f'tier.{tier}')} {share:g}%" for tier, share in zip(TIERS, rule.shares, strict=True)], settings.lang
    )
    rows.append(
        (
            t("sidebar.tier_rule"),
            t(
                "report.tier_rule",
                shares=shares,
                basis=t(f"basis.{rule.basis}").lower(),
                window=t(f"tier_window.{rule.window}").lower(),
            ),
        )
    )
    tiers = _listed([t(f"tier.{tier}") for tier in settings.tier_filter], settings.lang)
    rows.append((t("sidebar.tier_filter"), tiers or t("sidebar.tier_filter_placeholder")))
    dimension = settings.filter_dimension
    dimension_name = t(f"dimension.{dimension}") if dimension in FILTER_DIMENSIONS else dimension
    filtered = (
        t("report.filter", dimension=dimension_name, values=_listed(settings.filter_values, settings.lang))
        if settings.filter_values
        else t("dimension.all")
    )
    rows.append((t("sidebar.filter_by"), filtered))
    rows.append((t("sidebar.language"), LANGUAGE_NAMES[settings.lang]))
    currency = currency_name(settings.currency, settings.lang) if settings.currency else t("sidebar.no_currency")
    rows.append((t("sidebar.currency"), currency))
    return rows


def _overview(document: _Document, workspace: Workspace, settings: Settings) -> _Section:
    """As the overview page: the last complete period's figures, the reading, the churn-rate trend."""
    data = Overview(workspace, settings)
    dataset = data.dataset
    section = _Section(document, "overview", t("overview.title"))
    status = data.status
    if dataset.first_date is None:
        section.text(t("overview.customers_only"), "note")
        lost_share = int(status["lost_now"]) / max(int(status["customers"]), 1)
        section.figures(
            [
                Figure(t("overview.listed"), format_int(status["customers"])),
                Figure(t("overview.listed_active"), format_int(status["active_customers"])),
                Figure(
                    t("overview.listed_lost"),
                    format_int(status["lost_now"]),
                    t("overview.listed_lost_detail", share=format_percent(lost_share)),
                ),
            ]
        )
        return section
    if int(status["customers"]) == 0:
        section.text(t("overview.no_data", as_of=settings.as_of.isoformat()), "note")
        return section
    periods = data.periods
    assert periods is not None
    current, _ = data.last_periods
    missing = missing_churn(dataset, settings)
    if missing is not None or current is None:
        section.text(missing or "", "note")
        section.text(t("overview.short_caption", as_of=settings.as_of.isoformat()))
        orders = (
            Figure(t("overview.orders"), format_int(dataset.orders))
            if dataset.orders is not None
            else Figure(t("overview.order_lines"), format_int(dataset.order_lines))
        )
        section.figures(
            [
                Figure(t("overview.customers"), format_int(status["customers"])),
                orders,
                Figure(t("overview.revenue"), format_money(status["revenue"])),
                Figure(t("overview.active"), format_int(status["active_customers"])),
            ]
        )
        return section
    grain_name = t(f"grain.{settings.grain}").lower()
    section.text(
        t(
            "overview.caption",
            grain=grain_name,
            period=format_period(current.period_start, settings.grain),
            as_of=settings.as_of.isoformat(),
            window=settings.window_days,
        )
    )
    section.text(
        overview_reading(
            current, ChurnTrend.of(periods, settings.grain), data.top_cause, data.tier_at_risk, settings.grain
        ),
        "reading",
    )
    at_start = format_int(current.customers_at_start)
    section.figures(
        [
            Figure(t("overview.active"), format_int(status["active_customers"])),
            Figure(
                t("overview.churn_rate"),
                format_percent(current.churn_rate),
                t("overview.churn_rate_detail", churned=format_int(current.churned), at_start=at_start),
            ),
            Figure(
                t("overview.retention_rate"),
                format_percent(current.retention_rate),
                t(
                    "overview.retention_rate_detail",
                    retained=format_int(current.customers_at_start - current.churned),
                    at_start=at_start,
                ),
            ),
            Figure(
                t("overview.revenue_lost"),
                format_money(current.revenue_lost),
                t("overview.revenue_lost_detail", customers=format_int(current.churned_total)),
            ),
            Figure(t("overview.new"), format_int(current.new)),
            Figure(t("overview.won_back"), format_int(current.won_back)),
        ]
    )
    section.text(loss_summary(dataset, settings, data.loss_totals))
    section.chart(churn_rate_trend(periods, settings.grain))
    if periods["is_warm_up"].any():
        section.text(t("overview.warm_up_note", window=settings.window_days))
    return section


def _trends(document: _Document, workspace: Workspace, settings: Settings) -> _Section:
    """As the trends page: the reading over the last year and the churn and retention rates."""
    data = Trends(workspace, settings)
    dataset = data.dataset
    section = _Section(document, "trends", t("trends.title"))
    if dataset.first_date is None:
        section.text(t("causes.trend_needs_dates"), "note")
        return section
    section.text(t("trends.formula", window=settings.window_days))
    periods = data.periods
    assert periods is not None
    missing = missing_churn(dataset, settings)
    if missing is not None or data.last_period is None:
        section.text(missing or "", "note")
        return section
    section.text(trends_reading(periods, ChurnTrend.of(periods, settings.grain), settings.grain), "reading")
    grain_name = t(f"grain.{settings.grain}").lower()
    section.chart(churn_and_retention(periods, settings.grain, t("trends.rates_title", grain=grain_name)))
    return section


def _causes(document: _Document, workspace: Workspace, settings: Settings) -> _Section:
    """As the causes page: each cause's share of the customers churned, the reading, the
    breakdown and the reasons within each cause."""
    data = Causes(workspace, settings)
    dataset = data.dataset
    section = _Section(document, "causes", t("causes.title"))
    loss_from, loss_until = settings.loss_window(dataset.first_date)
    loss_to = loss_until - timedelta(days=1)
    if dataset.first_date is None:
        section.text(t("causes.caption_list"))
    else:
        section.text(t("causes.caption", loss_from=loss_from, loss_to=loss_to))
    totals = data.loss_totals
    lost_total = totals.churned_customers
    if data.reasons.empty and lost_total:
        section.text(t("causes.no_reason_column", customers=format_int(lost_total)), "note")
    if lost_total == 0:
        missing = missing_churn(dataset, settings)
        if dataset.first_date is None:
            section.text(t("causes.no_lost_list", as_of=settings.as_of.isoformat()), "note")
        elif missing is not None:
            section.text(missing, "note")
        elif totals.lost_now:
            lost_now = format_int(totals.lost_now)
            section.text(t("causes.no_lost", loss_from=loss_from, loss_to=loss_to, lost_now=lost_now), "note")
        else:
            section.text(
                t("causes.no_lost_at_all", as_of=settings.as_of.isoformat(), window=settings.window_days), "note"
            )
        return section
    section.text(loss_summary(dataset, settings, totals))
    by_cause = data.by_cause
    section.text(causes_reading(by_cause, top_known_cause(by_cause)), "reading")
    section.figures(
        [
            Figure(
                t("causes.silent") if row["cause"] == "unknown" else t(f"cause.{row['cause']}"),
                format_percent(row["share"]),
                t("causes.metric_customers", customers=format_int(row["customers"]))
                + " · "
                + t("causes.revenue_lost", revenue=format_money(row["revenue_lost"])),
            )
            for row in by_cause.to_dict("records")
        ]
    )
    section.chart(cause_breakdown(by_cause))
    section.chart(cause_reasons(data.churned_by_reason))
    return section


def _tiers(document: _Document, workspace: Workspace, settings: Settings) -> _Section:
    """As the tiers page: the tier rule, the reading and the pyramid."""
    data = Tiers(workspace, settings)
    section = _Section(document, "tiers", t("tiers.title"))
    summary = data.summary
    if summary.empty:
        section.text(t("tiers.no_customers"), "note")
        return section
    rule = settings.tier_rule
    basis_name = t(f"basis.{rule.basis}").lower()
    sizes = dict(zip(summary["tier"], summary["customers"], strict=True))
    section.text(
        t(
            "tiers.rule",
            basis=basis_name,
            window=t(f"tier_window.{rule.window}").lower(),
            as_of=settings.as_of.isoformat(),
            customers=format_int(summary["customers"].sum()),
            **{tier: f"{share:g}" for tier, share in zip(TIERS, rule.shares, strict=True)},
            **{f"{tier}_n": format_int(sizes.get(tier, 0)) for tier in TIERS},
        )
    )
    try:
        risk = tier_most_at_risk(data.periods) if data.periods is not None else None
    except QueryError:
        risk = None  # as on the page: the reading goes without the tier most at risk
    section.text(tiers_reading(summary, basis_name, risk, settings.grain), "reading")
    section.chart(tier_pyramid(summary, basis_name))
    return section


def _lifetime_value(document: _Document, workspace: Workspace, settings: Settings) -> _Section:
    """As the lifetime-value page at its defaults (12 months, 10% a year): how far to trust the
    predictions, the reading, what one customer of each tier is worth, and the realised value
    per customer by tier."""
    data = LifetimeValue(workspace, settings)
    dataset = data.dataset
    section = _Section(document, "lifetime-value", t("ltv.title"))
    tier_labels = {tier: t(f"tier.{tier}") for tier in (*TIERS, "unranked")}
    realised = value_boxes(
        data.distribution("tier"), t("ltv.box_title", dimension=t("dimension.tier").lower()), tier_labels
    )
    # Taller than on the page: the long title of its log axis must fit beside the plot.
    realised.update_layout(height=max(realised.layout.height or 0, 520))
    if dataset.first_date is None:
        section.text(t("ltv.needs_orders"), "note")
        section.chart(realised)
        return section
    tier_values = data.values(HORIZON_MONTHS, ANNUAL_DISCOUNT)
    assert tier_values is not None
    checked, values = tier_values.checked, tier_values.values
    model_ok = checked.status == "ok"
    section.text(
        t(
            "ltv.caption",
            as_of=settings.as_of.isoformat(),
            months=HORIZON_MONTHS,
            discount=format_percent(ANNUAL_DISCOUNT, 1),
        )
    )
    section.text(ltv_trust(checked), "reading" if model_ok and checked.validation is not None else "note")
    if values["retained_value"].isna().all() and not model_ok:
        # Neither method has what it needs: the retention formula needs measured churn too.
        section.text(missing_churn(dataset, replace(settings, grain="month")) or "", "note")
        section.chart(realised)
        return section
    warned = data.early_warning(HORIZON_MONTHS, ANNUAL_DISCOUNT)
    assert warned is not None
    section.text(
        ltv_reading(values, model_ok, HORIZON_MONTHS, len(warned), float(warned["value_at_risk"].sum())), "reading"
    )
    basis = t("basis.margin" if tier_values.use_margin else "basis.revenue").lower()
    figures = []
    for row in values.to_dict("records"):
        label = t("ltv.card_label", tier=t(f"tier.{row['tier']}"), customers=format_int(row["customers"]))
        retained = t("ltv.card_retained", value=format_money(row["retained_value"]), basis=basis, months=HORIZON_MONTHS)
        if model_ok:
            alive = format_percent(row["probability_alive"], 0)
            model = t("ltv.card_model", months=HORIZON_MONTHS, alive=alive)
            detail = ("；" if settings.lang == "zh" else "; ").join((model, retained))
            figures.append(Figure(label, format_money(row["predicted_revenue"]), detail))
        else:
            figures.append(Figure(label, format_money(row["retained_value"]), retained))
    section.figures(figures)
    section.chart(realised)
    return section
