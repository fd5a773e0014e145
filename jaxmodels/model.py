"""The two model layers as pure functions of in-memory data.

Layer 2 (market stress): ``MarketModel`` (the VAE, its per-symbol normalisers and inputs),
``fit_market`` and ``MarketModel.score`` on ``MarketRows``. Layer 1 (order errors):
``order_inputs`` / ``labels`` for the boosted trees. ``fit_layers`` fits both (what a Dask
worker runs). Reading the store is ``jaxmodels.training``'s job, saving is
``jaxmodels.persist``'s, writing limits back is ``jaxmodels.publish``'s.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from jaxmodels import gbdt, layer1, stress, vae
from jaxmodels.config import (
    LOG_INPUTS,
    SIGNED_LOG_INPUTS,
    GBDTConfig,
    ModelsConfig,
    StressConfig,
    VAEConfig,
)
from jaxmodels.data import MarketRows, event_mask, to_matrix
from jaxmodels.prep import Norm, apply_norm, fit_norm, online_standardise

NORMAL_MARGIN_BEFORE_NS = 60_000_000_000  # rows this close to an event are not "normal"
NORMAL_MARGIN_AFTER_NS = 300_000_000_000
GLOBAL = "*"
DEFAULT_STRESS = StressConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class MarketModel:
    """Layer 2: the VAE, its per-symbol normalisers (``"*"`` for unseen symbols) and inputs,
    and the stress statistics' calibration (``stress``; None: the VAE alone)."""

    anomaly: vae.AnomalyModel
    norms: dict[str, Norm]
    inputs: tuple[str, ...]
    stress: stress.StressModel | None = None

    def standardise(self, rows: MarketRows) -> np.ndarray:
        """Robust-standardised inputs, then (``online_half_life`` > 0) re-standardised
        against each symbol's trailing mean and variance; float32[n, F], clipped."""
        cfg = self.anomaly.config
        out = np.empty(rows.x.shape, np.float32)
        for i, s in enumerate(rows.syms):
            m = rows.code == i
            out[m] = apply_norm(rows.x[m], self.norms.get(s, self.norms[GLOBAL]),
                                cfg.clip_sigma)
        if cfg.online_half_life > 0:
            out = online_standardise(out, rows.code, cfg.online_half_life, cfg.online_warm)
        return np.clip(out, -cfg.clip_sigma, cfg.clip_sigma)

    def score(self, rows: MarketRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(raw float64[n], smoothed float64[n], tier int8[n]) for rows sorted by (sym, ts).
        The tier is the higher of the VAE's and the stress statistics' (``stress_tiers``)."""
        raw, sm, tier, _ = self.score_detail(rows)
        return raw, sm, tier

    def score_detail(self, rows: MarketRows) -> tuple[np.ndarray, ...]:
        """``score`` and ``high_ratio`` float64[n]: each row's evidence in units of its
        HIGH_ALERT level, the larger of the VAE's held score over its (per-symbol) level and
        the stress score over its level; 0 in the open's warm-up, where no High is raised.
        The tier is at least HIGH_ALERT exactly where the ratio is above 1, so the ratio
        says how far a missed alert was from its level (what reaching it would cost in
        false alerts is read off normal rows' ratios)."""
        cfg = self.anomaly.config
        raw = self.anomaly.raw_scores(self.standardise(rows))
        sm = self.anomaly.smooth(raw, rows.code)
        since = since_session_start(rows)
        tier, ratio = self.anomaly.tiers_detail(sm, rows.code,
                                                since >= cfg.tail_skip_open_s * 1e9)
        if self.stress is not None:
            s = self.stress_score(rows, since)
            tier = np.maximum(tier, self.stress.tiers(s))
            ratio = np.maximum(ratio, s / self.stress.level)
        warm = since < cfg.open_warmup_s * 1e9
        return (raw, sm, np.where(warm, np.minimum(tier, 1), tier).astype(np.int8),
                np.where(warm, 0.0, ratio))


    def stress_tiers(self, rows: MarketRows, since: np.ndarray | None = None) -> np.ndarray:
        """int8[n]: 0, HIGH_ALERT or CRITICAL of the stress statistics (0 without them)."""
        if self.stress is None:
            return np.zeros(len(rows.ts), np.int8)
        return self.stress.tiers(self.stress_score(rows, since))

    def stress_score(self, rows: MarketRows, since: np.ndarray | None = None) -> np.ndarray:
        """float64[n]: the stress statistics' combined score S (``stress.StressModel``)."""
        since = since_session_start(rows) if since is None else since
        return self.stress.combined(stress.batch(rows.code, rows.ctx, since,
                                                 self.stress.config))


def since_session_start(rows: MarketRows, gap_ns: int = 3_600_000_000_000) -> np.ndarray:
    """ns since each row's symbol session began (a new session after a gap > ``gap_ns``)."""
    ts = rows.ts
    start = np.ones(len(ts), bool)
    start[1:] = (rows.code[1:] != rows.code[:-1]) | (np.diff(ts) > gap_ns)
    first = np.maximum.accumulate(np.where(start, np.arange(len(ts)), 0))
    return ts - ts[first] if len(ts) else ts


def masks(inputs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([n in LOG_INPUTS for n in inputs]),
            np.array([n in SIGNED_LOG_INPUTS for n in inputs]))


def normal_mask(rows: MarketRows, evs: list[dict]) -> np.ndarray:
    """bool[n]: rows outside every labelled event (with margins); all rows without labels."""
    return ~event_mask(rows, evs, before_ns=NORMAL_MARGIN_BEFORE_NS,
                       after_ns=NORMAL_MARGIN_AFTER_NS)


def fit_market(rows: MarketRows, normal: np.ndarray,
               cfg: VAEConfig,
               stress_cfg: StressConfig | None = DEFAULT_STRESS) -> tuple[MarketModel, dict]:
    """Fit normalisers and the VAE on the normal rows of ``rows``, and calibrate the stress
    statistics (``stress_cfg``; None or not enabled: none) on all of them. ``metrics``
    gains ``stress`` and ``false_high_bound_per_day``: the stated bound on false HIGH
    episodes per symbol-day of the combined tier, the VAE's conformal bound plus the stress
    statistics' (a union bound: an episode of the combined tier is one of either)."""
    lm, sm = masks(cfg.inputs)
    norms = {GLOBAL: fit_norm(rows.x[normal], lm, sm)}
    for i, s in enumerate(rows.syms):
        m = normal & (rows.code == i)
        if m.sum() >= 100:
            norms[s] = fit_norm(rows.x[m], lm, sm)
    mm = MarketModel(anomaly=vae.AnomalyModel(params={}, config=cfg, n_features=len(cfg.inputs),
                                              thresholds=np.full(3, np.inf)),
                     norms=norms, inputs=cfg.inputs)
    xs = mm.standardise(rows)
    model, metrics = vae.fit(xs[normal], rows.code[normal], cfg)
    metrics["training_window"] = {"start_ns": int(rows.ts.min()), "end_ns": int(rows.ts.max())}
    bound = metrics["conformal"]["false_high_bound_per_day"]
    st = None
    if stress_cfg is not None and stress_cfg.enabled:
        since = since_session_start(rows)
        held = stress.batch(rows.code, rows.ctx, since, stress_cfg)
        st, metrics["stress"] = stress.fit(held, rows.code,
                                           normal & (since >= stress_cfg.skip_open_s * 1e9),
                                           stress_cfg)
        sb = st.bound_per_day
        bound = None if bound is None or sb is None else bound + sb
    metrics["false_high_bound_per_day"] = bound
    return dataclasses.replace(mm, anomaly=model, stress=st), metrics


# -- layer 1 ---------------------------------------------------------------------------------
def order_inputs(orders: pa.Table, cfg: GBDTConfig, scores: tuple | None = None) -> np.ndarray:
    """float32[n, F] tree inputs; ``scores`` = (ts, sym, smoothed) overrides the stored
    ``anomaly_score`` with in-memory scores (as of each order, no look-ahead)."""
    x = to_matrix(orders, cfg.inputs)
    if scores is not None and "anomaly_score" in cfg.inputs:
        x[:, cfg.inputs.index("anomaly_score")] = asof_scores(orders, *scores)
    return x


def asof_scores(orders: pa.Table, ts: np.ndarray, sym: np.ndarray, sm: np.ndarray) -> np.ndarray:
    """Latest score at or before each order of its symbol (NaN when none)."""
    ots = orders.column("ts_ns").to_numpy()
    osym = np.asarray(orders.column("sym").to_pylist(), object)
    out = np.full(len(ots), np.nan, np.float32)
    for s in set(osym.tolist()):
        m, r = osym == s, sym == s
        t, v = ts[r], sm[r]
        if not len(t):
            continue
        i = np.searchsorted(t, ots[m], side="right") - 1
        out[m] = np.where(i >= 0, v[np.maximum(i, 0)], np.nan)
    return out


def labels(orders: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(is_error bool[n], labelled bool[n])."""
    lab = orders.column("is_error")
    known = ~np.asarray(lab.is_null().to_numpy(zero_copy_only=False))
    y = np.asarray(lab.fill_null(False).to_numpy(zero_copy_only=False), bool)
    return y, known


def fit_layers(rows: MarketRows, normal: np.ndarray, orders: pa.Table,
               cfg: ModelsConfig) -> tuple:
    """Both layers on in-memory data (pure; what a Dask worker runs): the VAE on the normal
    rows, then the trees on the labelled orders with the VAE's scores as of each order.
    Returns (market model, its metrics, tree model or None, its metrics or None)."""
    mm, mmet = fit_market(rows, normal, cfg.vae, cfg.stress)
    _, sm, _ = mm.score(rows)
    y, known = labels(orders)
    if not (known.sum() and y[known].any()):
        return mm, mmet, None, None
    if layer1.invertible(cfg.gbdt.inputs):  # size inputs only: train on valid orders and
        kind = np.asarray(orders.column("error_kind").fill_null("").to_pylist(), object)
        known = layer1.training_mask(kind, known)  # size errors (price ones: the collar's)
    x = order_inputs(orders, cfg.gbdt, (rows.ts, rows.sym, sm))[known]
    tm, tmet = gbdt.fit(x, y[known], cfg.gbdt)
    return mm, mmet, tm, tmet
