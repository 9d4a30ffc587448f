"""The settings every page shares, their defaults and their URL form.

Settings live in ``st.session_state`` while the app runs and are mirrored in the query
string (``?as_of=2025-12-31&window=60&grain=month&from=2023-01-01&to=2025-12-31&lang=zh``)
so that a view can be shared by link. This module has no Streamlit dependency: the report
command and the tests use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from churn.currency import normalise_code
from churn.tiers import BASES, TIERS, VALUE_WINDOWS, TierRule, TierRuleError
from churn.window import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS

GRAINS = ("month", "quarter", "year")
FILTER_DIMENSIONS = ("region", "channel", "category", "segment")
# Every query-string key the settings use (others are left alone).
SETTING_KEYS = (
    "as_of",
    "window",
    "grain",
    "lang",
    "from",
    "to",
    "tiers",
    "basis",
    "tier_window",
    "tier_filter",
    "filter_by",
    "filter",
    "currency",
)
LANGUAGES = ("en", "zh")
AS_OF_DAYS_AFTER_LAST = 366


@dataclass(frozen=True)
class Settings:
    """What the sidebar controls."""

    as_of: date
    window_days: int
    grain: str = "month"
    date_from: date | None = None
    date_to: date | None = None
    lang: str = "en"
    tier_rule: TierRule = field(default_factory=TierRule)
    tier_filter: tuple[str, ...] = ()
    filter_dimension: str = "region"
    filter_values: tuple[str, ...] = ()
    currency: str | None = None  # ISO 4217 code of the amounts; None: not known (no symbol shown)

    def query_window(self, first_date: date) -> tuple[date, date]:
        """The date range of periods shown: the chosen range, or all data up to the as-of date."""
        return (self.date_from or first_date, self.date_to or self.as_of)

    def period_params(self, first_date: date, dimension: str = "all") -> dict[str, object]:
        """The parameters of ``queries/churn_by_period.sql`` for these settings."""
        date_from, date_to = self.query_window(first_date)
        return {
            "as_of": self.as_of,
            "window_days": self.window_days,
            "grain": self.grain,
            "date_from": date_from,
            "date_to": date_to,
            "dimension": dimension,
            **self.filter_params(),
        }

    def last_complete_period(self, first_date: date) -> tuple[date, date] | None:
        """[start, end) of the last complete period of the grain among those shown (the periods
        of churn_by_period: from the one holding ``first_date`` to the one holding the as-of
        date, within the range shown); None when there is none."""
        date_from, date_to = self.query_window(first_date)
        end = min(
            period_start(self.as_of + timedelta(days=1), self.grain),
            next_period_start(period_start(date_to, self.grain), self.grain),
        )
        start = period_start(end - timedelta(days=1), self.grain)
        if start < period_start(first_date, self.grain) or end <= date_from:
            return None
        return start, end

    def loss_window(self, first_date: date | None) -> tuple[date, date]:
        """The periods shown as dates [from, until): from the start of the first period shown to
        the end of the last one, and no later than the as-of date (churn dates after it are not
        churn yet). The churn events of churn_by_period's periods shown are those dated within
        it. Without order dates (a customers file alone) every date up to the as-of date."""
        until = self.as_of + timedelta(days=1)
        if first_date is None:
            return date(1, 1, 1), until
        date_from, date_to = self.query_window(first_date)
        start = period_start(max(date_from, first_date), self.grain)
        end = next_period_start(period_start(min(date_to, self.as_of), self.grain), self.grain)
        return start, min(end, until)

    def loss_params(self, first_date: date | None, dimension: str = "all") -> dict[str, object]:
        """The parameters of the queries of the three measures of loss (losses_by_cause_and_segment,
        churned_customers_by_reason, churn_by_cause_and_period): the periods shown and the filters."""
        loss_from, loss_until = self.loss_window(first_date)
        return {
            "loss_from": loss_from,
            "loss_until": loss_until,
            "dimension": dimension,
            "grain": self.grain,
            **self.filter_params(),
        }

    def without_filters(self) -> Settings:
        """The same view of every customer: no tier or dimension filter."""
        return replace(self, tier_filter=(), filter_values=())

    def filter_params(self) -> dict[str, object]:
        """The filters every customer-level query takes: ``$tiers``, and ``$filter_values`` of
        ``$filter_dimension`` (empty lists keep everyone)."""
        return {
            "tiers": list(self.tier_filter),
            "filter_dimension": self.filter_dimension,
            "filter_values": list(self.filter_values),
        }

    def to_query_params(self) -> dict[str, str]:
        params = {
            "as_of": self.as_of.isoformat(),
            "window": str(self.window_days),
            "grain": self.grain,
            "lang": self.lang,
        }
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        if self.tier_rule != TierRule():
            params["tiers"] = self.tier_rule.to_text()
            params["basis"] = self.tier_rule.basis
            params["tier_window"] = self.tier_rule.window
        if self.tier_filter:
            params["tier_filter"] = ",".join(self.tier_filter)
        if self.filter_values:
            params["filter_by"] = self.filter_dimension
            params["filter"] = ",".join(self.filter_values)
        if self.currency:
            params["currency"] = self.currency
        return params


def period_start(day: date, grain: str) -> date:
    """The first day of the period of ``grain`` ('month' | 'quarter' | 'year') holding ``day``."""
    if grain == "year":
        return date(day.year, 1, 1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def next_period_start(start: date, grain: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def as_of_bounds(span: tuple[date, date]) -> tuple[date, date]:
    """The as-of dates a dataset whose orders span ``span`` allows: from its first order date to
    AS_OF_DAYS_AFTER_LAST days after its last (to see who will have gone quiet by then)."""
    first, last = span
    return first, last + timedelta(days=AS_OF_DAYS_AFTER_LAST)


def settings_from_query_params(
    params: dict[str, str], defaults: Settings, span: tuple[date, date] | None = None
) -> tuple[Settings, list[str]]:
    """Settings from a query string; a value that is not valid, or does not fit the dataset's
    ``span`` (first and last order date), keeps the default and is named in the returned list
    of problems (parameter names), so the page can say so."""
    settings = defaults
    problems: list[str] = []
    earliest, latest = span if span else (date.min, date.max)
    if "as_of" in params:
        as_of = _parse_date(params["as_of"])
        low, high = as_of_bounds(span) if span else (date.min, date.max)
        if as_of and low <= as_of <= high:
            settings = replace(settings, as_of=as_of)
        else:
            problems.append("as_of")
    if "window" in params:
        text = params["window"]
        if text.isdigit() and MIN_WINDOW_DAYS <= int(text) <= MAX_WINDOW_DAYS:
            settings = replace(settings, window_days=int(text))
        else:
            problems.append("window")
    if "grain" in params:
        if params["grain"] in GRAINS:
            settings = replace(settings, grain=params["grain"])
        else:
            problems.append("grain")
    if "lang" in params:
        if params["lang"] in LANGUAGES:
            settings = replace(settings, lang=params["lang"])
        else:
            problems.append("lang")
    for key in ("from", "to"):
        if key in params:
            value = _parse_date(params[key])
            if value and earliest <= value <= latest:
                settings = replace(settings, date_from=value) if key == "from" else replace(settings, date_to=value)
            else:
                problems.append(key)
    if {"tiers", "basis", "tier_window"} & params.keys():
        try:
            shares = TierRule.shares_from_text(params["tiers"]) if "tiers" in params else settings.tier_rule.shares
            basis = params.get("basis", settings.tier_rule.basis)
            window = params.get("tier_window", settings.tier_rule.window)
            if basis not in BASES or window not in VALUE_WINDOWS:
                raise TierRuleError(basis)
            settings = replace(settings, tier_rule=TierRule(shares, basis, window))
        except (TierRuleError, ValueError):
            problems.append("tiers")
    if "tier_filter" in params:
        chosen = tuple(tier for tier in TIERS if tier in params["tier_filter"].split(","))
        if chosen and len(chosen) == len(params["tier_filter"].split(",")):
            settings = replace(settings, tier_filter=chosen)
        else:
            problems.append("tier_filter")
    if "filter" in params:
        dimension = params.get("filter_by", "region")
        values = tuple(value for value in params["filter"].split(",") if value)
        if dimension in FILTER_DIMENSIONS and values:
            settings = replace(settings, filter_dimension=dimension, filter_values=values)
        else:
            problems.append("filter")
    if "currency" in params:
        code = normalise_code(params["currency"])
        if code:
            settings = replace(settings, currency=code)
        else:
            problems.append("currency")
    if settings.date_from and settings.date_to and settings.date_from > settings.date_to:
        settings = replace(settings, date_from=defaults.date_from, date_to=defaults.date_to)
        problems += ["from", "to"]
    return settings, problems
