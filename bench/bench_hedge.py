"""Hedger benchmarks (issue 16): the agent against Black-Scholes delta and Whalley-Wilmott
on 10,000 out-of-sample paths, and its training time on this machine.

Paths: training draws from root seed 0 (a new key per step and seed), the kept seed is
chosen on validation paths (seed 7777), Whalley-Wilmott's risk aversion on calibration
paths (seed 5555), and every figure below comes from test paths (seed 99991) that none of
those saw. Kolm-Ritter setup: S0 = K = 100, 10 days, 5 hedges a day, sigma 1 % a day, one
long call on 100 shares, cost 5 x 0.1 x (|n| + 0.01 n^2). The agent is trained on the
mean-variance of its total P&L with risk aversion kappa; the frontier sweeps kappa in
{0.01, 0.1, 1} and draws Whalley-Wilmott's over its risk aversion. One row also gives the
agent trained on the per-step Kolm-Ritter reward itself. Heston with the same costs: a
short call on 100 shares, the agent trained on CVaR95 of the loss.

GPU: the same code runs on a GPU with JAX_PLATFORMS=cuda (jax[cuda] installed); no GPU was
lent to this task, so no GPU figure is measured.
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

N_PATHS = 10_000
KAPPAS = (0.01, 0.1, 1.0)
TRAIN_GOAL_S = 600.0
PLOT = pathlib.Path(__file__).resolve().parents[1] / "reports" / "hedge_frontier.png"


def _row(metric, value, unit, goal, met, note="") -> dict:
    return {"bench": "hedge", "metric": metric, "value": float(value), "unit": unit,
            "goal": goal, "met": None if met is None else bool(met), "note": note}


def _train_eval(cfg):
    from jaxmodels.hedge.evaluate import evaluate
    from jaxmodels.hedge.training import train

    tr = train(cfg)
    return tr, evaluate(cfg, tr.params, n_paths=N_PATHS)


def _ww_frontier(cfg) -> tuple[np.ndarray, np.ndarray]:
    """(std, cost) of Whalley-Wilmott over its risk-aversion grid on the test paths."""
    from jaxmodels.hedge import baselines
    from jaxmodels.hedge.env import env_params
    from jaxmodels.hedge.evaluate import TEST_SEED, WW_GRID
    from jaxmodels.hedge.rollout import rollout_jit

    p, key = env_params(cfg), jax.random.PRNGKey(TEST_SEED)
    pts = [rollout_jit(baselines.whalley_wilmott, jnp.float32(g), key, p, N_PATHS)
           for g in WW_GRID]
    return (np.array([float(jnp.std(x.pnl)) for x in pts]),
            np.array([float(jnp.mean(x.cost)) for x in pts]))


def _ww_cost_at(std: float, ww_std: np.ndarray, ww_cost: np.ndarray) -> float:
    """Whalley-Wilmott's lowest cost at a P&L std of at most ``std``: its efficient
    frontier (lower envelope of its (std, cost) points), linear between points; inf when no
    risk aversion reaches so low a std."""
    o = np.argsort(ww_std)
    s, c = ww_std[o], np.minimum.accumulate(ww_cost[o])
    if std < s[0]:
        return float("inf")
    return float(np.interp(std, s, c))


def _plot(points: dict, ww: tuple[np.ndarray, np.ndarray], bs: dict) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no matplotlib"
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ww[0], ww[1], "-o", ms=3, label="Whalley-Wilmott (risk aversion grid)")
    ax.plot([bs["pnl_std"]], [bs["cost_mean"]], "s", label="BS delta")
    for k, m in points.items():
        ax.plot([m["pnl_std"]], [m["cost_mean"]], "*", ms=12, label=f"agent kappa={k}")
    ax.set_xlabel("std of total P&L")
    ax.set_ylabel("mean total cost")
    ax.set_title(f"Kolm-Ritter setup, {N_PATHS} out-of-sample paths")
    ax.legend(fontsize=7)
    PLOT.parent.mkdir(exist_ok=True)
    fig.savefig(PLOT, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(PLOT)


def bench_kolm_ritter() -> list[dict]:
    from jaxmodels.hedge.config import AgentConfig, HedgeConfig

    base = HedgeConfig()
    rows, points = [], {}
    tr, ev = _train_eval(base)
    a, bs, ww = ev["agent"], ev["bs_delta"], ev["ww_equal_std"]
    rows.append(_row("kr_pnl_std_agent", a["pnl_std"], "currency", f"<= BS delta's "
                     f"({bs['pnl_std']:.2f})", a["pnl_std"] <= bs["pnl_std"],
                     f"kappa 0.1; std before costs {a['gross_std']:.2f} (BS delta "
                     f"{bs['gross_std']:.2f}), cost-gross corr {a['cost_gross_corr']:.2f}; "
                     f"CVaR95 loss {a['cvar_loss']:.2f} vs BS {bs['cvar_loss']:.2f}"))
    cut = 100.0 * (1.0 - a["cost_mean"] / bs["cost_mean"])
    rows.append(_row("kr_cost_below_bs_delta", cut, "%", ">= 50", cut >= 50.0,
                     f"mean cost agent {a['cost_mean']:.2f} vs BS delta {bs['cost_mean']:.2f}"))
    ww_std, ww_cost = _ww_frontier(base)
    at = _ww_cost_at(a["pnl_std"], ww_std, ww_cost)
    rows.append(_row("kr_cost_agent_vs_ww_equal_std", a["cost_mean"], "currency",
                     f"<= Whalley-Wilmott's at the agent's std ({at:.2f})", a["cost_mean"] <= at,
                     f"WW frontier on the test paths at std {a['pnl_std']:.2f} (its lowest std "
                     f"{ww_std.min():.2f}, at cost {ww_cost[np.argmin(ww_std)]:.2f}); "
                     f"WW calibrated on other paths to equal std: std {ww['pnl_std']:.2f}, "
                     f"cost {ww['cost_mean']:.2f}"))
    rows.append(_row("train_wall_s_cpu", tr.wall_s, "s", f"<= {TRAIN_GOAL_S:.0f}",
                     tr.wall_s <= TRAIN_GOAL_S,
                     f"{tr.history.shape[1]} seeds x {tr.history.shape[0]} steps x "
                     f"{base.agent.batch_paths} paths, vmapped, compile included, backend "
                     f"{tr.backend}, {jax.device_count()} device(s), nice 15 on a shared 2-core "
                     "CPU; GPU: same code via JAX_PLATFORMS, not measured (none lent)"))
    points[0.1] = a
    for k in KAPPAS:
        if k == 0.1:
            continue
        cfg = base.replace(agent=dataclasses.replace(base.agent, kappa=k))
        _, evk = _train_eval(cfg)
        points[k] = evk["agent"]
    for k in KAPPAS:
        m = points[k]
        at = _ww_cost_at(m["pnl_std"], ww_std, ww_cost)
        rows.append(_row(f"frontier_kappa_{k}_cost", m["cost_mean"], "currency",
                         f"<= Whalley-Wilmott's at equal std ({at:.2f})", m["cost_mean"] <= at,
                         f"agent std {m['pnl_std']:.2f} (before costs {m['gross_std']:.2f}, "
                         f"cost-gross corr {m['cost_gross_corr']:.2f}; BS delta "
                         f"{bs['gross_std']:.2f}, {bs['cost_gross_corr']:.2f}), CVaR95 loss "
                         f"{m['cvar_loss']:.2f}; BS delta std {bs['pnl_std']:.2f} cost "
                         f"{bs['cost_mean']:.2f} CVaR95 {bs['cvar_loss']:.2f}"))
    kr_cfg = base.replace(agent=AgentConfig(objective="kr"))
    _, evr = _train_eval(kr_cfg)
    r = evr["agent"]
    rows.append(_row("kr_reward_objective_agent_cost", r["cost_mean"], "currency", "-", None,
                     f"agent trained on the per-step Kolm-Ritter reward (kappa 0.1): std "
                     f"{r['pnl_std']:.2f}, WW at that std "
                     f"{_ww_cost_at(r['pnl_std'], ww_std, ww_cost):.2f}, mean KR reward "
                     f"{r['kr_reward']:.1f} vs WW-best {evr['ww_best']['kr_reward']:.1f}"))
    rows += _no_burning_rows(base, bs, ww_std, ww_cost)
    rows.append(_row("frontier_plot", len(points), "points", "-", None,
                     _plot(points, (ww_std, ww_cost), bs)))
    return rows


def _no_burning_rows(base, bs: dict, ww_std, ww_cost) -> list[dict]:
    """The Kolm-Ritter goals for the agent trained on "mvg" (the variance of its P&L before
    costs): it gains nothing by paying costs in its winning paths."""
    cfg = base.replace(agent=dataclasses.replace(base.agent, objective="mvg"))
    _, ev = _train_eval(cfg)
    g = ev["agent"]
    at = _ww_cost_at(g["pnl_std"], ww_std, ww_cost)
    cut = 100.0 * (1.0 - g["cost_mean"] / bs["cost_mean"])
    why = (f"objective mvg, kappa 0.1: std before costs {g['gross_std']:.2f}, cost-gross corr "
           f"{g['cost_gross_corr']:.2f}, CVaR95 loss {g['cvar_loss']:.2f}")
    return [_row("mvg_pnl_std_agent", g["pnl_std"], "currency",
                 f"<= BS delta's ({bs['pnl_std']:.2f})", g["pnl_std"] <= bs["pnl_std"], why),
            _row("mvg_cost_below_bs_delta", cut, "%", ">= 50", cut >= 50.0,
                 f"mean cost {g['cost_mean']:.2f} vs BS delta {bs['cost_mean']:.2f}"),
            _row("mvg_cost_vs_ww_equal_std", g["cost_mean"], "currency",
                 f"<= Whalley-Wilmott's at the agent's std ({at:.2f})", g["cost_mean"] <= at,
                 f"agent std {g['pnl_std']:.2f}")]


def bench_heston() -> list[dict]:
    from jaxmodels.hedge.config import heston_config

    tr, ev = _train_eval(heston_config())
    a, bs, ww = ev["agent"], ev["bs_delta"], ev["ww_best"]
    return [_row("heston_cvar95_loss_agent", a["cvar_loss"], "currency",
                 f"< BS delta's ({bs['cvar_loss']:.2f}) and Whalley-Wilmott's "
                 f"({ww['cvar_loss']:.2f})",
                 a["cvar_loss"] < bs["cvar_loss"] and a["cvar_loss"] < ww["cvar_loss"],
                 f"short call, CVaR objective; WW risk aversion {ev['ww_gamma']['best']:.3g} "
                 f"chosen on calibration paths for its CVaR; agent cost {a['cost_mean']:.2f}, "
                 f"BS {bs['cost_mean']:.2f}, WW {ww['cost_mean']:.2f}; trained in "
                 f"{tr.wall_s:.0f} s")]


def run() -> list[dict]:
    t0 = time.perf_counter()
    rows = bench_kolm_ritter() + bench_heston()
    rows.append(_row("bench_wall_s", time.perf_counter() - t0, "s", "-", None,
                     "whole hedger bench: 5 trainings and their evaluations"))
    return rows
