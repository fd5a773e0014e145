"""The hedging environment: a book of options on one underlying, hedged with its shares.

gymnax interface (``gymnax.environments.environment.Environment``): ``reset(key, params)
-> (obs, state)`` and ``step(key, state, action, params) -> (obs, state, reward,
terminated, truncated, info)`` (gymnax 1.x splits gymnax 0.x's ``done`` in two), with
auto-reset; ``step_env`` is the plain transition, used under ``lax.scan`` by rollouts and,
differentiated, by the agent's training. Everything is jit/vmap-able; the parameters are a
pytree (:class:`EnvParams`), so one compiled step serves every book of the same size.

A step at decision time t (0 <= t < n_steps): the action is the target share position;
it is clipped to +-max_shares and rounded to whole shares (straight-through: the rounding
passes gradients as the identity), the trade n = new - old pays
``multiplier * tick * (|n| + quadratic * n^2) + proportional_bps * 1e-4 * |n| * S``, the
price moves one step (GBM, or Heston with the full-truncation scheme: the variance that
drives prices is max(v, 0)), and the wealth change is
``dw = (book value' - book value) + new position * (S' - S) - cost``; reward
``dw - kappa / 2 * dw^2`` (Kolm and Ritter 2019). The book is marked with Black-Scholes at
the current volatility (sqrt of the variance under Heston); options that expire at the
horizon settle at their payoff, so the episode's total P&L is exact and the position is
left open at the end (no unwinding cost, as in Kolm-Ritter).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct
from gymnax.environments import environment, spaces

from jaxmodels.hedge.config import HedgeConfig
from jaxmodels.hedge.pricer import Greeks, book_greeks

OBS_SIZE = 7


@struct.dataclass
class EnvParams(environment.EnvParams):
    """Market, book, costs and risk aversion (scalars unless said; money in currency).

    dt: days per step; sigma: volatility per sqrt(day) (GBM, and Heston's long-run level);
    hv_*: Heston mean reversion (1/day), vol of variance (per day), correlation, start
    variance (per day); book_*: (n_options,) qty (shares), strike, expiry (days), call."""

    s0: float = 100.0
    sigma: float = 0.01
    dt: float = 0.2
    hv_kappa: float = 0.5
    hv_xi: float = 0.004
    hv_rho: float = -0.7
    v0: float = 1e-4
    cost_mult: float = 5.0
    tick: float = 0.1
    cost_quad: float = 0.01
    cost_bps: float = 0.0
    kappa: float = 0.1
    max_shares: float = 100.0
    book_qty: jax.Array = struct.field(default_factory=lambda: jnp.array([100.0]))
    book_strike: jax.Array = struct.field(default_factory=lambda: jnp.array([100.0]))
    book_expiry: jax.Array = struct.field(default_factory=lambda: jnp.array([10.0]))
    book_call: jax.Array = struct.field(default_factory=lambda: jnp.array([True]))
    heston: bool = struct.field(pytree_node=False, default=False)
    max_steps_in_episode: int = struct.field(pytree_node=False, default=50)


@struct.dataclass
class EnvState(environment.EnvState):
    """time: decisions taken (int32); s: price; v: variance per day (raw Heston state);
    h: share position; value: book value; w: wealth change so far; cost: costs so far."""

    s: jax.Array
    v: jax.Array
    h: jax.Array
    value: jax.Array
    w: jax.Array
    cost: jax.Array


def env_params(cfg: HedgeConfig, **over: Any) -> EnvParams:
    """EnvParams from a :class:`HedgeConfig`; ``over`` replaces single fields."""
    m, c, b, a = cfg.market, cfg.costs, cfg.book, cfg.agent
    p = EnvParams(
        s0=m.s0, sigma=m.sigma_daily, dt=1.0 / m.steps_per_day, hv_kappa=m.mean_reversion_per_day,
        hv_xi=m.vol_of_var_daily, hv_rho=m.rho, v0=m.sigma_daily**2 * m.v0_ratio,
        cost_mult=c.multiplier, tick=c.tick, cost_quad=c.quadratic, cost_bps=c.proportional_bps,
        kappa=a.kappa, max_shares=a.max_shares,
        book_qty=jnp.asarray(b.qty, jnp.float32), book_strike=jnp.asarray(b.strike, jnp.float32),
        book_expiry=jnp.asarray(b.expiry_days, jnp.float32),
        book_call=jnp.asarray(b.is_call, bool), heston=m.model == "heston",
        max_steps_in_episode=m.n_steps)
    return p.replace(**over) if over else p


def trade_cost(n, s, params: EnvParams):
    """Cost (currency) of trading n shares (signed) at price s."""
    an = jnp.abs(n)
    return (params.cost_mult * params.tick * (an + params.cost_quad * n * n)
            + params.cost_bps * 1e-4 * an * s)


def kr_reward(dw, kappa):
    """Kolm-Ritter reward of a wealth change dw: dw - kappa / 2 * dw^2."""
    return dw - 0.5 * kappa * dw * dw


def cvar_objective(pnl, w, level: float = 0.95):
    """Rockafellar-Uryasev: w + E[(loss - w)+] / (1 - level), loss = -pnl; (n_paths,) -> ().
    Its minimum over w is the CVaR at ``level`` of the loss (at w = the VaR)."""
    return w + jnp.mean(jax.nn.relu(-pnl - w)) / (1.0 - level)


def cvar(loss, level: float = 0.95):
    """Empirical CVaR: the mean of the worst (1 - level) share of ``loss`` (n_paths,)."""
    k = max(1, int(round(loss.shape[0] * (1.0 - level))))
    return jnp.mean(jax.lax.top_k(loss, k)[0])


def ste_round(x):
    """Round to integers forwards, identity backwards (straight-through)."""
    return x + jax.lax.stop_gradient(jnp.round(x) - x)


def tau_left(time, params: EnvParams):
    """Days to each option's expiry after ``time`` steps: (n_options,)."""
    return params.book_expiry - time * params.dt


def vol_of(v, params: EnvParams):
    """The volatility (per sqrt(day)) the book is marked and hedged at."""
    if params.heston:
        return jnp.sqrt(jnp.maximum(v, 1e-10))
    return jnp.asarray(params.sigma, jnp.float32)


def greeks(state: EnvState, params: EnvParams) -> Greeks:
    """The book's Black-Scholes greeks in ``state`` (delta in shares)."""
    return book_greeks(state.s, tau_left(state.time, params), vol_of(state.v, params),
                       params.book_qty, params.book_strike, params.book_call)


def move_price(key, s, v, params: EnvParams):
    """One step of the price (and variance) process: returns (s', v')."""
    z1, z2 = jax.random.normal(key, (2,))
    dt = params.dt
    if params.heston:
        vp = jnp.maximum(v, 0.0)  # full truncation: only max(v, 0) drives the dynamics
        s2 = s * jnp.exp(-0.5 * vp * dt + jnp.sqrt(vp * dt) * z1)
        zv = params.hv_rho * z1 + jnp.sqrt(1.0 - params.hv_rho**2) * z2
        v2 = v + params.hv_kappa * (params.sigma**2 - vp) * dt + params.hv_xi * jnp.sqrt(vp * dt) * zv
        return s2, v2
    sig = params.sigma
    return s * jnp.exp(-0.5 * sig * sig * dt + sig * jnp.sqrt(dt) * z1), v


class HedgeEnv(environment.Environment[EnvState, EnvParams]):
    """Hedge a book of options with shares; action = target share position (float)."""

    @property
    def default_params(self) -> EnvParams:
        return env_params(HedgeConfig())

    def reset_env(self, key, params: EnvParams):
        s = jnp.asarray(params.s0, jnp.float32)
        v = jnp.asarray(params.v0 if params.heston else params.sigma**2, jnp.float32)
        z = jnp.zeros((), jnp.float32)
        state = EnvState(time=jnp.zeros((), jnp.int32), s=s, v=v, h=z, value=z, w=z, cost=z)
        state = state.replace(value=greeks(state, params).price)
        return self.observe(key, state, None, params), state

    def step_env(self, key, state: EnvState, action, params: EnvParams):
        cap = params.max_shares
        h2 = ste_round(jnp.clip(jnp.asarray(action, jnp.float32), -cap, cap))
        n = h2 - state.h
        cost = trade_cost(n, state.s, params)
        s2, v2 = move_price(key, state.s, state.v, params)
        nxt = state.replace(time=state.time + 1, s=s2, v=v2, h=h2)
        value2 = greeks(nxt, params).price
        dw = value2 - state.value + h2 * (s2 - state.s) - cost
        nxt = nxt.replace(value=value2, w=state.w + dw, cost=state.cost + cost)
        reward = kr_reward(dw, params.kappa)
        done = nxt.time >= params.max_steps_in_episode
        info = {"dw": dw, "cost": cost, "trade": n}
        return self.observe(key, nxt, action, params), nxt, reward, done, info

    def observe(self, key, state: EnvState, action, params: EnvParams):
        """(OBS_SIZE,) float32: time left (fraction), log moneyness of the first strike in
        horizon standard deviations, book delta, gamma x one-step price sd and position
        (all / max_shares), volatility / sigma - 1, vega x sigma / max_shares / s0."""
        del key, action
        g = greeks(state, params)
        horizon = params.max_steps_in_episode * params.dt
        sd_h = params.sigma * jnp.sqrt(horizon)
        vol = vol_of(state.v, params)
        cap = params.max_shares
        return jnp.stack([
            1.0 - state.time * params.dt / horizon,
            jnp.log(state.s / params.book_strike[0]) / sd_h,
            g.delta / cap,
            g.gamma * state.s * vol * jnp.sqrt(params.dt) / cap,
            state.h / cap,
            vol / params.sigma - 1.0,
            g.vega * params.sigma / cap / params.s0,
        ]).astype(jnp.float32)

    def is_terminated(self, state: EnvState, params: EnvParams):
        return state.time >= params.max_steps_in_episode

    @property
    def name(self) -> str:
        return "OptionHedge-v0"

    def action_space(self, params: EnvParams | None = None):
        cap = (params or self.default_params).max_shares
        return spaces.Box(-cap, cap, (), jnp.float32)

    def observation_space(self, params: EnvParams | None = None):
        return spaces.Box(-jnp.inf, jnp.inf, (OBS_SIZE,), jnp.float32)


_ENV = HedgeEnv()
reset_jit = jax.jit(_ENV.reset_env)
step_jit = jax.jit(_ENV.step_env)
greeks_jit = jax.jit(greeks)


@jax.jit
def observe_jit(state: EnvState, params: EnvParams):
    """The observation of ``state`` (as ``HedgeEnv.observe``), jitted."""
    return _ENV.observe(None, state, None, params)
