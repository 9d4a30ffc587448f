"""Streamlit glue shared by ``app.py`` and the pages: the session workspace and the sidebar."""

from __future__ import annotations

import contextvars
import hmac
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.uploaded_file_manager import UploadedFile

from churn.build import BuiltFolder, NotBuilt
from churn.currency import CURRENCIES, currency_name
from churn.db import QueryError, remove_leftover_scratch
from churn.export import csv_bytes
from churn.i18n import LANGUAGE_NAMES, current_language, format_int, set_currency, set_language, t
from churn.metrics import LossTotals
from churn.page_data import default_settings, demo_snapshot
from churn.report_html import html_report, report_file_name
from churn.saved import SavedWorkspaceNotFound, workspace_store
from churn.settings import (
    FILTER_DIMENSIONS,
    GRAINS,
    LANGUAGES,
    SETTING_KEYS,
    Settings,
    as_of_bounds,
    settings_from_query_params,
)
from churn.summary import loss_summary, missing_churn
from churn.tiers import BASES, TIERS, VALUE_WINDOWS, TierRule, TierRuleError
from churn.whatif import saved_scenarios_token
from churn.workspace import DatasetInfo, Workspace

_STATE_PREFIX = "setting_"
_PAGES = Path(__file__).resolve().parent.parent / "pages"
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
PAGE_STYLE = Path(__file__).resolve().parent / "assets" / "app.css"
_IN_APP = "running_in_app"
# The token of the saved workspace this session has open (churn.saved), also in the URL.
_OPENED = "saved_workspace_token"
# The saved workspaces this session saved or opened, by name (name -> token): the Data page's
# switcher offers them with the session's other datasets.
_SAVED_HERE = "saved_workspaces_here"
_NOT_FOUND = "saved_workspace_not_found"
WORKSPACE_PARAM = "workspace"
# The what-if page's saved scenarios (name -> Levers), kept with a saved workspace.
SAVED_SCENARIOS = "whatif_scenarios"
_SIGNED_IN = "signed_in"
# A wrong password waits this long before the prompt returns: guessing stays slow.
WRONG_PASSWORD_DELAY_SECONDS = 1.0
logger = logging.getLogger(__name__)


# New sessions open a few at a time, one per core: twenty people opening the link at once are
# served in turn (the first in about a second) instead of all together at the end. A session
# waits at most OPENING_WAIT_SECONDS for its turn (a saved workspace can take long to open).
_OPENING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
OPENING_WAIT_SECONDS = 15.0


@contextmanager
def _opening_turn(first_run: bool) -> Iterator[None]:
    """Hold one of the server's opening turns during a session's first run (nothing otherwise)."""
    acquired = first_run and _OPENING.acquire(timeout=OPENING_WAIT_SECONDS)
    try:
        yield
    finally:
        if acquired:
            _OPENING.release()


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
    if dataset.built is not None:
        # A built dataset shows the as-of date, W and tiers it was built for (others need its order lines).
        settings = replace(
            settings, as_of=defaults.as_of, window_days=defaults.window_days, tier_rule=defaults.tier_rule
        )
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
        built = dataset.built is not None
        if dataset.built is not None:
            st.caption(t("built.sidebar", summary=built_summary(dataset.built)))
        as_of = st.date_input(
            t("sidebar.as_of"),
            min_value=earliest_as_of,
            max_value=latest_as_of,
            help=t("sidebar.as_of_help"),
            disabled=built,
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
            window_days, grain, chosen = _period_controls(workspace, as_of, first, last, built)
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
            t("sidebar.filter_values", dimension=markdown_text(dimension_name(str(filter_dimension)).lower())),
            choices,
            placeholder=t("sidebar.filter_placeholder"),
            help=t("sidebar.filter_help"),
            key=filter_key,
        )
        tier_rule = _tier_rule_controls(dataset.has_costs, built)
        name = t("dataset.demo") if dataset.name == "demo" else markdown_text(dataset.name)
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
    report_download(workspace, settings)
    return settings


