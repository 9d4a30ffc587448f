"""What each page shows, for one view: one class per page holding its figures and frames.

The page draws them, the report (churn/report.py) writes them, the benchmark (bench/run.py) times
them: all three ask the data the same questions the same way. A member is computed on first use
(a page that stops early asks for nothing more); a member with options (a chart's split, the
what-if's horizon) takes them as arguments whose defaults are the page's own. ``load_all``
computes every member with its defaults: what a first view of the page asks of the data.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any, ClassVar

import pandas as pd

from churn.causes import accumulation_effect
from churn.clv import LifetimeModels, early_warning
from churn.metrics import (
    LossTotals,
    PeriodFigures,
    last_complete_periods,
    losses_by,
    tier_most_at_risk,
    top_known_cause,
)
from churn.settings import Settings
from churn.tiers import TIER_ORDER, default_migration_windows
from churn.value import monthly_rate, value_table
from churn.whatif import TierBaseline, baseline_from_tables
from churn.window import WindowSuggestion, sensitivity_windows
from churn.workspace import DatasetInfo, Workspace, WorkspaceSnapshot

DEFAULT_HORIZON_MONTHS = 12
DEFAULT_ANNUAL_DISCOUNT = 0.10
DEFAULT_SILENCE_FACTOR = 2.0
DEFAULT_ALIVE_THRESHOLD = 0.5
# The tiers whose lost customers the tiers page lists by name.
LISTED_TIERS = ("platinum", "gold")


class PageData:
    """The figures and frames of one page for one view."""

    page: ClassVar[str]  # the page's URL path

    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        dataset = workspace.dataset
        if dataset is None:
            raise ValueError("No dataset is loaded.")
        self.workspace = workspace
        self.settings = settings
        self.dataset: DatasetInfo = dataset
        workspace.ensure_derived(settings)

    @property
    def first_date(self) -> date | None:
        """The first purchase day; None for a customer list alone (no order dates)."""
        return self.dataset.first_date

    def _unfiltered_key(self) -> tuple[int, Settings]:
        """The dataset and the view's settings without its filters: the key of what a filter
        change does not change."""
        unfiltered = replace(self.settings.without_filters(), lang="")
        return (self.workspace.builds.generation, unfiltered)

    def filtered(self, **params: Any) -> dict[str, Any]:
        """``params`` with the view's customer filter."""
        return {**params, **self.settings.filter_params()}

    def _periods(self, dimension: str = "all") -> pd.DataFrame | None:
        """churn_by_period for the view, by segment of ``dimension`` (None without order dates)."""
        if self.first_date is None:
            return None
        return self.workspace.query("churn_by_period", self.settings.period_params(self.first_date, dimension))

    def load_all(self) -> None:
        """Compute every member with its default options (the benchmark: a page's first view)."""
        for name, member in inspect.getmembers(type(self)):
            if name.startswith("_") or name in ("load_all", "filtered", "first_date"):
                continue
            if isinstance(member, cached_property):
                getattr(self, name)
            elif inspect.isfunction(member):
                getattr(self, name)()


class Overview(PageData):
    """The headline figures of the last complete period and the churn-rate trend."""

    page = "overview"

    @cached_property
    def status(self) -> pd.Series:
        """customer_status: customers, active, won back and lost now under the filters."""
        return self.workspace.query("customer_status", self.settings.filter_params()).iloc[0]

    @cached_property
    def periods(self) -> pd.DataFrame | None:
        """churn_by_period for the view (None without order dates)."""
        return self._periods()

    @cached_property
    def last_periods(self) -> tuple[PeriodFigures | None, PeriodFigures | None]:
        """The last complete measured period and the one before (None: none yet)."""
        return (None, None) if self.periods is None else last_complete_periods(self.periods)

    @cached_property
    def losses(self) -> pd.DataFrame:
        """losses_by_cause_and_segment over the periods shown."""
        return self.workspace.query("losses_by_cause_and_segment", self.settings.loss_params(self.first_date))

    @cached_property
    def loss_totals(self) -> LossTotals:
        """The three measures of loss over the periods shown."""
        return LossTotals.from_losses(self.losses)

    @cached_property
    def top_cause(self) -> pd.Series | None:
        """The known cause with the most customers churned in the periods shown (None: none)."""
        return top_known_cause(losses_by(self.losses, "cause"))

    @cached_property
    def tier_at_risk(self) -> tuple[str, PeriodFigures] | None:
        """The tier with the highest churn rate in the last complete period (churn.metrics)."""
        periods = self._periods("tier")
        return None if periods is None else tier_most_at_risk(periods)


