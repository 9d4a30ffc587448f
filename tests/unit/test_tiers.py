"""Tier assignment, pyramid, concentration, churn by tier and migration, worked by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from churn.db import open_connection
from churn.ingest import create_canonical_tables
from churn.tiers import TierRule, TierRuleError
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF, TINY_WINDOW, period_params

AS_OF = date(2024, 12, 31)


def workspace_with_values(tmp_path: Path, values: dict[str, float], costs: dict[str, float] | None = None) -> Workspace:
    """One order per customer on 2024-06-01 with the given amount (and cost)."""
    workspace = Workspace(open_connection([tmp_path]))
    create_canonical_tables(workspace.con)
    rows = [(c, date(2024, 6, 1), v, (costs or {}).get(c)) for c, v in values.items()]
    workspace.con.executemany("insert into orders (customer_id, order_date, amount, cost) values (?, ?, ?, ?)", rows)
    return workspace


def tiers_of(workspace: Workspace, rule: TierRule | None = None) -> dict[str, str]:
    workspace.ensure_facts(AS_OF, 90, rule or TierRule())
    return dict(workspace.con.execute("select customer_id, tier from customer_tiers").fetchall())


def counts(tiers: dict[str, str]) -> tuple[int, int, int, int]:
    values = list(tiers.values())
    return tuple(values.count(t) for t in ("platinum", "gold", "iron", "lead"))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        # platinum up to ceil(1% n), gold up to ceil(5% n), iron up to ceil(20% n), lead the rest
        (1, (1, 0, 0, 0)),  # ceil(0.01) = 1: the only customer is platinum
        (7, (1, 0, 1, 5)),  # ceil(0.07) = 1, ceil(0.35) = 1, ceil(1.4) = 2
        (20, (1, 0, 3, 16)),  # ceil(0.2) = 1, ceil(1) = 1, ceil(4) = 4
        (100, (1, 4, 15, 80)),  # 1, 5, 20 exactly
        (101, (2, 4, 15, 80)),  # ceil(1.01) = 2, ceil(5.05) = 6, ceil(20.2) = 21
    ],
)
def test_default_tier_sizes(tmp_path: Path, n: int, expected: tuple[int, int, int, int]) -> None:
    workspace = workspace_with_values(tmp_path, {f"C{i:03d}": 1000.0 - i for i in range(n)})
    assert counts(tiers_of(workspace)) == expected


def test_ties_at_a_boundary_go_by_customer_id(tmp_path: Path) -> None:
    values = {f"C{i:03d}": float(i) for i in range(98)} | {"B": 5000.0, "A": 5000.0}
    tiers = tiers_of(workspace_with_values(tmp_path, values))
    assert tiers["A"] == "platinum"  # n = 100: one platinum; A and B tie, A comes first
    assert tiers["B"] == "gold"


def test_zero_and_negative_values_rank_last(tmp_path: Path) -> None:
    values = {"P": 900.0, "Q": 500.0, "R": 300.0, "S": 0.0, "T": 10.0, "U": 100.0, "V": 200.0}
    workspace = workspace_with_values(tmp_path, values)
    # T bought for 10 and returned 50 on another day: -40 in all, ranked last. W only returned
    # goods (no purchase): not a customer to rank.
    workspace.con.execute(
        "insert into orders (customer_id, order_date, amount) values ('T', date '2024-06-02', -50), "
        "('W', date '2024-06-02', -20)"
    )
    tiers = tiers_of(workspace)
    # n = 7: P platinum, none gold, Q iron (rank 2 <= ceil(1.4) = 2), the rest lead.
    assert tiers == {"P": "platinum", "Q": "iron", "R": "lead", "V": "lead", "U": "lead", "S": "lead", "T": "lead"}
    assert workspace.con.execute("select value from customer_tiers where customer_id = 'T'").fetchone() == (-40.0,)


def test_custom_cut_points(tmp_path: Path) -> None:
    workspace = workspace_with_values(tmp_path, {f"C{i:03d}": 1000.0 - i for i in range(10)})
    # 10/20/30/40 of 10 customers: ceil(1) = 1, ceil(3) = 3, ceil(6) = 6.
    assert counts(tiers_of(workspace, TierRule((10, 20, 30, 40)))) == (1, 2, 3, 4)


def test_fractional_cut_points(tmp_path: Path) -> None:
    workspace = workspace_with_values(tmp_path, {f"C{i:03d}": 1000.0 - i for i in range(300)})
    # 0.5/4.5/15/80 of 300: ceil(1.5) = 2, ceil(15) = 15, ceil(60) = 60.
    assert counts(tiers_of(workspace, TierRule((0.5, 4.5, 15, 80)))) == (2, 13, 45, 240)


def test_margin_basis_boundary(tmp_path: Path) -> None:
    values = {"A": 1000.0, "B": 600.0, "C": 500.0, "D": 100.0, "E": 50.0}
    costs = {"A": 950.0, "B": 100.0, "C": 480.0, "D": 0.0, "E": 80.0}  # margins 50, 500, 20, 100, -30
    tiers = tiers_of(workspace_with_values(tmp_path, values, costs), TierRule((20, 20, 20, 40), basis="margin"))
    # 5 customers, ceil(1) = 1, ceil(2) = 2, ceil(3) = 3: ranked by margin B 500, D 100, A 50, C 20, E -30.
    assert tiers == {"B": "platinum", "D": "gold", "A": "iron", "C": "lead", "E": "lead"}


def test_last_12_months_window(tmp_path: Path) -> None:
    workspace = workspace_with_values(tmp_path, {"OLD": 100.0, "NEW": 10.0})
    workspace.con.execute("update orders set order_date = date '2023-12-31' where customer_id = 'OLD'")
    tiers = tiers_of(workspace, TierRule(window="12m"))
    # 2024-12-31 - 364 days = 2024-01-02: OLD's only order is outside the window, so OLD is not ranked.
    assert tiers == {"NEW": "platinum"}


@pytest.mark.parametrize("shares", [(1, 4, 15, 70), (1, 4, 15, 81), (-1, 6, 15, 80)])
def test_invalid_rules_are_refused(shares: tuple[float, float, float, float]) -> None:
    with pytest.raises(TierRuleError):
        TierRule(shares)


def test_gini_on_known_distributions(tmp_path: Path) -> None:
    def gini(values: dict[str, float], folder: Path) -> float:
        folder.mkdir()
        workspace = workspace_with_values(folder, values)
        workspace.ensure_facts(AS_OF, 90, TierRule())
        return float(workspace.query("value_concentration", {"curve_basis": "revenue"})["gini"].iloc[0])

    # [0, 0, 0, 10]: 2 * (4 * 10) / (4 * 10) - 5 / 4 = 0.75
    assert gini({"A": 0, "B": 0, "C": 0, "D": 10}, tmp_path / "a") == pytest.approx(0.75)
    # [1, 2, 3, 4]: 2 * (1 + 4 + 9 + 16) / (4 * 10) - 5 / 4 = 1.5 - 1.25 = 0.25
    assert gini({"A": 1, "B": 2, "C": 3, "D": 4}, tmp_path / "b") == pytest.approx(0.25)
    assert gini({"A": 5, "B": 5, "C": 5}, tmp_path / "c") == pytest.approx(0.0)


def test_tiny_fixture_pyramid(tiny: Workspace) -> None:
    # Revenue to 2024-06-30: A 300, J 270, C 210, E 180, F 150, I 120, H 80, D 60, B 50, K 40, G 25.
    # n = 11: platinum ceil(0.11) = 1 (A), gold ceil(0.55) = 1 (none), iron ceil(2.2) = 3 (J, C).
    summary = tiny.query("tier_summary", NO_FILTERS).set_index("tier")
    assert list(summary.index) == ["platinum", "iron", "lead"]
    assert summary.loc["platinum", "customers"] == 1 and summary.loc["platinum", "revenue"] == 300
    assert summary.loc["iron", "customers"] == 2 and summary.loc["iron", "revenue"] == 270 + 210
    assert summary.loc["lead", "customers"] == 8
    assert summary.loc["lead", "revenue"] == 180 + 150 + 120 + 80 + 60 + 50 + 40 + 25  # 705
    assert summary.loc["iron", "revenue_share"] == pytest.approx(480 / 1485)
    assert summary.loc["iron", "median_value"] == pytest.approx((270 + 210) / 2)
    # Active at the as-of date: E and G, both lead; everyone else is lost.
    assert summary.loc["lead", "active_customers"] == 2
    assert summary.loc["platinum", "lost_customers"] == 1
    assert summary.loc["lead", "lost_value"] == 705 - 180 - 25


def test_tiny_fixture_churn_by_tier(tiny: Workspace) -> None:
    periods = tiny.query(
        "churn_by_period",
        period_params(
            dimension="tier",
        ),
    )
    iron = periods[periods["segment"] == "iron"].set_index(
        periods[periods["segment"] == "iron"]["period_start"].dt.strftime("%m")
    )
    # Iron = J and C. Jan: both new. Mar: C (Mar 15) and J (Mar 25) lost: 2 / 2. May: C back. Jun: C lost: 1 / 1.
    assert list(iron["customers_at_start"]) == [0, 0, 2, 2, 0, 0, 1]
    assert iron.loc["03", "churn_rate"] == 1.0
    assert iron.loc["05", "won_back"] == 1
    assert iron.loc["06", "churn_rate"] == 1.0
    platinum = periods[periods["segment"] == "platinum"]
    assert list(platinum["churned"]) == [0, 0, 0, 1, 0, 0, 0]  # A lost on Mar 31
    # The invariant holds in every segment.
    for _, segment in periods.groupby("segment"):
        flow = segment["customers_at_start"] + segment["new"] + segment["won_back"] - segment["churned_total"]
        assert list(flow.iloc[:-1]) == list(segment["customers_at_start"].iloc[1:])
    # The segments add up to the whole.
    total = periods.groupby("period_start")[["customers_at_start", "churned", "churned_total"]].sum()
    assert list(total["churned"]) == [0, 1, 1, 4, 1, 1, 1]


def test_tier_filter_keeps_only_those_tiers(tiny: Workspace) -> None:
    params = period_params(
        as_of=TINY_AS_OF,
        window_days=TINY_WINDOW,
        grain="month",
        dimension="all",
        tiers=["iron"],
        date_from=date(2000, 1, 1),
        date_to=TINY_AS_OF,
    )
    periods = tiny.query("churn_by_period", params)
    # Periods still start with the data (Dec 2023): C and J lost in March, C again in June.
    assert list(periods["churned"]) == [0, 0, 0, 2, 0, 0, 1]
    status = tiny.query("customer_status", {**NO_FILTERS, "tiers": ["iron"]}).iloc[0]
    assert (status["customers"], status["active_customers"]) == (2, 0)


def test_tiny_fixture_migration(tiny: Workspace) -> None:
    before = (date(2024, 1, 1), date(2024, 3, 31))
    after = (date(2024, 4, 1), date(2024, 6, 30))
    matrix, drops = tiny.tier_migration(TierRule(), before, after)
    # Before (Jan-Mar): A 300, J 270, F 150 (200 - 50), C 140, D 60, E 60, B 50; n = 7:
    #   platinum A, iron J (ceil(1.4) = 2), lead F C D E B.
    # After (Apr-Jun): E 120, I 120, C 70, K 40, G 25; n = 5: platinum E (tie with I, E first), lead I C K G.
    moves = {(row.from_tier, row.to_tier): row.customers for row in matrix.itertuples()}
    assert moves == {
        ("platinum", "lost"): 1,  # A
        ("iron", "lost"): 1,  # J
        ("lead", "platinum"): 1,  # E
        ("lead", "lead"): 1,  # C
        ("lead", "lost"): 3,  # F, D, B
        ("new", "lead"): 3,  # I, K, G
    }
    by_from = matrix.groupby("from_tier")["customers"].sum().to_dict()
    assert by_from == {"platinum": 1, "iron": 1, "lead": 5, "new": 3}  # before sizes + new
    by_to = matrix.groupby("to_tier")["customers"].sum().to_dict()
    assert by_to == {"platinum": 1, "lead": 4, "lost": 5}  # after sizes + lost
    assert sorted(drops["customer_id"]) == ["A", "B", "D", "F", "J"]


def test_customers_file_alone_is_ranked_by_total_revenue(tmp_path: Path) -> None:
    con = open_connection([tmp_path])
    create_canonical_tables(con)
    con.execute(
        "insert into customers (customer_id, total_revenue, status) values "
        "('X', 500, 'active'), ('Y', 100, 'churned'), ('Z', 900, 'Active')"
    )
    workspace = Workspace(con)
    workspace.ensure_facts(AS_OF, 90, TierRule((40, 0, 0, 60)))
    rows = con.execute("select customer_id, tier, value from customer_tiers order by value_rank").fetchall()
    assert rows == [("Z", "platinum", 900), ("X", "platinum", 500), ("Y", "lead", 100)]  # ceil(1.2) = 2
    summary = workspace.query("tier_summary", NO_FILTERS).set_index("tier")
    assert summary.loc["lead", "lost_customers"] == 1  # Y's status says churned
    assert summary.loc["platinum", "lost_customers"] == 0


def test_value_curve_is_bounded_and_ends_at_one(demo: Workspace) -> None:
    demo.ensure_facts(date(2025, 12, 31), 60, TierRule())
    curve = demo.query("value_curve", {"curve_basis": "revenue", "tier_basis": "revenue"})
    assert len(curve) <= 1010  # at most ~1,000 points (every 5th of 4,991 customers, and the boundaries)
    assert curve["cumulative_value_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["customer_share"].iloc[-1] == 1.0
    assert curve["is_tier_boundary"].sum() == 3
    # Ranked by margin, the revenue tiers interleave: no boundaries to mark.
    whale = demo.query("value_curve", {"curve_basis": "margin", "tier_basis": "revenue"})
    assert not whale["is_tier_boundary"].any()
    assert whale["cumulative_value_share"].max() > 1.0  # some customers destroy value
