"""Streamlit glue shared by ``app.py`` and the pages: the session workspace and the sidebar."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.uploaded_file_manager import UploadedFile

from churn.currency import CURRENCIES, currency_name
from churn.db import QueryError
from churn.i18n import LANGUAGE_NAMES, current_language, format_int, set_currency, set_language, t
from churn.metrics import LossTotals, churn_coverage
from churn.page_data import default_settings, demo_snapshot
from churn.settings import (
    FILTER_DIMENSIONS,
    GRAINS,
    LANGUAGES,
    SETTING_KEYS,
    Settings,
    as_of_bounds,
    settings_from_query_params,
)
from churn.tiers import BASES, TIERS, VALUE_WINDOWS, TierRule, TierRuleError
from churn.workspace import DatasetInfo, Workspace

_STATE_PREFIX = "setting_"
_PAGES = Path(__file__).resolve().parent.parent / "pages"
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
PAGE_STYLE = Path(__file__).resolve().parent / "assets" / "app.css"
_IN_APP = "running_in_app"


def _release(workspace: Workspace) -> None:
    workspace.close()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_workspace() -> Workspace:
    """This browser session's own workspace (never shared: the cache is session-scoped and
    its connection is closed when the session ends), opened on a copy of the demo made once per
    process (``churn.page_data.demo_snapshot``)."""
    return Workspace.from_snapshot(demo_snapshot(), uploads=True)


def _key(name: str) -> str:
    return _STATE_PREFIX + name


def _initialise_state(workspace: Workspace) -> None:
    """On a session's first run, take the settings from the URL (or the defaults)."""
    if _key("as_of") in st.session_state:
        return
    defaults = default_settings(workspace)
    dataset = workspace.dataset
    assert dataset is not None
    first, last = dataset.span
    settings, problems = settings_from_query_params(dict(st.query_params), defaults, (first, last))
    st.session_state[_key("lang")] = settings.lang
    st.session_state[_key("currency")] = settings.currency or ""
    st.session_state[_key("as_of")] = settings.as_of
    st.session_state[_key("window")] = settings.window_days
    st.session_state[_key("grain")] = settings.grain
    st.session_state[_key("range")] = (settings.date_from or first, settings.date_to or last)
    st.session_state[_key("url_problems")] = problems
    for tier, share in zip(TIERS, settings.tier_rule.shares, strict=True):
        st.session_state[_key(f"share_{tier}")] = float(share)
    st.session_state[_key("basis")] = settings.tier_rule.basis
    st.session_state[_key("tier_window")] = settings.tier_rule.window
    st.session_state[_key("tier_filter")] = list(settings.tier_filter)
    st.session_state[_key("filter_by")] = settings.filter_dimension
    st.session_state[_key(f"filter_{settings.filter_dimension}")] = list(settings.filter_values)
    st.session_state[_key("tier_rule")] = settings.tier_rule


def dimension_name(dimension: str) -> str:
    """A filter dimension as shown: a built-in one translated, an extra one (a column of the
    user's file) by its own name."""
    return t(f"dimension.{dimension}") if dimension in FILTER_DIMENSIONS else dimension


def dimension_selectbox(label: str, dimensions: tuple[str, ...], key: str) -> str:
    """A choice of one of ``dimensions`` ("tier", "region", …, "all"), shown by its name."""
    return str(st.selectbox(label, dimensions, format_func=lambda d: t(f"dimension.{d}"), key=key))


def _use_suggested_window(days: int) -> None:
    st.session_state[_key("window")] = days


