"""Per-symbol state of the live scorer: ``(init, update)`` pairs over NamedTuples (STYLE #4).

Each ``*_update`` is the chunked twin of one batch function of the scoring and calibration
chain and must agree with it bit for bit: fed a symbol's rows in chunks of any size it
returns what the batch function returns on all of them at once.

Layout. An update takes the state of the P symbols present in a chunk (leading axis P;
``take`` / ``put`` move them out of and back into the scorer's all-symbol arrays) and a
*panel* of their new rows: ``x`` [P, K, ...] with ``n`` int64[P] real rows per symbol,
left-aligned (position j < n[p] is the symbol's j-th new bucket in time order; later
positions are padding, whose outputs are never read). ``Panel`` converts between the row
layout of ``MarketRows`` (sorted by (sym, ts)) and panels. Times are UTC ns (int64).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import lfilter

from jaxmodels.calibrate import hold_peak, recovered
from jaxmodels.config import TIERS, CalibConfig, VAEConfig
from jaxmodels.prep import EWMAState
from jaxmodels.vae import tail_thresholds

NONE_TS = np.iinfo(np.int64).min  # "no such time yet"


class Panel(NamedTuple):
    """Where each row of a chunk goes: ``group`` int64[n] (0..P-1, in row order),
    ``pos`` int64[n] (its position among its symbol's rows), ``n`` int64[P] rows per
    symbol, ``first`` int64[P] row index of each symbol's first row."""

    group: np.ndarray
    pos: np.ndarray
    n: np.ndarray
    first: np.ndarray

    @classmethod
    def of(cls, code: np.ndarray) -> Panel:
        """From symbol codes of rows sorted by (code, ts)."""
        m = len(code)
        start = np.ones(m, bool)
        start[1:] = code[1:] != code[:-1]
        first = np.flatnonzero(start)
        group = np.cumsum(start) - 1
        n = np.diff(np.r_[first, m]).astype(np.int64)
        return cls(group, np.arange(m) - first[group], n, first)

    @property
    def k(self) -> int:
        return int(self.n.max()) if len(self.n) else 0

    def spread(self, v: np.ndarray, fill=0) -> np.ndarray:
        """Rows [m, ...] -> panel [P, K, ...] (padding = ``fill``)."""
        out = np.full((len(self.n), self.k) + v.shape[1:], fill, v.dtype)
        out[self.group, self.pos] = v
        return out

    def gather(self, panel: np.ndarray) -> np.ndarray:
        """Panel [P, K, ...] -> rows [m, ...]."""
        return panel[self.group, self.pos]

    def last(self, panel: np.ndarray, old: np.ndarray) -> np.ndarray:
        """Each symbol's value at its newest row (``old`` where it has none)."""
        if panel.shape[1] == 0:
            return old.copy()
        got = panel[np.arange(len(self.n)), np.maximum(self.n - 1, 0)]
        has = (self.n > 0).reshape((-1,) + (1,) * (got.ndim - 1))
        return np.where(has, got, old)


def take(state: NamedTuple, idx: np.ndarray) -> NamedTuple:
    """The sub-state of slots ``idx`` (nested NamedTuples recursed)."""
    return type(state)(*(take(a, idx) if isinstance(a, tuple) else a[idx] for a in state))


def put(state: NamedTuple, idx: np.ndarray, sub: NamedTuple) -> None:
    """Write a sub-state back into slots ``idx`` of ``state``'s arrays (in place)."""
    for a, b in zip(state, sub, strict=True):
        if isinstance(a, tuple):
            put(a, idx, b)
        else:
            a[idx] = b


def grow(state: NamedTuple, more: NamedTuple) -> NamedTuple:
    """``state`` with the slots of ``more`` appended (new symbols)."""
    return type(state)(*(grow(a, b) if isinstance(a, tuple) else np.concatenate([a, b])
                         for a, b in zip(state, more, strict=True)))


# -- EWMA (twin of prep.ewma_series: the same lfilter, its delay carried between chunks) ----
def ewma_init(p: int, shape: tuple[int, ...] = ()) -> EWMAState:
    """``value`` float64[p, *shape] (the filter output at the newest row), ``weight`` [p]."""
    return EWMAState(np.zeros((p, *shape)), np.zeros(p))


def ewma_update(state: EWMAState, x: np.ndarray, n: np.ndarray,
                alpha: float) -> tuple[EWMAState, np.ndarray]:
    """Bias-corrected EWMA of panel ``x`` float64[P, K, ...] -> (state, float64[P, K, ...])."""
    a = [1.0, -(1.0 - alpha)]
    b = [alpha]
    # lfilter's delay after a row is 0 - y * a[1]; seeding it reproduces an unbroken run
    zv = -(state.value * a[1])[:, None]
    v, _ = lfilter(b, a, x, axis=1, zi=zv)
    w, _ = lfilter(b, a, np.ones(x.shape[:2]), axis=1, zi=-(state.weight * a[1])[:, None])
    pan = Panel(None, None, n, None)
    new = EWMAState(pan.last(v, state.value), pan.last(w, state.weight))
    return new, v / w.reshape(w.shape + (1,) * (x.ndim - 2))


def _prev(state: EWMAState, smoothed: np.ndarray) -> np.ndarray:
    """Each row's previous smoothed value (the state's for the first row; NaN for none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        before = state.value / state.weight.reshape((-1,) + (1,) * (state.value.ndim - 1))
    return np.concatenate([before[:, None], smoothed[:, :-1]], axis=1)


# -- online re-standardising (twin of prep.online_standardise) -----------------------------
class OnlineState(NamedTuple):
    """Trailing EWMA mean and variance per symbol and input, and rows seen (int64[P])."""

    mean: EWMAState
    var: EWMAState
    seen: np.ndarray


def online_init(p: int, f: int) -> OnlineState:
    return OnlineState(ewma_init(p, (f,)), ewma_init(p, (f,)), np.zeros(p, np.int64))


def online_update(state: OnlineState, z: np.ndarray, n: np.ndarray, half_life: float,
                  warm: int) -> tuple[OnlineState, np.ndarray]:
    """Panel float32[P, K, F] -> float32[P, K, F] re-standardised against the trailing mean
    and variance as of the previous row; rows before ``warm`` rows of history keep ``z``."""
    from jaxmodels.prep import alpha_from_half_life

    alpha = alpha_from_half_life(half_life)
    seg = z.astype(np.float64)
    i = (state.seen[:, None] + np.arange(z.shape[1]))[..., None]
    mean, mu = ewma_update(state.mean, seg, n, alpha)
    dev = seg - _prev(state.mean, mu)
    var, v = ewma_update(state.var, np.where(i == 0, 0.0, dev ** 2), n, alpha)
    with np.errstate(invalid="ignore"):
        zz = np.where(i == 0, 0.0, dev / np.sqrt(_prev(state.var, v) + 0.05))
    out = np.where(i >= warm, zz, seg).astype(np.float32)
    return OnlineState(mean, var, state.seen + n), out


# -- trailing windows (twins of vae.held_score and calibrate.hold_tight) --------------------
class TrailState(NamedTuple):
    """The newest ``width - 1`` values per symbol, [P, width - 1, ...] (``fill`` before)."""

    buf: np.ndarray


def trail_init(p: int, width: int, fill, shape: tuple[int, ...] = (),
               dtype=np.float64) -> TrailState:
    return TrailState(np.full((p, max(width - 1, 0), *shape), fill, dtype))


def trail_update(state: TrailState, x: np.ndarray, n: np.ndarray, width: int,
                 op: str) -> tuple[TrailState, np.ndarray]:
    """Trailing ``op`` ('min' or 'max') over ``width`` rows (fewer at a symbol's start) of
    panel ``x`` [P, K, ...] -> (state, [P, K, ...])."""
    if width <= 1:
        return state, x.copy()
    cat = np.concatenate([state.buf, x], axis=1)
    f = minimum_filter1d if op == "min" else maximum_filter1d
    out = f(cat, width, axis=1, origin=(width - 1) // 2, mode="nearest")[:, width - 1:]
    keep = n[:, None] + np.arange(width - 1)
    return TrailState(cat[np.arange(len(n))[:, None], keep]), out


# -- per-symbol tail calibration of the tier thresholds (twin of vae.symbol_thresholds) -----
class TailState(NamedTuple):
    """``ring`` float64[S, tail_window] the newest held scores (row i at i % tail_window;
    written in place: an hour per symbol is too much to copy every bucket), ``seen``
    int64[S] held scores so far, ``thr`` float64[S, 3] the thresholds in use."""

    ring: np.ndarray
    seen: np.ndarray
    thr: np.ndarray


def tail_init(p: int, thresholds: np.ndarray, config: VAEConfig) -> TailState:
    return TailState(np.zeros((p, max(config.tail_window, 1))), np.zeros(p, np.int64),
                     np.tile(np.asarray(thresholds, np.float64), (p, 1)))


def tail_update(state: TailState, slots: np.ndarray, held: np.ndarray, n: np.ndarray,
                thresholds: np.ndarray, config: VAEConfig,
                on: bool) -> tuple[TailState, np.ndarray]:
    """Thresholds float64[P, K, 3] of the held-score panel ``held`` [P, K] (NaN where a row
    may not enter a tail window) for the symbols in ``slots`` int[P]; returns the whole
    state (ring updated in place)."""
    w, warm, block = config.tail_window, config.tail_warm, config.tail_block
    seen = state.seen[slots]
    out = np.broadcast_to(state.thr[slots][:, None], held.shape + (3,)).copy()
    thr = state.thr.copy()
    if on:
        i = seen[:, None] + np.arange(held.shape[1])
        due = (np.arange(held.shape[1]) < n[:, None]) & (i >= warm) & ((i - warm) % block == 0)
        for p in np.flatnonzero(due.any(axis=1)):
            s, have = slots[p], min(int(seen[p]), w)
            order = (int(seen[p]) - have + np.arange(have)) % w
            hist = np.concatenate([state.ring[s, order], held[p, :n[p]]])
            js = np.flatnonzero(due[p])
            for j, nxt in zip(js, np.r_[js[1:], held.shape[1]], strict=True):
                out[p, j:nxt] = tail_thresholds(hist[max(have + j - w, 0):have + j],
                                                thresholds, config)
            thr[s] = out[p, n[p] - 1]
        rows, cols = np.nonzero((np.arange(held.shape[1]) < n[:, None])
                                & (np.arange(held.shape[1]) >= n[:, None] - w))
        state.ring[slots[rows], (seen[rows] + cols) % w] = held[rows, cols]
    new_seen = state.seen.copy()
    new_seen[slots] = seen + n
    return TailState(state.ring, new_seen, thr), out


# -- session start and cool-down (twins of model.since_session_start, calibrate.cool_down)
class ClockState(NamedTuple):
    """Per symbol: ``start`` session start, ``last`` newest bucket end, ``crit`` newest
    CRITICAL bucket end (int64[P], ``NONE_TS`` for none)."""

    start: np.ndarray
    last: np.ndarray
    crit: np.ndarray


def clock_init(p: int) -> ClockState:
    return ClockState(*(np.full(p, NONE_TS, np.int64) for _ in range(3)))


def session_update(state: ClockState, ts: np.ndarray, n: np.ndarray,
                   gap_ns: int) -> tuple[ClockState, np.ndarray]:
    """ns since each row's session began (a new one after a gap > ``gap_ns``), [P, K]."""
    prev = np.concatenate([state.last[:, None], ts[:, :-1]], axis=1)
    new = (prev == NONE_TS) | (ts - prev > gap_ns)
    starts = np.concatenate([state.start[:, None], np.where(new, ts, NONE_TS)], axis=1)
    start = np.maximum.accumulate(starts, axis=1)[:, 1:]
    pan = Panel(None, None, n, None)
    return state._replace(start=pan.last(start, state.start),
                          last=pan.last(ts, state.last)), ts - start


def cool_update(state: ClockState, ts: np.ndarray, tier: np.ndarray, n: np.ndarray,
                hold_s: float) -> tuple[ClockState, np.ndarray]:
    """Tier used for limits, int8[P, K]: at least HIGH_ALERT within ``hold_s`` s after a
    CRITICAL bucket."""
    t = np.asarray(tier, np.int8)
    if hold_s <= 0:
        return state, t
    hi, crit = TIERS.index("HIGH_ALERT"), TIERS.index("CRITICAL")
    marks = np.concatenate([state.crit[:, None], np.where(t >= crit, ts, NONE_TS)], axis=1)
    last = np.maximum.accumulate(marks, axis=1)[:, 1:]
    held = (last > NONE_TS) & (ts - last <= int(hold_s * 1e9))
    out = np.where(held, np.maximum(t, hi), t).astype(np.int8)
    return state._replace(crit=Panel(None, None, n, None).last(last, state.crit)), out


# -- market-tied hysteresis (twin of calibrate.recovery_hold) --------------------------------
class RecoveryState(NamedTuple):
    """Per symbol: ``normal`` float64[P, 3] the market (``calibrate.market_keys``) at the
    last NORMAL bucket, ``ref`` float64[P, 3] the market at the last NORMAL bucket before
    the newest alert bucket (NaN: none yet), ``alert`` newest HIGH_ALERT+ bucket end,
    ``rec`` newest recovered bucket end below HIGH_ALERT (int64[P], ``NONE_TS``: none),
    ``peak`` int64[P] the highest tier since the last recovered bucket."""

    normal: np.ndarray
    ref: np.ndarray
    alert: np.ndarray
    rec: np.ndarray
    peak: np.ndarray


def recovery_init(p: int) -> RecoveryState:
    return RecoveryState(np.full((p, 3), np.nan), np.full((p, 3), np.nan),
                         np.full(p, NONE_TS, np.int64), np.full(p, NONE_TS, np.int64),
                         np.zeros(p, np.int64))


def recovery_update(state: RecoveryState, ts: np.ndarray, tier: np.ndarray,
                    limit_tier: np.ndarray, now: np.ndarray, n: np.ndarray,
                    cfg: CalibConfig) -> tuple[RecoveryState, np.ndarray]:
    """Tier used for limits int8[P, K] of the score tiers ``tier`` [P, K], the cool-down
    tiers ``limit_tier`` [P, K] and the market panel ``now`` float64[P, K, 3]."""
    out = np.asarray(limit_tier, np.int8)
    if cfg.recover_max_s <= 0 or out.shape[1] == 0:
        return state, out
    t = np.asarray(tier, np.int8)
    p, k = t.shape
    hi = TIERS.index("HIGH_ALERT")
    rows, pos = np.arange(p)[:, None], np.arange(1, k + 1)
    zero = np.zeros((p, 1), np.int64)
    # nf[:, j]: the market at the last NORMAL bucket up to row j - 1 (j = 0: the state's)
    cat = np.concatenate([state.normal[:, None], now], axis=1)
    nidx = np.maximum.accumulate(np.concatenate([zero, np.where(t == 0, pos, 0)], axis=1),
                                 axis=1)
    nf = cat[rows, nidx]
    # an alert bucket j takes nf[:, j] as its reference; later rows keep the newest one
    cand = np.concatenate([state.ref[:, None], nf[:, :-1]], axis=1)
    aidx = np.maximum.accumulate(np.concatenate([zero, np.where(t >= hi, pos, 0)], axis=1),
                                 axis=1)[:, 1:]
    ref = cand[rows, aidx]
    alert = np.maximum.accumulate(np.concatenate(
        [state.alert[:, None], np.where(t >= hi, ts, NONE_TS)], axis=1), axis=1)[:, 1:]
    good = (t < hi) & recovered(now, ref, cfg.recover_ratio)
    rec = np.maximum.accumulate(np.concatenate(
        [state.rec[:, None], np.where(good, ts, NONE_TS)], axis=1), axis=1)[:, 1:]
    hold = (alert > NONE_TS) & (alert > rec) & (ts - alert <= int(cfg.recover_max_s * 1e9))
    peak, _ = hold_peak(t, good, state.peak)
    pan = Panel(None, None, n, None)
    new = RecoveryState(pan.last(nf[:, 1:], state.normal), pan.last(ref, state.ref),
                        pan.last(alert, state.alert), pan.last(rec, state.rec),
                        pan.last(peak, state.peak))
    return new, np.where(hold, np.maximum(out, peak), out).astype(np.int8)
