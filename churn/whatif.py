"""What-if: a tier-by-tier projection of customers, revenue, margin and discounted value,
baseline against a scenario of retention levers. Pure Python on a few numbers per tier, so a
slider recomputes instantly whatever the size of the data.

Per tier t and period k = 1 … H (H = horizon in years × periods per year):

    lost_t(k)   = N_t(k−1) × Σ_c r_t,c × (1 − cut_c) × (1 − cut_t) × (1 − cut_all)
    kept_t(k)   = N_t(k−1) × (r_t − that reduced rate)      (losses the levers prevent)
    N_t(k)      = N_t(k−1) − lost_t(k) + new_t × (1 + acquisition) + won_back_t
    value_t(k)  = N_t(k−1) × m_t × (1 + margin_change)          (customers at the period's start)
    revenue_t(k) = N_t(k−1) × revenue per customer              (undiscounted, shown next to it)
    discounted  = value_t(k) / (1 + d) ^ (k / periods per year)

with r_t,c the observed churn rate of tier t for cause c (the tier's churn rate split by the
causes of its lost customers), cut_* the churn reductions of the levers, m_t the margin (or
revenue) per customer per period, d the yearly discount rate. "Move up" moves a share of each
tier's customers to the next tier up at the start. The programme costs a fixed amount plus an
amount per active customer per year; net gain = scenario value − baseline value − cost.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from itertools import pairwise

import pandas as pd

from churn.causes import CAUSES
from churn.tiers import TIERS

PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
# The range of each lever (shares as fractions): the what-if page's controls and every scenario
# read from a link or a file keep within them.
LEVER_LIMITS: dict[str, tuple[float, float]] = {
    "churn_cut": (0.0, 1.0),
    "acquisition_change": (-1.0, 1.0),
    "margin_change": (-0.5, 0.5),
    "move_up_share": (0.0, 0.5),
    "discount_rate": (0.0, 0.3),
    "horizon_years": (1, 10),
    "cost": (0.0, 1e12),
}
LEVER_NAMES = {
    "churn_cut": "Churn reductions",
    "acquisition_change": "The change in acquisition",
    "margin_change": "The change in margin",
    "move_up_share": "The share moved up a tier",
    "discount_rate": "The discount rate",
    "horizon_years": "The horizon in years",
    "cost": "Costs",
}


@dataclass(frozen=True)
class TierBaseline:
    """What the data says about one tier (per period of the grain)."""

    tier: str
    customers: float
    churn_by_cause: dict[str, float]
    new_per_period: float
    won_back_per_period: float
    value_per_customer: float  # margin, or revenue when the data has no costs
    revenue_per_customer: float = 0.0

    @property
    def churn_rate(self) -> float:
        return sum(self.churn_by_cause.values())


@dataclass(frozen=True)
class Levers:
    """The scenario: every lever at zero reproduces the baseline."""

    churn_cut_by_cause: dict[str, float] = field(default_factory=dict)  # cause -> 0..1
    churn_cut_by_tier: dict[str, float] = field(default_factory=dict)  # tier -> 0..1
    churn_cut_all: float = 0.0
    acquisition_change: float = 0.0  # -1..+n, e.g. 0.1 = 10% more new customers
    margin_change: float = 0.0
    move_up_share: float = 0.0  # share of each tier moved one tier up at the start
    discount_rate: float = 0.10  # per year
    horizon_years: int = 2
    cost_fixed: float = 0.0
    cost_per_customer_year: float = 0.0

    def to_token(self) -> str:
        """The scenario as a compact URL-safe text (for the query string)."""
        raw = json.dumps(asdict(self), separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> Levers:
        """Inverse of ``to_token``; ValueError for a damaged or foreign text."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (ValueError, TypeError) as error:
            raise ValueError("The scenario in the link could not be read.") from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> Levers:
        """Levers from parsed JSON (a link or a scenario file), every key and value checked:
        ValueError for anything that is not a scenario the page's levers can show."""
        if not isinstance(data, dict) or not set(data) <= {f.name for f in fields(cls)}:
            raise ValueError("A scenario is an object with the keys of the what-if levers.")

        def number(value: object) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"Not a number: {value!r}")
            return float(value)

        def shares(value: object, keys: tuple[str, ...]) -> dict[str, float]:
            if not isinstance(value, dict) or not set(value) <= set(keys):
                raise ValueError(f"Give shares for {', '.join(keys)}.")
            return {str(key): number(share) for key, share in value.items()}

        defaults = cls()
        horizon = data.get("horizon_years", defaults.horizon_years)
        if isinstance(horizon, bool) or not isinstance(horizon, int):
            raise ValueError("The horizon is a whole number of years.")
        levers = cls(
            churn_cut_by_cause=shares(data.get("churn_cut_by_cause", {}), CAUSES),
            churn_cut_by_tier=shares(data.get("churn_cut_by_tier", {}), TIERS),
            **{
                name: number(data.get(name, getattr(defaults, name)))
                for name in (
                    "churn_cut_all",
                    "acquisition_change",
                    "margin_change",
                    "move_up_share",
                    "discount_rate",
                    "cost_fixed",
                    "cost_per_customer_year",
                )
            },
            horizon_years=horizon,
        )
        levers.validate()
        return levers

    def validate(self) -> None:
        """ValueError unless every lever lies within LEVER_LIMITS (the ranges of the page's controls)."""
        values: dict[str, list[float]] = {
            "churn_cut": [
                *self.churn_cut_by_cause.values(),
                *self.churn_cut_by_tier.values(),
                self.churn_cut_all,
            ],
            "acquisition_change": [self.acquisition_change],
            "margin_change": [self.margin_change],
            "move_up_share": [self.move_up_share],
            "discount_rate": [self.discount_rate],
            "horizon_years": [self.horizon_years],
            "cost": [self.cost_fixed, self.cost_per_customer_year],
        }
        for name, numbers in values.items():
            low, high = LEVER_LIMITS[name]
            if any(not low <= value <= high for value in numbers):
                shown = f"{low:g} and {high:g}" if name in ("horizon_years", "cost") else f"{low:.0%} and {high:.0%}"
                raise ValueError(f"{LEVER_NAMES[name]} must be between {shown}.")


