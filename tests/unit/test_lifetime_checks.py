"""Lifetime value a manager can trust: the holdout check of the purchase model, the guard that
keeps predictions off data that cannot support them, the early-warning rule as applied, values
that are never negative, and the inputs of the retention formula (warm-up months left out, the
same months in revenue and customer-months). Expected values worked out by hand."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from churn.__main__ import main
from churn.clv import BGNBD, GammaGamma, early_warning, predict
from churn.db import open_connection
from churn.ingest import load_files
from churn.whatif import TierBaseline, retained_customer_value
from churn.workspace import Workspace
from tests.conftest import TINY_AS_OF, make_workspace

ROOT = Path(__file__).resolve().parents[2]
CDNOW = ROOT / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"


def test_cdnow_holdout_against_hand_counts_and_the_closed_form(capsys) -> None:
    import json

    assert main(["report", str(CDNOW), "--as-of", "1998-06-30", "--holdout-weeks", "39"]) == 0
    ltv = json.loads(capsys.readouterr().out)["ltv"]
    validation = ltv["validation"]
    calibration_end = date(1997, 9, 30)  # 1998-06-30 - 39 x 7 days
    assert (validation["calibration_end"], validation["holdout_weeks"]) == (calibration_end.isoformat(), 39)
    # Actual: the purchase days after 1997-09-30, up to 39 weeks later, of the customers who had
    # bought by then (every CDNOW customer first bought in 1997 Q1), counted from the file itself.
    days: dict[str, set[date]] = defaultdict(set)
    for line in CDNOW.read_text().splitlines():
        customer, _, day, _, _ = line.split()
        days[customer].add(date(int(day[:4]), int(day[4:6]), int(day[6:])))
    end = calibration_end + timedelta(weeks=39)
    actual = sum(1 for bought in days.values() for day in bought if calibration_end < day <= end)
    assert validation["actual_repeat_purchases"] == actual == 1882
    # Predicted: E[Y(t) | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10) with the parameters fitted
    # on the calibration part (the published ones: r 0.243, α 4.414, a 0.793, b 2.426), summed
    # over the 2,357 customers, t = 39 weeks; x, t_x and T in weeks from each customer's purchase
    # days up to the calibration end.
    r, alpha, a, b = 0.2426, 4.4136, 0.7929, 2.4259
    expected = 0.0
    for bought in days.values():
        before = sorted(day for day in bought if day <= calibration_end)
        x = len(before) - 1
        t_x = (before[-1] - before[0]).days / 7
        T = (calibration_end - before[0]).days / 7
        t = 39.0
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        tail = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0)
        expected += head * body / tail
    assert validation["predicted_repeat_purchases"] == pytest.approx(expected, rel=1e-3)
    assert round(validation["predicted_repeat_purchases"]) == 1653  # 12% fewer than happened: ok
    assert ltv["model_status"] == "ok"


def test_a_nine_day_export_gets_no_predictions(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, [], [])
    (tmp_path / "nine.csv").write_bytes((ROOT / "tests" / "data" / "import" / "nine_days.csv").read_bytes())
    workspace.set_dataset("nine", load_files(workspace.con, [tmp_path / "nine.csv"]))
    as_of = date(2010, 12, 9)
    workspace.ensure_facts(as_of, 30)
    checked = workspace.lifetime_models(as_of)
    # 9 days of orders; at least 56 days are needed (8 weeks; 4 x the median gap is less).
    assert (checked.status, checked.models) == ("too_short", None)
    assert checked.note.startswith("The history covers 9 days; predictions need at least 56")
    workspace.close()


def test_one_time_buyers_get_no_predictions(tmp_path: Path) -> None:
    # 60 customers who each bought once, over half a year: no repeat purchase to learn from.
    path = tmp_path / "once.csv"
    start = date(2024, 1, 1)
    rows = [f"C{i:02d},{start + timedelta(days=3 * i)},{10 + i}" for i in range(60)]
    path.write_text("customer,date,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    workspace = Workspace(open_connection([tmp_path]))
    workspace.set_dataset("once", load_files(workspace.con, [path]))
    as_of = date(2024, 6, 30)
    workspace.ensure_facts(as_of, 90)
    checked = workspace.lifetime_models(as_of)
    assert (checked.status, checked.models) == ("too_few_repeat_buyers", None)
    assert "at least 20 customers who bought twice; 0 did" in checked.note
    workspace.close()


def profiles(*customers: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": list(customers),
            "tier": ["lead"] * len(customers),
            "revenue_last_12_months": [100.0 * (i + 1) for i in range(len(customers))],
            "last_order_date": [date(2024, 6, 1)] * len(customers),
            "churn_reason": [None] * len(customers),
        }
    )


def test_the_early_warning_rule_as_applied_with_each_reason() -> None:
    # As of 2024-06-30, times in weeks as clv_summary gives them:
    #   P bought Jan 1, Feb 1, Mar 1: x = 2, t_x = 60 days, T = 181 days: usual gap 30 days, silent
    #     121 days = 4.03 x: listed at 2 x.
    #   Q bought Jun 1, 11, 21: usual gap 10 days, silent 9 days = 0.9 x: not listed.
    #   R bought once, Jun 1: judged by the repeat buyers' median gap, (30 + 10) / 2 = 20 days;
    #     silent 29 days = 1.45 x: not listed at 2 x, listed at 1.25 x.
    #   S bought once, Apr 1: silent 90 days = 4.5 x: listed.
    summary = pd.DataFrame(
        {
            "customer_id": ["P", "Q", "R", "S"],
            "frequency": [2, 2, 0, 0],
            "recency": [60 / 7, 20 / 7, 0.0, 0.0],
            "age": [181 / 7, 29 / 7, 29 / 7, 90 / 7],
        }
    )
    listed = early_warning(profiles("P", "Q", "R", "S"), summary, 2.0).set_index("customer_id")
    assert sorted(listed.index) == ["P", "S"]
    assert listed.loc["P", "silence_ratio"] == pytest.approx(121 / 30)
    assert listed.loc["S", "usual_gap_days"] == pytest.approx(20)
    assert listed.loc["S", "silence_ratio"] == pytest.approx(90 / 20)
    assert list(listed.index) == ["S", "P"]  # by the value at risk: S 400, P 100 (no model: revenue)
    assert sorted(early_warning(profiles("P", "Q", "R", "S"), summary, 1.25)["customer_id"]) == ["P", "R", "S"]
    # With the model: Q is listed for its P(alive) alone.
    predictions = pd.DataFrame(
        {
            "customer_id": ["P", "Q", "R", "S"],
            "probability_alive": [0.9, 0.31, 0.95, 0.99],
            "predicted_value": [100.0, 50.0, 20.0, 10.0],
        }
    )
    listed = early_warning(profiles("P", "Q", "R", "S"), summary, 2.0, predictions, 0.5).set_index("customer_id")
    assert sorted(listed.index) == ["P", "Q", "S"]
    assert (listed.loc["Q", "is_silent"], listed.loc["Q", "is_unlikely_alive"]) == (False, True)
    assert (listed.loc["P", "is_silent"], listed.loc["P", "is_unlikely_alive"]) == (True, False)
    # Value at risk = predicted value x (1 - P(alive)): Q 50 x 0.69 = 34.5, P 100 x 0.1 = 10.
    assert listed.loc["Q", "value_at_risk"] == pytest.approx(34.5)


def test_a_value_is_never_negative() -> None:
    # N's repeat purchases net to -10 each (returns): Gamma-Gamma is a model of positive spend, so N
    # keeps its own average spend floored at 0, and a predicted value of 0; M (x = 2, m = 50) gets
    # the Gamma-Gamma mean E[M] = (q-1)/(px+q-1) pγ/(q-1) + px/(px+q-1) m.
    models = (BGNBD(0.25, 4.0, 0.8, 2.5, 0.0), GammaGamma(6.0, 4.0, 15.0, 0.0))
    summary = pd.DataFrame(
        {"customer_id": ["M", "N"], "frequency": [2, 2], "recency": [10.0, 10.0], "age": [20.0, 20.0]}
    ).assign(monetary_value=[50.0, -10.0])
    predicted = predict(summary, models, 12, 0.008).set_index("customer_id")
    p, q, v = 6.0, 4.0, 15.0
    weight = p * 2 / (p * 2 + q - 1)
    assert predicted.loc["M", "expected_purchase_value"] == pytest.approx((1 - weight) * p * v / (q - 1) + weight * 50)
    assert predicted.loc["N", "expected_purchase_value"] == 0
    assert predicted.loc["N", "predicted_value"] == 0
    assert (predicted["predicted_value"] >= 0).all()


def test_retention_inputs_leave_out_warm_up_and_use_the_same_months(tmp_path: Path) -> None:
    # Tiny fixture, W = 30, as of 2024-06-30, by month. The data starts on 2023-12-15: December and
    # January start before Dec 15 + 30 = Jan 14 (warm-up), so the measured months of the last 365
    # days are February to June 2024 (5 months, Feb 1 to Jul 1 = 151 days, 30.2 days a month).
    workspace = make_workspace(tmp_path, ["tiny_orders.csv"], ["tiny_customers.csv"])
    workspace.ensure_facts(TINY_AS_OF, 30)
    baseline = workspace.query("whatif_baseline", {"as_of": TINY_AS_OF, "grain": "month", "window_days": 30})
    baseline = baseline.set_index("tier")
    assert baseline.loc["platinum", "periods_observed"] == 5
    # Platinum (A, spell Jan 5 - churn Mar 31): at the start of Feb and Mar, churned in March: 1/2.
    assert baseline.loc["platinum", "churn_rate"] == pytest.approx(1 / 2)
    # Revenue in those months: Feb 1 and Mar 1, 100 each = 200; active Feb 1 to Mar 31 = 59 days =
    # 59 / 30.2 customer-months.
    assert baseline.loc["platinum", "revenue_per_customer"] == pytest.approx(200 / (59 / (151 / 5)))
    # Iron (J, C): at the start of Feb 2 (J, C), of Mar 2 (both churn in March: J Mar 25, C Mar 15),
    # of Jun 1 (C again, churns Jun 19): 3 of 5. Revenue in the months: J 90 + 90, C 70 + 70 =
    # 320; active days: J Feb 1 - Mar 25 = 53, C Feb 1 - Mar 15 = 43 and May 20 - Jun 19 = 30.
    assert baseline.loc["iron", "churn_rate"] == pytest.approx(3 / 5)
    assert baseline.loc["iron", "revenue_per_customer"] == pytest.approx(320 / ((53 + 43 + 30) / (151 / 5)))
    workspace.close()


def test_the_value_of_one_retained_customer_is_one_formula() -> None:
    # m = 100 a month, 10% monthly churn, 3 months, 12% a year: 100/1.12^(1/12) + 90/1.12^(2/12)
    # + 81/1.12^(3/12).
    tier = TierBaseline("gold", 10, {"unknown": 0.1}, 0, 0, 100.0)
    expected = sum(100 * 0.9 ** (k - 1) / 1.12 ** (k / 12) for k in (1, 2, 3))
    assert retained_customer_value(tier, 3, 0.12) == pytest.approx(expected)
    assert math.isclose(expected, 100 / 1.12 ** (1 / 12) + 90 / 1.12 ** (2 / 12) + 81 / 1.12 ** (3 / 12))


def test_the_fit_is_fast_on_the_distinct_rows() -> None:
    # 50,000 simulated customers: the fit works on distinct (x, t_x, T) rows with the gradient, a
    # fraction of a second (not asserted as a time: the benchmark records it); here only that the
    # simulated parameters come back.
    from bench.simulate import simulate_summary
    from churn.clv import fit_bgnbd

    summary = simulate_summary(50_000)
    summary["recency"] = np.round(summary["recency"] * 7) / 7
    summary["age"] = np.round(summary["age"] * 7) / 7
    model = fit_bgnbd(summary["frequency"], summary["recency"], summary["age"])
    assert model.r == pytest.approx(0.25, rel=0.05) and model.alpha == pytest.approx(4.0, rel=0.05)
