"""Black-Scholes pricer: a value checkable by hand, greeks against finite differences,
put-call parity and the payoff at expiry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jaxmodels.hedge.pricer import book_greeks_jit, bs_greeks


def _ncdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_bs_greeks_when_at_the_money_then_price_is_s_times_2n_half_sd_minus_1():
    # S = K, zero rate: C = S (2 N(sd / 2) - 1); sd = 0.01 * sqrt(400) = 0.2 -> 7.96557
    g = bs_greeks(100.0, 100.0, 400.0, 0.01, True)
    assert float(g.price) == pytest.approx(100 * (2 * _ncdf(0.1) - 1), abs=1e-3)
    assert float(g.price) == pytest.approx(7.96557, abs=1e-3)
    assert float(g.delta) == pytest.approx(_ncdf(0.1), abs=1e-5)


@pytest.mark.parametrize("s,k,tau,vol,call", [(100, 100, 10, 0.01, True), (97, 100, 6, 0.012, True),
                                              (104, 100, 3, 0.02, False), (90, 95, 8, 0.015, False)])
def test_bs_greeks_when_bumped_then_delta_gamma_vega_match_finite_differences(s, k, tau, vol, call):
    g = bs_greeks(float(s), float(k), float(tau), vol, call)
    h = 0.05
    up, dn = (bs_greeks(float(s) + d, float(k), float(tau), vol, call) for d in (h, -h))
    assert float(g.delta) == pytest.approx((float(up.price) - float(dn.price)) / (2 * h), abs=2e-3)
    assert float(g.gamma) == pytest.approx((float(up.delta) - float(dn.delta)) / (2 * h),
                                           rel=2e-2, abs=1e-4)
    dv = 1e-4
    vu, vd = (bs_greeks(float(s), float(k), float(tau), vol + d, call) for d in (dv, -dv))
    assert float(g.vega) == pytest.approx((float(vu.price) - float(vd.price)) / (2 * dv), rel=2e-2)


def test_bs_greeks_when_call_and_put_then_parity_holds():
    c = bs_greeks(103.0, 100.0, 7.0, 0.01, True)
    p = bs_greeks(103.0, 100.0, 7.0, 0.01, False)
    assert float(c.price - p.price) == pytest.approx(3.0, abs=1e-3)
    assert float(c.delta - p.delta) == pytest.approx(1.0, abs=1e-6)
    assert float(c.gamma) == pytest.approx(float(p.gamma))


def test_bs_greeks_when_expired_then_payoff_and_exercise_delta():
    g = bs_greeks(np.array([110.0, 90.0]), 100.0, 0.0, 0.01, np.array([True, False]))
    np.testing.assert_allclose(np.asarray(g.price), [10.0, 10.0])
    np.testing.assert_allclose(np.asarray(g.delta), [1.0, -1.0])
    np.testing.assert_allclose(np.asarray(g.gamma), [0.0, 0.0])


def test_book_greeks_when_two_options_then_sum_of_quantity_times_greeks():
    one = bs_greeks(100.0, 100.0, 10.0, 0.01, True)
    two = bs_greeks(100.0, 105.0, 10.0, 0.01, False)
    b = book_greeks_jit(100.0, np.array([10.0, 10.0]), 0.01, np.array([100.0, -50.0]),
                        np.array([100.0, 105.0]), np.array([True, False]))
    assert float(b.delta) == pytest.approx(100 * float(one.delta) - 50 * float(two.delta), rel=1e-5)
    assert float(b.price) == pytest.approx(100 * float(one.price) - 50 * float(two.price), rel=1e-5)
