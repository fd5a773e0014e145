"""Interpretable stress statistics beside the VAE, with a split-conformal HIGH_ALERT level.

Why: the VAE scores inputs re-standardised against a 10-minute trailing window, so a move
that lasts becomes familiar, and more training data raised its High level until crashes
were late. These statistics are measured against *slow* baselines (a 30-minute volatility,
10-minute spread and depth levels, a 5-minute price anchor), so a real move stays large for
as long as it lasts, and each is in units a risk officer can read (sigmas, log ratios).

Statistics per bucket (``COMPONENTS``; all >= 0, 0 where an input or baseline is missing):
``jump_10s`` |ret_10s| / (tau sqrt(10)), tau (per sqrt(s)) the L4 norm of 1 s returns over
a slow EWMA (a heavy-tailed instrument gets a wider yardstick than its L2 vol would give);
``drift`` |ln mid - EWMA(ln mid)| / (sigma sqrt(h / (2 ln 2))), sigma the slow L2 vol and h
the anchor's half-life in s (the standard deviation of that distance for a random walk);
``spread`` the rise of ln spread over its level, in units of its own slow dispersion
(RMS deviation from the level); ``depth`` the fall of ln(thinner top-5 depth) below its
level in the same units; ``trend`` the mid's drift t-statistic over the last seconds:
|sum_i w^i r_{t-i}| / sqrt(sum_i w^(2i) r_{t-i}^2) over 100 ms log-returns r, w the decay of
a ``trend_half_life_s`` EWMA. A martingale keeps it ~|N(0, 1)| at any volatility (it is
self-normalised, no vol model); a one-way run of moves, as in a crash's first seconds,
pushes it up like sqrt(moves). Vol and dispersions are floored. Baselines are as of the
previous bucket, so a bucket never sees itself. Each statistic is held ``persist_buckets``
(trailing minimum). No 1 s return statistic: on the real GOOG day a single 5.8 bps
tick-driven 1 s jump was the only stress High; the 10 s return held 1 s measures moves
rather than ticks.

Combination. With c_j the largest 1-minute maximum of statistic j on the even normal
minutes (A), the score is S = max(max_j held_j / c_j, J / c_J) (j in ``ALONE``: all but
the trend), where the *joint* evidence
J = sum_{j in JOINT} held_j / c_j adds the fast statistics (10 s return, spread, depth,
trend) in units of their own normal extremes and c_J is J's largest 1-minute maximum on A.
Why: in a crash's first seconds the spread widens, the book thins and the price runs one
way together, each short of its own normal extreme; normal minutes rarely have all of
them at once, so J reaches its normal extreme sooner than any one statistic reaches its
own. The max over single statistics keeps what one extreme statistic alone says. ``fit``
takes the HIGH_ALERT level lambda as the split-conformal level of the 1-minute maxima of S
on the odd minutes (B), which c never saw: for a new normal minute exchangeable with B,
P(max S > lambda) <= (#{M_B > lambda} + 1) / (n_B + 1), so the expected false HIGH
episodes per 6.5 h symbol-day are at most 390 times that (episodes merged within a minute
start at most one per minute). One score, one level: the stated bound stays one term.

State is an ``(init, update)`` pair over panels (``jaxmodels.livestate``'s layout), so the
batch path (``score``: one panel of every row) and the live scorer (chunks) run the same
code; the parity tests feed random chunkings.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
from scipy.signal import lfilter

from jaxmodels import livestate as ls
from jaxmodels.config import StressConfig
from jaxmodels.prep import EWMAState, alpha_from_half_life
from jaxmodels.vae import block_maxima

COMPONENTS = ("jump_10s", "drift", "spread", "depth", "trend")
JOINT = ("jump_10s", "spread", "depth", "trend")
ALONE = ("jump_10s", "drift", "spread", "depth")
INPUTS = ("mid", "ret_1s", "ret_10s", "spread_bps", "depth5_bid", "depth5_ask")
HIGH, CRITICAL = 2, 3
DAY_S = 23_400.0


class StressState(NamedTuple):
    """Per symbol (leading axis P): EWMAs of the masked inputs and their masks (``vol``:
    [r1^2 v, r1^4 v, v, v]; ``base``: [ln spread v_s, ln depth v_d, v_s, v_d]; ``anchor``:
    [ln mid v, v]; ``disp``: the squared deviations of ln spread and ln depth from their
    lagged levels, [d_s^2, d_d^2, ok_s, ok_d]), the last valid ln mid (``last`` [P], NaN
    before one), the trend's weighted sums of 100 ms log-returns (``run`` [P]) and of their
    squares under the squared weights (``run2`` [P]), and the trailing window of the
    statistics, [P, persist - 1, C]."""

    vol: EWMAState
    base: EWMAState
    anchor: EWMAState
    disp: EWMAState
    last: np.ndarray
    run: np.ndarray
    run2: np.ndarray
    held: ls.TrailState


def init(p: int, cfg: StressConfig) -> StressState:
    e = ls.ewma_init
    return StressState(e(p, (4,)), e(p, (4,)), e(p, (2,)), e(p, (4,)), np.full(p, np.nan),
                       np.zeros(p), np.zeros(p),
                       ls.trail_init(p, cfg.persist_buckets, np.inf, (len(COMPONENTS),)))


def _alpha(half_life_s: float, cfg: StressConfig) -> float:
    return alpha_from_half_life(half_life_s / cfg.bucket_s)


def _inputs(ctx: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Masked series of a panel of inputs (each [P, K]): r1^2, ln spread, ln depth, ln mid
    and their validity (bool). A book with one side empty has depth 0 (1 lot in logs)."""
    r1 = np.asarray(ctx["ret_1s"], np.float64)
    sp = np.asarray(ctx["spread_bps"], np.float64)
    mid = np.asarray(ctx["mid"], np.float64)
    b, a = (np.asarray(ctx[k], np.float64) for k in ("depth5_bid", "depth5_ask"))
    depth = np.where(np.isnan(b) & np.isnan(a), np.nan, np.fmin(np.nan_to_num(b),
                                                                  np.nan_to_num(a)))
    v_r = np.isfinite(r1)
    v_s = np.isfinite(sp) & (sp > 0)
    v_d = np.isfinite(depth)
    v_m = np.isfinite(mid) & (mid > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lsp = np.where(v_s, np.log(np.where(v_s, sp, 1.0)), 0.0)
        ldp = np.where(v_d, np.log(np.maximum(np.nan_to_num(depth), 1.0)), 0.0)
        lm = np.where(v_m, np.log(np.where(v_m, mid, 1.0)), 0.0)
    r2 = np.where(v_r, np.nan_to_num(r1) ** 2, 0.0)
    return r2, v_r, lsp, v_s, ldp, v_d, lm, v_m


def _pos(x: np.ndarray) -> np.ndarray:
    """max(x, 0) with NaN and +-inf (no input or no baseline yet) as 0."""
    return np.maximum(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0), 0.0)