def sidebar_settings(workspace: Workspace) -> Settings:
    """Draw the shared sidebar, set the language, mirror the settings in the URL; return them."""
    _initialise_state(workspace)
    set_language(st.session_state[_key("lang")])
    dataset = workspace.dataset
    assert dataset is not None
    first, last = dataset.span

    with st.sidebar:
        st.radio(
            t("sidebar.language"),
            LANGUAGES,
            format_func=LANGUAGE_NAMES.__getitem__,
            horizontal=True,
            key=_key("lang"),
        )
        set_language(st.session_state[_key("lang")])
        currency = st.selectbox(
            t("sidebar.currency"),
            ["", *CURRENCIES],
            format_func=lambda code: currency_name(code, current_language()) if code else t("sidebar.no_currency"),
            help=t("sidebar.currency_help"),
            key=_key("currency"),
        )
        set_currency(currency or None)
        st.header(t("sidebar.settings"))
        if st.session_state[_key("url_problems")]:
            st.warning(t("sidebar.bad_url", names=", ".join(st.session_state[_key("url_problems")])))
        earliest_as_of, latest_as_of = as_of_bounds((first, last))
        as_of = st.date_input(
            t("sidebar.as_of"),
            min_value=earliest_as_of,
            max_value=latest_as_of,
            help=t("sidebar.as_of_help"),
            key=_key("as_of"),
        )
        assert isinstance(as_of, date)
        if dataset.first_date is None:
            # A customer list alone has no order dates: no W, no periods; the as-of date decides
            # which churn dates count.
            st.caption(t("sidebar.list_only"))
            window_days = int(st.session_state[_key("window")])
            grain = st.session_state[_key("grain")]
            chosen = st.session_state[_key("range")]
        else:
            window_days, grain, chosen = _period_controls(workspace, as_of, first, last)
        tier_filter = st.multiselect(
            t("sidebar.tier_filter"),
            TIERS,
            format_func=lambda tier: t(f"tier.{tier}"),
            placeholder=t("sidebar.tier_filter_placeholder"),
            help=t("sidebar.tier_filter_help"),
            key=_key("tier_filter"),
        )
        filter_dimension = st.selectbox(
            t("sidebar.filter_by"),
            [*FILTER_DIMENSIONS, *workspace.extra_dimensions()],
            format_func=dimension_name,
            key=_key("filter_by"),
        )
        choices = workspace.cached_query("dimension_values", {"dimension": filter_dimension})["value"].tolist()
        # One selection per dimension, so that switching dimension never leaves stale values.
        filter_key = _key(f"filter_{filter_dimension}")
        if filter_key in st.session_state:
            st.session_state[filter_key] = [v for v in st.session_state[filter_key] if v in choices]
        filter_values = st.multiselect(
            t("sidebar.filter_values", dimension=dimension_name(str(filter_dimension)).lower()),
            choices,
            placeholder=t("sidebar.filter_placeholder"),
            help=t("sidebar.filter_help"),
            key=filter_key,
        )
        tier_rule = _tier_rule_controls(workspace.dataset is not None and workspace.dataset.has_costs)
        name = t("dataset.demo") if dataset.name == "demo" else dataset.name
        if dataset.first_date is None:
            st.caption(t("sidebar.dataset_list", name=name, customers=format_int(dataset.customers)))
        else:
            st.caption(
                t(
                    "sidebar.dataset",
                    name=name,
                    customers=format_int(dataset.customers),
                    orders=t("sidebar.orders", orders=format_int(dataset.orders))
                    if dataset.orders is not None
                    else t("sidebar.order_lines", lines=format_int(dataset.order_lines)),
                    first=first.isoformat(),
                    last=last.isoformat(),
                )
            )

    # While a range is being picked the widget holds only its start: keep the full range.
    date_from, date_to = chosen if isinstance(chosen, tuple) and len(chosen) == 2 else (None, None)
    if (date_from, date_to) == (first, last):
        date_from, date_to = None, None
    settings = Settings(
        as_of=as_of,
        window_days=window_days,
        grain=str(grain),
        date_from=date_from,
        date_to=date_to,
        lang=st.session_state[_key("lang")],
        tier_rule=tier_rule,
        tier_filter=tuple(tier for tier in TIERS if tier in tier_filter),
        filter_dimension=str(filter_dimension),
        filter_values=tuple(filter_values),
        currency=currency or None,
    )
    _mirror_in_url(settings)
    st.session_state["settings"] = settings
    return settings


