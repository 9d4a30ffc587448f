"""Churn causes: the classifier on real-world-style reasons, and the cause queries by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from churn.causes import (
    accumulation_effect,
    classify,
    load_rules,
    merge_overrides,
    overrides_from_edits,
    read_overrides,
)
from churn.metrics import LossTotals, losses_by
from churn.settings import Settings
from churn.workspace import Workspace
from tests.conftest import NO_FILTERS, TINY_AS_OF, make_workspace, period_params

D, C, F, OT, U = "dissatisfaction", "competitor", "forced", "other", "unknown"

REASONS = [
    # (reason, category, expected cause)
    ("Unhappy with product quality", None, D),
    ("Poor quality", None, D),
    ("quailty issues", None, D),  # typo
    ("Product broke after a week", None, D),
    ("Defective items", None, D),
    ("Rude staff", None, D),
    ("服务态度差", None, D),
    ("对产品不满", None, D),
    ("对商家不满", None, D),
    ("Complaint not handled", None, D),
    ("complaints ignored", None, D),
    ("未能处理好投诉", None, D),
    ("Price too high", None, D),
    ("TOO EXPENSIVE", None, D),
    ("价格太高", None, D),
    ("较高价格", None, D),
    ("Lost interest", None, D),
    ("失去兴趣", None, D),
    ("delivery always late", None, D),
    ("Disappointed with support", None, D),
    ("售后太差", None, D),
    ("Switched to competitor", None, C),
    ("went with a competiter", None, C),  # typo
    ("Compettitor offered lower price", None, C),  # typo
    ("Poached by rival store", None, C),
    ("Better deal from another supplier", None, C),
    ("Cheaper elsewhere", None, C),
    ("被竞争对手挖走", None, C),
    ("竞争对手赢得", None, C),
    ("被竞争对手吸引走", None, C),
    ("换了别家，价格更便宜", None, C),
    ("转投其他品牌", None, C),
    ("Moved away", None, F),
    ("Other: moved to another city", None, F),
    ("Relocated abroad", None, F),
    ("Out of service area", None, F),
    ("移居外地", None, F),
    ("移居或死亡", None, F),
    ("Deceased", None, F),
    ("Customer passed away", None, F),
    ("客户去世", None, F),
    ("Bankruptcy", None, F),
    ("bankrupcy", None, F),  # typo: starts like bankrup*
    ("Business closed", None, F),
    ("公司倒闭", None, F),
    ("破产", None, F),
    ("No longer needs the product", None, F),
    ("需求变化", None, F),
    ("客户欠款被终止合同", None, F),
    ("恶意欠款", None, F),
    ("Contract terminated for non-payment", None, F),
    ("Fraud", None, F),
    ("Other", None, OT),
    ("其他", None, OT),
    ("Duplicate account merged", None, OT),
    ("Something else entirely", None, OT),  # no rule: other
    ("Don't know", None, U),
    ("DONT KNOW", None, U),
    ("unknown", None, U),
    ("不知道", None, U),
    ("无", None, U),
    ("N/A", None, U),
    (None, None, U),
    ("   ", None, U),
    # Categories, alone or with a reason
    (None, "Price", D),
    (None, "Attitude", D),
    (None, "Competitor", C),
    (None, "Moved", F),
    (None, "Deceased", F),
    ("Moved", "Other", F),
    ("Deceased", "Other", F),
    ("Don't know", "Price", D),  # a specific category beats an unknown reason
    (None, "Don't know", U),
    ("ＰＲＩＣＥ　ＴＯＯ　ＨＩＧＨ", None, D),  # full-width characters
]


def test_table_is_large_enough() -> None:
    assert len(REASONS) >= 60


@pytest.mark.parametrize(("reason", "category", "expected"), REASONS)
def test_classifier(reason: str | None, category: str | None, expected: str) -> None:
    assert classify(reason, category).cause == expected


def test_classification_says_why() -> None:
    result = classify("Other: moved to another city")
    assert (result.cause, result.keyword, result.column) == ("forced", "moved", "reason")
    assert classify(None, "Price").column == "category"
    assert classify("Something else entirely").keyword is None


def test_rules_file_uses_known_causes_only() -> None:
    assert {rule.cause for rule in load_rules()} == {D, C, F, OT, U}


def test_accumulation_effect_matches_the_course_table() -> None:
    # docs/metrics.md, "Competitor losses": two stores with 100 customers each and 10 profit per customer.
    effect = accumulation_effect(100, 50, 10.0, steps=3).set_index("lost")
    assert list(effect.index) == [0, 25, 50]
    row = effect.loc[50]
    assert (row["our_customers"], row["rival_customers"]) == (50, 150)
    assert (row["our_share"], row["rival_share"]) == (0.25, 0.75)
    assert (row["our_profit"], row["rival_profit"], row["profit_gap"]) == (500, 1500, 1000)
    assert row["rival_to_us"] == 3.0
    one = accumulation_effect(100, 1, 10.0).set_index("lost").loc[1]
    assert (one["our_profit"], one["rival_profit"], one["profit_gap"]) == (990, 1010, 20)
    assert round(one["rival_to_us"], 2) == 1.02


REASON_TABLE = pd.DataFrame(
    {
        "reason": ["Price too high", "Moved", None],
        "category": [None, None, "Other"],
        "automatic_cause": [D, F, OT],
    }
)


def test_overrides_from_edits() -> None:
    overrides = overrides_from_edits(REASON_TABLE, {0: F, 2: C}, {})
    assert overrides == {("Price too high", ""): F, ("", "Other"): C}
    # Setting a row back to the rules' own answer removes its override.
    assert overrides_from_edits(REASON_TABLE, {0: D}, overrides) == {("", "Other"): C}


def test_mapping_file() -> None:
    uploaded = read_overrides(
        pd.DataFrame({"reason": ["Moved", "Price too high"], "category": ["", ""], "cause": [C, D]})
    )
    # "Price too high" -> dissatisfaction is what the rules say: not an override.
    assert merge_overrides(REASON_TABLE, {}, uploaded) == {("Moved", ""): C}
    with pytest.raises(ValueError, match="Unknown causes"):
        read_overrides(pd.DataFrame({"reason": ["x"], "cause": ["angry"]}))
    with pytest.raises(ValueError, match="missing: cause"):
        read_overrides(pd.DataFrame({"reason": ["x"]}))


def loss_params(
    loss_from: date = date(2023, 12, 1), loss_until: date = date(2024, 7, 1), dimension: str = "all"
) -> dict[str, object]:
    """The periods shown as [loss_from, loss_until) (default: every month of the tiny fixture)."""
    return {"loss_from": loss_from, "loss_until": loss_until, "dimension": dimension, "grain": "month", **NO_FILTERS}


def by_cause(workspace: Workspace, params: dict[str, object], measure: str = "churned_customers") -> list[int]:
    table = workspace.query("losses_by_cause_and_segment", params).set_index("cause")
    assert list(table.index) == [D, C, F, OT, U]
    return [int(value) for value in table[measure]]


def test_tiny_breakdown_by_cause(tiny: Workspace) -> None:
    # Churned in the periods shown (Dec 2023 - Jun 2024): H B D C J A F I K, C twice (Mar 15 and
    # Jun 19). On record: A "Price too high" (dissatisfaction), J "Switched to competitor"
    # (competitor); the other seven say nothing: unknown.
    table = tiny.query("losses_by_cause_and_segment", loss_params()).set_index("cause")
    assert list(table["churned_customers"]) == [1, 1, 0, 0, 7]  # each customer once: 9
    assert list(table["churn_events"]) == [1, 1, 0, 0, 8]  # C's two: 10
    assert list(table["lost_now"]) == [1, 1, 0, 0, 7]  # E and G are active at Jun 30: 9
    # Revenue of the 365 days up to the last order before leaving: A 300, J 270; unknown per
    # event H 80 + B 50 + D 60 + C 140 (Jan 15 + Feb 14) + F 150 + I 120 + K 40 + C 210 (May 20
    # with the two before) = 850; per customer, C's latest event only: 850 - 140 = 710.
    assert list(table["revenue_lost_events"]) == [300, 270, 0, 0, 850]
    assert list(table["revenue_lost_churned"]) == [300, 270, 0, 0, 710]
    assert list(table["revenue_lost_now"]) == [300, 270, 0, 0, 710]
    shares = losses_by(table.reset_index(), "cause").set_index("cause")
    assert shares.loc[U, "share"] == pytest.approx(7 / 9)
    assert shares.loc[D, "revenue_share"] == pytest.approx(300 / 1280)


def test_churn_events_add_up_to_the_periods(tiny: Workspace) -> None:
    # The events of the periods shown are churn_by_period's churned_total added up (1 + 1 + 4 +
    # 1 + 2 + 1 = 10), their revenue its revenue_lost.
    periods = tiny.query("churn_by_period", period_params())
    totals = LossTotals.from_losses(tiny.query("losses_by_cause_and_segment", loss_params()))
    assert (totals.churn_events, totals.churned_customers, totals.lost_now) == (10, 9, 9)
    assert periods["churned_total"].sum() == totals.churn_events
    assert periods["revenue_lost"].sum() == pytest.approx(totals.revenue_lost_events)


def test_a_customer_won_back_is_churned_but_not_lost_now(tmp_path) -> None:
    # As of Jun 10: C churned on Mar 15 and came back on May 20 (May 20 + 30 = Jun 19 is after
    # Jun 10): churned in the periods shown, not lost now. E is active too (May 20 + 30). Lost now:
    # H A B D J F I K = 8 (G and I's Jul 5 order are after Jun 10).
    workspace = make_workspace(tmp_path, ["tiny_orders.csv"], ["tiny_customers.csv"])
    workspace.ensure_facts(date(2024, 6, 10), 30)
    table = workspace.query("losses_by_cause_and_segment", loss_params(loss_until=date(2024, 6, 11)))
    table = table.set_index("cause")
    assert list(table["churn_events"]) == [1, 1, 0, 0, 7]  # H B D C F I K: 9 in all
    assert list(table["churned_customers"]) == [1, 1, 0, 0, 7]
    assert list(table["lost_now"]) == [1, 1, 0, 0, 6]  # C is back
    # Unknown: H 80 + B 50 + D 60 + C 140 + F 150 + I 120 + K 40 = 640 churned; 640 - 140 lost now.
    assert list(table["revenue_lost_churned"]) == [300, 270, 0, 0, 640]
    assert list(table["revenue_lost_now"]) == [300, 270, 0, 0, 500]
    workspace.close()


def test_tiny_breakdown_in_march_only(tiny: Workspace) -> None:
    # Churn dates in March: D (Mar 1), C (Mar 15, its first spell), J (Mar 25), A (Mar 31).
    params = loss_params(date(2024, 3, 1), date(2024, 4, 1))
    assert by_cause(tiny, params) == [1, 1, 0, 0, 2]
    assert by_cause(tiny, params, "churn_events") == [1, 1, 0, 0, 2]
    # Lost now does not depend on the periods shown.
    assert by_cause(tiny, params, "lost_now") == [1, 1, 0, 0, 7]


def test_tiny_reasons_inside_causes(tiny: Workspace) -> None:
    reasons = tiny.query("churned_customers_by_reason", loss_params())
    rows = {
        (row.cause, row.reason if isinstance(row.reason, str) else None): row.customers for row in reasons.itertuples()
    }
    assert rows == {(C, "Switched to competitor"): 1, (D, "Price too high"): 1, (U, None): 7}


def test_tiny_cause_by_tier(tiny: Workspace) -> None:
    # Tiers: A platinum; J, C iron; the rest lead.
    table = tiny.query("losses_by_cause_and_segment", loss_params(dimension="tier"))
    cells = {(row.cause, row.segment): row.churned_customers for row in table.itertuples() if row.churned_customers}
    assert cells == {(D, "platinum"): 1, (C, "iron"): 1, (U, "iron"): 1, (U, "lead"): 6}
    events = {(row.cause, row.segment): row.churn_events for row in table.itertuples() if row.churn_events}
    assert events == {(D, "platinum"): 1, (C, "iron"): 1, (U, "iron"): 2, (U, "lead"): 6}


def test_tiny_trend_by_cause(tiny: Workspace) -> None:
    # Churn events: H Jan, B Feb; D, C, J, A Mar; F Apr; I, K May; C again Jun.
    table = tiny.query("churn_by_cause_and_period", loss_params())
    events = {(row.period_start.strftime("%m"), row.cause): row.churned for row in table.itertuples()}
    assert events == {
        ("01", U): 1,
        ("02", U): 1,
        ("03", D): 1,
        ("03", C): 1,
        ("03", U): 2,
        ("04", U): 1,
        ("05", U): 2,
        ("06", U): 1,
    }
    march = table[table["period_start"].dt.month == 3].set_index("cause")
    assert march.loc[U, "share"] == 0.5  # 2 of the 4 March events


def test_override_applies_to_every_query(tiny: Workspace) -> None:
    tiny.set_reason_overrides({("Price too high", ""): F})
    assert by_cause(tiny, loss_params()) == [0, 1, 1, 0, 7]
    assert tiny.reasons is not None
    edited = tiny.reasons.set_index("reason").loc["Price too high"]
    assert (edited["cause"], edited["automatic_cause"], edited["is_edited"]) == (F, D, True)
    heat = tiny.query("losses_by_cause_and_segment", loss_params(dimension="tier"))
    assert heat.set_index(["cause", "segment"]).loc[(F, "platinum"), "churned_customers"] == 1


def test_reason_column_in_an_orders_file(tmp_path) -> None:
    from churn.db import open_connection
    from churn.ingest import load_files

    orders = tmp_path / "orders.csv"
    orders.write_text(
        "客户编号,订单日期,金额,流失原因\n"
        "A,2024-01-05,100,\n"
        "A,2024-02-01,100,换了别家，价格更便宜\n"  # the latest reason given counts
        "B,2024-01-10,50,\n"
        "C,2024-06-20,70,\n",
        encoding="utf-8",
    )
    workspace = Workspace(open_connection([tmp_path]))
    workspace.set_dataset("orders", load_files(workspace.con, [orders]))
    workspace.ensure_facts(TINY_AS_OF, 30)
    table = workspace.query("losses_by_cause_and_segment", loss_params()).set_index("cause")
    # A (lost Mar 2) left for a competitor; B (lost Feb 9) said nothing; C is active.
    churned = table["churned_customers"]
    assert (churned[C], churned[U], churned.sum()) == (1, 1, 2)


def test_customers_file_alone(tmp_path) -> None:
    import shutil

    from churn.db import open_connection
    from churn.ingest import load_files
    from tests.conftest import FIXTURES

    shutil.copy(FIXTURES / "tiny_crm_customers.csv", tmp_path / "crm.csv")
    workspace = Workspace(open_connection([tmp_path]))
    workspace.set_dataset("crm", load_files(workspace.con, [], [tmp_path / "crm.csv"]))
    workspace.ensure_facts(date(2025, 6, 30), 90)
    params = Settings(date(2025, 6, 30), 90).loss_params(None)  # no order dates: all up to the as-of date
    table = workspace.query("losses_by_cause_and_segment", params).set_index("cause")
    # Lost by status: 0002 "价格太高" (dissatisfaction, 1,200 total revenue), 0004 "Moved away" (forced, 300).
    churned = table["churned_customers"]
    assert (churned[D], churned[F], churned.sum()) == (1, 1, 2)
    assert (table.loc[D, "revenue_lost_churned"], table.loc[F, "revenue_lost_churned"]) == (1200, 300)
    assert list(table["lost_now"]) == list(churned)  # a list has no periods: churned = lost now
