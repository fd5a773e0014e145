"""The agent: no recompilation, a band policy, and a short training that beats no hedge
on paths it never trained or validated on."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxmodels.hedge import baselines
from jaxmodels.hedge.agent import init_state, make_policy, make_train_chunk, objective
from jaxmodels.hedge.config import AgentConfig, HedgeConfig
from jaxmodels.hedge.env import env_params
from jaxmodels.hedge.rollout import rollout_jit
from jaxmodels.hedge.training import train

SMALL = AgentConfig(train_steps=50, seeds=2, batch_paths=256, val_paths=512)


def test_train_chunk_when_called_twice_with_same_shapes_then_compiles_once():
    a = AgentConfig(train_steps=2, seeds=2, batch_paths=16)
    chunk = make_train_chunk(a, env_params(HedgeConfig()), 2)
    states = jax.vmap(lambda k: init_state(k, a))(jax.random.split(jax.random.PRNGKey(0), 2))
    keys = jax.random.split(jax.random.PRNGKey(1), 2)
    states, m = chunk(states, keys)
    size = chunk._cache_size()
    states, m = chunk(states, keys)
    assert chunk._cache_size() == size == 1
    assert m["loss"].shape == (2, 2) and int(states.step[0]) == 4


def test_rollout_when_second_key_same_shapes_then_no_recompile():
    p = env_params(HedgeConfig())
    rollout_jit(baselines.bs_delta, 0.0, jax.random.PRNGKey(0), p, 8)
    size = rollout_jit._cache_size()
    rollout_jit(baselines.bs_delta, 0.0, jax.random.PRNGKey(1), p, 8)
    assert rollout_jit._cache_size() == size


def test_policy_when_untrained_then_position_inside_band_around_delta_hedge():
    a = AgentConfig()
    params = init_state(jax.random.PRNGKey(0), a).params
    p = env_params(HedgeConfig())
    out = rollout_jit(make_policy(a.hidden), params, jax.random.PRNGKey(2), p, 16)
    h = np.asarray(out.position)
    assert np.all(h == np.round(h)) and np.all(h <= 0) and np.all(h >= -100)


def test_train_when_short_run_then_beats_no_hedge_on_held_out_paths():
    cfg = HedgeConfig(agent=SMALL)
    tr = train(cfg)
    assert tr.history.shape == (50, 2) and len(tr.val_objective) == 2
    assert tr.history[-10:].mean() < tr.history[:5].mean()  # it learned something
    p, key = env_params(cfg), jax.random.PRNGKey(424242)  # neither training nor validation
    params = jax.tree.map(jnp.asarray, tr.params)
    agent = rollout_jit(make_policy(SMALL.hidden), params, key, p, 2000)
    none = rollout_jit(baselines.no_hedge, 0.0, key, p, 2000)
    assert float(objective(agent, SMALL)) < 0.5 * float(objective(none, SMALL))
    assert float(jnp.std(agent.pnl)) < 0.5 * float(jnp.std(none.pnl))


def test_objective_when_costs_flatten_pnl_then_mv_rewards_it_and_mvg_does_not():
    from jaxmodels.hedge.rollout import Paths

    z = jnp.zeros((2, 1))
    # P&L 1 and 3 after costs 0 and 2: before costs 1 and 5 (variance 4; after costs 1)
    p = Paths(pnl=jnp.array([1.0, 3.0]), cost=jnp.array([0.0, 2.0]), reward=jnp.zeros(2),
              spot=z, position=z, trade=z, step_cost=z)
    mv, mvg = AgentConfig(objective="mv", kappa=1.0), AgentConfig(objective="mvg", kappa=1.0)
    assert float(objective(p, mv)) == -2.0 + 0.5 * 1.0
    assert float(objective(p, mvg)) == -2.0 + 0.5 * 4.0
