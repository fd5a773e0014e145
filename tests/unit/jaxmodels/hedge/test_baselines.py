"""Classical hedges on hand-checkable states."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from jaxmodels.hedge import baselines
from jaxmodels.hedge.config import HedgeConfig
from jaxmodels.hedge.env import HedgeEnv, env_params, greeks

P = env_params(HedgeConfig())


def _start(h=0.0):
    obs, st = HedgeEnv().reset(jax.random.PRNGKey(0), P)
    return obs, st.replace(h=jnp.float32(h))


def test_no_hedge_when_any_state_then_zero_shares():
    obs, st = _start(-30.0)
    assert float(baselines.no_hedge(0.0, obs, st, P)) == 0.0


def test_bs_delta_when_at_the_money_then_minus_rounded_100_n_d1():
    # d1 = sd / 2 = 0.01 sqrt(10) / 2 = 0.0158; N(d1) = 0.5063 -> 50.63 shares -> sell 51
    obs, st = _start()
    assert float(greeks(st, P).delta) == pytest.approx(50.63, abs=0.01)
    assert float(baselines.bs_delta(0.0, obs, st, P)) == -51.0


def test_ww_half_width_when_hand_values_then_cube_root_formula():
    # lambda = 5 x 0.1 / 100 = 0.005; 1.5 x 0.005 x 100 x 2^2 / 0.03 = 100 -> 100^(1/3)
    assert float(baselines.ww_half_width(100.0, 2.0, 0.03, P)) == pytest.approx(4.6416, abs=1e-3)


@pytest.mark.parametrize("h,inside", [(-50.0, True), (-48.0, True), (0.0, False), (-90.0, False)])
def test_whalley_wilmott_when_inside_band_then_no_trade_else_to_near_edge(h, inside):
    obs, st = _start(h)
    g = greeks(st, P)
    half = float(baselines.ww_half_width(st.s, g.gamma, 0.05, P))
    lo, hi = -float(g.delta) - half, -float(g.delta) + half
    assert lo < -48 and hi > -48  # the band at the start is a few shares wide
    got = float(baselines.whalley_wilmott(jnp.float32(0.05), obs, st, P))
    if inside:
        assert got == h
    else:
        assert got == round(hi if h > hi else lo)
