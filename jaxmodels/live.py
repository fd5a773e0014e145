"""The scoring and calibration chain as a stateful, incremental scorer (issue 10, live loop).

``LiveScorer.step(rows)`` takes the rows of one or more new 100 ms buckets (any symbols,
sorted by (sym, ts) as ``data.market_rows`` returns them) and returns their ``risk_scores``
rows and the changed ``risk_limits`` rows, carrying per-symbol state between calls
(``jaxmodels.livestate``), so a bucket costs the same at 09:31 as at 15:59. Fed a range in
chunks of any size it returns exactly what the batch functions return on the whole range
in one go (``MarketModel.score`` then ``publish.limits_for``): the same floats bit for
bit, the same tiers, the same limits rows. The batch functions stay as its plain twin; the
parity tests (``tests/unit/jaxmodels/test_live.py``,
``tests/integration/test_models_live.py``) hold the two together.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from jaxmodels import calibrate, stress
from jaxmodels import livestate as ls
from jaxmodels.config import CAP_FIELDS, STATES, TIERS, CalibConfig
from jaxmodels.data import MarketRows, scores_table
from jaxmodels.errors import MSG_NOT_NEWER, ModelError
from jaxmodels.model import DEFAULT_STRESS, GLOBAL
from jaxmodels.prep import alpha_from_half_life, apply_norm
from jaxmodels.vae import tail_on

SESSION_GAP_NS = 3_600_000_000_000  # as model.since_session_start
_CAPS = (*CAP_FIELDS, "lot_size")  # per symbol in the chain state: the caps and the lot
PIECE_ROWS = 4096  # buckets per symbol in one pass of the chain (memory of a catch-up)
PIECE_SYMS = 64


@dataclasses.dataclass(frozen=True)
class LiveStep:
    """What one ``step`` judged. ``scores``: a ``risk_scores`` row per row stepped (row
    order); ``limits``: the changed ``risk_limits`` rows (per symbol, strategy, time);
    ``last_ts``: newest bucket end judged per symbol of the step (UTC ns); ``smoothed``
    float64[n] and ``tier`` int8[n] per row stepped; ``latest``: per symbol of the step,
    its newest row's {"ts", "score", "tier", "state"} for display."""

    scores: pa.Table
    limits: pa.Table
    last_ts: dict[str, int]
    smoothed: np.ndarray
    tier: np.ndarray
    latest: dict[str, dict]


class ChainState(NamedTuple):
    """Everything carried per symbol slot except the tail ring (``ls.TailState``):
    ``halted`` bool[S] breaker latch, ``prev`` float64[S, 6] the previous row's limits and
    state (change detection), ``has_prev`` bool[S], ``caps`` float64[S, 6] static caps and lot size,
    ``stress`` the stress statistics' baselines and hold (``stress.StressState``),
    ``ep_cur`` float64[S, 5] / ``ep_on`` bool[S] the limits' running minimum within the
    alert run in progress (``calibrate.episode_floor``)."""

    online: ls.OnlineState
    smooth: ls.EWMAState
    held: ls.TrailState
    clock: ls.ClockState
    recovery: ls.RecoveryState
    lim: ls.TrailState
    state: ls.TrailState
    halted: np.ndarray
    prev: np.ndarray
    has_prev: np.ndarray
    caps: np.ndarray
    stress: stress.StressState
    ep_cur: np.ndarray
    ep_on: np.ndarray