def _period_controls(workspace: Workspace, as_of: date, first: date, last: date) -> tuple[int, str, object]:
    """The window W (with the suggestion and its reason), the period grain and the range of
    periods shown."""
    window_days = int(
        st.number_input(
            t("sidebar.window"),
            min_value=1,
            max_value=3650,
            step=1,
            help=t("sidebar.window_help"),
            key=_key("window"),
        )
    )
    suggestion = workspace.window_suggestion(as_of)
    if suggestion.p95_gap_days is None:
        st.caption(t("sidebar.window_reason_none", days=suggestion.days))
    else:
        st.caption(
            t(
                "sidebar.window_reason",
                days=suggestion.days,
                p95=suggestion.p95_gap_days,
                median=suggestion.median_gap_days,
                repeats=format_int(suggestion.repeat_purchases),
            )
        )
    if suggestion.days != window_days:
        st.button(
            t("sidebar.use_suggestion", days=suggestion.days),
            on_click=_use_suggested_window,
            args=(suggestion.days,),
        )
    grain = st.radio(
        t("sidebar.grain"), GRAINS, format_func=lambda g: t(f"grain.{g}"), horizontal=True, key=_key("grain")
    )
    chosen = st.date_input(
        t("sidebar.date_range"),
        min_value=first,
        max_value=last,
        help=t("sidebar.date_range_help"),
        key=_key("range"),
    )
    return window_days, str(grain), chosen


def _tier_rule_controls(has_costs: bool) -> TierRule:
    """The tier rule expander; an invalid rule is explained and the last valid one kept."""
    with st.expander(t("sidebar.tier_rule")):
        shares = tuple(
            float(
                st.number_input(
                    t("sidebar.tier_share", tier=t(f"tier.{tier}")),
                    min_value=0.0,
                    max_value=100.0,
                    step=0.5,
                    format="%g",
                    key=_key(f"share_{tier}"),
                )
            )
            for tier in TIERS
        )
        if not has_costs:
            st.session_state[_key("basis")] = "revenue"
        basis = st.radio(
            t("sidebar.tier_basis"),
            BASES,
            format_func=lambda b: t(f"basis.{b}"),
            horizontal=True,
            disabled=not has_costs,
            help=t("sidebar.tier_basis_help"),
            key=_key("basis"),
        )
        if not has_costs:
            st.caption(t("sidebar.tier_basis_no_cost"))
        window = st.radio(
            t("sidebar.tier_window"),
            VALUE_WINDOWS,
            format_func=lambda w: t(f"tier_window.{w}"),
            horizontal=True,
            key=_key("tier_window"),
        )
        previous: TierRule = st.session_state[_key("tier_rule")]
        try:
            rule = TierRule(shares, str(basis), str(window))  # type: ignore[arg-type]
        except TierRuleError:
            st.error(t("sidebar.tier_rule_invalid", total=sum(shares), rule=previous.to_text()))
            rule = TierRule(previous.shares, str(basis), str(window))
        st.session_state[_key("tier_rule")] = rule
        return rule


def _mirror_in_url(settings: Settings) -> None:
    wanted = settings.to_query_params()
    for key in SETTING_KEYS:
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def current_settings() -> Settings:
    """The settings the sidebar chose in this run (``run_app`` draws the sidebar first).

    On a fresh server, Streamlit's legacy "pages folder" mode runs a file of ``pages/``
    directly, without ``app.py``, for the first request to its URL (until some run has called
    ``st.navigation``; AppTest is in that mode at the start of every ``run``). Such a page
    switches that mode off and opens itself through the app.
    """
    if not st.session_state.get(_IN_APP):
        # Streamlit ran this page alone (its pages-folder mode): any call of st.navigation switches
        # that mode off for good; it also names this URL's page, which is then opened through the
        # app, with the same query string.
        # The tab's icon first: without it, the browser would fetch the page's ":material/…:"
        # icon from the internet as the tab's.
        st.set_page_config(page_icon=str(FAVICON))
        pages = _app_pages()
        # With a default page of its own, the overview keeps its URL (a default page is served
        # at "/", and "/overview" would be "page not found").
        page = st.navigation([_root_page(lambda: None), *pages], position="hidden")
        st.switch_page(page, query_params=st.query_params.to_dict())
    settings: Settings = st.session_state["settings"]
    return settings