@dataclass(frozen=True)
class SegmentChurn:
    """Churn per segment of a dimension: periods by segment and customers churned per segment."""

    periods: pd.DataFrame
    churned_customers: pd.Series  # by segment


class Trends(PageData):
    """Rates and flows by period, revenue churn, cohorts, survival, sensitivity to W, segments."""

    page = "trends"

    @cached_property
    def periods(self) -> pd.DataFrame | None:
        """churn_by_period for the view (None without order dates)."""
        return self._periods()

    @cached_property
    def revenue(self) -> pd.DataFrame | None:
        """revenue_churn_by_period for the view (None without order dates)."""
        if self.first_date is None:
            return None
        return self.workspace.query("revenue_churn_by_period", self.settings.period_params(self.first_date))

    @cached_property
    def last_period(self) -> PeriodFigures | None:
        return None if self.periods is None else last_complete_periods(self.periods)[0]

    def cohorts(self, grain: str = "quarter") -> pd.DataFrame:
        """cohort_retention by first-purchase month or quarter."""
        return self.workspace.query("cohort_retention", self.filtered(as_of=self.settings.as_of, cohort_grain=grain))

    def survival(self, split: str = "all") -> pd.DataFrame:
        """survival_by_tenure split by ``split``."""
        return self.workspace.query("survival_by_tenure", self.filtered(as_of=self.settings.as_of, split=split))

    @cached_property
    def sensitivity(self) -> pd.DataFrame:
        """The last complete period's churn under each window W of the sensitivity chart."""
        return self.workspace.window_sensitivity(self.settings, sensitivity_windows(self.settings.window_days))

    @cached_property
    def window_suggestion(self) -> WindowSuggestion:
        return self.workspace.window_suggestion(self.settings.as_of)

    def segments(self, dimension: str = "tier") -> SegmentChurn | None:
        """Churn by period per segment of ``dimension`` and customers churned per segment."""
        periods = self._periods(dimension)
        if periods is None:
            return None
        losses = self.workspace.query(
            "losses_by_cause_and_segment", self.settings.loss_params(self.first_date, dimension)
        )
        return SegmentChurn(periods, losses_by(losses, "segment").set_index("segment")["customers"])


@dataclass(frozen=True)
class RivalEffect:
    """Customers lost to competitors as a change of relative position (churn.causes.accumulation_effect)."""

    lost: int  # customers churned to a competitor in the periods shown
    ours: int  # active customers now
    profit: float  # value per customer (margin, or revenue without costs) over the last 12 months
    basis: str  # margin | revenue
    effect: pd.DataFrame


class Causes(PageData):
    """Why customers leave: the three measures by cause, reasons, trend, cause by segment, the
    rival effect and the reasons on record with their causes."""

    page = "causes"

    @cached_property
    def losses(self) -> pd.DataFrame:
        """losses_by_cause_and_segment over the periods shown."""
        return self.workspace.query("losses_by_cause_and_segment", self.settings.loss_params(self.first_date))

    @cached_property
    def loss_totals(self) -> LossTotals:
        return LossTotals.from_losses(self.losses)

    @cached_property
    def by_cause(self) -> pd.DataFrame:
        """Customers churned per cause, with their share and revenue lost (churn.metrics.losses_by)."""
        return losses_by(self.losses, "cause")

    @cached_property
    def reasons(self) -> pd.DataFrame:
        """Every reason and category on record with its cause and counts (empty: none on record)."""
        reasons = self.workspace.reasons
        return reasons if reasons is not None else pd.DataFrame()

    @cached_property
    def churned_by_reason(self) -> pd.DataFrame:
        """churned_customers_by_reason: the raw reasons within each cause."""
        return self.workspace.query("churned_customers_by_reason", self.settings.loss_params(self.first_date))

    @cached_property
    def by_period(self) -> pd.DataFrame | None:
        """churn_by_cause_and_period (None without order dates)."""
        if self.first_date is None:
            return None
        return self.workspace.query("churn_by_cause_and_period", self.settings.loss_params(self.first_date))

    def by_segment(self, dimension: str = "tier") -> pd.DataFrame:
        """Customers churned and revenue lost per cause and segment of ``dimension``."""
        return self.workspace.query(
            "losses_by_cause_and_segment", {**self.settings.loss_params(self.first_date), "dimension": dimension}
        ).rename(columns={"churned_customers": "customers", "revenue_lost_churned": "revenue_lost"})

    @cached_property
    def rival_effect(self) -> RivalEffect | None:
        """What the customers lost to competitors did to the relative position (None: none lost)."""
        lost = int(self.by_cause.loc[self.by_cause["cause"] == "competitor", "customers"].sum())
        if lost == 0:
            return None
        ours = int(self.workspace.query("customer_status", self.settings.filter_params()).iloc[0]["active_customers"])
        value = self.workspace.cached_query("value_per_customer", {"as_of": self.settings.as_of}).iloc[0]
        basis = "margin" if pd.notna(value["margin_per_customer"]) else "revenue"
        profit = float(value[f"{basis}_per_customer"]) if pd.notna(value[f"{basis}_per_customer"]) else 0.0
        return RivalEffect(lost, ours, profit, basis, accumulation_effect(ours + lost, lost, profit))


