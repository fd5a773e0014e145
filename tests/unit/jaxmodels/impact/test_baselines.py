"""Baselines recover known parameters on synthetic power-law data (issue 15)."""

import numpy as np
import pytest

from jaxmodels.impact import baselines as B
from jaxmodels.impact.synthetic import power_law_rows


@pytest.mark.parametrize("beta", [0.5, 0.6])
def test_fit_exponent_when_power_law_data_then_exponent_and_y_recovered(beta):
    r = power_law_rows(20_000, beta=beta, y_coef=0.8, seed=3)
    b, y = B.fit_exponent(r.spread_bps, r.sigma_bps, r.qty, r.volume_5m, r.y)
    assert b == pytest.approx(beta, abs=0.02)
    assert y == pytest.approx(0.8, rel=0.1)


def test_fit_power_law_when_square_root_data_then_y_per_symbol_recovered():
    r = power_law_rows(20_000, beta=0.5, y_coef=1.2, seed=4)
    pl = B.fit_power_law(r.sym, r.spread_bps, r.sigma_bps, r.qty, r.volume_5m, r.y, B.SQRT)
    assert set(pl.y) == {"AAA", "BBB"}
    assert all(v == pytest.approx(1.2, rel=0.05) for v in pl.y.values())
    pred = pl.predict(np.array(["CCC"]), [2.0], [10.0], [100.0], [10_000.0])
    assert pred[0] == pytest.approx(1.0 + pl.y_all * 10.0 * 0.1)


def test_weighted_median_when_hand_example_then_middle_by_weight():
    assert B.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 5.0])) == 3.0
    assert B.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])) == 2.0
