"""Customer lifetime value models: BG/NBD (Fader, Hardie & Lee 2005) for the number of future
purchases and the probability a customer is still "alive", and Gamma-Gamma (Fader, Hardie & Lee
2005, "RFM and CLV") for the value of a purchase. Fitted by maximum likelihood with numpy and
scipy on the summary of ``queries/clv_summary.sql`` (x, t_x, T, m_x).

BG/NBD log-likelihood of one customer with x repeat purchases, the last at t_x, observed for T:
    ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
           + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]
Gamma-Gamma log-likelihood of a repeat customer with x purchases of average value m:
    ln L = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1


class FitError(Exception):
    """A model that could not be fitted: ``code`` (too_few_repeat_buyers | no_convergence |
    on_bound) and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BGNBD:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def probability_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x))."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        ratio = np.where(
            x > 0,
            self.a / (self.b + np.maximum(x, 1) - 1) * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x),
            0.0,
        )
        return 1.0 / (1.0 + ratio)

    def expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[purchases in (T, T+t] | x, t_x, T] (Fader, Hardie & Lee 2005, equation 10)."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        tail = 1 + (x > 0) * a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        purchases: np.ndarray = head * body / tail  # (numpy's ufuncs are typed as returning Any)
        return purchases


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float  # γ in the paper
    log_likelihood: float

    def expected_value(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """E[M | x, m] = (q−1)/(px+q−1) · γp/(q−1) + px/(px+q−1) · m (population mean for x = 0)."""
        x = np.asarray(x, dtype=float)
        m = np.nan_to_num(np.asarray(m, dtype=float))
        population = self.p * self.v / (self.q - 1)
        weight = self.p * x / (self.p * x + self.q - 1)
        value: np.ndarray = (1 - weight) * population + weight * m
        return value


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood for params (r, α, a, b)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    log_likelihood: np.ndarray = a1 + a2 + np.logaddexp(a3, a4)
    return log_likelihood


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood for params (p, q, γ), repeat customers only."""
    p, q, v = params
    log_likelihood: np.ndarray = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + x * m)
    )
    return log_likelihood


# Fits search the logarithms of the parameters within these bounds (1e-4 .. 1e4): a fit that ends
# on one (b = 21,131 on nine days of data) has found no optimum the data supports.
LOG_BOUND = float(np.log(1e4))
MAX_ITERATIONS = 500


class _Grouped:
    """Customers grouped for a likelihood: each distinct x once (for the gamma functions, the costly
    part), each distinct (x, t_x, T) or (x, m) row once, with its count as weight."""

    def __init__(self, columns: list[np.ndarray], group_rows: bool = True) -> None:
        if group_rows:
            # pandas groups by hashing: ten times faster than np.unique(axis=0)'s sort. ``rows``
            # maps every customer to their distinct row.
            frame = pd.DataFrame({str(i): np.asarray(column, dtype=float) for i, column in enumerate(columns)})
            grouped = frame.groupby(list(frame.columns), sort=False)
            self.rows = grouped.ngroup().to_numpy()
            sizes = grouped.size()
            self.columns = sizes.index.to_frame().to_numpy(dtype=float).T
            # Floats (pandas-stubs type the to_numpy of a Series[int] as integers, whatever the dtype).
            self.weights: np.ndarray = sizes.to_numpy(dtype=float)
        else:  # rows nearly all distinct (an average spend): grouping would not pay
            self.columns = np.vstack(columns).astype(float)
            self.weights = np.ones(len(columns[0]))
            self.rows = np.arange(len(columns[0]))
        self.xs, self.x_index = np.unique(self.columns[0], return_inverse=True)
        self.x_weights = np.bincount(self.x_index, weights=self.weights)
        self.customers = float(self.weights.sum())


def _bgnbd_objective(log_params: np.ndarray, data: _Grouped) -> tuple[float, np.ndarray]:
    """Minus the BG/NBD log-likelihood per customer, and its gradient in the log parameters."""
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T = data.columns
    xs, w = data.xs, data.weights
    # Terms of x alone (A1 + A2 of the module docstring), per distinct x.
    per_x = (
        gammaln(r + xs)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + xs)
        - gammaln(b)
        - gammaln(a + b + xs)
    )
    d_r_x = digamma(r + xs) - digamma(r) + np.log(alpha)
    d_a_x = digamma(a + b) - digamma(a + b + xs)
    d_b_x = digamma(a + b) + digamma(b + xs) - digamma(b) - digamma(a + b + xs)
    # ln[(α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x)], per distinct (x, t_x, T).
    repeat = x > 0
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        a4 = np.where(repeat, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    both = np.logaddexp(a3, a4)
    w4 = np.where(repeat, np.exp(a4 - both), 0.0)
    w3 = 1.0 - w4
    value = (data.x_weights * per_x).sum() + (w * both).sum()
    gradient = np.array(
        [
            (data.x_weights * d_r_x).sum() - (w * (w3 * np.log(alpha + T) + w4 * np.log(alpha + t_x))).sum(),
            data.x_weights.sum() * r / alpha - (w * (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))).sum(),
            (data.x_weights * d_a_x).sum() + (w * w4).sum() / a,
            (data.x_weights * d_b_x).sum() - (w * w4 / (b + np.maximum(x, 1) - 1)).sum(),
        ]
    )
    return -value / data.customers, -gradient * np.exp(log_params) / data.customers


def _gamma_gamma_objective(log_params: np.ndarray, data: _Grouped) -> tuple[float, np.ndarray]:
    """Minus the Gamma-Gamma log-likelihood per repeat customer, and its gradient in the log
    parameters. The terms in ln m and ln x are sums fixed by the data; only ln(γ + x m) is per row."""
    p, q, v = np.exp(log_params)
    x, m = data.columns
    xs, w = data.xs, data.weights
    per_x = gammaln(p * xs + q) - gammaln(p * xs) - gammaln(q)
    log_vxm = np.log(v + x * m)
    value = (
        (data.x_weights * per_x).sum()
        + data.customers * q * np.log(v)
        + (w * ((p * x - 1) * np.log(m) + p * x * np.log(x))).sum()
        - (w * (p * x + q) * log_vxm).sum()
    )
    gradient = np.array(
        [
            (data.x_weights * xs * (digamma(p * xs + q) - digamma(p * xs))).sum()
            + (w * x * (np.log(m) + np.log(x) - log_vxm)).sum(),
            (data.x_weights * (digamma(p * xs + q) - digamma(q))).sum()
            + data.customers * np.log(v)
            - (w * log_vxm).sum(),
            data.customers * q / v - (w * (p * x + q) / (v + x * m)).sum(),
        ]
    )
    return -value / data.customers, -gradient * np.exp(log_params) / data.customers


def _fit(
    objective: Callable[[np.ndarray, _Grouped], tuple[float, np.ndarray]],
    data: _Grouped,
    start: np.ndarray,
    names: tuple[str, ...],
    what: str,
) -> tuple[np.ndarray, float]:
    """Maximum likelihood by L-BFGS-B with the analytic gradient, on the logarithms of the
    parameters (so that they stay positive) within ±LOG_BOUND, at most MAX_ITERATIONS steps."""

    def guarded(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        # Trial points far from the optimum can overflow; they are simply rejected.
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            value, gradient = objective(log_params, data)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e300, np.zeros_like(log_params)
        return value, gradient

    result = minimize(
        guarded,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-15, "gtol": 1e-9},
    )
    params = np.exp(result.x)
    if not np.isfinite(result.fun) or result.fun >= 1e299 or not (result.success or result.nit >= 5):
        raise FitError("no_convergence", f"The {what} model did not converge ({result.message}).")
    on_bound = [
        f"{name} = {value:,.4g}"
        for name, value, log in zip(names, params, result.x, strict=True)
        if abs(log) > LOG_BOUND - 1e-3
    ]
    if on_bound:
        raise FitError(
            "on_bound", f"The {what} fit ended on a bound ({', '.join(on_bound)}): the data supports no estimate."
        )
    return params, -float(result.fun) * data.customers


MIN_CUSTOMERS = 10
MIN_REPEAT_BUYERS = 20


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BGNBD:
    """Maximum-likelihood BG/NBD parameters; FitError when the data cannot support them."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if len(x) < MIN_CUSTOMERS or (x > 0).sum() < MIN_REPEAT_BUYERS:
        raise FitError(
            "too_few_repeat_buyers",
            f"The purchase model needs at least {MIN_REPEAT_BUYERS} customers who bought twice; "
            f"{int((x > 0).sum())} did.",
        )
    params, ll = _fit(
        _bgnbd_objective, _Grouped([x, t_x, T]), np.array([1.0, 1.0, 1.0, 1.0]), ("r", "α", "a", "b"), "BG/NBD"
    )
    r, alpha, a, b = (float(value) for value in params)
    return BGNBD(r, alpha, a, b, log_likelihood=ll)


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters on repeat customers with a positive average
    spend (the others are left out: the model is for positive values)."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < MIN_REPEAT_BUYERS:
        raise FitError(
            "too_few_repeat_buyers",
            f"The spend model needs at least {MIN_REPEAT_BUYERS} repeat customers with a positive average spend.",
        )
    params, ll = _fit(
        _gamma_gamma_objective,
        _Grouped([x[keep], m[keep]], group_rows=False),
        np.array([1.0, 1.0, 1.0]),
        ("p", "q", "γ"),
        "Gamma-Gamma",
    )
    p, q, v = (float(value) for value in params)
    return GammaGamma(p, q, v, log_likelihood=ll)


WEEK_DAYS = 7
MONTH_WEEKS = 365.25 / 12 / 7


def fit_models(summary: pd.DataFrame) -> tuple[BGNBD, GammaGamma]:
    """Both models fitted on a clv_summary (times in weeks); FitError when one cannot be."""
    x, t_x, T = summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["age"].to_numpy()
    return fit_bgnbd(x, t_x, T), fit_gamma_gamma(x, summary["monetary_value"].to_numpy())


def predict(
    summary: pd.DataFrame, models: tuple[BGNBD, GammaGamma], horizon_months: int, monthly_discount: float
) -> pd.DataFrame:
    """Per customer: probability alive, expected purchases over the horizon, expected value of a
    purchase, and the discounted expected revenue over the horizon, month by month:
    Σ_k (E[N(k months)] − E[N(k−1 months)]) × E[M] / (1 + monthly rate)^k."""
    bgnbd, spend = models
    x, t_x, T = summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["age"].to_numpy()
    # The expected purchases depend on (x, t_x, T) only: computed once per distinct row.
    data = _Grouped([x, t_x, T])
    ux, ut, uT = data.columns
    spend_so_far = summary["monetary_value"].to_numpy(dtype=float)
    # Gamma-Gamma is a model of positive spend: a customer whose purchases net to nothing or less
    # (returns) keeps their own average spend, floored at 0, so that no value is negative.
    value = np.where(
        (x > 0) & ~(spend_so_far > 0),
        np.clip(np.nan_to_num(spend_so_far), 0, None),
        spend.expected_value(x, spend_so_far),
    )
    cumulative = [np.zeros(len(x))]
    for month in range(1, horizon_months + 1):
        cumulative.append(bgnbd.expected_purchases(month * MONTH_WEEKS, ux, ut, uT)[data.rows])
    discounted = sum(
        (cumulative[k] - cumulative[k - 1]) / (1 + monthly_discount) ** k for k in range(1, horizon_months + 1)
    )
    result = summary.copy()
    result["probability_alive"] = bgnbd.probability_alive(x, t_x, T)
    result["expected_purchases"] = cumulative[-1]
    result["expected_purchase_value"] = value
    result["predicted_value"] = discounted * value
    return result


def predict_customers(
    summary: pd.DataFrame, horizon_months: int, annual_discount: float
) -> tuple[BGNBD, GammaGamma, pd.DataFrame]:
    """fit_models then predict, with a yearly discount rate turned monthly."""
    models = fit_models(summary)
    monthly = (1 + annual_discount) ** (1 / 12) - 1
    return models[0], models[1], predict(summary, models, horizon_months, monthly)


def usual_gaps_days(summary: pd.DataFrame) -> tuple[pd.Series, float | None]:
    """Each customer's usual gap between purchases in days, t_x / x (a one-time buyer's: the
    median of the repeat buyers', the typical gap), and that median."""
    repeat = summary["frequency"] > 0
    own = summary["recency"] * WEEK_DAYS / summary["frequency"].clip(lower=1)
    typical = float(own[repeat].median()) if repeat.any() else None
    return own.where(repeat, typical if typical is not None else np.nan), typical


def early_warning(
    profiles: pd.DataFrame,
    summary: pd.DataFrame,
    silence_factor: float,
    predictions: pd.DataFrame | None = None,
    alive_threshold: float | None = None,
) -> pd.DataFrame:
    """Active customers (``profiles``: active_customer_profiles) whose silence already lasts more
    than ``silence_factor`` times their usual gap between purchases (``usual_gaps_days``: a
    one-time buyer is judged by the repeat buyers' median gap), or — with the purchase model's
    ``predictions`` — whose probability of being alive fell below ``alive_threshold``. Each with
    ``silence_ratio`` and the reasons it is listed (``is_silent``, ``is_unlikely_alive``); ranked
    platinum and gold first, then by the value at risk: predicted value × (1 − P(alive)) with the
    model, else the revenue of the last 365 days. Times in days."""
    gaps, _ = usual_gaps_days(summary)
    merged = profiles.merge(summary.assign(usual_gap_days=gaps), on="customer_id", how="inner")
    merged["days_silent"] = (merged["age"] - merged["recency"]) * WEEK_DAYS
    merged["silence_ratio"] = merged["days_silent"] / merged["usual_gap_days"].where(merged["usual_gap_days"] > 0)
    merged["is_silent"] = merged["silence_ratio"] > silence_factor
    if predictions is not None and alive_threshold is not None:
        merged = merged.merge(
            predictions[["customer_id", "probability_alive", "predicted_value"]], on="customer_id", how="left"
        )
        merged["is_unlikely_alive"] = merged["probability_alive"] < alive_threshold
        merged["value_at_risk"] = merged["predicted_value"] * (1 - merged["probability_alive"])
    else:
        merged["probability_alive"] = np.nan
        merged["predicted_value"] = np.nan
        merged["is_unlikely_alive"] = False
        merged["value_at_risk"] = merged["revenue_last_12_months"]
    flagged = merged[merged["is_silent"] | merged["is_unlikely_alive"]]
    order = {"platinum": 0, "gold": 1}
    return (
        flagged.assign(priority=flagged["tier"].map(order).fillna(2))
        .sort_values(["priority", "value_at_risk", "customer_id"], ascending=[True, False, True])
        .drop(columns="priority")
    )


# The guard (``check``): the history must cover this much, and several purchase gaps; the
# holdout prediction may miss what happened by at most this share (or a few purchases).
MIN_SPAN_DAYS = 56
MIN_GAPS_IN_SPAN = 4
POOR_FIT_SHARE = 0.3
POOR_FIT_PURCHASES = 10
MODEL_STATUSES = ("ok", "too_short", "too_few_repeat_buyers", "no_convergence", "poor_fit")


@dataclass(frozen=True)
class Validation:
    """The purchase model fitted up to ``calibration_end`` against the repeat purchases of the
    ``holdout_weeks`` after it: in total and week by week (cumulative, the tracking chart)."""

    calibration_end: date
    holdout_weeks: int
    predicted_repeat_purchases: float
    actual_repeat_purchases: int
    tracking: pd.DataFrame  # week, predicted, actual (both cumulative)

    @property
    def relative_error(self) -> float | None:
        """(predicted − actual) ÷ actual: negative when the model expected fewer than happened."""
        if not self.actual_repeat_purchases:
            return None
        return (self.predicted_repeat_purchases - self.actual_repeat_purchases) / self.actual_repeat_purchases


@dataclass(frozen=True)
class LifetimeModels:
    """What the data supports: ``status`` (MODEL_STATUSES) with a plain ``note``; when ok, the
    models refitted on the whole history (``models``) for the predictions. ``summary`` is the
    clv_summary of the whole history; ``validation`` the holdout check when it could be made."""

    status: str
    note: str
    summary: pd.DataFrame
    models: tuple[BGNBD, GammaGamma] | None = None
    validation: Validation | None = None
    details: dict[str, float] = field(default_factory=dict)  # the figures behind the note


def default_holdout_weeks(span_days: int) -> int:
    """The last quarter of the history, in whole weeks (at least one)."""
    return max(1, round(span_days / WEEK_DAYS / 4))


def validate(
    models: tuple[BGNBD, GammaGamma],
    calibration: pd.DataFrame,
    actual_by_week: pd.DataFrame,
    calibration_end: date,
) -> Validation:
    """Compare the BG/NBD fitted on ``calibration`` (a clv_summary up to ``calibration_end``) with
    the repeat purchases that happened week by week after it (holdout_repeat_purchases): the
    expected purchases of the same customers, E[Y(t) | x, t_x, T] summed, at each week t."""
    bgnbd = models[0]
    data = _Grouped(
        [calibration["frequency"].to_numpy(float), calibration["recency"].to_numpy(), calibration["age"].to_numpy()]
    )
    x, t_x, T = data.columns
    weeks = actual_by_week["week"].to_numpy(dtype=int)
    predicted = np.array([(data.weights * bgnbd.expected_purchases(float(week), x, t_x, T)).sum() for week in weeks])
    actual = np.cumsum(actual_by_week["repeat_purchases"].to_numpy(dtype=float))
    tracking = pd.DataFrame({"week": weeks, "predicted": predicted, "actual": actual})
    return Validation(
        calibration_end=calibration_end,
        holdout_weeks=len(weeks),
        predicted_repeat_purchases=float(predicted[-1]) if len(weeks) else 0.0,
        actual_repeat_purchases=int(actual[-1]) if len(weeks) else 0,
        tracking=tracking,
    )


def check(
    summary: pd.DataFrame,
    calibration: pd.DataFrame,
    actual_by_week: pd.DataFrame,
    calibration_end: date,
    span_days: int,
    median_gap_days: float | None,
) -> LifetimeModels:
    """Predictions only where the data supports them: the history long enough for the customers'
    rhythm (MIN_SPAN_DAYS, and MIN_GAPS_IN_SPAN of their median purchase gap), enough repeat
    buyers, a fit that converges inside its bounds, on the calibration part and on the whole
    history, and a holdout prediction within POOR_FIT_SHARE of what happened."""
    holdout_weeks = len(actual_by_week)
    needed = max(MIN_SPAN_DAYS, MIN_GAPS_IN_SPAN * (median_gap_days or 0))
    details = {"span_days": float(span_days), "needed_days": float(math.ceil(needed))}
    if span_days < needed:
        note = (
            f"The history covers {span_days} days; predictions need at least {math.ceil(needed)} "
            f"({MIN_GAPS_IN_SPAN} times the median gap between purchases, and {MIN_SPAN_DAYS} days at least)."
        )
        return LifetimeModels("too_short", note, summary, details=details)
    try:
        calibrated = fit_models(calibration)
    except FitError as problem:
        return LifetimeModels(_status_of(problem), str(problem), summary, details=details)
    validation = validate(calibrated, calibration, actual_by_week, calibration_end)
    error = validation.predicted_repeat_purchases - validation.actual_repeat_purchases
    details["holdout_weeks"] = float(holdout_weeks)
    if abs(error) > max(POOR_FIT_SHARE * validation.actual_repeat_purchases, POOR_FIT_PURCHASES):
        note = (
            f"Fitted up to {calibration_end.isoformat()}, the model expected "
            f"{validation.predicted_repeat_purchases:,.0f} repeat purchases in the next {holdout_weeks} weeks; "
            f"there were {validation.actual_repeat_purchases:,}: too far off to trust its predictions."
        )
        return LifetimeModels("poor_fit", note, summary, validation=validation, details=details)
    try:
        models = fit_models(summary)
    except FitError as problem:
        return LifetimeModels(_status_of(problem), str(problem), summary, validation=validation, details=details)
    return LifetimeModels("ok", "", summary, models, validation, details)


def _status_of(problem: FitError) -> str:
    return "too_few_repeat_buyers" if problem.code == "too_few_repeat_buyers" else "no_convergence"