@dataclass(frozen=True)
class ValueCurve:
    """The cumulative value curve of one basis and its concentration figures."""

    curve: pd.DataFrame
    concentration: pd.Series


class Tiers(PageData):
    """The pyramid, concentration, churn by tier, valuable customers lost and tier migration."""

    page = "tiers"

    @cached_property
    def summary(self) -> pd.DataFrame:
        """tier_summary under the filters."""
        return self.workspace.cached_query("tier_summary", self.settings.filter_params())

    @cached_property
    def value_curves(self) -> dict[str, ValueCurve | None]:
        """The cumulative value curve by revenue and by margin (the "whale" curve; None without
        costs in the data), customers ranked by each."""
        curves: dict[str, ValueCurve | None] = {}
        for basis in ("revenue", "margin"):
            if basis == "margin" and not self.dataset.has_costs:
                curves[basis] = None
                continue
            curve = self.workspace.cached_query(
                "value_curve", {"curve_basis": basis, "tier_basis": self.settings.tier_rule.basis}
            )
            concentration = self.workspace.cached_query("value_concentration", {"curve_basis": basis}).iloc[0]
            curves[basis] = ValueCurve(curve, concentration)
        return curves

    @cached_property
    def periods(self) -> pd.DataFrame | None:
        """churn_by_period by tier, tiers in pyramid order (None without order dates)."""
        periods = self._periods("tier")
        if periods is None:
            return None
        return periods.sort_values("segment", kind="stable", key=lambda segment: segment.map(TIER_ORDER))

    @cached_property
    def last_period(self) -> PeriodFigures | None:
        """The last complete measured period (of any tier: they share their periods)."""
        periods = self.periods
        if periods is None or periods.empty:
            return None
        return last_complete_periods(periods[periods["segment"] == periods["segment"].iloc[0]])[0]

    @cached_property
    def losses_by_tier(self) -> pd.DataFrame:
        """losses_by_cause_and_segment by tier over the periods shown."""
        return self.workspace.query("losses_by_cause_and_segment", self.settings.loss_params(self.first_date, "tier"))

    @cached_property
    def churned_by_tier(self) -> pd.Series:
        """Customers churned in the periods shown, per tier."""
        return losses_by(self.losses_by_tier, "segment").set_index("segment")["customers"]

    @cached_property
    def events_by_tier(self) -> pd.Series:
        """Churn events in the periods shown, per tier."""
        return self.losses_by_tier.groupby("segment")["churn_events"].sum()

    @cached_property
    def lost_valuable(self) -> pd.DataFrame | None:
        """The platinum and gold customers who churned in the last complete period (None: none yet)."""
        last = self.last_period
        if last is None:
            return None
        return self.workspace.query(
            "lost_valuable_customers",
            {"period_start": last.period_start, "period_end": last.period_end, "listed_tiers": list(LISTED_TIERS)},
        )

    def migration(
        self, before: tuple[date, date] | None = None, after: tuple[date, date] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Tier moves between two value windows (default: the last 12 months and the 12 before)."""
        default_before, default_after = default_migration_windows(self.settings.as_of)
        return self.workspace.tier_migration(self.settings.tier_rule, before or default_before, after or default_after)


@dataclass(frozen=True)
class TierValues:
    """What one customer of each tier is worth (churn.value.value_table) and how far to trust it."""

    checked: LifetimeModels
    values: pd.DataFrame
    use_margin: bool


class LifetimeValue(PageData):
    """What a customer of each tier is worth, how far to trust it, whom to call first, the
    realised value and the model."""

    page = "lifetime-value"

    def distribution(self, split: str = "tier") -> pd.DataFrame:
        """value_distribution: realised revenue (and margin) per customer by ``split``."""
        return self.workspace.query("value_distribution", self.filtered(dimension=split))

    def formula(self, annual_discount: float = DEFAULT_ANNUAL_DISCOUNT) -> pd.DataFrame | None:
        """The classic formula from a customers file's tenure (None: the data has order dates)."""
        if self.first_date is not None:
            return None
        return self.workspace.query("formula_ltv_from_customers", {"monthly_discount": monthly_rate(annual_discount)})

    def models(self, holdout_weeks: int | None = None) -> LifetimeModels | None:
        """The purchase and spend models, checked on held-out weeks (None without order dates)."""
        if self.first_date is None:
            return None
        return self.workspace.lifetime_models(self.settings.as_of, holdout_weeks)

    def values(
        self,
        horizon_months: int = DEFAULT_HORIZON_MONTHS,
        annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
        holdout_weeks: int | None = None,
    ) -> TierValues | None:
        """Per tier: the predicted revenue (when the model passed its checks), the value of one
        retained customer and the classic formula (None without order dates)."""
        checked = self.models(holdout_weeks)
        if checked is None:
            return None

        def compute() -> TierValues:
            monthly, use_margin = WhatIf(self.workspace, replace(self.settings, grain="month")).baseline
            tiers = self.workspace.cached_query("customer_tier_assignment")
            predictions = self.predictions(horizon_months, annual_discount, holdout_weeks)
            values = value_table(tiers, monthly, predictions, horizon_months, annual_discount)
            return TierValues(checked, values, use_margin)

        # The same for any filter: a filter change reuses it.
        key = ("tier_values", self._unfiltered_key(), horizon_months, annual_discount, holdout_weeks)
        return self.workspace.remember(key, compute, slot="tier_values")

    def predictions(
        self,
        horizon_months: int = DEFAULT_HORIZON_MONTHS,
        annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
        holdout_weeks: int | None = None,
    ) -> pd.DataFrame | None:
        """Every customer's predicted purchases and value over the horizon, with their tier (None:
        the model did not pass its checks)."""
        checked = self.models(holdout_weeks)
        if checked is None or checked.models is None:
            return None

        def compute() -> pd.DataFrame:
            predictions = self.workspace.clv_predictions(
                self.settings.as_of, horizon_months, monthly_rate(annual_discount), holdout_weeks
            )
            return predictions.merge(self.workspace.cached_query("customer_tier_assignment"), on="customer_id")

        # Every customer's, the same for any filter: only the latest is kept (a slider moves often).
        key = (self._unfiltered_key(), horizon_months, annual_discount, holdout_weeks)
        return self.workspace.remember(key, compute, slot="predictions_by_tier")

    def early_warning(
        self,
        horizon_months: int = DEFAULT_HORIZON_MONTHS,
        annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
        holdout_weeks: int | None = None,
        silence_factor: float = DEFAULT_SILENCE_FACTOR,
        alive_threshold: float | None = DEFAULT_ALIVE_THRESHOLD,
    ) -> pd.DataFrame | None:
        """Active customers to call first (churn.clv.early_warning; None without order dates); the
        threshold on P(alive) applies only when the model passed its checks."""
        checked = self.models(holdout_weeks)
        if checked is None:
            return None
        unfiltered = self.settings.without_filters()

        def compute() -> pd.DataFrame:
            profiles = self.workspace.query("active_customer_profiles", unfiltered.filter_params())
            model_ok = checked.models is not None
            predictions = (
                self.workspace.clv_predictions(
                    self.settings.as_of, horizon_months, monthly_rate(annual_discount), holdout_weeks
                )
                if model_ok
                else None
            )
            return early_warning(
                profiles, checked.summary, silence_factor, predictions, alive_threshold if model_ok else None
            )

        # Every active customer's, remembered: a filter change keeps the rows of its filter groups.
        key = (self._unfiltered_key(), horizon_months, annual_discount, holdout_weeks, silence_factor, alive_threshold)
        warned = self.workspace.remember(key, compute, slot="early_warning")
        if unfiltered == self.settings:
            return warned
        kept = self.workspace.query("kept_filter_groups", self.settings.filter_params())["filter_group_id"]
        return warned[warned["filter_group_id"].isin(kept)]

    @cached_property
    def first_order(self) -> pd.DataFrame:
        """first_order_vs_lifetime: first-order value against lifetime revenue, by quintile."""
        return self.workspace.cached_query("first_order_vs_lifetime", {"as_of": self.settings.as_of})

    def first_purchase_by_tier(self, holdout_weeks: int | None = None) -> pd.Series:
        """The average first purchase per tier (empty without order dates)."""
        checked = self.models(holdout_weeks)
        if checked is None:
            return pd.Series(dtype=float)

        def compute() -> pd.Series:
            first = checked.summary.merge(self.workspace.cached_query("customer_tier_assignment"), on="customer_id")
            return first.groupby("tier")["first_purchase_value"].mean()

        return self.workspace.remember(("first_purchase_by_tier", self._unfiltered_key(), holdout_weeks), compute)


class WhatIf(PageData):
    """The tiers' starting assumptions of the what-if projection."""

    page = "what-if"

    @cached_property
    def baseline(self) -> tuple[list[TierBaseline], bool]:
        """The tiers' starting assumptions for the view's grain (from the measured periods of the
        last 365 days to the as-of date), and whether their value is margin (True) or revenue."""
        use_margin = self.dataset.has_costs
        if self.first_date is None:
            return [], use_margin
        settings = self.settings
        baseline = self.workspace.cached_query(
            "whatif_baseline", {"as_of": settings.as_of, "grain": settings.grain, "window_days": settings.window_days}
        )
        if baseline.empty or baseline["periods_observed"].max() == 0:
            return [], use_margin
        # The churn events of the same measured periods by tier and cause: what splits each tier's
        # rate. Of all customers, as the baseline is: the sidebar's filters do not apply.
        first = baseline.iloc[0]
        unfiltered = settings.without_filters()
        losses = self.workspace.cached_query(
            "losses_by_cause_and_segment",
            {
                **unfiltered.loss_params(self.first_date, "tier"),
                "loss_from": pd.Timestamp(first["window_start"]).date(),
                "loss_until": pd.Timestamp(first["window_end"]).date(),
            },
        )
        causes = losses[["cause", "segment", "churn_events"]].rename(columns={"churn_events": "customers"})
        return baseline_from_tables(baseline, causes, use_margin), use_margin

    @cached_property
    def monthly_baseline(self) -> dict[str, TierBaseline]:
        """The same per month, by tier: what the value of one retained customer is computed from."""
        if self.settings.grain == "month":
            return {tier.tier: tier for tier in self.baseline[0]}
        return {tier.tier: tier for tier in WhatIf(self.workspace, replace(self.settings, grain="month")).baseline[0]}


PAGES: dict[str, type[PageData]] = {
    page.page: page for page in (Overview, Trends, Causes, Tiers, LifetimeValue, WhatIf)
}

__all__ = [
    "PAGES",
    "Causes",
    "LifetimeValue",
    "Overview",
    "PageData",
    "RivalEffect",
    "SegmentChurn",
    "TierValues",
    "Tiers",
    "Trends",
    "ValueCurve",
    "WhatIf",
]


def default_settings(workspace: Workspace) -> Settings:
    """The view a dataset opens with: its last order date, the W its gaps suggest, its currency;
    for a built dataset, the as-of date, W and tier rule it was built for."""
    dataset = workspace.dataset
    assert dataset is not None
    if dataset.built is not None:
        view = dataset.built.view
        return Settings(
            as_of=view.as_of, window_days=view.window_days, tier_rule=view.tier_rule, currency=dataset.currency
        )
    as_of = dataset.span[1]
    return Settings(as_of=as_of, window_days=workspace.window_suggestion(as_of).days, currency=dataset.currency)


_demo_lock = threading.Lock()
_demo: list[WorkspaceSnapshot] = []


def demo_snapshot() -> WorkspaceSnapshot:
    """The demo dataset with every page's tables and results for its default view, made once per
    process (the first session waits for it, about a second) and copied into each new session's
    own workspace: a new session needs no import and no build. The demo holds no one's data, so
    this is the one thing sessions share, read-only; an upload stays in its session."""
    with _demo_lock:
        if not _demo:
            workspace = Workspace.with_demo()
            try:
                settings = default_settings(workspace)
                workspace.ensure_derived(settings)
                for page in PAGES.values():
                    page(workspace, settings).load_all()
                _demo.append(workspace.snapshot())
            finally:
                workspace.close()
        return _demo[0]
