"""The peer: the same page figures computed the way a plain pandas Streamlit dashboard does it:
the file read once into a DataFrame (cached), then on every rerun filter it and group it again.

Each page function computes that page's main figures for a view (region filter or none):
spells and churn by month, revenue churn, cohorts, causes, tiers, value distribution, the
what-if baseline. Straightforward pandas, vectorised where pandas makes it natural.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

TIER_SHARES = (("platinum", 0.01), ("gold", 0.04), ("iron", 0.15), ("lead", 0.80))


def load(orders_path: str, customers_path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The files as DataFrames (what a pandas dashboard caches with st.cache_data)."""
    orders = pd.read_csv(orders_path, dtype={"customer_id": str, "order_id": str}, parse_dates=["order_date"])
    customers = pd.read_csv(customers_path, dtype=str, keep_default_na=False)
    return orders, customers


class View:
    """One rerun: the filtered orders and what every page derives from them."""

    def __init__(
        self, orders: pd.DataFrame, customers: pd.DataFrame, as_of: date, window: int, region: str | None
    ) -> None:
        self.as_of = pd.Timestamp(as_of)
        self.window = window
        kept = orders if region is None else orders[orders["region"] == region]
        self.orders = kept[kept["order_date"] <= self.as_of]
        self.customers = customers
        first_month = self.orders["order_date"].min().to_period("M").to_timestamp()
        self.months = pd.date_range(first_month, self.as_of, freq="MS")

    def spells(self) -> pd.DataFrame:
        days = self.orders.groupby(["customer_id", "order_date"], as_index=False)[["amount"]].sum()
        days = days.sort_values(["customer_id", "order_date"])
        gap = days.groupby("customer_id")["order_date"].diff().dt.days
        days["spell"] = (gap.isna() | (gap > self.window)).groupby(days["customer_id"]).cumsum()
        spells = days.groupby(["customer_id", "spell"], as_index=False).agg(
            start=("order_date", "min"), last=("order_date", "max"), revenue=("amount", "sum")
        )
        churn = spells["last"] + pd.Timedelta(days=self.window)
        spells["churn"] = churn.where(churn <= self.as_of)
        return spells

    def churn_by_month(self, spells: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for start, end in zip(self.months, [*self.months[1:], self.as_of + pd.Timedelta(days=1)], strict=True):
            at_start = (spells["start"] < start) & (spells["churn"].isna() | (spells["churn"] >= start))
            churned = at_start & (spells["churn"] >= start) & (spells["churn"] < end)
            rows.append(
                {
                    "month": start,
                    "at_start": int(at_start.sum()),
                    "churned": int(churned.sum()),
                    "revenue_lost": float(spells.loc[churned, "revenue"].sum()),
                }
            )
        frame = pd.DataFrame(rows)
        frame["churn_rate"] = frame["churned"] / frame["at_start"].replace(0, np.nan)
        return frame

    def customer_values(self) -> pd.DataFrame:
        values = self.orders.groupby("customer_id").agg(
            revenue=("amount", "sum"), orders=("amount", "size"), first=("order_date", "min"), cost=("cost", "sum")
        )
        # Ties by customer id (the groupby's order), as in the app and the polars peer.
        values = values.sort_values("revenue", ascending=False, kind="stable")
        rank = np.arange(1, len(values) + 1)
        bounds = np.cumsum([math.ceil(len(values) * share) for _, share in TIER_SHARES])
        values["tier"] = np.select([rank <= bound for bound in bounds], [tier for tier, _ in TIER_SHARES], "lead")
        return values


def overview(view: View) -> object:
    spells = view.spells()
    latest = spells.groupby("customer_id").tail(1)
    return int(latest["churn"].isna().sum()), view.churn_by_month(spells)


def trends(view: View) -> object:
    spells = view.spells()
    periods = view.churn_by_month(spells)
    first = view.orders.groupby("customer_id")["order_date"].min().dt.to_period("M")
    active = view.orders.assign(cohort=view.orders["customer_id"].map(first))
    active["age"] = (active["order_date"].dt.to_period("M") - active["cohort"]).apply(lambda offset: offset.n)
    cohorts = active.groupby(["cohort", "age"])["customer_id"].nunique().unstack(fill_value=0)
    by_region = {
        region: view.churn_by_month(spells[spells["customer_id"].isin(group["customer_id"])])
        for region, group in view.orders.groupby("region")
    }
    return periods, cohorts, by_region


def causes(view: View) -> object:
    spells = view.spells()
    lost = spells.groupby("customer_id").tail(1)
    lost = lost[lost["churn"].notna()].merge(view.customers, on="customer_id", how="left")
    lost["month"] = lost["churn"].dt.to_period("M")
    return lost.groupby("churn_reason").size(), lost.groupby(["month", "churn_reason"]).size()


def tiers(view: View) -> object:
    values = view.customer_values()
    summary = values.groupby("tier").agg(customers=("revenue", "size"), revenue=("revenue", "sum"))
    curve = values["revenue"].cumsum() / values["revenue"].sum()
    spells = view.spells().merge(values["tier"], left_on="customer_id", right_index=True)
    by_tier = {tier: view.churn_by_month(group) for tier, group in spells.groupby("tier")}
    return summary, curve.iloc[:: max(1, len(curve) // 1000)], by_tier


def lifetime_value(view: View) -> object:
    values = view.customer_values()
    quantiles = values.groupby("tier")["revenue"].quantile(np.array([0.1, 0.25, 0.5, 0.75, 0.9]))
    first_order = view.orders.sort_values("order_date").groupby("customer_id")["amount"].first()
    values["first_quintile"] = pd.qcut(first_order.reindex(values.index).rank(method="first"), 5, labels=False)
    values["lifetime_quintile"] = pd.qcut(values["revenue"].rank(method="first"), 5, labels=False)
    return quantiles, values.groupby(["first_quintile", "lifetime_quintile"]).size()


def what_if(view: View) -> object:
    values = view.customer_values()
    spells = view.spells().merge(values["tier"], left_on="customer_id", right_index=True)
    year_ago = view.as_of - pd.Timedelta(days=365)
    baseline = []
    for tier, group in spells.groupby("tier"):
        periods = view.churn_by_month(group)
        recent = periods[periods["month"] >= year_ago]
        rate = recent["churned"].sum() / max(recent["at_start"].sum(), 1)
        customers = int(group.groupby("customer_id").tail(1)["churn"].isna().sum())
        yearly = values.loc[values["tier"] == tier, "revenue"].mean()
        kept = [customers * (1 - rate * 0.8) ** month for month in range(12)]
        baseline.append((tier, rate, sum(kept) * yearly / 12))
    return baseline


PAGES: dict[str, Callable[[View], object]] = {
    "overview": overview,
    "trends": trends,
    "causes": causes,
    "tiers": tiers,
    "lifetime-value": lifetime_value,
    "what-if": what_if,
}
