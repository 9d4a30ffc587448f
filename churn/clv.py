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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


class FitError(Exception):
    """A model that could not be fitted, with the reason."""


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
        return head * body / tail


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
        return (1 - weight) * population + weight * m


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood for params (r, α, a, b)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood for params (p, q, γ), repeat customers only."""
    p, q, v = params
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + x * m)
    )


def _fit(
    negative_log_likelihood: Callable[[np.ndarray], float], start: np.ndarray, what: str, customers: float
) -> tuple[np.ndarray, float]:
    # Quasi-Newton on the logarithms of the parameters (so they stay positive), polished by
    # Nelder-Mead from there: few evaluations, and the published CDNOW digits reproduced.
    def objective(log_params: np.ndarray) -> float:
        # Trial points far from the optimum can overflow; they are simply rejected.
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            value = negative_log_likelihood(np.exp(log_params))
        # Per customer, so that the tolerances below mean the same for 2,000 customers as for
        # 500,000 (on the sum, an absolute 1e-7 took Nelder-Mead thousands of steps, or failed).
        return float(value) / customers if np.isfinite(value) else 1e300

    first = minimize(objective, np.log(start), method="L-BFGS-B", options={"maxiter": 2000})
    result = minimize(
        objective,
        first.x,
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 4000, "maxfev": 8000},
    )
    params = np.exp(result.x)
    if not result.success or not np.all(np.isfinite(params)) or not np.isfinite(result.fun):
        raise FitError(f"The {what} model did not converge ({result.message}); it needs more repeat purchases.")
    return params, -float(result.fun) * customers


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BGNBD:
    """Maximum-likelihood BG/NBD parameters; FitError when the data cannot support them."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if len(x) < 10 or (x > 0).sum() < 5:
        raise FitError("The purchase model needs at least 10 customers, 5 of them with repeat purchases.")
    # Customers with the same (x, t_x, T) share a likelihood: fit on the distinct triples, weighted.
    triples, weights = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    ux, ut, uT = triples.T
    params, ll = _fit(
        lambda p: -(weights * bgnbd_log_likelihood(p, ux, ut, uT)).sum(),
        np.array([1.0, 1.0, 1.0, 1.0]),
        "BG/NBD",
        float(len(x)),
    )
    return BGNBD(*(float(value) for value in params), log_likelihood=ll)


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters on repeat customers with a positive average
    spend (the others are left out: the model is for positive values)."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < 5:
        raise FitError("The spend model needs at least 5 repeat customers with a positive average spend.")
    params, ll = _fit(
        lambda p: -gamma_gamma_log_likelihood(p, x[keep], m[keep]).sum(),
        np.array([1.0, 1.0, 1.0]),
        "Gamma-Gamma",
        float(keep.sum()),
    )
    return GammaGamma(*(float(value) for value in params), log_likelihood=ll)


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
    value = spend.expected_value(x, summary["monetary_value"].to_numpy())
    cumulative = [np.zeros(len(x))]
    for month in range(1, horizon_months + 1):
        cumulative.append(bgnbd.expected_purchases(month * MONTH_WEEKS, x, t_x, T))
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


def early_warning(profiles: pd.DataFrame, predictions: pd.DataFrame, alive_threshold: float) -> pd.DataFrame:
    """Active customers whose silence already exceeds their usual gap between purchases, or whose
    probability of being alive fell below ``alive_threshold``; ranked platinum and gold first,
    then by the value at risk = predicted value × (1 − P(alive)). Times in days."""
    merged = profiles.merge(predictions, on="customer_id", how="inner")
    merged["days_silent"] = (merged["age"] - merged["recency"]) * WEEK_DAYS
    merged["usual_gap_days"] = np.where(
        merged["frequency"] > 0, merged["recency"] * WEEK_DAYS / merged["frequency"].clip(lower=1), np.nan
    )
    merged["value_at_risk"] = merged["predicted_value"] * (1 - merged["probability_alive"])
    flagged = merged[
        (merged["days_silent"] > merged["usual_gap_days"]) | (merged["probability_alive"] < alive_threshold)
    ]
    order = {"platinum": 0, "gold": 1}
    return (
        flagged.assign(priority=flagged["tier"].map(order).fillna(2))
        .sort_values(["priority", "value_at_risk"], ascending=[True, False])
        .drop(columns="priority")
    )
