"""BG/NBD and Gamma-Gamma against the published CDNOW figures and hand-computed likelihoods."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from churn.build import Builds
from churn.clv import (
    FitError,
    bgnbd_log_likelihood,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    predict,
)
from churn.db import open_connection, run_query
from churn.ingest import create_canonical_tables

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory):
    con = open_connection([tmp_path_factory.mktemp("cdnow")])
    create_canonical_tables(con)
    rows = []
    for line in CDNOW.read_text().splitlines():
        customer, _, day, _, amount = line.split()
        rows.append((customer, date(int(day[:4]), int(day[4:6]), int(day[6:])), float(amount)))
    con.executemany("insert into orders (customer_id, order_date, amount) values (?, ?, ?)", rows)
    Builds(con).ensure(["customer_order_days"], {"as_of": date(1998, 6, 30)})  # the purchase days
    # The 39-week calibration period ends 1997-09-30; time in weeks as in the paper.
    summary = run_query(con, "clv_summary", {"calibration_end": date(1997, 9, 30), "unit_days": 7})
    con.close()
    return summary


def test_cdnow_summary(cdnow) -> None:
    assert len(cdnow) == 2357
    first = cdnow[cdnow["customer_id"] == "00004"].iloc[0]
    # 1997-01-01, 01-18, 08-02 (the 12-12 purchase is after the calibration end).
    assert first["frequency"] == 2
    assert first["recency"] == pytest.approx(213 / 7)
    assert first["age"] == pytest.approx(272 / 7)


def test_bgnbd_matches_fader_hardie_lee_2005(cdnow) -> None:
    model = fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["age"])
    assert (round(model.r, 3), round(model.alpha, 3), round(model.a, 3), round(model.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_matches_fader_hardie_lee_2005(cdnow) -> None:
    model = fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])
    assert (round(model.p, 2), round(model.q, 2), round(model.v, 2)) == (6.25, 3.74, 15.44)


def test_bgnbd_likelihood_by_hand() -> None:
    r, alpha, a, b = 0.5, 2.0, 1.0, 3.0
    # x = 0, T = 4: no purchase, so no chance to drop out yet: L = (α/(α+T))^r, ln L = 0.5 ln(2/6).
    zero = 0.5 * math.log(2 / 6)
    # x = 1, t_x = 1, T = 4: A1 = lnΓ(1.5) − lnΓ(0.5) + 0.5 ln 2 = ln 0.5 + 0.5 ln 2;
    # A2 = lnΓ(4) + lnΓ(4) − lnΓ(3) − lnΓ(5) = ln(6·6/(2·24)) = ln 0.75;
    # L = e^A1 e^A2 [(α+T)^−1.5 + a/(b+x−1) (α+t_x)^−1.5] = 0.5·√2 · 0.75 · [6^−1.5 + (1/3) 3^−1.5].
    one = math.log(0.5 * math.sqrt(2) * 0.75 * (6**-1.5 + (1 / 3) * 3**-1.5))
    got = bgnbd_log_likelihood(
        np.array([r, alpha, a, b]), np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([4.0, 4.0])
    )
    assert got == pytest.approx([zero, one])


def test_gamma_gamma_likelihood_by_hand() -> None:
    p, q, v = 2.0, 3.0, 4.0
    # x = 1, m = 5: lnΓ(5) − lnΓ(2) − lnΓ(3) + 3 ln 4 + ln 5 + 2 ln 1 − 5 ln 9 = ln(24/2 · 64 · 5 / 9^5).
    expected = math.log(24 / 2 * 64 * 5 / 9**5)
    assert gamma_gamma_log_likelihood(np.array([p, q, v]), np.array([1.0]), np.array([5.0])) == pytest.approx(
        [expected]
    )


def test_too_little_data_is_refused_with_a_reason() -> None:
    with pytest.raises(FitError, match="at least 20 customers who bought twice; 1 did") as caught:
        fit_bgnbd(np.array([0, 1]), np.array([0, 1]), np.array([5, 5]))
    assert caught.value.code == "too_few_repeat_buyers"
    with pytest.raises(FitError, match="positive average spend"):
        fit_gamma_gamma(np.array([1, 2, 0]), np.array([-5.0, 0.0, np.nan]))


def test_a_fit_on_a_bound_is_reported_as_such() -> None:
    # 30 customers who all bought exactly once a week, observed for 2 weeks: nobody ever drops
    # out, so the dropout parameters run to their bound (b -> infinity): no estimate.
    x = np.full(30, 2.0)
    with pytest.raises(FitError, match="ended on a bound") as caught:
        fit_bgnbd(x, np.full(30, 2.0), np.full(30, 2.0))
    assert caught.value.code == "on_bound"


def test_the_gradients_are_those_of_the_likelihoods() -> None:
    from scipy.optimize import check_grad

    from bench.simulate import simulate_summary
    from churn.clv import _bgnbd_objective, _gamma_gamma_objective, _Grouped

    summary = simulate_summary(500)
    bg = _Grouped([summary["frequency"].to_numpy(float), summary["recency"].to_numpy(), summary["age"].to_numpy()])
    repeat = summary[summary["frequency"] > 0]
    gg = _Grouped([repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy()], group_rows=False)
    for point in (np.log([0.3, 4.0, 0.8, 2.5]), np.log([2.0, 0.5, 3.0, 0.2])):
        assert check_grad(lambda p: _bgnbd_objective(p, bg)[0], lambda p: _bgnbd_objective(p, bg)[1], point) < 1e-5
    for point in (np.log([6.0, 4.0, 15.0]), np.log([1.0, 1.0, 1.0])):
        error = check_grad(
            lambda p: _gamma_gamma_objective(p, gg)[0], lambda p: _gamma_gamma_objective(p, gg)[1], point
        )
        assert error < 1e-5


def test_predictions_are_made_once_per_horizon_and_discount(demo) -> None:
    # The predictions do not depend on the filters: a rerun with the same horizon and discount
    # gets the same frame back; another horizon is predicted anew, as predict() computes it.
    as_of = date(2025, 12, 31)
    demo.ensure_facts(as_of, 60)
    checked = demo.lifetime_models(as_of)
    assert checked.status == "ok" and checked.models is not None
    first = demo.clv_predictions(as_of, 12, 0.008)
    assert demo.clv_predictions(as_of, 12, 0.008) is first
    longer = demo.clv_predictions(as_of, 24, 0.008)
    assert longer is not first
    expected = predict(checked.summary, checked.models, 24, 0.008)
    assert np.allclose(longer["predicted_value"], expected["predicted_value"])
