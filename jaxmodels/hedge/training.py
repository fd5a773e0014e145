"""Train the hedging agent: many seeds at once, the best on validation paths kept."""

from __future__ import annotations

import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxmodels.hedge.agent import init_state, make_policy, make_train_chunk, objective
from jaxmodels.hedge.config import HedgeConfig
from jaxmodels.hedge.env import env_params
from jaxmodels.hedge.rollout import rollout_jit

CHUNK = 50  # training steps per compiled call


@dataclasses.dataclass(frozen=True, kw_only=True)
class Trained:
    """params: the kept network's parameters (numpy pytree); seed: its index among the
    seeds; val_objective: (seeds,) validation objective of each (lower is better);
    history: (train_steps, seeds) training loss; wall_s: training wall time (seconds,
    compilation included); backend: the JAX platform it ran on."""

    params: dict
    seed: int
    val_objective: list[float]
    history: np.ndarray
    wall_s: float
    backend: str


def validate(cfg: HedgeConfig, params) -> float:
    """The agent's objective on the validation paths (``agent.val_seed``; lower is better)."""
    a = cfg.agent
    paths = rollout_jit(make_policy(a.hidden), params, jax.random.PRNGKey(a.val_seed),
                        env_params(cfg), a.val_paths)
    return float(objective(paths, a))


def train(cfg: HedgeConfig) -> Trained:
    """Train ``cfg.agent.seeds`` networks for ``train_steps`` steps (rounded up to whole
    chunks of ``CHUNK``) from root seed ``cfg.agent.seed``; keep the best on validation."""
    a = cfg.agent
    t0 = time.perf_counter()
    root = jax.random.PRNGKey(a.seed)
    k_init, k_paths = jax.random.split(root)
    states = jax.vmap(lambda k: init_state(k, a))(jax.random.split(k_init, a.seeds))
    seed_keys = jax.random.split(k_paths, a.seeds)
    n = min(CHUNK, a.train_steps)
    chunk = make_train_chunk(a, env_params(cfg), n)
    hist = []
    for _ in range(-(-a.train_steps // n)):
        states, m = chunk(states, seed_keys)
        hist.append(np.asarray(m["loss"]))
    jax.block_until_ready(states)
    per_seed = [jax.tree.map(lambda x, i=i: x[i], states.params) for i in range(a.seeds)]
    vals = [validate(cfg, p) for p in per_seed]
    best = int(np.argmin(vals))
    return Trained(params=jax.tree.map(np.asarray, per_seed[best]), seed=best,
                   val_objective=vals, history=np.concatenate(hist),
                   wall_s=time.perf_counter() - t0, backend=jax.default_backend())


def as_jax(params):
    """numpy pytree -> jax arrays (float32)."""
    return jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), params)