class LiveScorer:
    """The promoted VAE's chain, one instance per model version and session (not thread-safe).

    ``in_force``: {sym: the ``risk_limits`` row in force (strategy '*') of this model}, as
    ``publish.publish`` passes it: a symbol's first row is written only if it differs, and
    a HALTED row in force keeps the breaker latched."""

    def __init__(self, mm, calib: CalibConfig, model_version: str, *, loosen_after: int = 50,
                 in_force: dict | None = None) -> None:
        self.mm, self.calib, self.version = mm, calib, model_version
        self.loosen_after = max(int(loosen_after), 1)
        self._in_force = dict(in_force or {})
        cfg = mm.anomaly.config
        self._thr = np.asarray(mm.anomaly.thresholds, np.float64)
        self._tail_on = tail_on(self._thr, cfg)
        self._slot: dict[str, int] = {}
        self._syms: list[str] = []
        self._s = self._init(0)
        self._tail = ls.tail_init(0, self._thr, cfg)

    # -- public ------------------------------------------------------------------------------
    def step(self, rows: MarketRows) -> LiveStep:
        """Judge the new buckets in ``rows``; every (sym, ts) must come after the newest one
        already stepped or warmed for its symbol (else ``ModelError``)."""
        return self._run(rows, emit=True)

    def warm(self, rows: MarketRows, in_force: dict | None = None) -> None:
        """Run history through the chain (e.g. the session so far when a model is promoted
        mid-session) without emitting rows. Nothing it computed was published, so the next
        step's first row per symbol is compared with ``in_force`` (default: the
        constructor's) rather than with the last warmed row."""
        self._run(rows, emit=False)
        force = self._in_force if in_force is None else in_force
        for s, i in self._slot.items():
            self._seed(i, force.get(s))

    def last_ts(self) -> dict[str, int]:
        """Newest bucket end judged per symbol so far (UTC ns)."""
        return {s: int(self._s.clock.last[i]) for s, i in self._slot.items()}

    # -- the chain -----------------------------------------------------------------------
    def _run(self, rows: MarketRows, *, emit: bool) -> LiveStep | None:
        """Check the rows, run them through the chain in pieces of at most ``PIECE_SYMS``
        symbols x ``PIECE_ROWS`` buckets (bounded memory for a catch-up or a whole day;
        the pieces give the same result as one chunk), and build the output tables."""
        if len(rows.ts) == 0:
            return _empty(self.calib) if emit else None
        pan = ls.Panel.of(rows.code)
        names = [rows.syms[c] for c in rows.code[pan.first]]
        slots = self._slots(names)  # first: it grows the state arrays for new symbols
        self._check(rows, pan, names, self._s.clock.last[slots])
        if pan.k <= PIECE_ROWS and len(pan.n) <= PIECE_SYMS:
            res = self._chain(rows)
        else:
            key = pan.group // PIECE_SYMS * (pan.k // PIECE_ROWS + 1) + pan.pos // PIECE_ROWS
            order = np.argsort(key, kind="stable")
            cuts = np.flatnonzero(np.diff(key[order])) + 1
            res = None
            for idx in np.split(order, cuts):
                part = self._chain(rows.take(np.sort(idx)))
                if res is None:
                    res = tuple(np.empty((len(rows.ts),) + a.shape[1:], a.dtype) for a in part)
                for a, b in zip(res, part, strict=True):
                    a[np.sort(idx)] = b
        if not emit:
            return None
        sm, tier, vals, state, changed = res
        lim = self._limits(rows, pan, names, changed, vals, state, tier, sm)
        last = pan.first + pan.n - 1
        latest = {s: {"ts": int(rows.ts[i]), "score": float(sm[i]),
                      "tier": TIERS[int(tier[i])], "state": STATES[int(state[i])]}
                  for s, i in zip(names, last, strict=True)}
        return LiveStep(scores_table(rows.ts, rows.sym, sm, tier, self.version), lim,
                        {s: d["ts"] for s, d in latest.items()}, sm, tier, latest)

    def _chain(self, rows: MarketRows) -> tuple[np.ndarray, ...]:
        """Score and calibrate checked rows, updating the state; per row: smoothed score
        float64[n], tier int8[n], limits float64[n, 5] (``calibrate.FIELDS``), state
        int8[n] and whether the row changed a limit bool[n]."""
        pan = ls.Panel.of(rows.code)
        slots = self._slots([rows.syms[c] for c in rows.code[pan.first]])
        st = ls.take(self._s, slots)
        cfg, n = self.mm.anomaly.config, pan.n
        ts = pan.spread(rows.ts)
        clock, since = ls.session_update(st.clock, ts, n, SESSION_GAP_NS)
        z = self._standardise(rows, pan, slots)
        online = st.online
        if cfg.online_half_life > 0:
            online, zp = ls.online_update(online, pan.spread(z), n, cfg.online_half_life,
                                          cfg.online_warm)
            z = pan.gather(zp)
        raw = self.mm.anomaly.raw_scores(np.clip(z, -cfg.clip_sigma, cfg.clip_sigma))
        smooth, sm = ls.ewma_update(st.smooth, pan.spread(raw), n,
                                    alpha_from_half_life(cfg.ewma_half_life))
        held_st, held = ls.trail_update(st.held, sm, n, cfg.persist_buckets, "min")
        ref = np.where(since >= cfg.tail_skip_open_s * 1e9, held, np.nan)
        self._tail, thr = ls.tail_update(self._tail, slots, ref, n, self._thr, cfg,
                                         self._tail_on)
        tier = (held[..., None] > thr).sum(axis=-1).astype(np.int8)
        st_stress = st.stress
        if self.mm.stress is not None:  # model.MarketModel.score: the higher of both tiers
            ctx = {k: pan.spread(np.asarray(rows.ctx[k], np.float64), np.nan)
                   for k in stress.INPUTS}
            st_stress, z = stress.update(st_stress, ctx, since, n, self.mm.stress.config)
            tier = np.maximum(tier, self.mm.stress.tiers(self.mm.stress.combined(z)))
        tier = np.where(since < cfg.open_warmup_s * 1e9, np.minimum(tier, 1), tier)
        tier = tier.astype(np.int8)
        clock, cool = ls.cool_update(clock, ts, tier, n, self.calib.alert_hold_s)
        now = pan.spread(calibrate.market_keys(rows.ctx), np.nan)
        recovery, cool = ls.recovery_update(st.recovery, ts, tier, cool, now, n, self.calib)
        st = st._replace(online=online, smooth=smooth, held=held_st, clock=clock,
                         recovery=recovery, stress=st_stress)
        st, vals, state, changed = self._calibrate(st, rows, pan, cool)
        ls.put(self._s, slots, st)
        return (pan.gather(sm), pan.gather(tier), pan.gather(vals), pan.gather(state),
                pan.gather(changed))

    def _calibrate(self, st: ChainState, rows: MarketRows, pan: ls.Panel, cool: np.ndarray):
        """``calibrate.calibrate_symbol`` on a panel: dynamic limits of the cool-down tiers,
        held tight over ``loosen_after`` buckets, the breaker latched, the change filter.
        Returns (state, limits [P, K, 5], state int8[P, K], changed bool[P, K])."""
        n = pan.n
        caps = SimpleNamespace(**dict(zip(_CAPS, st.caps[pan.group].T, strict=True)))
        dyn = calibrate.dynamic_limits(rows.ctx, pan.gather(cool), caps, self.calib)
        vals = pan.spread(np.stack([dyn[k] for k in calibrate.FIELDS], axis=1), np.inf)
        ep_cur, ep_on = st.ep_cur.copy(), st.ep_on.copy()
        hi = TIERS.index("HIGH_ALERT")
        for p in np.flatnonzero(n > 0):  # one pass per alert run, not per row
            vals[p, :n[p]], ep_cur[p], ep_on[p] = calibrate.episode_floor(
                vals[p, :n[p]], cool[p, :n[p]] >= hi, ep_cur[p], bool(ep_on[p]))
        lim_st, vals = ls.trail_update(st.lim, vals, n, self.loosen_after, "min")
        state_st, state = ls.trail_update(st.state, pan.spread(dyn["state"]), n,
                                          self.loosen_after, "max")
        latch = np.logical_or.accumulate(np.concatenate([st.halted[:, None], state == 2],
                                                        axis=1), axis=1)[:, 1:]
        state = np.where(latch, 2, state).astype(np.int8)
        mat = np.concatenate([vals, state[..., None].astype(float)], axis=-1)
        before = np.concatenate([st.prev[:, None], mat[:, :-1]], axis=1)
        changed = np.any(mat != before, axis=-1)
        changed[:, 0] |= ~st.has_prev
        st = st._replace(lim=lim_st, state=state_st, halted=pan.last(latch, st.halted),
                         ep_cur=ep_cur, ep_on=ep_on,
                         prev=pan.last(mat, st.prev), has_prev=st.has_prev | (n > 0))
        return st, vals, state, changed

    def _standardise(self, rows: MarketRows, pan: ls.Panel, slots: np.ndarray) -> np.ndarray:
        """Robust per-symbol standardisation (``MarketModel.standardise`` before its online
        step), float32[n, F]."""
        clip, norms = self.mm.anomaly.config.clip_sigma, self.mm.norms
        out = np.empty(rows.x.shape, np.float32)
        for i, a, k in zip(slots, pan.first, pan.n, strict=True):
            s = self._syms[i]
            out[a:a + k] = apply_norm(rows.x[a:a + k], norms.get(s, norms[GLOBAL]), clip)
        return out

    def _limits(self, rows, pan, names, changed, vals, state, tier, sm) -> pa.Table:
        """The changed rows, ordered as ``calibrate_symbol`` orders them (per symbol, per
        strategy, time) with its reasons."""
        idx = np.flatnonzero(changed)
        strat = self.calib.strategies
        if len(idx) == 0:
            return _empty(self.calib).limits
        reasons = [f"tier={TIERS[int(tier[i])]} score={sm[i]:.3g}"
                   + (" breaker" if state[i] == 2 else "") for i in idx]
        k = len(strat)
        g = np.tile(pan.group[idx], k)
        which = np.repeat(np.arange(k), len(idx))
        order = np.lexsort((np.tile(np.arange(len(idx)), k), which, g))
        r = np.tile(idx, k)[order]
        pick = np.tile(np.arange(len(idx)), k)[order]
        return calibrate.limits_table(
            rows.ts[r], [names[j] for j in pan.group[r]], [strat[j] for j in which[order]],
            {f: vals[r, c] for c, f in enumerate(calibrate.FIELDS)},
            [STATES[int(s)] for s in state[r]], [reasons[j] for j in pick],
            [self.version] * len(r))

    # -- symbols and state ---------------------------------------------------------------
    def _init(self, p: int) -> ChainState:
        cfg = self.mm.anomaly.config
        f = len(self.mm.inputs)
        return ChainState(ls.online_init(p, f), ls.ewma_init(p),
                          ls.trail_init(p, cfg.persist_buckets, np.inf), ls.clock_init(p),
                          ls.recovery_init(p),
                          ls.trail_init(p, self.loosen_after, np.inf, (len(calibrate.FIELDS),)),
                          ls.trail_init(p, self.loosen_after, 0, (), np.int8),
                          np.zeros(p, bool), np.zeros((p, 6)), np.zeros(p, bool),
                          np.zeros((p, len(_CAPS))),
                          stress.init(p, self.mm.stress.config if self.mm.stress is not None
                                      else DEFAULT_STRESS),
                          np.full((p, len(calibrate.FIELDS)), np.inf), np.zeros(p, bool))

    def _slots(self, names: list[str]) -> np.ndarray:
        new = [s for s in names if s not in self._slot]
        if new:
            base = len(self._syms)
            self._s = ls.grow(self._s, self._init(len(new)))
            self._tail = ls.grow(self._tail, ls.tail_init(len(new), self._thr,
                                                          self.mm.anomaly.config))
            for j, s in enumerate(new):
                self._slot[s] = base + j
                self._syms.append(s)
                caps = calibrate.caps_for(self.calib, s)
                self._s.caps[base + j] = [float(getattr(caps, k)) for k in _CAPS]
                self._seed(base + j, self._in_force.get(s))
        return np.array([self._slot[s] for s in names], np.int64)

    def _seed(self, i: int, row: dict | None) -> None:
        """Change detection of slot ``i`` against ``row`` (the row in force, or none)."""
        self._s.has_prev[i] = row is not None
        if row is not None:
            self._s.prev[i] = [float(row[k]) for k in calibrate.FIELDS] + [
                STATES.index(row["state"])]
            self._s.halted[i] |= row["state"] == "HALTED"

    def _check(self, rows, pan, names, last) -> None:
        ts, first = rows.ts, pan.first
        bad = ts[first] <= last
        inner = np.ones(len(ts), bool)
        inner[1:] = (np.diff(ts) > 0) | (pan.pos[1:] == 0)
        if bad.any() or not inner.all() or len(set(names)) < len(names):
            p = int(np.argmax(bad)) if bad.any() else int(pan.group[np.argmin(inner)])
            raise ModelError(MSG_NOT_NEWER.format(sym=names[p], ts=int(ts[first[p]]),
                                                  last=int(last[p])))


def _empty(calib: CalibConfig) -> LiveStep:
    z = np.zeros(0)
    return LiveStep(scores_table(z, [], z, np.zeros(0, np.int8), ""),
                    calibrate.static_rows(0, [], calib, ""), {}, z, np.zeros(0, np.int8), {})
