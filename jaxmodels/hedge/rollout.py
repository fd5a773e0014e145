"""Run a hedging policy on many simulated paths (vmap over paths, scan over steps).

A policy is a pure function ``policy(pp, obs, state, params) -> target share position``;
``pp`` is its parameters (a pytree; unused by the closed-form baselines). The paths are a
function of ``key`` alone, so policies run on the same key see the same paths (common
random numbers) and paths drawn from different keys are out of sample for each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxmodels.hedge.env import EnvParams, HedgeEnv

Policy = Callable[[Any, jax.Array, Any, EnvParams], jax.Array]

ENV = HedgeEnv()


class Paths(NamedTuple):
    """Per path: pnl (total wealth change, currency), cost (total trading cost), reward
    (sum of Kolm-Ritter rewards); per path and step (n_paths, n_steps): spot (price at the
    decision), position (shares held after the decision), trade (shares), step_cost."""

    pnl: jax.Array
    cost: jax.Array
    reward: jax.Array
    spot: jax.Array
    position: jax.Array
    trade: jax.Array
    step_cost: jax.Array


def run_path(policy: Policy, pp, key, params: EnvParams) -> Paths:
    """One episode from ``key``: scalars and (n_steps,) arrays as in :class:`Paths`."""
    k0, k1 = jax.random.split(key)
    obs, st = ENV.reset_env(k0, params)

    def body(carry, sk):
        obs, st = carry
        a = policy(pp, obs, st, params)
        obs2, st2, r, _, info = ENV.step_env(sk, st, a, params)
        return (obs2, st2), (r, st.s, st2.h, info["trade"], info["cost"])

    keys = jax.random.split(k1, params.max_steps_in_episode)
    (_, last), (r, s, h, n, c) = jax.lax.scan(body, (obs, st), keys)
    return Paths(last.w, last.cost, jnp.sum(r), s, h, n, c)


def rollout(policy: Policy, pp, key, params: EnvParams, n_paths: int) -> Paths:
    """``n_paths`` episodes (leading axis n_paths). Jit it with ``policy`` and ``n_paths``
    static, or call :func:`rollout_jit`."""
    keys = jax.random.split(key, n_paths)
    return jax.vmap(run_path, in_axes=(None, None, 0, None))(policy, pp, keys, params)


rollout_jit = jax.jit(rollout, static_argnames=("policy", "n_paths"))