def reset_settings() -> None:
    """Forget the sidebar settings (after a dataset change), so that the next run takes the new
    dataset's defaults (as-of date, suggested W, periods)."""
    for key in [key for key in st.session_state if str(key).startswith(_STATE_PREFIX) or key == "settings"]:
        del st.session_state[key]
    for key in SETTING_KEYS:
        if key in st.query_params and key != "lang":
            del st.query_params[key]


def lazy_tabs(labels: list[str], key: str) -> Sequence[TabContainer]:
    """Tabs whose content runs only while open (``if tab.open:``): a page draws its summary and
    one tab's charts, not all of them, so that it opens in about a second (each Plotly chart
    costs the browser time). Opening another tab reruns the page."""
    return st.tabs(labels, key=key, on_change="rerun")


def whole(values: pd.Series) -> pd.Series:
    """Amounts or counts as whole numbers (nullable integers): 4,060 on screen and 4060 in a
    downloaded CSV, where a rounded float would be written 4060.0."""
    return values.round().astype("Int64")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string inside a <style> element: quotes, backslashes, line breaks
    and "<" (which could close the element) as CSS escapes."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\<>\n' else char for char in text)
    return f'"{escaped}"'


def file_uploader(label: str, key: str, types: list[str] | None = None) -> UploadedFile | None:
    """``st.file_uploader`` with its button, size limit and drop hint in the page's language:
    Streamlit writes them in English in the browser, so a style of this uploader's own replaces
    them (the texts come from the catalog and are escaped for CSS)."""
    limit = t("uploader.limit", size=format_int(st.get_option("server.maxUploadSize")))
    if types:
        limit += " • " + ", ".join(extension.upper() for extension in types)
    scope = f".st-key-uploader_{key}"
    zone = f'{scope} [data-testid="stFileUploaderDropzone"]'
    style = f"""
        {zone} button [data-testid="stMarkdownContainer"] p,
        {zone} [data-testid="stFileUploaderDropzoneInstructions"] span {{
            font-size: 0; white-space: normal; overflow: visible; }}
        {zone} button [data-testid="stMarkdownContainer"] p::after {{
            content: {css_string(t("uploader.button"))}; font-size: 1rem; }}
        {zone} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
            content: {css_string(limit)}; font-size: 0.875rem; }}
    """
    with st.container(key=f"uploader_{key}"):
        st.html(f"<style>{style}</style>")
        uploaded = st.file_uploader(label, type=types, key=key)
    assert uploaded is None or isinstance(uploaded, UploadedFile)
    return uploaded


def show_query_error(error: QueryError) -> None:
    st.error(t("error.query", message=error.message, hint=error.hint))


def explain_missing_churn(workspace: Workspace, settings: Settings) -> bool:
    """When the data cannot show a churn rate under these settings, say why in one sentence with
    what to do about it, and return True; False when it can (``churn.metrics.churn_coverage``)."""
    dataset = workspace.dataset
    if dataset is None or dataset.first_date is None or dataset.last_date is None:
        return False
    shown = settings.loss_window(dataset.first_date)
    coverage = churn_coverage(
        dataset.first_date, dataset.last_date, settings.as_of, settings.window_days, settings.grain, shown
    )
    if coverage.status == "ok":
        return False
    grain = t(f"grain.{settings.grain}").lower()
    values = {
        "days": format_int(coverage.days_covered),
        "first": dataset.first_date.isoformat(),
        "last": min(dataset.last_date, settings.as_of).isoformat(),
        "window": settings.window_days,
        "grain": grain,
        "needed": format_int(coverage.days_needed),
        "as_of": settings.as_of.isoformat(),
        "earliest": coverage.earliest_as_of.isoformat(),
        "shown_from": shown[0].isoformat(),
        "shown_to": (shown[1] - timedelta(days=1)).isoformat(),
    }
    message = t(f"coverage.{coverage.status}", **values)
    if coverage.status == "too_short" and coverage.month_would_do:
        message += " " + t("coverage.month_would_do")
    st.info(message, icon=":material/hourglass_empty:")
    return True