def _lagged(state: EWMAState, smoothed: np.ndarray, k: int) -> np.ndarray:
    """Each row's previous masked EWMA (value / mask weight) of channel ``k`` (values in
    channels 0..k-1, masks after them), [P, K]; NaN before any valid row."""
    w = state.weight.reshape((-1,) + (1,) * (state.value.ndim - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        before = state.value / w
    prev = np.concatenate([before[:, None], smoothed[:, :-1]], axis=1)
    half = prev.shape[-1] // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(prev[..., half + k] > 0, prev[..., k] / prev[..., half + k], np.nan)


def _steps(lm: np.ndarray, v_m: np.ndarray, last: np.ndarray,
           n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(100 ms log-returns [P, K]: ln mid less the previous valid ln mid, 0 where either is
    missing; each symbol's last valid ln mid after its ``n`` rows, ``last`` [P] before)."""
    p, k = lm.shape
    if k == 0:
        return np.zeros((p, 0)), last.copy()
    idx = np.where(v_m, np.arange(k)[None, :], -1)
    upto = np.maximum.accumulate(idx, axis=1)  # the newest valid row at or before each row
    before = np.concatenate([np.full((p, 1), -1), upto[:, :-1]], axis=1)
    rows = np.arange(p)[:, None]
    prev = np.where(before >= 0, lm[rows, np.maximum(before, 0)], last[:, None])
    r = np.where(v_m & np.isfinite(prev), lm - np.nan_to_num(prev), 0.0)
    end = np.where(n > 0, upto[np.arange(p), np.clip(n - 1, 0, k - 1)], -1)
    return r, np.where(end >= 0, lm[np.arange(p), np.maximum(end, 0)], last)


def _sums(prev: np.ndarray, x: np.ndarray, n: np.ndarray,
          decay: float) -> tuple[np.ndarray, np.ndarray]:
    """Exponentially weighted sums S_t = decay S_{t-1} + x_t of panel ``x`` [P, K] over each
    symbol's session so far, from ``prev`` [P] (the sum at its newest row) -> (sums after
    the ``n`` new rows [P], [P, K]). The filter's delay is seeded as ``ls.ewma_update``
    seeds it, so any chunking gives the same bits."""
    y, _ = lfilter([1.0], [1.0, -decay], x, axis=1, zi=(decay * prev)[:, None])
    return ls.Panel(None, None, n, None).last(y, prev), y


def statistics(state: StressState, ctx: dict[str, np.ndarray], n: np.ndarray,
               cfg: StressConfig) -> tuple[StressState, np.ndarray]:
    """Held statistics float64[P, K, C] of a panel of inputs (``INPUTS``, each [P, K]);
    the state is that of the same symbols after their ``n`` new rows (one session: see
    ``update`` for session starts)."""
    r2, v_r, lsp, v_s, ldp, v_d, lm, v_m = _inputs(ctx)
    f = np.float64
    slow = _alpha(cfg.vol_half_life_s, cfg)
    vr = v_r.astype(f)
    vol, vs = ls.ewma_update(state.vol, np.stack([r2, r2 * r2, vr, vr], -1), n, slow)
    base, bs = ls.ewma_update(state.base, np.stack([lsp * v_s, ldp * v_d, v_s.astype(f),
                                                    v_d.astype(f)], -1), n,
                              _alpha(cfg.base_half_life_s, cfg))
    anchor, an = ls.ewma_update(state.anchor, np.stack([lm, v_m.astype(f)], -1), n,
                                _alpha(cfg.drift_half_life_s, cfg))
    with np.errstate(invalid="ignore", divide="ignore"):
        dev_s = np.where(v_s, lsp - _lagged(state.base, bs, 0), np.nan)
        dev_d = np.where(v_d, ldp - _lagged(state.base, bs, 1), np.nan)
    ok_s, ok_d = np.isfinite(dev_s), np.isfinite(dev_d)
    sq = np.stack([np.where(ok_s, dev_s, 0.0) ** 2, np.where(ok_d, dev_d, 0.0) ** 2,
                   ok_s.astype(f), ok_d.astype(f)], -1)
    disp, ds = ls.ewma_update(state.disp, sq, n, slow)
    floor = cfg.vol_floor_bps * 1e-4
    sigma = _root(_lagged(state.vol, vs, 0), 2, floor)
    tail = _root(_lagged(state.vol, vs, 1), 4, floor)  # L4 norm: heavy tails widen it
    r10 = np.abs(np.asarray(ctx["ret_10s"], f))
    drift_sd = sigma * np.sqrt(cfg.drift_half_life_s / (2.0 * np.log(2.0)))
    r, last = _steps(lm, v_m, state.last, n)
    decay = 1.0 - _alpha(cfg.trend_half_life_s, cfg)
    run, s1 = _sums(state.run, r, n, decay)
    run2, s2 = _sums(state.run2, r * r, n, decay * decay)
    with np.errstate(invalid="ignore", divide="ignore"):
        wide = _pos(dev_s / _root(_lagged(state.disp, ds, 0), 2, cfg.disp_floor))
        thin = _pos(-dev_d / _root(_lagged(state.disp, ds, 1), 2, cfg.disp_floor))
        z = np.stack([_pos(r10 / (tail * np.sqrt(10.0))),
                      _pos(np.where(v_m, np.abs(lm - _lagged(state.anchor, an, 0)), np.nan)
                           / drift_sd), wide, thin, _pos(np.abs(s1) / np.sqrt(s2))], -1)
    held, h = ls.trail_update(state.held, z, n, cfg.persist_buckets, "min")
    return StressState(vol, base, anchor, disp, last, run, run2, held), h


def _root(moment: np.ndarray, p: int, floor: float) -> np.ndarray:
    """max(moment, floor^p)^(1/p), NaN where the moment is (no data yet)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(moment), np.maximum(moment, floor ** p), np.nan) ** (1 / p)


def update(state: StressState, ctx: dict[str, np.ndarray], since: np.ndarray, n: np.ndarray,
           cfg: StressConfig) -> tuple[StressState, np.ndarray]:
    """``statistics`` with a fresh state at every session start (rows whose ``since`` [P, K]
    is 0: the first bucket of a symbol's session), [P, K, C]. The panel is cut at session
    starts and run in rounds, round r being each symbol's r-th piece; a symbol's state is
    reset before a piece that starts a session."""
    p, k = since.shape
    real = np.arange(k)[None, :] < n[:, None]
    start = real & (since == 0)
    piece = np.cumsum(start, axis=1)  # 0: rows continuing the state's session
    out = np.zeros((p, k, len(COMPONENTS)))
    for r in range(int(piece[real].max(initial=0)) + 1):
        mine = real & (piece == r)
        cnt = mine.sum(axis=1)
        rows = np.flatnonzero(cnt > 0)
        if not len(rows):
            continue
        first = np.argmax(mine[rows], axis=1)
        sub = ls.take(state, rows)
        fresh = start[rows, first]
        if fresh.any():
            ls.put(sub, np.flatnonzero(fresh), init(int(fresh.sum()), cfg))
        width = int(cnt.max())
        cols = np.minimum(first[:, None] + np.arange(width), k - 1)
        sub_ctx = {name: np.asarray(v)[rows[:, None], cols] for name, v in ctx.items()}
        sub, z = statistics(sub, sub_ctx, cnt[rows], cfg)
        ls.put(state, rows, sub)
        keep = np.arange(width)[None, :] < cnt[rows][:, None]
        rr, cc = np.nonzero(keep)
        out[rows[rr], first[rr] + cc] = z[rr, cc]
    return state, out


@dataclasses.dataclass(frozen=True, kw_only=True)
class StressModel:
    """The fitted calibration: ``scale`` float64[C] (c_j), ``joint_scale`` (c_J of the
    joint evidence over ``JOINT``), ``level`` (lambda, HIGH_ALERT of S), the conformal rank
    and blocks it came from and the bound it states."""

    config: StressConfig
    scale: np.ndarray
    joint_scale: float
    level: float
    rank: int
    blocks: int
    bound_per_day: float | None

    @property
    def thresholds(self) -> dict[str, float]:
        """HIGH_ALERT per statistic alone in its own units (lambda c_j), and of the joint
        evidence J in units of the statistics' normal extremes (lambda c_J)."""
        out = {c: float(self.level * s) for c, s in zip(COMPONENTS, self.scale, strict=True)}
        return out | {"joint": float(self.level * self.joint_scale)}

    def combined(self, held: np.ndarray) -> np.ndarray:
        """S = max(max_{j in ALONE} held_j / c_j, J / c_J), float64[...] of held statistics
        [..., C]."""
        single, joint = _parts(np.asarray(held, np.float64), self.scale)
        return np.maximum(single, joint / self.joint_scale)

    def tiers(self, s: np.ndarray) -> np.ndarray:
        """int8[...]: 0, HIGH_ALERT above lambda, CRITICAL above critical_mult x lambda."""
        return np.where(s > self.config.critical_mult * self.level, CRITICAL,
                        np.where(s > self.level, HIGH, 0)).astype(np.int8)

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "scale": [float(x) for x in self.scale],
                "joint_scale": float(self.joint_scale), "level": float(self.level),
                "rank": int(self.rank), "blocks": int(self.blocks),
                "bound_per_day": self.bound_per_day, "components": list(COMPONENTS),
                "joint": list(JOINT)}

    @classmethod
    def from_dict(cls, d: dict) -> StressModel:
        got = (tuple(d.get("components", ())), tuple(d.get("joint", ())))
        if got != (COMPONENTS, JOINT):
            raise ValueError(f"stress model of statistics {list(got[0])} (joint {list(got[1])})"
                             f": this version computes {list(COMPONENTS)} (joint "
                             f"{list(JOINT)}); retrain the market model")
        return cls(config=StressConfig.from_dict(d["config"]),
                   scale=np.asarray(d["scale"], np.float64),
                   joint_scale=float(d["joint_scale"]), level=float(d["level"]),
                   rank=int(d["rank"]), blocks=int(d["blocks"]),
                   bound_per_day=d.get("bound_per_day"))


def _parts(held: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """[2, ...]: the largest statistic of ``ALONE`` and the joint evidence J, both in units
    of the statistics' scales c_j, of held statistics [..., C]. The trend is evidence only
    beside the others: a 2 s run of same-direction ticks is ordinary on a real tick-bound
    stock (on the GOOG day it passed the simulated normal days' extreme alone)."""
    x = held / scale
    alone = [COMPONENTS.index(c) for c in ALONE]
    joint = [COMPONENTS.index(c) for c in JOINT]
    return np.stack([x[..., alone].max(axis=-1), x[..., joint].sum(axis=-1)])


def batch(code: np.ndarray, ctx: dict[str, np.ndarray], since: np.ndarray,
          cfg: StressConfig) -> np.ndarray:
    """Held statistics float64[n, C] of rows sorted by (symbol ``code``, time), ``since``
    int64[n] ns since the row's session began: the live update on one panel of every row."""
    if len(code) == 0:
        return np.zeros((0, len(COMPONENTS)))
    pan = ls.Panel.of(np.asarray(code))
    sub = {k: pan.spread(np.asarray(ctx[k], np.float64), np.nan) for k in INPUTS}
    _, z = update(init(len(pan.n), cfg), sub, pan.spread(np.asarray(since, np.int64), -1),
                  pan.n, cfg)
    return pan.gather(z)


def segments(code: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """int64[n] run ids of consecutive ``ok`` rows of one symbol (-1 where not ok)."""
    start = np.ones(len(code), bool)
    start[1:] = (code[1:] != code[:-1]) | ~ok[:-1]
    run = np.cumsum(start & ok) - 1
    return np.where(ok, run, -1)


def fit(held: np.ndarray, code: np.ndarray, eligible: np.ndarray,
        cfg: StressConfig) -> tuple[StressModel, dict]:
    """Scales (c_j, c_J), level and bound from the held statistics float64[n, C] of normal
    training rows (``eligible`` bool[n]: normal, past the session's first ``skip_open_s``),
    rows sorted by (symbol ``code``, time). The statistics have no fitted parameter, so every
    normal row may serve. Where the level's minutes certify more than
    ``max_bound_per_day`` false episodes (390 / (n_B + 1) at best: n_B >= 779 for 0.5), the
    statistics are silent (level inf, bound 0) and ``metrics["certified_per_day"]`` says
    what the data could state."""
    seg = segments(np.asarray(code), np.asarray(eligible, bool))
    keep = seg >= 0
    block = max(int(round(cfg.block_s / cfg.bucket_s)), 1)
    c = held.shape[1]
    m = np.stack([block_maxima(held[keep, j], seg[keep], block) for j in range(c)], axis=1) \
        if keep.any() else np.zeros((0, c))
    a, b = m[0::2], m[1::2]
    scale = a.max(axis=0) if len(a) else np.ones(c)
    scale = np.where(scale > 1e-9, scale, 1e-9)
    # the joint evidence per row, then its 1-minute maxima (a sum's maximum is not the sum
    # of the maxima)
    mj = block_maxima(_parts(held[keep], scale)[1], seg[keep], block) if keep.any() else \
        np.zeros(0)
    joint_scale = float(mj[0::2].max()) if len(a) else 1.0
    joint_scale = joint_scale if joint_scale > 1e-9 else 1e-9
    mb = np.sort(np.maximum((b / scale).max(axis=1), mj[1::2] / joint_scale)) if len(b) \
        else np.zeros(0)
    nb = len(mb)
    per_day = DAY_S / cfg.block_s
    level, k, bound, certified = float("inf"), 0, None, None
    if nb:
        k = min(int(np.ceil((nb + 1) * (1.0 - cfg.episodes_per_day / per_day))), nb)
        level = float(mb[k - 1])
        certified = float(per_day * (int((mb > level).sum()) + 1) / (nb + 1))
        bound = certified
    silent = certified is None or certified > cfg.max_bound_per_day
    if silent:  # too few normal minutes to state a useful bound: these statistics stay quiet
        level, bound = float("inf"), 0.0
    model = StressModel(config=cfg, scale=scale, joint_scale=joint_scale, level=level, rank=k,
                        blocks=nb, bound_per_day=bound)
    metrics = {"blocks_scale": len(a), "blocks_level": nb, "rank": k, "level": level,
               "thresholds": model.thresholds, "false_high_bound_per_day": bound,
               "certified_per_day": certified, "silent": silent}
    return model, metrics
