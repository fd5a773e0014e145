"""The hedging environment: costs, reward, the accounting of one episode, the price
processes and the gymnax interface."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmodels.hedge import baselines
from jaxmodels.hedge.config import HedgeConfig, MarketConfig, heston_config
from jaxmodels.hedge.env import (
    OBS_SIZE,
    HedgeEnv,
    cvar,
    cvar_objective,
    env_params,
    kr_reward,
    move_price,
    trade_cost,
    vol_of,
)
from jaxmodels.hedge.pricer import bs_greeks
from jaxmodels.hedge.rollout import rollout_jit

P = env_params(HedgeConfig())


@pytest.mark.parametrize("n,want", [(10.0, 5.5), (-10.0, 5.5), (0.0, 0.0), (100.0, 100.0)])
def test_trade_cost_when_kolm_ritter_then_multiplier_tick_abs_plus_quadratic(n, want):
    # 5 x 0.1 x (|n| + 0.01 n^2): 10 shares -> 0.5 x 11 = 5.5; 100 -> 0.5 x 200 = 100
    assert float(trade_cost(jnp.float32(n), 100.0, P)) == pytest.approx(want)


def test_trade_cost_when_proportional_bps_then_added_on_notional():
    p = P.replace(cost_bps=10.0)
    assert float(trade_cost(jnp.float32(10.0), 50.0, p)) == pytest.approx(5.5 + 10e-4 * 10 * 50)


def test_kr_reward_when_dw_2_kappa_01_then_2_minus_02():
    assert float(kr_reward(2.0, 0.1)) == pytest.approx(1.8)
    assert float(kr_reward(-2.0, 0.1)) == pytest.approx(-2.2)


def test_cvar_when_uniform_losses_then_mean_of_worst_tail():
    loss = jnp.arange(100, dtype=jnp.float32)  # worst 5 %: 95..99 -> 97
    assert float(cvar(loss, 0.95)) == pytest.approx(97.0)
    # Rockafellar-Uryasev at the VaR (94.5 between the 95th and 96th) gives the same
    assert float(cvar_objective(-loss, 94.5, 0.95)) == pytest.approx(97.0, abs=0.2)


def test_step_when_trading_then_dw_is_value_change_plus_hedge_gain_minus_cost():
    env = HedgeEnv()
    obs, st = env.reset(jax.random.PRNGKey(0), P)
    assert obs.shape == (OBS_SIZE,)
    obs2, st2, r, term, trunc, info = env.step(jax.random.PRNGKey(1), st, -40.4, P)
    assert float(st2.h) == -40.0  # rounded to whole shares
    assert float(info["cost"]) == pytest.approx(0.5 * (40 + 0.01 * 1600))
    v1 = 100 * float(bs_greeks(st2.s, 100.0, 10.0 - 0.2, 0.01, True).price)
    want = v1 - float(st.value) - 40 * (float(st2.s) - 100.0) - float(info["cost"])
    assert float(info["dw"]) == pytest.approx(want, abs=1e-3)
    assert float(r) == pytest.approx(want - 0.05 * want**2, rel=1e-4)
    assert not bool(term) and not bool(trunc)


def test_step_when_action_beyond_cap_then_position_clipped_to_max_shares():
    env = HedgeEnv()
    _, st = env.reset(jax.random.PRNGKey(0), P)
    _, st2, *_ = env.step_env(jax.random.PRNGKey(1), st, 250.0, P)
    assert float(st2.h) == 100.0


def test_episode_when_ended_then_total_pnl_is_payoff_minus_premium_plus_hedge_minus_cost():
    env = HedgeEnv()
    _, st = env.reset(jax.random.PRNGKey(0), P)
    premium = float(st.value)
    gain, cost = 0.0, 0.0
    for t, k in enumerate(jax.random.split(jax.random.PRNGKey(3), 50)):
        s0 = float(st.s)
        _, st, _, done, info = env.step_env(k, st, -50.0 + (t % 7), P)
        gain += float(st.h) * (float(st.s) - s0)
        cost += float(info["cost"])
    assert bool(done)
    payoff = 100 * max(float(st.s) - 100.0, 0.0)
    assert float(st.w) == pytest.approx(payoff - premium + gain - cost, abs=0.05)
    assert float(st.cost) == pytest.approx(cost, rel=1e-5)


def test_bs_delta_when_rolled_out_then_positions_are_minus_rounded_delta_in_0_100():
    out = rollout_jit(baselines.bs_delta, 0.0, jax.random.PRNGKey(4), P, 32)
    h = np.asarray(out.position)
    assert np.all(h == np.round(h)) and h.min() >= -100 and h.max() <= 0
    assert h[:, 0].mean() == pytest.approx(-50, abs=1.5)  # ATM call: delta ~ 0.5 at the start


def test_gbm_when_many_paths_then_martingale_with_sigma_sqrt_t():
    keys = jax.random.split(jax.random.PRNGKey(5), 20000)
    s1, _ = jax.vmap(lambda k: move_price(k, 100.0, 1e-4, P.replace(dt=10.0)))(keys)
    r = np.log(np.asarray(s1) / 100.0)
    assert np.mean(np.asarray(s1)) == pytest.approx(100.0, abs=3 * 100 * 0.0316 / np.sqrt(2e4))
    assert np.std(r) == pytest.approx(0.01 * np.sqrt(10.0), rel=0.03)


def test_heston_when_feller_violated_then_driving_variance_stays_nonnegative_and_prices_martingale():
    cfg = HedgeConfig(market=MarketConfig(model="heston", vol_of_var_daily=0.05))  # 2 k th << xi^2
    p = env_params(cfg)
    assert 2 * p.hv_kappa * p.sigma**2 < p.hv_xi**2

    def path(k):
        def body(c, kk):
            s, v = move_price(kk, c[0], c[1], p)
            return (s, v), (v, vol_of(v, p))
        (s, _), (vs, vols) = jax.lax.scan(body, (jnp.float32(100.0), jnp.float32(p.v0)),
                                          jax.random.split(k, 50))
        return s, vs, vols

    s, vs, vols = jax.vmap(path)(jax.random.split(jax.random.PRNGKey(6), 4000))
    assert float(jnp.min(vs)) < 0  # the raw Euler variance does cross zero here...
    assert float(jnp.min(vols)) >= 0 and np.all(np.isfinite(np.asarray(s)))  # ...never used
    assert float(jnp.min(s)) > 0
    assert float(jnp.mean(s)) == pytest.approx(100.0, abs=4 * float(jnp.std(s)) / np.sqrt(4000))


def test_heston_config_when_built_then_short_call_and_cvar_objective():
    cfg = heston_config()
    assert cfg.book.qty == (-100.0,) and cfg.agent.objective == "cvar"
    assert env_params(cfg).heston


def test_gymnax_when_episode_done_then_auto_reset_and_spaces_hold():
    env = HedgeEnv()
    p = P.replace(max_steps_in_episode=2)
    _, st = env.reset(jax.random.PRNGKey(0), p)
    _, st, _, term, _, _ = env.step(jax.random.PRNGKey(1), st, -50.0, p)
    assert not bool(term)
    _, st, _, term, trunc, info = env.step(jax.random.PRNGKey(2), st, -50.0, p)
    assert bool(term) and int(st.time) == 0 and float(st.h) == 0.0  # auto-reset
    assert bool(env.action_space(p).contains(jnp.float32(-50.0)))
    assert env.observation_space(p).shape == (OBS_SIZE,)
