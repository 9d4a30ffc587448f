"""What-if projection, worked by hand for one tier over three yearly periods."""

from __future__ import annotations

from dataclasses import replace

import pytest

from churn.whatif import (
    MAX_SAVED_SCENARIOS,
    Levers,
    TierBaseline,
    compare,
    project,
    retained_customer_value,
    saved_scenarios_from_token,
    saved_scenarios_token,
    zero_defection,
)

TIER = TierBaseline(
    tier="gold",
    customers=100,
    churn_by_cause={"dissatisfaction": 0.10, "competitor": 0.05},
    new_per_period=10,
    won_back_per_period=2,
    value_per_customer=20,
    revenue_per_customer=80,
)
THREE_YEARS = Levers(discount_rate=0.10, horizon_years=3)


def test_baseline_projection_by_hand() -> None:
    rows = project([TIER], THREE_YEARS, "year")
    # Year 1: 100 at start, lose 100 x 0.15 = 15, value 100 x 20 = 2,000, end 100 - 15 + 10 + 2 = 97.
    # Year 2: lose 97 x 0.15 = 14.55, value 1,940, end 97 - 14.55 + 12 = 94.45.
    # Year 3: lose 94.45 x 0.15 = 14.1675, value 1,889, end 94.45 - 14.1675 + 12 = 92.2825.
    assert list(rows["customers_at_start"]) == pytest.approx([100, 97, 94.45])
    assert list(rows["lost"]) == pytest.approx([15, 14.55, 14.1675])
    assert list(rows["value"]) == pytest.approx([2000, 1940, 1889])
    assert rows["customers_at_end"].iloc[-1] == pytest.approx(92.2825)
    # Discounted at 10% a year: 2,000 / 1.1 + 1,940 / 1.21 + 1,889 / 1.331.
    assert list(rows["discounted_value"]) == pytest.approx([2000 / 1.1, 1940 / 1.21, 1889 / 1.331])
    # Revenue, not discounted: 100, 97, 94.45 customers x 80.
    assert list(rows["revenue"]) == pytest.approx([8000, 7760, 7556])
    # Lost to competitors: the 0.05 part of the churn.
    assert rows["lost_to_competitors"].iloc[0] == pytest.approx(5)


def test_halving_dissatisfaction_churn() -> None:
    levers = Levers(churn_cut_by_cause={"dissatisfaction": 0.5}, discount_rate=0.10, horizon_years=3)
    rows = project([TIER], levers, "year")
    # Churn 0.10 x 0.5 + 0.05 = 0.10: year 1 loses 10, ends at 102; year 2 loses 10.2, ends 103.8.
    assert list(rows["customers_at_start"]) == pytest.approx([100, 102, 103.8])
    comparison, _, _ = compare([TIER], levers, "year")
    gain = (2040 - 1940) / 1.21 + (2076 - 1889) / 1.331  # year 1 is the same: 2,000 both
    assert comparison.value_gain == pytest.approx(gain)
    # Losses prevented: the scenario's customers at each start x (0.15 - 0.10) = 100, 102, 103.8 x 0.05.
    assert comparison.customers_kept == pytest.approx((100 + 102 + 103.8) * 0.05)
    assert comparison.competitor_losses_avoided == 0  # competitor churn untouched
    # Break-even per customer kept: the value gained ÷ the 15.29 losses prevented.
    assert comparison.break_even_per_customer_kept == pytest.approx(gain / ((100 + 102 + 103.8) * 0.05))


def test_no_change_reproduces_the_baseline() -> None:
    comparison, base, scenario = compare([TIER], THREE_YEARS, "year")
    assert comparison.value_gain == 0
    assert comparison.customers_kept == 0
    assert base.equals(scenario)


def test_full_churn_cut_is_the_zero_defection_bound() -> None:
    everything = compare([TIER], Levers(churn_cut_all=1.0, discount_rate=0.10, horizon_years=3), "year")[0]
    bound = zero_defection([TIER], THREE_YEARS, None, "year")
    assert bound == everything
    # No churn: 100, 112, 124 customers at the starts: values 2,000, 2,240, 2,480.
    assert bound.scenario_value == pytest.approx(2000 / 1.1 + 2240 / 1.21 + 2480 / 1.331)
    assert zero_defection([TIER], THREE_YEARS, "gold", "year") == bound  # the only tier


