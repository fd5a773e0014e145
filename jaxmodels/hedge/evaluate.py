"""Out-of-sample figures of a hedger against the classical hedges, on common paths.

Test paths come from ``test_seed``; the Whalley-Wilmott risk aversion is chosen on
separate calibration paths (``calib_seed``), never on the test paths: once to give the
agent's P&L std ("ww_equal_std", for the cost-at-equal-std comparison) and once to
minimise the agent's own objective ("ww_best"). Money in currency units.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxmodels.hedge import baselines
from jaxmodels.hedge.agent import make_policy, objective
from jaxmodels.hedge.config import HedgeConfig
from jaxmodels.hedge.env import EnvParams, cvar, env_params
from jaxmodels.hedge.rollout import Paths, rollout_jit

TEST_SEED = 99_991
CALIB_SEED = 5_555
WW_GRID = tuple(float(x) for x in np.geomspace(1e-4, 10.0, 31))


def summary(paths: Paths, level: float = 0.95) -> dict[str, float]:
    """pnl_mean, pnl_std, cost_mean, cvar_loss (CVaR at ``level`` of -pnl), kr_reward
    (mean per-episode sum of Kolm-Ritter rewards), trades (mean non-zero trades a path),
    gross_std (std of the P&L before costs) and cost_gross_corr (correlation of a path's
    cost with its P&L before costs). A hedger that pays costs in its winning paths to
    flatten its total P&L (a mean-variance objective rewards that) shows a gross_std far
    above its pnl_std and a correlation near 1."""
    gross = paths.pnl + paths.cost
    return {"pnl_mean": float(jnp.mean(paths.pnl)), "pnl_std": float(jnp.std(paths.pnl)),
            "gross_std": float(jnp.std(gross)),
            "cost_gross_corr": float(jnp.corrcoef(gross, paths.cost)[0, 1]),
            "cost_mean": float(jnp.mean(paths.cost)),
            "cvar_loss": float(cvar(-paths.pnl, level)),
            "kr_reward": float(jnp.mean(paths.reward)),
            "trades": float(jnp.mean(jnp.sum(paths.trade != 0, axis=1)))}


def _ww_paths(params: EnvParams, gamma: float, key, n: int) -> Paths:
    return rollout_jit(baselines.whalley_wilmott, jnp.float32(gamma), key, params, n)


def calibrate_ww(cfg: HedgeConfig, target_std: float | None, *, n_paths: int = 4096,
                 seed: int = CALIB_SEED) -> float:
    """The WW risk aversion on the grid with the lowest mean cost among those whose
    calibration-path P&L std is at most ``target_std`` (the nearest std if none is), or
    (None) the one minimising the agent's objective there. WW's std is not monotone in its
    risk aversion (a very tight band pays costs that vary from path to path), so "equal
    std" means its efficient branch."""
    params, key = env_params(cfg), jax.random.PRNGKey(seed)
    paths = [_ww_paths(params, g, key, n_paths) for g in WW_GRID]
    if target_std is None:
        return WW_GRID[int(np.argmin([float(objective(p, cfg.agent)) for p in paths]))]
    std = np.array([float(jnp.std(p.pnl)) for p in paths])
    cost = np.array([float(jnp.mean(p.cost)) for p in paths])
    ok = std <= target_std
    if not ok.any():
        return WW_GRID[int(np.argmin(np.abs(std - target_std)))]
    return WW_GRID[int(np.argmin(np.where(ok, cost, np.inf)))]


def evaluate(cfg: HedgeConfig, agent_params, *, n_paths: int = 10_000,
             seed: int = TEST_SEED, calib_paths: int | None = None) -> dict:
    """Figures of the agent and the baselines on ``n_paths`` test paths from ``seed``:
    {"agent"|"no_hedge"|"bs_delta"|"ww_equal_std"|"ww_best": summary, "ww_gamma": {...},
    "n_paths", "seed"}. ``calib_paths``: default min(4096, n_paths)."""
    calib_paths = calib_paths or min(4096, n_paths)
    params, key, level = env_params(cfg), jax.random.PRNGKey(seed), cfg.agent.cvar_level
    pol = make_policy(cfg.agent.hidden)
    calib = rollout_jit(pol, agent_params, jax.random.PRNGKey(CALIB_SEED), params, calib_paths)
    g_eq = calibrate_ww(cfg, float(jnp.std(calib.pnl)), n_paths=calib_paths)
    g_best = calibrate_ww(cfg, None, n_paths=calib_paths)
    out = {"agent": summary(rollout_jit(pol, agent_params, key, params, n_paths), level),
           "no_hedge": summary(rollout_jit(baselines.no_hedge, 0.0, key, params, n_paths), level),
           "bs_delta": summary(rollout_jit(baselines.bs_delta, 0.0, key, params, n_paths), level),
           "ww_equal_std": summary(_ww_paths(params, g_eq, key, n_paths), level),
           "ww_best": summary(_ww_paths(params, g_best, key, n_paths), level),
           "ww_gamma": {"equal_std": g_eq, "best": g_best}, "n_paths": n_paths, "seed": seed}
    return out