def _number(value: float | None) -> float:
    """A figure of a table, 0 when it is missing (null or NaN)."""
    return 0.0 if pd.isna(value) else float(value)


def baseline_from_tables(baseline: pd.DataFrame, causes_by_tier: pd.DataFrame, use_margin: bool) -> list[TierBaseline]:
    """TierBaselines from whatif_baseline.sql and the churn events by tier and cause
    (``customers``: losses_by_cause_and_segment.sql): each tier's churn rate split in the
    proportions of the causes of its churn events."""
    tiers = []
    for row in baseline.to_dict("records"):
        if row["tier"] not in TIERS:
            continue
        lost = causes_by_tier[causes_by_tier["segment"] == row["tier"]]
        total = float(lost["customers"].sum())
        rate = _number(row["churn_rate"])
        if total:
            split = {c: rate * float(lost.loc[lost["cause"] == c, "customers"].sum()) / total for c in CAUSES}
        else:
            split = {c: (rate if c == "unknown" else 0.0) for c in CAUSES}
        value = row["margin_per_customer"] if use_margin else row["revenue_per_customer"]
        tiers.append(
            TierBaseline(
                tier=row["tier"],
                customers=float(row["active_customers"]),
                churn_by_cause=split,
                new_per_period=_number(row["new_per_period"]),
                won_back_per_period=_number(row["won_back_per_period"]),
                value_per_customer=_number(value),
                revenue_per_customer=_number(row["revenue_per_customer"]),
            )
        )
    return tiers


def comparison_summary(comparison: Comparison) -> dict[str, float | None]:
    """A comparison as plain numbers (report, CSV)."""
    return {
        "baseline_value": comparison.baseline_value,
        "scenario_value": comparison.scenario_value,
        "baseline_revenue": comparison.baseline_revenue,
        "scenario_revenue": comparison.scenario_revenue,
        "value_gain": comparison.value_gain,
        "programme_cost": comparison.programme_cost,
        "net_gain": comparison.net_gain,
        "return_on_cost": comparison.return_on_cost,
        "break_even_cost": comparison.break_even_cost,
        "break_even_per_customer_kept": comparison.break_even_per_customer_kept,
        "baseline_customers_end": comparison.baseline_customers_end,
        "scenario_customers_end": comparison.scenario_customers_end,
        "customers_kept": comparison.customers_kept,
        "competitor_losses_avoided": comparison.competitor_losses_avoided,
    }


