"""Simulator throughput: LOB engine book events per second (compiled loop alone) and
end-to-end ``simulate`` (latent state, engine, OMS flow, Arrow tables), medians of runs
after the numba compile."""

from __future__ import annotations

import statistics
import time

import numpy as np

GOAL = 1_000_000.0  # book events/s on this machine's one core


def _engine_inputs(cfg):
    from sim.latent import build_params, latent_factors, neutral_regime

    h, f = latent_factors(cfg, np.random.default_rng(cfg.seed))
    return build_params(cfg, h[0], f[0], neutral_regime(h.shape[1]))


def measure_engine(repeats: int = 5) -> tuple[float, int]:
    """Median events/s of ``run_book`` over a full 390-minute normal day, and the event count."""
    from sim import SimConfig
    from sim.engine import run_book
    from sim.latent import BIN_S

    cfg = SimConfig(minutes=390.0, seed=1)
    params = _engine_inputs(cfg)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64))
    p0 = 4000

    def once():
        t0 = time.perf_counter()
        out = run_book(np.uint32(1), p0, 3 * p0, params, BIN_S, np.log(cfg.limit_size_median),
                       np.log(cfg.market_size_median), cfg.size_sigma, cfg.refill_lots,
                       cfg.refill_boost, *empty, cfg.burn_in_s, int(390 * 60e9),
                       cfg.snapshot_interval_ns, 3_000_000, 6_000_000)
        return out[1], time.perf_counter() - t0

    once()  # compile / load the cache
    runs = [once() for _ in range(repeats)]
    return statistics.median(n / dt for n, dt in runs), runs[0][0]


def measure_simulate(repeats: int = 3) -> tuple[float, float, int]:
    """Median wall seconds and events/s of ``simulate`` for 3 symbols x 390 minutes."""
    from sim import SimConfig, simulate

    cfg = SimConfig(scenario="flash_crash", n_symbols=3, minutes=390.0, seed=1)
    simulate(SimConfig(minutes=1.0))  # compile
    walls, n = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = simulate(cfg)
        walls.append(time.perf_counter() - t0)
        n = res.n_book_events
    wall = statistics.median(walls)
    return wall, n / wall, n


def run() -> list[dict]:
    eng_rate, eng_n = measure_engine()
    wall, e2e_rate, n = measure_simulate()
    row = {"bench": "sim"}
    return [
        {**row, "metric": "engine_book_events_per_s", "value": eng_rate, "unit": "events/s",
         "goal": f">= {GOAL:,.0f}", "met": eng_rate >= GOAL,
         "note": f"numba LOB loop alone, 1 symbol x 390 min normal day ({eng_n:,} events), "
                 "median of 5"},
        {**row, "metric": "simulate_book_events_per_s", "value": e2e_rate, "unit": "events/s",
         "goal": f">= {GOAL:,.0f}", "met": e2e_rate >= GOAL,
         "note": f"simulate() end to end incl. OMS flow and Arrow tables, flash_crash, "
                 f"3 symbols x 390 min ({n:,} events), median of 3"},
        {**row, "metric": "simulate_wall_3sym_day", "value": wall, "unit": "s",
         "goal": "", "met": None, "note": "same run as above"},
    ]


if __name__ == "__main__":
    for r in run():
        print(f"{r['metric']:<30} {r['value']:>14,.2f} {r['unit']:<9} met={r['met']}  {r['note']}")
