"""The hedging agent: a no-trade-band policy network trained by analytic policy gradient.

Policy (Imaki et al. 2021, "No-transaction band network"): an MLP reads the observation
and outputs a band [c - w, c + w] around the delta hedge (c = -book delta + a learned
shift, w >= 0); the new position is the old one clipped into the band, so the agent does
not trade inside the band and trades to its near edge outside it: Whalley-Wilmott's form,
with the band's centre and width learned from the state instead of given by a formula.

Training: analytic policy gradient (Brax's APG; Buehler et al.'s deep hedging): the
environment's transition is differentiable (the rounding to shares is straight-through),
so the objective over a batch of simulated episodes is differentiated through the whole
rollout and stepped with Adam. Objectives: "kr" maximises the mean sum of Kolm-Ritter
rewards; "mv" the mean-variance of the episode's total P&L, E[W] - kappa/2 Var[W]
(Cao et al. 2021 use mean + c x std); "mvg" the mean P&L less kappa/2 x the variance of the
P&L before costs (a mean-variance hedger can cut its total variance by paying costs in its
winning paths; "mvg" gains nothing by that); "cvar" minimises the CVaR of the loss (Rockafellar-Uryasev, the threshold at the
batch's VaR). ``seeds`` networks train at once under ``jax.vmap``, each on its own paths.

``train_step(state, key) -> (state, metrics)`` is pure and jitted; the state is a frozen
pytree (:class:`TrainState`) changed with ``.replace``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxmodels.hedge.config import AgentConfig
from jaxmodels.hedge.env import OBS_SIZE, EnvParams, cvar_objective
from jaxmodels.hedge.rollout import Paths, rollout

BAND_SCALE = 0.1  # network outputs are in units of 10 % of max_shares


class BandNet(nn.Module):
    """obs (..., OBS_SIZE) -> (shift, raw width) (..., 2)."""

    hidden: Sequence[int] = (32, 32)

    @nn.compact
    def __call__(self, x):
        for h in self.hidden:
            x = nn.tanh(nn.Dense(h)(x))
        return nn.Dense(2, kernel_init=nn.initializers.zeros)(x)


def band(net_params, obs, hidden: Sequence[int], cap):
    """The band (lo, hi) in shares from an observation (OBS_SIZE,)."""
    out = BandNet(tuple(hidden)).apply({"params": net_params}, obs)
    centre = -obs[2] * cap + cap * BAND_SCALE * out[0]
    width = cap * BAND_SCALE * jax.nn.softplus(out[1])
    return centre - width, centre + width


def make_policy(hidden: Sequence[int]):
    """The agent as a rollout policy: ``policy(net_params, obs, state, params)``. Cached, so
    that the same hidden sizes give the same function (one compilation)."""
    return _policy(tuple(hidden))


@functools.cache
def _policy(hidden: tuple[int, ...]):
    def policy(pp, obs, state, params: EnvParams):
        lo, hi = band(pp, obs, hidden, params.max_shares)
        return jnp.clip(state.h, lo, hi)

    return policy


@struct.dataclass
class TrainState:
    """params: the network's; opt_state: Adam's; step: int32 counter (a traced array, so a
    new step number does not recompile)."""

    params: dict
    opt_state: optax.OptState
    step: jax.Array


def objective(paths: Paths, cfg: AgentConfig):
    """The loss to minimise over a batch of episodes (scalar)."""
    if cfg.objective == "kr":
        return -jnp.mean(paths.reward)
    if cfg.objective == "mv":
        return -jnp.mean(paths.pnl) + 0.5 * cfg.kappa * jnp.var(paths.pnl)
    if cfg.objective == "mvg":  # costs count by their mean only: no gain in burning money
        return -jnp.mean(paths.pnl) + 0.5 * cfg.kappa * jnp.var(paths.pnl + paths.cost)
    var = jax.lax.stop_gradient(jnp.quantile(-paths.pnl, cfg.cvar_level))
    return cvar_objective(paths.pnl, var, cfg.cvar_level)


def _optimizer(cfg: AgentConfig):
    return optax.chain(optax.clip_by_global_norm(1.0), optax.adam(cfg.learning_rate))


def init_state(key, cfg: AgentConfig) -> TrainState:
    """A fresh network and optimiser state from ``key``."""
    params = BandNet(tuple(cfg.hidden)).init(key, jnp.zeros((OBS_SIZE,)))["params"]
    return TrainState(params=params, opt_state=_optimizer(cfg).init(params),
                      step=jnp.zeros((), jnp.int32))


def make_train_step(cfg: AgentConfig, env: EnvParams):
    """``train_step(state, key) -> (state, metrics)`` for one network (not jitted: the
    caller vmaps and jits it); metrics: {"loss", "pnl_std", "cost"}."""
    policy, opt = make_policy(cfg.hidden), _optimizer(cfg)

    def loss_fn(params, key):
        paths = rollout(policy, params, key, env, cfg.batch_paths)
        return objective(paths, cfg), paths

    def train_step(state: TrainState, key):
        (loss, paths), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params, key)
        updates, opt_state = opt.update(grads, state.opt_state, state.params)
        new = state.replace(params=optax.apply_updates(state.params, updates),
                            opt_state=opt_state, step=state.step + 1)
        return new, {"loss": loss, "pnl_std": jnp.std(paths.pnl),
                     "cost": jnp.mean(paths.cost)}

    return train_step


def make_train_chunk(cfg: AgentConfig, env: EnvParams, n_steps: int):
    """A jitted function running ``n_steps`` training steps of every seed at once:
    ``chunk(states, seed_keys) -> (states, metrics)``; states carry a leading seed axis
    (vmap), metrics are (n_steps, seeds). Step t of seed i draws its paths from
    ``fold_in(seed_keys[i], step)``, so no two steps or seeds share a path."""
    step = jax.vmap(make_train_step(cfg, env))

    def chunk(states: TrainState, seed_keys):
        def body(st, _):
            keys = jax.vmap(jax.random.fold_in)(seed_keys, st.step)
            return step(st, keys)

        return jax.lax.scan(body, states, None, length=n_steps)

    return jax.jit(chunk)