def _period_controls(
    workspace: Workspace, as_of: date, first: date, last: date, built: bool
) -> tuple[int, str, object]:
    """The window W (with the suggestion and its reason; fixed for a built dataset), the period
    grain and the range of periods shown."""
    window_days = int(
        st.number_input(
            t("sidebar.window"),
            min_value=1,
            max_value=3650,
            step=1,
            help=t("sidebar.window_help"),
            disabled=built,
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
    if suggestion.days != window_days and not built:
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


def _tier_rule_controls(has_costs: bool, built: bool) -> TierRule:
    """The tier rule expander (fixed for a built dataset); an invalid rule is explained and the
    last valid one kept."""
    with st.expander(t("sidebar.tier_rule")):
        shares = tuple(
            float(
                st.number_input(
                    t("sidebar.tier_share", tier=t(f"tier.{tier}")),
                    min_value=0.0,
                    max_value=100.0,
                    step=0.5,
                    format="%g",
                    disabled=built,
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
            disabled=not has_costs or built,
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
            disabled=built,
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


def _forget_settings() -> None:
    """Forget the sidebar settings of this session: the next run takes them from the URL, or the
    dataset's defaults."""
    for key in [key for key in st.session_state if str(key).startswith(_STATE_PREFIX) or key == "settings"]:
        del st.session_state[key]


def reset_settings() -> None:
    """Forget the sidebar settings (after a dataset change), so that the next run takes the new
    dataset's defaults (as-of date, suggested W, periods); the session no longer has a saved
    workspace open."""
    _forget_settings()
    for key in SETTING_KEYS:
        if key in st.query_params and key != "lang":
            del st.query_params[key]
    forget_saved_workspace()


def opened_workspace() -> str | None:
    """The token of the saved workspace this session has open, if any."""
    token: str | None = st.session_state.get(_OPENED)
    return token


def keep_saved_workspace(workspace: Workspace, token: str, name: str) -> None:
    """Record that the session's dataset is the saved workspace ``name`` of ``token`` (the token
    goes in the URL, the dataset takes the name)."""
    workspace.rename_dataset(name)
    st.session_state[_OPENED] = token
    saved_here = saved_workspaces_here()
    for old in [old for old, kept in saved_here.items() if kept == token]:
        del saved_here[old]
    saved_here[name] = token
    st.query_params[WORKSPACE_PARAM] = token


def saved_workspaces_here() -> dict[str, str]:
    """The saved workspaces this session saved or opened: name -> token."""
    saved_here: dict[str, str] = st.session_state.setdefault(_SAVED_HERE, {})
    return saved_here


def forget_saved_workspace(deleted: bool = False) -> None:
    """The session's dataset is no longer a saved workspace: another was loaded, or (``deleted``)
    the saved workspace was deleted and is no longer offered either."""
    token = st.session_state.pop(_OPENED, None)
    if deleted:
        for name in [name for name, kept in saved_workspaces_here().items() if kept == token]:
            del saved_workspaces_here()[name]
    st.query_params.pop(WORKSPACE_PARAM, None)


def token_from_link(text: str) -> str:
    """The token in a pasted link (its ``workspace`` parameter), or the text itself."""
    found = parse_qs(urlsplit(text.strip()).query).get(WORKSPACE_PARAM)
    return found[0] if found else text.strip()


def workspace_link(token: str, view: dict[str, str]) -> str:
    """The private link of a saved workspace: the overview of this app with the token and the
    view's settings (relative to the app's address in the browser, when Streamlit knows it)."""
    query = urlencode({WORKSPACE_PARAM: token, **view})
    address = st.context.url
    base = address.rsplit("/", 1)[0] if address else ""
    return f"{base}/overview?{query}"


def current_view() -> dict[str, str]:
    """The settings of this session's view and its saved what-if scenarios, as URL parameters."""
    settings: Settings = st.session_state["settings"]
    view = settings.to_query_params()
    scenarios = st.session_state.get(SAVED_SCENARIOS)
    if scenarios:
        view["saved"] = saved_scenarios_token(scenarios)
    elif "saved" in st.query_params:
        view["saved"] = st.query_params["saved"]
    return view


def _open_linked_workspace(workspace: Workspace) -> None:
    """Open the saved workspace the link names (``?workspace=TOKEN``) once per session, with the
    view it was saved with where the link gives no setting; a token that finds nothing gets a
    plain "not found" and the session keeps its dataset."""
    token = st.query_params.get(WORKSPACE_PARAM)
    opened = opened_workspace()
    if token is None:
        if opened is not None:  # a page change drops the parameter: the URL keeps naming it
            st.query_params[WORKSPACE_PARAM] = opened
        return
    if token == opened:
        return
    try:
        saved = workspace_store().open(token, workspace)
    except SavedWorkspaceNotFound:
        st.query_params.pop(WORKSPACE_PARAM, None)
        if opened is not None:
            st.query_params[WORKSPACE_PARAM] = opened
        st.session_state[_NOT_FOUND] = True  # said on the page the link opens (run_app)
        return
    for key, value in saved.view.items():
        if key not in st.query_params:
            st.query_params[key] = value
    _forget_settings()
    if "saved" in st.query_params:  # the what-if page reads its scenarios from the link again
        st.session_state.pop(SAVED_SCENARIOS, None)
    st.session_state.pop("data_switch", None)
    keep_saved_workspace(workspace, token, saved.name)


def configured_password() -> str | None:
    """The app's password: ``CHURN_PASSWORD`` in the environment, else ``password`` in
    ``.streamlit/secrets.toml``; None (no password) when neither is set."""
    password = os.environ.get("CHURN_PASSWORD")
    if not password and st.secrets.load_if_toml_exists():
        password = st.secrets.get("password")
    return str(password) if password else None


def _signed_in() -> bool:
    """True when the session may see the app: no password is configured, or it was given."""
    return configured_password() is None or bool(st.session_state.get(_SIGNED_IN))


def _sign_in() -> None:
    """The only page of a session not yet signed in: the password prompt."""
    password = configured_password()
    assert password is not None
    # Before the sidebar exists, the link's language is the only one there is.
    language = st.query_params.get("lang")
    set_language(language if language in LANGUAGES else "en")
    st.title(t("app.title"))
    with st.form("sign_in"):
        given = st.text_input(t("signin.password"), type="password")
        submitted = st.form_submit_button(t("signin.submit"), type="primary")
    if submitted:
        if hmac.compare_digest(given.encode(), password.encode()):
            st.session_state[_SIGNED_IN] = True
            st.rerun()
        time.sleep(WRONG_PASSWORD_DELAY_SECONDS)
        st.error(t("signin.wrong"))


def lazy_tabs(labels: list[str], key: str) -> Sequence[TabContainer]:
    """Tabs whose content runs only while open (``if tab.open:``): a page draws its summary and
    one tab's charts, not all of them, so that it opens in about a second (each Plotly chart
    costs the browser time). Opening another tab reruns the page."""
    return st.tabs(labels, key=key, on_change="rerun")


def whole(values: pd.Series) -> pd.Series:
    """Amounts or counts as whole numbers (nullable integers): 4,060 on screen and 4060 in a
    downloaded CSV, where a rounded float would be written 4060.0."""
    return values.round().astype("Int64")


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\\[-`{-~])")


def markdown_text(text: str) -> str:
    """Text from the user or the data (a dataset's name) as literal text in Streamlit Markdown:
    every ASCII punctuation mark backslash-escaped, so that it can make no link, image, emphasis
    or HTML; line breaks as spaces."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


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
    if isinstance(error, NotBuilt):
        show_not_built(error)
        return
    st.error(t("error.query", message=error.message, hint=error.hint))


def show_not_built(error: NotBuilt) -> None:
    """What a built dataset cannot show for these settings, and the command that builds it."""
    settings = ", ".join(t(f"built.setting.{name}") for name in error.settings)
    if not error.options:  # a page's own choice, built for its default only
        st.warning(t("built.not_built_default", settings=settings), icon=":material/construction:")
        return
    st.warning(t("built.not_built", settings=settings), icon=":material/construction:")
    st.code(error.command, language="bash", wrap_lines=True)


def built_summary(folder: BuiltFolder) -> str:
    """One sentence on a built dataset: the engine, when, and the settings it was built for."""
    recorded = folder.settings
    return t(
        "built.summary",
        engine=str(folder.manifest.get("engine", "")),
        built_at=markdown_text(str(folder.manifest.get("built_at", ""))[:16].replace("T", " ")),
        as_of=markdown_text(str(recorded.get("as_of", ""))),
        window=format_int(int(recorded.get("window_days", 0))),
        tiers=markdown_text(str(recorded.get("tiers", ""))),
    )


def explain_missing_churn(workspace: Workspace, settings: Settings) -> bool:
    """When the data cannot show a churn rate under these settings, say why in one sentence with
    what to do about it, and return True; False when it can (``churn.summary.missing_churn``)."""
    message = missing_churn(workspace.dataset, settings) if workspace.dataset is not None else None
    if message is None:
        return False
    st.info(message, icon=":material/hourglass_empty:")
    return True


def show_loss_summary(dataset: DatasetInfo, settings: Settings, totals: LossTotals) -> None:
    """One line with the three measures of loss of the view (their definitions on hover)."""
    if dataset.first_date is None:
        st.caption(loss_summary(dataset, settings, totals))
        return
    as_of = settings.as_of.isoformat()
    st.caption(
        loss_summary(dataset, settings, totals),
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


@cache
def _start_of_process() -> None:
    """Once per server process, before the first page: the scratch folders of a server that was
    killed (uploads and spill files of its sessions) are deleted."""
    for folder in remove_leftover_scratch():
        logger.info("Removed scratch files left by an earlier server: %s", folder)


def run_app() -> None:
    """The app: page setup, the shared sidebar with the settings, the derived tables for them,
    then st.navigation over the pages and the page of this URL. The root URL redirects to
    /overview with the settings in the query string, so that /overview is a real, stable URL."""
    # The tab's icon is a file of the project: a ":material/…:" page icon makes the browser fetch
    # it from a font server on the internet.
    st.set_page_config(page_title=t("app.title"), page_icon=str(FAVICON), layout="wide")
    _start_of_process()
    st.html(f"<style>{page_style()}</style>")
    if not _signed_in():
        # Nothing but the prompt, at every URL: no sidebar, no pages, no data.
        # Every page's URL shows it (not "page not found"), and opens that page once signed in.
        prompts = [st.Page(_sign_in, title=t("signin.title"), url_path=name) for name, _, _ in PAGES]
        st.navigation([_root_page(_sign_in), *prompts], position="hidden").run()
        return
    with _opening_turn(first_run=_IN_APP not in st.session_state):
        _run_signed_in()


def _run_signed_in() -> None:
    """The app for a signed-in session: its workspace, the sidebar, then the page."""
    workspace = session_workspace()
    workspace.session_ran()
    _open_linked_workspace(workspace)
    settings = sidebar_settings(workspace)
    # Again, in the language the sidebar has just set (the first call had the previous run's).
    st.set_page_config(page_title=t("app.title"))
    pages = _app_pages()
    try:
        workspace.ensure_derived(settings)
    except NotBuilt as error:
        # A built dataset at settings it was not built for: say so on the page, and how to build them.
        show_not_built(error)
        st.navigation(pages, position="hidden")
        st.stop()

    def open_overview() -> None:
        st.switch_page(pages[0], query_params={**st.query_params.to_dict(), **settings.to_query_params()})

    # The default page is served at "/", which would leave no "/overview" URL; it only redirects.
    root = _root_page(open_overview)
    page = st.navigation([root, *pages])
    if st.session_state.get(_NOT_FOUND):
        st.error(t("saved.not_found"), icon=":material/link_off:")
        if page.url_path != root.url_path:  # said on a page, not on the root's redirect
            del st.session_state[_NOT_FOUND]
    # Marks the page's run as one inside the app (see current_settings), also when it stops early.
    st.session_state[_IN_APP] = True
    try:
        page.run()
    except NotBuilt as error:
        show_not_built(error)
    finally:
        st.session_state[_IN_APP] = False


def _view_link(settings: Settings) -> str | None:
    """This page's address in the browser with the view's settings (None when Streamlit does not
    know the address, as in tests)."""
    address = st.context.url
    return f"{address}?{urlencode(settings.to_query_params())}" if address else None


def report_download(workspace: Workspace, settings: Settings) -> None:
    """The sidebar's download of the HTML report of this view (churn.report_html), on every page.

    The report takes a second or more, so it is built only when the button is clicked: Streamlit
    then runs the callable on a thread of its own, without rerunning the page. There it holds the
    workspace (``Workspace.remember`` runs it under the workspace's lock, and keeps the latest
    report) and puts the view back after, so that a rerun of the page meanwhile never reads
    tables built for another view; it sets its own language in a context of its own.
    """
    dataset = workspace.dataset
    assert dataset is not None
    link = _view_link(settings)

    def build() -> bytes:
        def compute() -> str:
            view = workspace.view
            try:
                return contextvars.copy_context().run(html_report, workspace, settings, link)
            finally:
                if view is not None:
                    workspace.ensure_facts(view.as_of, view.window_days, view.tier_rule)

        overrides = tuple(sorted(workspace.reason_overrides.items()))
        key = ("html_report", workspace.builds.generation, settings, link, overrides)
        report: str = workspace.remember(key, compute, slot="html_report")
        return report.encode("utf-8")

    with st.sidebar:
        download_button(
            t("report.download"),
            build,
            report_file_name(dataset.name, settings.as_of),
            "text/html",
            help=t("report.download_help"),
            on_click="ignore",
            key="report_download",
        )


def period_file_label(start: date, grain: str) -> str:
    """A period in a file name, the same in every language: 2025-11, 2025-q4, 2025."""
    if grain == "year":
        return str(start.year)
    if grain == "quarter":
        return f"{start.year}-q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def periods_file_label(starts: pd.Series, grain: str) -> str:
    """The span of the periods of a table in a file name: 2025-01-to-2025-12."""
    first, last = (pd.Timestamp(starts.min()).date(), pd.Timestamp(starts.max()).date())
    return f"{period_file_label(first, grain)}-to-{period_file_label(last, grain)}"


_DOWNLOAD_TAG = "download_tag"
# The session's tag in a download's file name: 16 hexadecimal digits.
DOWNLOAD_TAG_PATTERN = re.compile(r"-[0-9a-f]{16}(?=\.[a-z]+$)")


def private_file_name(file_name: str) -> str:
    """``file_name`` with this session's random tag before its extension
    ("rejected-rows-3f9a0c1e7b2d4a68.csv"). Streamlit serves a download at an address made from
    its contents and its name, to whoever asks for that address: with the tag, no other session
    can work the address out, even for contents it could guess."""
    tag = st.session_state.setdefault(_DOWNLOAD_TAG, secrets.token_hex(8))
    stem, dot, extension = file_name.rpartition(".")
    return f"{stem}-{tag}.{extension}" if dot else f"{file_name}-{tag}"


def download_button(label: str, data: Any, file_name: str, mime: str, **options: Any) -> None:
    """The one way to offer a download: ``st.download_button`` with the file name made private to
    the session (``private_file_name``)."""
    st.download_button(label, data, file_name=private_file_name(file_name), mime=mime, **options)


def csv_download(table: pd.DataFrame, file_name: str, key: str) -> None:
    """A button under a chart that downloads the table behind it as CSV, headers as shown (UTF-8
    with a byte-order mark, so that Excel reads Chinese; no cell runs as a formula:
    churn.export.csv_bytes), without rerunning the page."""
    download_button(t("download.chart_csv"), csv_bytes(table), file_name, "text/csv", on_click="ignore", key=key)


def percent_label(text: str) -> str:
    """A column header of percentages: "Churn rate (%)"."""
    return t("download.percent", name=text)


def percent(shares: pd.Series) -> pd.Series:
    """Shares (0.104) as percentages with two decimals (10.4), as a downloaded table has them."""
    return (shares.astype(float) * 100).round(2)


def yes_no(flags: pd.Series) -> list[str]:
    """True/False as words of the page's language, for a downloaded table."""
    return [t("download.yes") if flag else t("download.no") for flag in flags]
