"""A small synthetic market and a randomly initialised market model for the live-scorer
parity tests: several symbols on their own 100 ms grids, one with a heavier tail (its own
tail fit is used), stress bursts that reach CRITICAL, one 10 s crash past the breaker, and
a session gap of over an hour."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from jaxmodels import stress, vae
from jaxmodels.config import CalibConfig, StaticCaps, StressConfig, VAEConfig
from jaxmodels.data import MARKET_CONTEXT, MarketRows
from jaxmodels.model import GLOBAL, MarketModel, since_session_start
from jaxmodels.prep import fit_norm
from jaxmodels.publish import limits_for

F = 6
BUCKET_NS = 100_000_000
T0 = 1_700_000_000_000_000_000
VCFG = VAEConfig(inputs=tuple(f"x{i}" for i in range(F)), hidden=16, latent=3,
                 online_half_life=50.0, online_warm=40, persist_buckets=3, tail_window=300,
                 tail_warm=60, tail_block=50, tail_gate=1.3, open_warmup_s=2.0,
                 tail_skip_open_s=10.0, tail_max_stretch=6.0,
                 ewma_half_life=3.0, score_batch=64, score_block=16)
CALIB = CalibConfig(alert_hold_s=5.0, halt_move_bps=150.0, strategies=("*", "mm"),
                    recover_ratio=1.2, recover_max_s=8.0,
                    caps=StaticCaps(max_order_qty=5000, max_notional=500_000.0))
LOOSEN = 20
# stress statistics on the scale of this small market: baselines of seconds, a 0.3 s hold
SCFG = StressConfig(vol_half_life_s=20.0, base_half_life_s=5.0, drift_half_life_s=3.0,
                    persist_buckets=3, block_s=5.0, skip_open_s=2.0)


def market(seed: int = 0, n: int = 900, syms: tuple[str, ...] = ("AAA", "BBB", "CCC"),
           gap_at: int = 500) -> MarketRows:
    """Rows sorted by (sym, ts); symbol k has ``n - 37 k`` buckets, a gap > 1 h after
    ``gap_at`` for the first symbol, bursts in [300, 330) and [700, 720) of the second."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, s in enumerate(syms):
        m = n - 37 * k
        ts = T0 + (np.arange(m) + 3 * k + 1) * BUCKET_NS
        if k == 0:
            ts[gap_at:] += 2 * 3_600_000_000_000
        x = rng.normal(size=(m, F)) * (1.0 + 2.0 * (k == 2))
        if k == 2:
            x[rng.random(m) < 0.03] *= 8.0  # heavier ordinary tail
        ret = rng.normal(0, 5e-4, m)
        if k == 1:
            x[300:330] += 6.0
            x[700:720] += 9.0
            ret[700:720] = -0.03  # a 300 bps fall in 10 s: the breaker
        ctx = {"mid": 50.0 + np.cumsum(rng.normal(0, 0.01, m)) + 20 * k,
               "rv_1m": np.abs(rng.normal(3e-4, 1e-4, m)),
               "depth5_bid": rng.uniform(50, 900, m), "depth5_ask": rng.uniform(50, 900, m),
               "spread_bps": rng.uniform(1, 6, m), "ret_10s": ret, "ret_1s": ret / 3}
        ctx["depth5_bid"][rng.random(m) < 0.02] = np.nan  # missing inputs fall back
        parts.append((ts, np.full(m, s, object), np.full(m, k, np.int32),
                      x.astype(np.float32), ctx))
    return MarketRows(np.concatenate([p[0] for p in parts]),
                      np.concatenate([p[1] for p in parts]),
                      np.concatenate([p[2] for p in parts]), list(syms),
                      np.concatenate([p[3] for p in parts]),
                      {c: np.concatenate([p[4][c] for p in parts]) for c in MARKET_CONTEXT})


def model(rows: MarketRows, seed: int = 0, cfg: VAEConfig = VCFG) -> MarketModel:
    """A randomly initialised VAE whose thresholds are quantiles of its own held scores on
    ``rows``, so every tier occurs."""
    params = vae.init_state(cfg, F, jax.random.PRNGKey(seed)).params
    lm = np.zeros(F, bool)
    norms = {GLOBAL: fit_norm(rows.x, lm, lm), "AAA": fit_norm(rows.x[rows.code == 0], lm, lm)}
    a = vae.AnomalyModel(params=params, config=cfg, n_features=F, thresholds=np.full(3, np.inf))
    mm = MarketModel(anomaly=a, norms=norms, inputs=cfg.inputs)
    _, sm, _ = mm.score(rows)
    held = a.held(sm, rows.code)
    thr = np.quantile(held, [0.9, 0.97, 0.99]) + np.arange(3) * 1e-9
    return MarketModel(anomaly=vae.AnomalyModel(params=params, config=cfg, n_features=F,
                                                thresholds=thr), norms=norms, inputs=cfg.inputs,
                       stress=stress_model(rows))


def stress_model(rows: MarketRows) -> stress.StressModel:
    """The stress calibration of ``rows`` with its level lowered to the 99th percentile of
    the combined score, so that the stress tiers raise some rows above the VAE's."""
    since = since_session_start(rows)
    held = stress.batch(rows.code, rows.ctx, since, SCFG)
    fitted, _ = stress.fit(held, rows.code, since >= SCFG.skip_open_s * 1e9, SCFG)
    level = float(np.quantile(fitted.combined(held), 0.99))
    return dataclasses.replace(fitted, level=level, rank=0, bound_per_day=None)


def batch(mm: MarketModel, rows: MarketRows, in_force: dict | None = None):
    """(smoothed, tier, limits table) of the batch twin over all of ``rows``."""
    _, sm, tier = mm.score(rows)
    return sm, tier, limits_for(rows, sm, tier, CALIB, "v1", in_force, LOOSEN)


def chunks(rows: MarketRows, rng: np.random.Generator, n_chunks: int) -> list[np.ndarray]:
    """Row indices of ``n_chunks`` chunks, each symbol cut at its own random points (so a
    chunk may hold a symbol's rows and not another's, or none of a symbol's)."""
    per = []
    for c in range(len(rows.syms)):
        idx = np.flatnonzero(rows.code == c)
        cuts = np.sort(rng.integers(0, len(idx) + 1, n_chunks - 1))
        per.append(np.split(idx, cuts))
    return [np.sort(np.concatenate([p[i] for p in per])) for i in range(n_chunks)]


def sort_limits(tbl) -> list[dict]:
    return tbl.sort_by([("sym", "ascending"), ("strategy", "ascending"),
                        ("ts", "ascending")]).to_pylist()
