"""customer_spells and customer_facts on the tiny fixture (W = 30 days, as of 2024-06-30)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from churn.db import load_sql
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF


def spells_of(workspace: Workspace) -> dict[tuple[str, int], tuple[date, date, date | None]]:
    rows = workspace.con.execute(
        "select customer_id, spell_number, spell_start, last_order_date, churn_date from customer_spells"
    ).fetchall()
    return {(c, n): (start, last, churn) for c, n, start, last, churn in rows}


def test_spells_worked_by_hand(tiny: Workspace) -> None:
    d = date
    assert spells_of(tiny) == {
        # Dec 15 + 30 days = Jan 14.
        ("H", 1): (d(2023, 12, 15), d(2023, 12, 15), d(2024, 1, 14)),
        # Gaps of 27 and 29 days stay in one spell; Mar 1 + 30 = Mar 31.
        ("A", 1): (d(2024, 1, 5), d(2024, 3, 1), d(2024, 3, 31)),
        # A single order: Jan 10 + 30 = Feb 9.
        ("B", 1): (d(2024, 1, 10), d(2024, 1, 10), d(2024, 2, 9)),
        # Jan 15 -> Feb 14 is exactly W = 30 days: the same spell. Feb 14 + 30 = Mar 15.
        ("C", 1): (d(2024, 1, 15), d(2024, 2, 14), d(2024, 3, 15)),
        # May 20 is 96 days after Feb 14: won back. May 20 + 30 = Jun 19 <= as-of.
        ("C", 2): (d(2024, 5, 20), d(2024, 5, 20), d(2024, 6, 19)),
        # Jan 31 + 30 = Mar 1, the first day of a period.
        ("D", 1): (d(2024, 1, 31), d(2024, 1, 31), d(2024, 3, 1)),
        # Still active: Jun 15 + 30 = Jul 15 is after the as-of date; the explicit churn
        # date Aug 1 is after the as-of date too, so it is ignored.
        ("E", 1): (d(2024, 2, 10), d(2024, 6, 15), None),
        # Mar 20 holds only a return (-50): returns are not activity, so it neither extends the
        # spell nor is its last order. Mar 10 + 30 = Apr 9.
        ("F", 1): (d(2024, 3, 10), d(2024, 3, 10), d(2024, 4, 9)),
        ("G", 1): (d(2024, 6, 20), d(2024, 6, 20), None),
        # The Jul 5 order is after the as-of date and ignored: Apr 10 + 30 = May 10.
        ("I", 1): (d(2024, 4, 10), d(2024, 4, 10), d(2024, 5, 10)),
        # Explicit churn date Mar 25 replaces Mar 10 + 30 = Apr 9.
        ("J", 1): (d(2024, 1, 20), d(2024, 3, 10), d(2024, 3, 25)),
        # May 1 + 30 = May 31: starts and churns in the same month.
        ("K", 1): (d(2024, 5, 1), d(2024, 5, 1), d(2024, 5, 31)),
    }


def test_revenue_last_12_months(tiny: Workspace) -> None:
    rows = dict(
        tiny.con.execute("select customer_id || spell_number, revenue_last_12_months from customer_spells").fetchall()
    )
    assert rows["A1"] == 300  # 3 x 100
    assert rows["F1"] == 150  # 200 - 50 (return)
    # C's second spell: 70 on May 20 plus the 365 days before it (Jan 15 and Feb 14): 3 x 70.
    assert rows["C2"] == 210
    assert rows["I1"] == 120  # the 999 after the as-of date does not count


def test_customer_facts(tiny: Workspace) -> None:
    facts = tiny.con.execute("select * from customer_facts").df().set_index("customer_id")
    assert list(facts.index) == list("ABCDEFGHIJK")
    assert sorted(facts.index[facts["is_active"]]) == ["E", "G"]
    assert facts.loc["C", "spells"] == 2 and facts.loc["C", "times_won_back"] == 1
    # C is churned again after being won back: its latest spell's churn date counts.
    assert pd.Timestamp(facts.loc["C", "churn_date"]).date() == date(2024, 6, 19)
    assert facts.loc["A", "churn_reason"] == "Price too high"
    assert facts.loc["I", "revenue"] == 120
    assert facts.loc["I", "orders"] == 1


def test_customer_status(tiny: Workspace) -> None:
    status = tiny.query("customer_status", NO_FILTERS).iloc[0]
    assert status["customers"] == 11
    assert status["active_customers"] == 2  # E and G
    assert status["lost_now"] == 9
    assert status["won_back_customers"] == 1  # C
    # 300 + 50 + 210 + 60 + 180 + 150 + 25 + 80 + 120 + 270 + 40
    assert status["revenue"] == 1485


def test_wider_window_merges_spells(tiny: Workspace) -> None:
    tiny.ensure_facts(TINY_AS_OF, 100)
    spells = spells_of(tiny)
    # With W = 100 the 96-day gap of C no longer breaks the spell; May 20 + 100 > as-of.
    assert spells[("C", 1)] == (date(2024, 1, 15), date(2024, 5, 20), None)
    assert ("C", 2) not in spells


@pytest.mark.parametrize("window_days", [0, 3651])
def test_window_out_of_range_is_refused(tiny: Workspace, window_days: int) -> None:
    with pytest.raises(ValueError, match="inactivity window"):
        tiny.ensure_facts(TINY_AS_OF, window_days)


def test_a_customers_dimensions_are_the_most_frequent_ties_broken_the_same_way_every_time(tmp_path) -> None:
    from churn.db import open_connection
    from churn.ingest import create_canonical_tables

    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    workspace.con.execute(
        "insert into orders (customer_id, order_date, amount, region, channel, category) values "
        # P: North on 3 lines, South on 2 (the latest): North, the most frequent.
        "('P', '2024-01-01', 1, 'North', 'web', 'tea'), ('P', '2024-01-02', 1, 'North', 'web', 'tea'),"
        "('P', '2024-01-03', 1, 'North', 'shop', 'tea'), ('P', '2024-02-01', 1, 'South', 'shop', 'cups'),"
        "('P', '2024-02-02', 1, 'South', 'shop', 'cups'),"
        # Q: East and West on 2 lines each; West was ordered last (Mar 1): West.
        "('Q', '2024-01-01', 1, 'East', 'phone', null), ('Q', '2024-01-05', 1, 'East', 'web', null),"
        "('Q', '2024-02-01', 1, 'West', 'phone', null), ('Q', '2024-03-01', 1, 'West', 'phone', null),"
        "('Q', '2024-03-01', 1, 'West', 'web', null),"
        # R: one line in each region on the same day: the tie goes to the later name, West.
        "('R', '2024-01-01', 1, 'East', null, null), ('R', '2024-01-01', 1, 'West', null, null)"
    )
    for _ in range(3):  # the same answer on every build
        workspace.ensure_facts(date(2024, 6, 30), 30)
        rows = workspace.con.execute(
            "select customer_id, region, channel, category from customer_facts order by customer_id"
        ).fetchall()
        # P: channel shop on 3 lines (Jan 3, Feb 1, Feb 2) against web on 2; category tea 3 : 2.
        # Q: phone on 3 lines against web on 2; no category at all.
        assert rows == [("P", "North", "shop", "tea"), ("Q", "West", "phone", None), ("R", "West", None, None)]
        workspace.builds.reset()  # rebuild
    workspace.close()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 800), st.one_of(st.none(), st.integers(1, 400)), st.booleans()),
        max_size=60,
    )
)
def test_purchase_gap_quantiles_read_off_gap_counts_equal_quantile_cont(days) -> None:
    """purchase_gaps reads its quantiles off the count of each gap length (quantile_cont holds
    every gap in memory, which 100M order lines do not fit in): the same values on any gaps."""
    con = duckdb.connect()
    con.execute("create table customer_order_days (order_date date, previous_order_date date, is_purchase_day boolean)")
    for day, gap, is_purchase_day in days:
        order_date = date(2024, 1, 1) + timedelta(days=day)
        previous = order_date - timedelta(days=gap) if gap is not None else None
        con.execute("insert into customer_order_days values (?, ?, ?)", [order_date, previous, is_purchase_day])
    ours = con.execute(load_sql("purchase_gaps")).fetchone()
    direct = con.execute(
        """select count(gap_days), quantile_cont(gap_days, 0.5), quantile_cont(gap_days, 0.75),
               quantile_cont(gap_days, 0.9), quantile_cont(gap_days, 0.95)
           from (select order_date - previous_order_date as gap_days
                 from customer_order_days where is_purchase_day and previous_order_date is not null)"""
    ).fetchone()
    assert ours is not None and direct is not None
    assert ours[0] == direct[0]
    for got, expected in zip(ours[1:], direct[1:], strict=True):
        assert got == pytest.approx(expected, abs=1e-9) if expected is not None else got is None
