"""Trend queries on the tiny fixture (W = 30 days, as of 2024-06-30), worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from churn.settings import Settings
from churn.tiers import TierRule
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF, TINY_WINDOW, period_params


def test_revenue_churn(tiny: Workspace) -> None:
    revenue = tiny.query("revenue_churn_by_period", period_params())
    table = revenue.set_index(revenue["period_start"].dt.strftime("%Y-%m"))
    # February: at start A B C D J; their revenue before Feb 1 (365 days): A 100, B 50, C 70,
    # D 60, J 90 = 370. B is lost in February: 50 / 370.
    assert (table.loc["2024-02", "revenue_base"], table.loc["2024-02", "revenue_lost"]) == (370, 50)
    assert table.loc["2024-02", "revenue_churn_rate"] == pytest.approx(50 / 370)
    # March: at start A C D J E; revenue before Mar 1: A 200, C 140, D 60, J 180, E 30 = 610.
    # D, C, J and A are lost: 60 + 140 + 180 + 200 = 580.
    assert (table.loc["2024-03", "revenue_base"], table.loc["2024-03", "revenue_lost"]) == (610, 580)
    assert list(table["churned"]) == [0, 1, 1, 4, 1, 1, 1]  # the same customers as churn_by_period
    assert (table["revenue_lost"] <= table["revenue_base"]).all()
    assert table.loc["2023-12", "revenue_base"] == 0  # an empty period: nobody at its start


def test_cohort_retention(tiny: Workspace) -> None:
    cohorts = tiny.query("cohort_retention", {"as_of": TINY_AS_OF, "cohort_grain": "month", **NO_FILTERS})
    january = cohorts[cohorts["cohort_start"] == "2024-01-01"]
    # January cohort A B C D J. Active at the end of Jan: all 5; end of Feb: B lost Feb 9 -> 4;
    # end of Mar: D (Mar 1), C (Mar 15), J (Mar 25), A (Mar 31) all lost -> 0; end of May: C,
    # won back on May 20, counts again in its first cohort -> 1; end of Jun: C lost Jun 19 -> 0.
    assert list(january["active_customers"]) == [5, 4, 0, 0, 1, 0]
    assert list(january["cohort_customers"].unique()) == [5]
    assert list(january["share_active"]) == [1.0, 0.8, 0.0, 0.0, 0.2, 0.0]
    # K (May) churns on May 31, the last day of its first month: not active at its end.
    may = cohorts[cohorts["cohort_start"] == "2024-05-01"]
    assert list(may["active_customers"]) == [0, 0]
    # Only period ends up to the as-of date: the June cohort has one cell, E's February cohort five.
    assert len(cohorts[cohorts["cohort_start"] == "2024-06-01"]) == 1
    assert list(cohorts[cohorts["cohort_start"] == "2024-02-01"]["share_active"]) == [1.0] * 5


def test_survival_by_tenure(tiny: Workspace) -> None:
    survival = tiny.query("survival_by_tenure", {"as_of": TINY_AS_OF, "split": "all", **NO_FILTERS})
    rows = {row.months: (row.at_risk, row.events, row.censored) for row in survival.itertuples()}
    # First spells in whole 30.4375-day months: H 30 d, B 30, D 30, I 30, K 30 and F 30 (Mar 10
    # to Apr 9: its return on Mar 20 is no activity) -> month 0, lost; G 10 days, censored at the
    # as-of date; C 60 d -> month 1; A 86 d and J 65 d -> month 2; E 141 days -> month 4, censored.
    assert rows == {0: (11, 6, 1), 1: (4, 1, 0), 2: (3, 2, 0), 4: (1, 0, 1)}
    curve = dict(zip(survival["months"], survival["survival"], strict=True))
    assert curve[0] == pytest.approx(1 - 6 / 11)  # 5/11
    assert curve[1] == pytest.approx(5 / 11 * 3 / 4)  # 15/44
    assert curve[2] == pytest.approx(15 / 44 * 1 / 3)  # 5/44
    assert curve[4] == pytest.approx(5 / 44)  # censoring does not lower the curve


def test_survival_split_by_cohort_year(tiny: Workspace) -> None:
    survival = tiny.query("survival_by_tenure", {"as_of": TINY_AS_OF, "split": "cohort_year", **NO_FILTERS})
    assert set(survival["segment"]) == {"2023", "2024"}
    h = survival[survival["segment"] == "2023"]  # H alone, lost in month 0
    assert list(h["survival"]) == [0.0]


def test_repeat_purchase_share(tiny: Workspace) -> None:
    shares = tiny.query("repeat_purchase_share", {"as_of": TINY_AS_OF, "windows": [25, 30, 60]})
    # Gaps between purchase days up to the as-of date: A 27, 29; C 30, 96; J 26, 24; E 24, 27, 24,
    # 25, 26: eleven (F's Mar 20 holds only a return: no purchase, no gap). Within 25 days: 24, 24,
    # 24, 25 = 4; within 30 (and 60) all but 96 = 10.
    assert list(shares["share_within"]) == pytest.approx([4 / 11, 10 / 11, 10 / 11])


def test_window_sensitivity_restores_the_current_window(tiny: Workspace) -> None:
    settings = Settings(TINY_AS_OF, TINY_WINDOW, date_from=date(2000, 1, 1))
    sensitivity = tiny.window_sensitivity(settings, (30, 100)).set_index("window_days")
    # June with W = 30: at its start E and C; C is lost on Jun 19: 1 of 2.
    assert (sensitivity.loc[30, "churned"], sensitivity.loc[30, "customers_at_start"]) == (1, 2)
    assert sensitivity.loc[30, "share_within"] == pytest.approx(10 / 11)
    # With W = 100: A churns Mar 1 + 100 = Jun 9, F Mar 20 + 100 = Jun 28; C's 96-day gap no
    # longer breaks its spell; I (Apr 10 + 100 = Jul 19) and K (May 1 + 100 = Aug 9) are still
    # active. At the start of June: A, C, E, F, I, K = 6; lost in June: A and F = 2.
    assert (sensitivity.loc[100, "churned"], sensitivity.loc[100, "customers_at_start"]) == (2, 6)
    assert sensitivity.loc[100, "share_within"] == 1.0
    # The spells are those of W = 30 again afterwards.
    assert tiny.con.execute("select count(*) from customer_spells where customer_id = 'C'").fetchone() == (2,)


def test_window_sensitivity_agrees_with_choosing_that_window_under_filters(tiny: Workspace) -> None:
    # The other windows' flows are kept per filter groups: after the tier rule changes (new
    # groups), a tier-filtered sensitivity must still equal choosing W = 100 in the sidebar.
    rule = TierRule((20.0, 20.0, 20.0, 40.0))
    settings = Settings(TINY_AS_OF, TINY_WINDOW, date_from=date(2000, 1, 1), tier_filter=("lead",), tier_rule=rule)
    tiny.window_sensitivity(replace(settings, tier_filter=()), (30, 100))
    tiny.ensure_derived(settings)
    sensitivity = tiny.window_sensitivity(settings, (30, 100)).set_index("window_days")
    tiny.ensure_facts(TINY_AS_OF, 100, rule)
    periods = tiny.query("churn_by_period", replace(settings, window_days=100).period_params(date(2000, 1, 1)))
    last = periods[periods["is_complete"]].iloc[-1]
    assert sensitivity.loc[100, "customers_at_start"] == last["customers_at_start"] > 0
    assert sensitivity.loc[100, "churned"] == last["churned"]
