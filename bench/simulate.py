"""Customers simulated from the BG/NBD and Gamma-Gamma models themselves, for timing the model
fits at sizes the demo generator would take long to write (100k, 500k customers)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_summary(
    customers: int,
    seed: int = 7,
    r: float = 0.25,
    alpha: float = 4.0,
    a: float = 0.8,
    b: float = 2.5,
    p: float = 6.0,
    q: float = 4.0,
    gamma: float = 15.0,
    max_purchases: int = 200,
) -> pd.DataFrame:
    """x, t_x, T (weeks) and the average repeat spend m_x of simulated customers."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    age = rng.uniform(1, 52, customers)
    time = np.zeros(customers)
    last = np.zeros(customers)
    count = np.zeros(customers, dtype=int)
    alive = np.ones(customers, dtype=bool)
    for _ in range(max_purchases):
        time = time + rng.exponential(1 / np.maximum(rate, 1e-12))
        buys = alive & (time <= age)
        count[buys] += 1
        last[buys] = time[buys]
        alive = buys & (rng.uniform(size=customers) >= dropout)
        if not alive.any():
            break
    nu = rng.gamma(q, 1 / gamma, customers)
    spend = np.where(count > 0, rng.gamma(np.maximum(p * count, 1e-9), 1 / np.maximum(nu * count, 1e-12)), np.nan)
    return pd.DataFrame({"frequency": count, "recency": last, "age": age, "monetary_value": spend})
