"""The polars peer (bench/peer_polars.py) gives the pandas peer's figures (bench/peer.py) on
every page, unfiltered and filtered on a region, on a small generated dataset."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pandas as pd
import polars as pl
import pytest

from bench import peer, peer_polars
from bench.generate import generate

AS_OF = date(2025, 12, 31)
WINDOW = 90


class Loaded(NamedTuple):
    pandas: tuple[pd.DataFrame, pd.DataFrame]
    polars: tuple[pl.DataFrame, pl.DataFrame]


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    files = generate(20_000, tmp_path_factory.mktemp("peer"), formats=("csv",))
    paths = (str(files["orders.csv"]), str(files["customers.csv"]))
    return Loaded(peer.load(*paths), peer_polars.load(*paths))


def both(frames: Loaded, page: str, region: str | None) -> tuple[object, object]:
    """The page's figures from the pandas peer and from the polars peer."""
    theirs = peer.PAGES[page](peer.View(*frames.pandas, AS_OF, WINDOW, region))
    ours = peer_polars.PAGES[page](peer_polars.View(*frames.polars, AS_OF, WINDOW, region))
    return theirs, ours


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts, sorted, dates as ISO strings, NaN as None."""
    frame = frame.astype(object).where(frame.notna(), None)
    rows = [
        {key: value.isoformat()[:10] if hasattr(value, "isoformat") else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])


def assert_same(theirs: pd.DataFrame, ours: pl.DataFrame) -> None:
    """The same rows and columns, floats approximately."""
    ours_pd = ours.to_pandas()
    assert sorted(theirs.columns) == sorted(ours_pd.columns)
    left, right = records(theirs), records(ours_pd[list(theirs.columns)])
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], float) and isinstance(b[key], float):
                assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-9), (key, a, b)
            else:
                assert a[key] == b[key], (key, a, b)


def periods_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["month", "at_start", "churned", "revenue_lost", "churn_rate"]]


def by_group(groups: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    return pd.concat([periods_frame(frame).assign(**{column: key}) for key, frame in groups.items()])


def counts(series: pd.Series, names: list[str], value: str) -> pd.DataFrame:
    frame = series.rename(value).reset_index()
    frame.columns = [*names, value]
    return frame


@pytest.fixture(params=[None, "East"], ids=["all regions", "East"])
def region(request: pytest.FixtureRequest) -> str | None:
    return request.param  # type: ignore[no-any-return]


def test_overview(frames, region) -> None:
    (active, periods), (our_active, our_periods) = both(frames, "overview", region)
    assert active == our_active
    assert_same(periods_frame(periods), our_periods)


def test_trends(frames, region) -> None:
    (periods, cohorts, by_region), (our_periods, our_cohorts, our_by_region) = both(frames, "trends", region)
    assert_same(periods_frame(periods), our_periods)
    assert_same(by_group(by_region, "region"), our_by_region)
    ours = our_cohorts.to_pandas().set_index("cohort")
    ours.columns = [int(age) for age in ours.columns]
    assert list(cohorts.index.to_timestamp()) == list(ours.index)
    assert list(cohorts.columns) == list(ours.columns)
    assert (cohorts.to_numpy() == ours.to_numpy()).all()


def test_causes(frames, region) -> None:
    (by_reason, by_month), (our_by_reason, our_by_month) = both(frames, "causes", region)
    assert_same(counts(by_reason, ["churn_reason"], "lost"), our_by_reason)
    by_month = counts(by_month, ["month", "churn_reason"], "lost")
    by_month["month"] = by_month["month"].dt.to_timestamp()
    assert_same(by_month, our_by_month)


def test_tiers(frames, region) -> None:
    (summary, curve, by_tier), (our_summary, our_curve, our_by_tier) = both(frames, "tiers", region)
    assert_same(summary.reset_index(), our_summary)
    # The curve's points in order; not by customer: two revenues equal to the cent can differ in
    # the last bit between pandas' and polars' sums, so such ties may be ranked either way.
    assert curve.to_list() == pytest.approx(our_curve["curve"].to_list(), rel=1e-9, abs=1e-9)
    assert_same(by_group(by_tier, "tier"), our_by_tier)


def crossed_with_stable_sort(view: peer.View) -> pd.Series:
    """The pandas peer's first-order quintile × lifetime quintile counts, with the first order
    taken after a stable sort (the first line of the earliest day, as the polars peer does): the
    peer's default sort is not stable, so among several lines on a customer's first day it
    picks one arbitrarily."""
    values = view.customer_values()
    first_order = view.orders.sort_values("order_date", kind="stable").groupby("customer_id")["amount"].first()
    values["first_quintile"] = pd.qcut(first_order.reindex(values.index).rank(method="first"), 5, labels=False)
    values["lifetime_quintile"] = pd.qcut(values["revenue"].rank(method="first"), 5, labels=False)
    return values.groupby(["first_quintile", "lifetime_quintile"]).size()


def test_lifetime_value(frames, region) -> None:
    (quantiles, crossed), (our_quantiles, our_crossed) = both(frames, "lifetime-value", region)
    assert_same(counts(quantiles, ["tier", "quantile"], "revenue"), our_quantiles)
    # The lifetime quintiles do not depend on which line is the first order.
    lifetime = crossed.groupby(level="lifetime_quintile").sum()
    assert_same(
        counts(lifetime, ["lifetime_quintile"], "customers"),
        our_crossed.group_by("lifetime_quintile").agg(pl.col("customers").sum()),
    )
    stable = crossed_with_stable_sort(peer.View(*frames.pandas, AS_OF, WINDOW, region))
    assert_same(counts(stable, ["first_quintile", "lifetime_quintile"], "customers"), our_crossed)


def test_what_if(frames, region) -> None:
    baseline, ours = both(frames, "what-if", region)
    assert_same(pd.DataFrame(baseline, columns=["tier", "rate", "baseline"]), ours)


def test_same_pages() -> None:
    assert list(peer_polars.PAGES) == list(peer.PAGES)