def _moved_up(tiers: list[TierBaseline], share: float) -> list[TierBaseline]:
    if not share:
        return tiers
    by_tier = {t.tier: t for t in tiers}
    counts = {t.tier: t.customers for t in tiers}
    for upper, lower in pairwise(TIERS):
        if upper in by_tier and lower in by_tier:
            moved = by_tier[lower].customers * share
            counts[lower] -= moved
            counts[upper] += moved
    return [replace(t, customers=counts[t.tier]) for t in tiers]


def project(tiers: list[TierBaseline], levers: Levers, grain: str = "month") -> pd.DataFrame:
    """One row per tier and period: customers at start and end, lost, value, discounted value."""
    per_year = PERIODS_PER_YEAR[grain]
    rows = []
    for tier in _moved_up(tiers, levers.move_up_share):
        customers = tier.customers
        cut_tier = levers.churn_cut_by_tier.get(tier.tier, 0.0)
        rate = sum(
            r * (1 - levers.churn_cut_by_cause.get(cause, 0.0)) * (1 - cut_tier) * (1 - levers.churn_cut_all)
            for cause, r in tier.churn_by_cause.items()
        )
        competitor_rate = tier.churn_by_cause.get("competitor", 0.0) * (
            (1 - levers.churn_cut_by_cause.get("competitor", 0.0)) * (1 - cut_tier) * (1 - levers.churn_cut_all)
        )
        base_rate = tier.churn_rate
        base_competitor_rate = tier.churn_by_cause.get("competitor", 0.0)
        for period in range(1, levers.horizon_years * per_year + 1):
            lost = customers * rate
            value = customers * tier.value_per_customer * (1 + levers.margin_change)
            end = customers - lost + tier.new_per_period * (1 + levers.acquisition_change) + tier.won_back_per_period
            rows.append(
                {
                    "tier": tier.tier,
                    "period": period,
                    "customers_at_start": customers,
                    "lost": lost,
                    "lost_to_competitors": customers * competitor_rate,
                    # Losses the levers prevent among this period's customers (their base rate minus the new).
                    "prevented": customers * (base_rate - rate),
                    "prevented_competitor": customers * (base_competitor_rate - competitor_rate),
                    "customers_at_end": end,
                    "value": value,
                    "revenue": customers * tier.revenue_per_customer,
                    "discounted_value": value / (1 + levers.discount_rate) ** (period / per_year),
                    "programme_cost": customers * levers.cost_per_customer_year / per_year,
                }
            )
            customers = end
    return pd.DataFrame(rows)


MAX_SAVED_SCENARIOS = 20  # a link stays well under the length browsers and servers accept