def test_costs_return_and_break_even() -> None:
    levers = Levers(churn_cut_all=0.2, discount_rate=0.0, horizon_years=1, cost_fixed=100, cost_per_customer_year=1)
    comparison, _, _ = compare([TIER], levers, "year")
    # Churn 0.15 x 0.8 = 0.12: value is that of the start (100 x 20) in a one-year horizon: no gain.
    assert comparison.value_gain == 0
    assert comparison.programme_cost == 100 + 100 * 1
    assert comparison.net_gain == -200
    assert comparison.return_on_cost == -1
    assert comparison.break_even_cost == 0
    assert comparison.break_even_per_customer_kept == 0  # 100 x 0.03 = 3 losses prevented, no value gained
    nothing = compare([TIER], Levers(horizon_years=1), "year")[0]
    assert nothing.break_even_per_customer_kept is None  # nobody kept: no spend per customer


def test_move_up_a_tier() -> None:
    lead = TierBaseline("lead", 1000, {"unknown": 0.2}, 0, 0, 5)
    gold = TierBaseline("gold", 10, {"unknown": 0.1}, 0, 0, 50)
    iron = TierBaseline("iron", 100, {"unknown": 0.15}, 0, 0, 15)
    rows = project([gold, iron, lead], Levers(move_up_share=0.1, horizon_years=1), "year")
    start = dict(zip(rows["tier"], rows["customers_at_start"], strict=True))
    # 10% of iron (10) to gold, 10% of lead (100) to iron.
    assert start == pytest.approx({"gold": 20, "iron": 100 - 10 + 100, "lead": 900})


def test_value_of_one_retained_customer() -> None:
    # Monthly: m x (1 - c)^(k-1) / (1 + d)^(k/12), c = 0.15 churn, m = 20, 10% a year, 3 months:
    # 20 / 1.1^(1/12) + 17 / 1.1^(2/12) + 14.45 / 1.1^(3/12).
    expected = 20 / 1.1 ** (1 / 12) + 17 / 1.1 ** (2 / 12) + 14.45 / 1.1 ** (3 / 12)
    assert retained_customer_value(TIER, 3, 0.10) == pytest.approx(expected)
    # One customer of the projection with every lever at zero, month by month, is the same figure.
    one = [replace(TIER, customers=1.0, new_per_period=0.0, won_back_per_period=0.0)]
    projected = project(one, Levers(discount_rate=0.10, horizon_years=1), "month")["discounted_value"].sum()
    assert retained_customer_value(TIER, 12, 0.10) == pytest.approx(projected)


def test_scenario_round_trips_through_the_url() -> None:
    levers = Levers(
        churn_cut_by_cause={"dissatisfaction": 0.3, "competitor": 0.1},
        churn_cut_by_tier={"gold": 0.5},
        churn_cut_all=0.05,
        acquisition_change=-0.2,
        margin_change=0.03,
        move_up_share=0.02,
        discount_rate=0.08,
        horizon_years=5,
        cost_fixed=10000,
        cost_per_customer_year=12.5,
    )
    assert Levers.from_token(levers.to_token()) == levers
    with pytest.raises(ValueError, match="could not be read"):
        Levers.from_token("not-a-scenario")
    with pytest.raises(ValueError, match="between 0% and 100%"):
        Levers.from_token(Levers(churn_cut_all=1.5).to_token())


def test_saved_scenarios_travel_in_one_link_text() -> None:
    saved = {
        "Upside": Levers(churn_cut_all=0.2),
        "保守方案 = 10%": Levers(churn_cut_by_tier={"gold": 0.1}, horizon_years=3),
    }
    token = saved_scenarios_token(saved)
    assert token.replace("-", "").replace("_", "").isalnum()  # URL-safe as it is
    assert saved_scenarios_from_token(token) == saved
    with pytest.raises(ValueError):
        saved_scenarios_from_token("garbage!")
    with pytest.raises(ValueError):  # a scenario with a lever the page does not have
        saved_scenarios_from_token(saved_scenarios_token({"x": Levers()}).replace("A", "B", 3))
    too_many = {f"s{number}": Levers() for number in range(MAX_SAVED_SCENARIOS + 1)}
    with pytest.raises(ValueError):
        saved_scenarios_from_token(saved_scenarios_token(too_many))