def show_loss_summary(dataset: DatasetInfo, settings: Settings, totals: LossTotals) -> None:
    """One line with the three measures of loss of the view (their definitions on hover)."""
    as_of = settings.as_of.isoformat()
    if dataset.first_date is None:
        st.caption(t("measure.summary_list", lost_now=format_int(totals.lost_now), as_of=as_of))
        return
    loss_from, loss_until = settings.loss_window(dataset.first_date)
    st.caption(
        t(
            "measure.summary",
            loss_from=loss_from.isoformat(),
            loss_to=(loss_until - timedelta(days=1)).isoformat(),
            events=t("measure.events_count", count=format_int(totals.churn_events)),
            churned=t("measure.churned_count", count=format_int(totals.churned_customers)),
            lost_now=t("measure.lost_now_count", count=format_int(totals.lost_now)),
            as_of=as_of,
        ),
        help=" ".join(
            [
                t("measure.churn_events_help"),
                t("measure.churned_customers_help"),
                t("measure.lost_now_help", as_of=as_of),
            ]
        ),
    )


# The pages: (file in pages/, URL path = the file's name, title key, icon). Each file name is its
# URL path, so that Streamlit's pages-folder mode and st.navigation agree on every URL.
PAGES = (
    ("overview", "page.overview", ":material/dashboard:"),
    ("trends", "page.trends", ":material/trending_up:"),
    ("causes", "page.causes", ":material/psychology_alt:"),
    ("tiers", "page.tiers", ":material/signal_cellular_alt:"),
    ("lifetime-value", "page.ltv", ":material/savings:"),
    ("what-if", "page.whatif", ":material/tune:"),
    ("data", "page.data", ":material/upload_file:"),
)


@cache
def page_style() -> str:
    """The page's CSS (read once: it is set on every run)."""
    return PAGE_STYLE.read_text()


def _app_pages() -> list[StreamlitPage]:
    return [st.Page(_PAGES / f"{name}.py", title=t(title), url_path=name, icon=icon) for name, title, icon in PAGES]


def _root_page(run: Callable[[], None]) -> StreamlitPage:
    """The hidden default page, served at "/", so that "/overview" stays a page of its own."""
    return st.Page(run, title=t("page.overview"), url_path="home", default=True, visibility="hidden")


def run_app() -> None:
    """The app: page setup, the shared sidebar with the settings, the derived tables for them,
    then st.navigation over the pages and the page of this URL. The root URL redirects to
    /overview with the settings in the query string, so that /overview is a real, stable URL."""
    # The tab's icon is a file of the project: a ":material/…:" page icon makes the browser fetch
    # it from a font server on the internet.
    st.set_page_config(page_title=t("app.title"), page_icon=str(FAVICON), layout="wide")
    st.html(f"<style>{page_style()}</style>")
    workspace = session_workspace()
    settings = sidebar_settings(workspace)
    # Again, in the language the sidebar has just set (the first call had the previous run's).
    st.set_page_config(page_title=t("app.title"))
    workspace.ensure_derived(settings)
    pages = _app_pages()

    def open_overview() -> None:
        st.switch_page(pages[0], query_params={**st.query_params.to_dict(), **settings.to_query_params()})

    # The default page is served at "/", which would leave no "/overview" URL; it only redirects.
    root = _root_page(open_overview)
    # Marks the page's run as one inside the app (see current_settings), also when it stops early.
    st.session_state[_IN_APP] = True
    try:
        st.navigation([root, *pages]).run()
    finally:
        st.session_state[_IN_APP] = False