def saved_scenarios_token(saved: dict[str, Levers]) -> str:
    """Named scenarios as one URL-safe text (the page's ``?saved=``), so that they survive a
    refresh and travel with a shared link."""
    named = {name: asdict(levers) for name, levers in saved.items()}
    raw = json.dumps(named, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def saved_scenarios_from_token(token: str) -> dict[str, Levers]:
    """Inverse of ``saved_scenarios_token``; ValueError for a damaged or foreign text, too many
    scenarios, or a name that is not a short line of text."""
    try:
        named = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as error:
        raise ValueError("The saved scenarios in the link could not be read.") from error
    if not isinstance(named, dict) or len(named) > MAX_SAVED_SCENARIOS:
        raise ValueError("The saved scenarios in the link could not be read.")
    if not all(isinstance(name, str) and 0 < len(name) <= 100 and name.isprintable() for name in named):
        raise ValueError("The saved scenarios in the link could not be read.")
    return {name: Levers.from_dict(levers) for name, levers in named.items()}


@dataclass(frozen=True)
class Comparison:
    """Baseline against scenario over the horizon."""

    baseline_value: float
    scenario_value: float
    baseline_revenue: float  # undiscounted, over the horizon
    scenario_revenue: float
    baseline_customers_end: float
    scenario_customers_end: float
    customers_kept: float  # losses prevented by the churn levers over the horizon
    competitor_losses_avoided: float
    programme_cost: float

    @property
    def value_gain(self) -> float:
        return self.scenario_value - self.baseline_value

    @property
    def net_gain(self) -> float:
        return self.value_gain - self.programme_cost

    @property
    def return_on_cost(self) -> float | None:
        return self.net_gain / self.programme_cost if self.programme_cost else None

    @property
    def break_even_cost(self) -> float:
        """The most the programme may cost before it loses money (discounted value gained)."""
        return self.value_gain

    @property
    def break_even_per_customer_kept(self) -> float | None:
        """The most the programme may spend per customer it keeps before it loses money: the
        discounted value gained ÷ the losses prevented (None when it prevents none)."""
        return self.value_gain / self.customers_kept if self.customers_kept > 0 else None


def compare(
    tiers: list[TierBaseline], levers: Levers, grain: str = "month"
) -> tuple[Comparison, pd.DataFrame, pd.DataFrame]:
    """The comparison and both projections (baseline: every lever at zero, same discount and horizon)."""
    neutral = Levers(discount_rate=levers.discount_rate, horizon_years=levers.horizon_years)
    base = project(tiers, neutral, grain)
    scenario = project(tiers, levers, grain)
    last = levers.horizon_years * PERIODS_PER_YEAR[grain]
    comparison = Comparison(
        baseline_value=float(base["discounted_value"].sum()),
        scenario_value=float(scenario["discounted_value"].sum()),
        baseline_revenue=float(base["revenue"].sum()),
        scenario_revenue=float(scenario["revenue"].sum()),
        baseline_customers_end=float(base.loc[base["period"] == last, "customers_at_end"].sum()),
        scenario_customers_end=float(scenario.loc[scenario["period"] == last, "customers_at_end"].sum()),
        customers_kept=float(scenario["prevented"].sum()),
        competitor_losses_avoided=float(scenario["prevented_competitor"].sum()),
        programme_cost=float(scenario["programme_cost"].sum()) + levers.cost_fixed,
    )
    return comparison, base, scenario


def retained_customer_value(monthly: TierBaseline, months: int, annual_discount: float) -> float:
    """The value of one retained customer of a tier over ``months`` (the retention formula): one
    more customer kept today brings m each month they stay and stays each month with the tier's
    monthly retention, discounted monthly at ``annual_discount`` a year:
        Σ_{k=1..months} m × (1 − c)^(k−1) / (1 + d)^(k/12)
    with m the tier's value (margin, or revenue without costs) per customer-month and c its monthly
    churn rate (``monthly`` is the tier's baseline by month). The lifetime-value page and the
    what-if page both show this figure under this name."""
    value, churn = monthly.value_per_customer, monthly.churn_rate
    return float(sum(value * (1 - churn) ** (k - 1) / (1 + annual_discount) ** (k / 12) for k in range(1, months + 1)))


def classic_lifetime_value(value_per_month: float, monthly_retention: float, monthly_discount: float) -> float | None:
    """The textbook formula LTV = m · r / (1 + d − r) (no horizon: the customer may stay for ever;
    each month they must first be retained to pay m), or None when r is not below 1 + d."""
    if monthly_retention >= 1 + monthly_discount:
        return None
    return value_per_month * monthly_retention / (1 + monthly_discount - monthly_retention)


def zero_defection(tiers: list[TierBaseline], levers: Levers, tier: str | None, grain: str = "month") -> Comparison:
    """The bound "what if we lost no customers (in this tier, or anywhere)": 100% churn cut."""
    cut = (
        replace(levers, churn_cut_by_tier={**levers.churn_cut_by_tier, tier: 1.0})
        if tier
        else replace(levers, churn_cut_all=1.0)
    )
    return compare(tiers, cut, grain)[0]
