"""churn_by_period: hand-worked monthly figures on the tiny fixture, and the flow invariant."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from churn.db import open_connection, run_query
from churn.ingest import create_canonical_tables
from churn.settings import Settings
from churn.workspace import Workspace
from tests import reference
from tests.conftest import NO_FILTERS, TINY_AS_OF, build_tables, period_params


def monthly(workspace: Workspace, date_from: date = date(2000, 1, 1), date_to: date = TINY_AS_OF) -> pd.DataFrame:
    return workspace.query(
        "churn_by_period",
        period_params(
            date_from=date_from,
            date_to=date_to,
        ),
    )


def test_monthly_figures_worked_by_hand(tiny: Workspace) -> None:
    periods = monthly(tiny)
    got = {
        row.period_start.strftime("%Y-%m"): (
            row.customers_at_start,
            row.new,
            row.won_back,
            row.churned,
            row.churned_total,
            row.customers_at_end,
        )
        for row in periods.itertuples()
    }
    assert got == {
        # (at start, new, won back, churned, churned total, at end)
        "2023-12": (0, 1, 0, 0, 0, 1),  # H starts
        "2024-01": (1, 5, 0, 1, 1, 5),  # A B C D J start; H churns Jan 14
        "2024-02": (5, 1, 0, 1, 1, 5),  # E starts; B churns Feb 9
        "2024-03": (5, 1, 0, 4, 4, 2),  # F starts; D (Mar 1), C (Mar 15), J (Mar 25), A (Mar 31)
        "2024-04": (2, 1, 0, 1, 1, 2),  # I starts; F churns Apr 19
        "2024-05": (2, 1, 1, 1, 2, 2),  # K new, C won back; I churns, K starts and churns
        "2024-06": (2, 1, 0, 1, 1, 2),  # G starts; C churns again Jun 19
    }
    rates = dict(zip(periods["period_start"].dt.strftime("%Y-%m"), periods["churn_rate"], strict=True))
    assert pd.isna(rates["2023-12"])  # no customers at start: no rate
    assert rates["2024-01"] == pytest.approx(1 / 1)
    assert rates["2024-02"] == pytest.approx(1 / 5)
    assert rates["2024-03"] == pytest.approx(4 / 5)
    assert rates["2024-05"] == pytest.approx(1 / 2)  # K is not in the base
    assert (periods["retention_rate"].dropna() == 1 - periods["churn_rate"].dropna()).all()
    lost = dict(zip(periods["period_start"].dt.strftime("%Y-%m"), periods["revenue_lost"], strict=True))
    assert lost["2024-01"] == 80  # H
    assert lost["2024-03"] == 60 + 140 + 270 + 300  # D + C + J + A = 770
    assert lost["2024-05"] == 120 + 40  # I + K
    assert lost["2024-06"] == 210  # C: 3 x 70 within the 365 days up to May 20
    assert periods["is_complete"].all()  # June ends on Jul 1 = as-of + 1 day
    # First order Dec 15 + W 30 = Jan 14: December and January start before it.
    assert list(periods["is_warm_up"]) == [True, True, False, False, False, False, False]


def test_active_at_as_of_equals_end_of_last_period(tiny: Workspace) -> None:
    periods = monthly(tiny)
    assert periods["customers_at_end"].iloc[-1] == tiny.query("customer_status", NO_FILTERS).iloc[0]["active_customers"]


def test_quarter_and_year_grains(tiny: Workspace) -> None:
    quarters = tiny.query(
        "churn_by_period",
        period_params(
            grain="quarter",
        ),
    )
    got = [tuple(r) for r in quarters[["customers_at_start", "new", "won_back", "churned", "churned_total"]].values]
    assert got == [
        (0, 1, 0, 0, 0),  # 2023 Q4: H
        (1, 7, 0, 1, 6),  # 2024 Q1: A B C D J E F new; H churned from the base; B D C J A started in Q1
        (2, 3, 1, 1, 4),  # 2024 Q2: I G K new, C back; of E F at start only F churns; F I K C in total
    ]
    years = tiny.query(
        "churn_by_period",
        period_params(
            grain="year",
        ),
    )
    assert list(years["customers_at_start"]) == [0, 1]
    assert list(years["churned"]) == [0, 1]  # only H was there at the start of 2024
    assert not years["is_complete"].iloc[-1]  # 2024 is not over on Jun 30


def test_date_range_limits_periods_not_history(tiny: Workspace) -> None:
    periods = monthly(tiny, date(2024, 3, 1), date(2024, 4, 30))
    assert list(periods["period_start"].dt.strftime("%Y-%m")) == ["2024-03", "2024-04"]
    assert periods["customers_at_start"].iloc[0] == 5  # still counted from the full history


def test_flow_invariant_on_demo(demo: Workspace) -> None:
    for grain in ("month", "quarter", "year"):
        for window in (30, 60, 180):
            as_of = date(2025, 12, 31)
            demo.ensure_facts(as_of, window)
            periods = demo.query(
                "churn_by_period",
                period_params(
                    as_of=as_of,
                    window_days=window,
                    grain=grain,
                    date_to=as_of,
                ),
            )
            flow = periods["customers_at_start"] + periods["new"] + periods["won_back"] - periods["churned_total"]
            assert (flow.iloc[:-1].values == periods["customers_at_start"].iloc[1:].values).all()
            assert (periods["churned"] <= periods["churned_total"]).all()
            assert (periods["churned"] <= periods["customers_at_start"]).all()


def test_demo_matches_reference_implementation(demo: Workspace) -> None:
    as_of, window = date(2025, 6, 30), 60
    orders = demo.con.execute("select customer_id, order_date, amount from orders").fetchall()
    expected = reference.monthly_flows(reference.spells(orders, as_of, window), as_of)
    demo.ensure_facts(as_of, window)
    periods = demo.query(
        "churn_by_period",
        period_params(
            as_of=as_of,
            window_days=window,
            date_to=as_of,
        ),
    )
    columns = ["customers_at_start", "new", "won_back", "churned", "churned_total"]
    got = [dict(zip(columns, map(int, row), strict=True)) for row in periods[columns].values]
    assert got == [{k: row[k] for k in columns} for row in expected]


# (customer, day, amount): about one line in five is a return (-1), which is no activity.
order_days = st.lists(
    st.tuples(st.sampled_from("PQRSTU"), st.integers(min_value=0, max_value=400), st.sampled_from([1, 1, 1, 1, -1])),
    min_size=1,
    max_size=40,
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    orders=order_days,
    window=st.integers(min_value=1, max_value=120),
    as_of_offset=st.integers(min_value=0, max_value=450),
    explicit=st.dictionaries(st.sampled_from("PQRSTU"), st.integers(min_value=0, max_value=450), max_size=3),
)
def test_sql_matches_reference_on_random_orders(
    orders: list[tuple[str, int, int]], window: int, as_of_offset: int, explicit: dict[str, int]
) -> None:
    origin = date(2024, 1, 1)
    as_of = origin + timedelta(days=as_of_offset)
    dated = [(c, origin + timedelta(days=d), amount) for c, d, amount in orders]
    explicit_dates = {c: origin + timedelta(days=d) for c, d in explicit.items()}
    con = open_connection([])
    try:
        create_canonical_tables(con)
        con.executemany("insert into orders (customer_id, order_date, amount) values (?, ?, ?)", dated)
        if explicit_dates:
            con.executemany(
                "insert into customers (customer_id, churn_date) values (?, ?)", list(explicit_dates.items())
            )
        build_tables(con, as_of, window, "spell_flows", "cohort_flows")
        expected_spells = reference.spells(dated, as_of, window, explicit_dates)
        got_spells = con.execute(
            "select customer_id, spell_number, spell_start, last_order_date, churn_date from customer_spells"
        ).fetchall()
        assert got_spells == [(s.customer_id, s.number, s.start, s.last_order, s.churn_date) for s in expected_spells]
        if not expected_spells:
            return
        columns = ["customers_at_start", "new", "won_back", "churned", "churned_total"]
        for grain in ("month", "quarter", "year"):
            periods = run_query(
                con,
                "churn_by_period",
                period_params(as_of=as_of, window_days=window, date_to=as_of, grain=grain),
            )
            got = [dict(zip(columns, map(int, row), strict=True)) for row in periods[columns].values]
            expected = reference.period_flows(expected_spells, as_of, grain)
            assert got == [{k: row[k] for k in columns} for row in expected], grain
        for grain in ("month", "quarter"):
            cohorts = run_query(con, "cohort_retention", {"as_of": as_of, "cohort_grain": grain, **NO_FILTERS})
            got_cohorts = {
                (row.cohort_start.date(), row.periods_since): (row.active_customers, row.cohort_customers)
                for row in cohorts.itertuples()
            }
            assert got_cohorts == reference.cohort_active(expected_spells, as_of, grain), grain
    finally:
        con.close()


def test_dimension_filter_matches_reference_on_demo(demo: Workspace) -> None:
    as_of, window = date(2025, 12, 31), 60
    demo.ensure_facts(as_of, window)
    west = {
        row[0] for row in demo.con.execute("select customer_id from customer_facts where region = 'West'").fetchall()
    }
    rows = demo.con.execute("select customer_id, order_date, amount from orders").fetchall()
    orders = [row for row in rows if row[0] in west]
    expected = reference.monthly_flows(reference.spells(orders, as_of, window), as_of)
    params = {**period_params(as_of=as_of, window_days=window), "filter_dimension": "region", "filter_values": ["West"]}
    periods = demo.query("churn_by_period", params)
    columns = ["customers_at_start", "new", "won_back", "churned", "churned_total"]
    got = [dict(zip(columns, map(int, row), strict=True)) for row in periods[columns].values]
    # Periods start with the whole dataset's first order; the reference starts with West's.
    assert got[-len(expected) :] == [{k: row[k] for k in columns} for row in expected]
    status = demo.query("customer_status", {**NO_FILTERS, "filter_values": ["West"]}).iloc[0]
    assert status["customers"] == len(west)


@pytest.mark.parametrize("tiers", [[], ["platinum", "gold"], ["lead"]])
@pytest.mark.parametrize(
    ("dimension", "values"), [("region", []), ("region", ["West", "North"]), ("channel", ["Store"])]
)
def test_flow_invariant_under_filters(demo: Workspace, tiers: list[str], dimension: str, values: list[str]) -> None:
    as_of = date(2025, 12, 31)
    demo.ensure_facts(as_of, 60)
    params = {
        **period_params(as_of=as_of, window_days=60),
        "tiers": tiers,
        "filter_dimension": dimension,
        "filter_values": values,
    }
    periods = demo.query("churn_by_period", params)
    flow = periods["customers_at_start"] + periods["new"] + periods["won_back"] - periods["churned_total"]
    assert (flow.iloc[:-1].values == periods["customers_at_start"].iloc[1:].values).all()
    status = demo.query("customer_status", {"tiers": tiers, "filter_dimension": dimension, "filter_values": values})
    assert periods["customers_at_end"].iloc[-1] == status.iloc[0]["active_customers"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    orders=order_days,
    as_of_offset=st.integers(min_value=0, max_value=450),
    explicit=st.dictionaries(st.sampled_from("PQRSTU"), st.integers(min_value=0, max_value=450), max_size=3),
    grain=st.sampled_from(["month", "quarter"]),
)
def test_sensitivity_in_one_pass_equals_one_build_per_window(
    orders: list[tuple[str, int, int]], as_of_offset: int, explicit: dict[str, int], grain: str
) -> None:
    """window_churn counts every W in one pass; each W's figures equal the last complete period of
    churn_by_period built with that W (spells, flows) — random orders, returns, churn dates."""
    origin = date(2024, 1, 1)
    as_of = origin + timedelta(days=as_of_offset)
    windows = (1, 7, 30, 45, 90, 200)
    workspace = Workspace(open_connection([]))
    try:
        create_canonical_tables(workspace.con)
        dated = [(c, origin + timedelta(days=d), amount) for c, d, amount in orders]
        workspace.con.executemany("insert into orders (customer_id, order_date, amount) values (?, ?, ?)", dated)
        churn_dates = [(c, origin + timedelta(days=d)) for c, d in explicit.items()]
        if churn_dates:
            workspace.con.executemany("insert into customers (customer_id, churn_date) values (?, ?)", churn_dates)
        workspace.set_dataset("random", [])
        dataset = workspace.dataset
        assert dataset is not None
        if dataset.first_date is None or dataset.first_date > as_of:
            return
        view = Settings(as_of, 30, grain, date_from=dataset.first_date)
        workspace.ensure_derived(view)
        one_pass = workspace.window_sensitivity(view, windows).set_index("window_days")
        for window in windows:
            settings = replace(view, window_days=window)
            workspace.ensure_derived(settings)
            complete = workspace.query("churn_by_period", settings.period_params(dataset.first_date))
            complete = complete[complete["is_complete"]]
            if complete.empty:
                assert one_pass.empty
                continue
            last = complete.iloc[-1]
            assert pd.Timestamp(one_pass.loc[window, "period_start"]) == pd.Timestamp(last["period_start"])
            assert int(one_pass.loc[window, "customers_at_start"]) == int(last["customers_at_start"]), window
            assert int(one_pass.loc[window, "churned"]) == int(last["churned"]), window
    finally:
        workspace.close()
