"""Replay the `orders` table through the batch path and write the decisions (mode 'replay').

`replay(store, config)` reads `sql/<dialect>/enforcer/replay_orders.sql` (orders ASOF-joined
to the quote in force, to the model limits in force and to the newest publisher heartbeat
of their symbol) and `replay_market.sql` (the recorded quotes and trades), asks the replay
venue what it would do with each order (`enforcer/replay_venue.py`: fills at the touch,
resting fills when the market crosses or trades through, cancels, expiries), and runs one
timeline of orders and venue events through the jit-compiled rule set twice: with the
dynamic limits (model rows clipped to the static caps), which is the verdict written, and
with the static rule set alone, each with its own state. A venue event moves the position
only if its order was accepted by that run, at the event's time, within and across chunks:
the batch path sees the exposure the live daemon would.

Freshness as the live daemon judges it (`enforcer/feed.py`), at the order's time t: the
symbol's row in force is used iff the symbol's newest heartbeat at or before t has
`t - ts <= staleness_bound` (the publisher had judged a bucket that recent); otherwise, or
with no heartbeat or no row, the static rule set decides ('RiskAlert_StaleLimits').

As in the live daemon: a fresh HALTED row latches its symbol (every later order STATE_HALTED,
no operator here to clear it); a strategy with `breaker_rejects_per_s` rejects within one
second of order time trips its circuit breaker (every later order of it CIRCUIT_BREAKER; the
stateful reasons of those orders are not reported: they would depend on state the breaker
froze). The summary counts those blocks apart from the limits' own ('rejected_by').
Differences, by design of a replay: no operator commands or kill switch; cancels (order_type
CANCEL) are ACCEPTed; trader medians for the fat-finger rule are causal and per order
(`enforcer/replay_median.py`, batch twin of `enforcer/baseline.py`; the live daemon
refreshes them every poll), and layer 1's fat_finger_limits row of the order's
(sym, trader) applies where its model rows do; static_verdict is what the static rule set
alone would have decided over the whole replay (its own positions, throttles and breaker;
no model row, so no latch).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from enforcer import replay_columns as C
from enforcer import replay_venue as venue
from enforcer.batch import NO_DUP, BatchState, check_batch
from enforcer.config import EnforcerConfig, StaticLimits
from enforcer.lots import Lots
from enforcer.replay_median import causal_medians
from enforcer.replay_out import decisions, summarize
from enforcer.rules import (
    B_BREAKER,
    B_DUPLICATE,
    B_POSITION,
    B_REDUCING,
    B_THROTTLE,
)
from enforcer.throttle import COST
from tsdb.instruments import Instruments

_I64_MIN, _I64_MAX = -(2**63) + 1, 2**63 - 1
_STATEFUL = B_REDUCING | B_POSITION | B_THROTTLE | B_DUPLICATE


class Timeline(NamedTuple):
    """Orders and venue events merged in event time (M rows). src (M,) the order each row
    is or belongs to; is_ev (M,) bool; ts, fill, release (M,) int64; pos (N,) the row of
    each order."""

    src: np.ndarray
    is_ev: np.ndarray
    ts: np.ndarray
    fill: np.ndarray
    release: np.ndarray
    pos: np.ndarray


def timeline(ts: np.ndarray, valid: np.ndarray, vp: venue.VenuePlan) -> Timeline:
    """Order rows plus one row per venue event that can matter (its order valid, the event
    no later than the last order); an event sorts before an order at the same ns, and
    never before its own order (at least 1 ns after it)."""
    n = len(ts)
    last = ts[-1] if n else 0
    ev_ts = np.maximum(vp.event_ts, ts + 1)
    ev = np.flatnonzero(valid & (vp.event_ts >= 0) & (ev_ts <= last)
                        & (vp.event_fill + vp.event_release > 0))
    src = np.concatenate([np.arange(n), ev])
    t = np.concatenate([ts, ev_ts[ev]])
    is_ev = np.concatenate([np.zeros(n, bool), np.ones(len(ev), bool)])
    order = np.lexsort((src, ~is_ev, t))
    src, is_ev, t = src[order], is_ev[order], t[order]
    fill = np.where(is_ev, vp.event_fill[src], vp.fill_now[src])
    release = np.where(is_ev, vp.event_release[src], vp.release_now[src])
    pos = np.empty(n, np.int64)
    pos[src[~is_ev]] = np.flatnonzero(~is_ev)
    return Timeline(src, is_ev, t, fill, release, pos)


class Runs:
    """Both rule sets (dynamic, static) across chunks, run as one batch: the static run's
    ids are offset past the dynamic run's, so each (run, strategy) is its own lane of the
    same scan (half the sequential steps of two calls)."""

    def __init__(self, sizes: tuple[int, int, int], cap: int, depth: int, n: int) -> None:
        g, k, d = sizes
        z = np.zeros(2 * g, np.int64)
        self.state = BatchState(z, z.copy(), z.copy(), np.full(2 * k, cap, np.int64),
                                np.full(2 * k, -1, np.int64),
                                np.full((2 * d, depth), NO_DUP, np.int64),
                                np.zeros(2 * d, np.int64))
        self.sizes = sizes
        self.accepted = (np.zeros(n, bool), np.zeros(n, bool))
        self.masks = (np.zeros(n, np.int64), np.zeros(n, np.int64))

    def check(self, cols: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
              tl_rows: slice, tl: Timeline, static: StaticLimits, cap: int) -> None:
        src, is_ev = tl.src[tl_rows], tl.is_ev[tl_rows]
        m = len(src)
        g, k, d = self.sizes
        both = []
        for i, c in enumerate(cols):
            c = {**c, "prior": is_ev & (c["ref"] < 0) & self.accepted[i][src]}
            if i:
                c |= {"group": c["group"] + g, "strat": c["strat"] + k, "dkey": c["dkey"] + d,
                      "ref": np.where(c["ref"] >= 0, c["ref"] + m, -1)}
            both.append(c)
        joined = {name: np.concatenate([both[0][name], both[1][name]]) for name in both[0]}
        masks, out = check_batch(joined, self.state, flags=0, rate=static.throttle_rate,
                                 cap=cap, need_ref=static.reject_without_reference)
        self.state = BatchState(out.filled[:2 * g], out.open_buy[:2 * g],
                                out.open_sell[:2 * g], out.tokens[:2 * k],
                                out.last_ts[:2 * k], out.dup_last[:2 * d],
                                out.dup_head[:2 * d])
        rows = ~is_ev
        for i in range(2):
            mi = masks[i * m:(i + 1) * m]
            self.masks[i][src[rows]] = mi[rows]
            self.accepted[i][src[rows]] = both[i]["valid"][rows] & (mi[rows] == 0)


def breaker(masks: np.ndarray, valid: np.ndarray, strat: np.ndarray, ts: np.ndarray,
            limit: int) -> tuple[np.ndarray, dict[int, int]]:
    """Masks with each strategy's circuit breaker applied: it trips at the reject that makes
    `limit` rejects of that strategy within one second of order time (ts // 1 s), and every
    later order of the strategy gets CIRCUIT_BREAKER (stateful reasons dropped). Returns
    (masks (N,), {strategy code: row index of the trip})."""
    if limit <= 0 or not len(masks):
        return masks, {}
    rej = np.flatnonzero(valid & (masks != 0))
    key = strat[rej].astype(np.int64) * (1 << 40) + ts[rej] // 1_000_000_000
    o = np.argsort(key, kind="stable")
    k = key[o]
    first = np.r_[True, k[1:] != k[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(k)), 0))
    count = np.arange(len(k)) - start + 1
    hit = rej[o][count >= limit]
    trips: dict[int, int] = {}
    for r in np.sort(hit):
        trips.setdefault(int(strat[r]), int(r))
    out = masks.copy()
    for s, r in trips.items():
        later = np.flatnonzero(strat == s)
        later = later[later > r]
        out[later] = (out[later] & ~_STATEFUL) | B_BREAKER
    return out, trips


def _latch(o: C.Orders, dyn: C.Dynamic) -> tuple[np.ndarray, dict[str, int]]:
    """(halted (N,) bool: at or after its symbol's first fresh HALTED row, {sym: ts})."""
    first = np.full(len(o.sym.names), _I64_MAX, np.int64)
    h = dyn.state == 2
    np.minimum.at(first, o.sym.codes[h], o.ts[h])
    latched = {o.sym.names[i]: int(t) for i, t in enumerate(first) if t != _I64_MAX}
    return o.ts >= first[o.sym.codes], latched


def replay(store: Any, config: EnforcerConfig, *, start_ns: int | None = None,
           end_ns: int | None = None, chunk: int = 1 << 17, write: bool = True
           ) -> dict[str, Any]:
    """Run orders with ts in [start_ns, end_ns) through the batch path; write decisions.

    chunk: timeline rows (orders + venue events) per batch call. Returns the summary of
    `enforcer.replay_out.summarize` (orders, accepted, rejected, static_rejected, reasons,
    rejected_by {limits, halted, breaker} and its static twin, latched, tripped, venue).
    """
    static = StaticLimits.load(config.static_limits_path)
    lo = _I64_MIN if start_ns is None else start_ns
    hi = _I64_MAX if end_ns is None else end_ns
    tbl = store.query_file("enforcer/replay_orders.sql", [lo, hi])
    ins = Instruments() if config.instruments_path is None else \
        Instruments.load(config.instruments_path)
    o = C.orders(tbl, Lots(ins))
    n = len(o.ts)
    valid = ~o.cancel
    st = C.static_columns(o, static)
    dyn = C.dynamic_columns(tbl, o, st, int(config.staleness_bound.total_seconds() * 1e9))
    mkts = C.markets(store.query_file("enforcer/replay_market.sql", [lo, hi]),
                     o.sym.names) if n else {}
    expire = config.expire_after
    day_end = None if expire is not None or not n else venue.session_ends(
        o.ts, o.sym.codes, [ins.calendar_for(s) for s in o.sym.names])
    vp = venue.plan(o.ts, o.sym.codes, o.side == 0, o.qty, o.price, o.otype == 1, o.cancel,
                    o.bid, o.ask, o.bid_size, o.ask_size, mkts, o.order_id,
                    C.dense_ids(o.trader.codes, o.strategy.codes, o.sym.codes, o.side),
                    None if expire is None else int(expire.total_seconds() * 1e9), day_end)
    tl = timeline(o.ts, valid, vp)
    price_key = np.where(np.isnan(o.price), -1.0, o.price).view(np.int64)
    group = C.dense_ids(o.strategy.codes, o.sym.codes)
    dkey = C.dense_ids(o.strategy.codes, o.sym.codes, o.side, o.qty, price_key)
    rules = {s: static.duplicate_for(s) for s in o.strategy.names}
    per = {"group": group, "strat": o.strategy.codes, "dkey": dkey, "side": o.side,
           "otype": o.otype, "qty": o.qty, "price": o.price, "mid": o.mid,
           "known": st["known"], "restricted": st["restricted"],
           "dup_n": C.lookup(o.strategy, {s: r.max_identical for s, r in rules.items()}, 1,
                             np.int32),
           "dup_window": C.lookup(o.strategy, {s: r.window_ns for s, r in rules.items()}, 0,
                                  np.int64)}
    halted_d, latched = _latch(o, dyn)
    lim_s = {**{f: st[f] for f in C._LIM_FIELDS}, "lstate": np.zeros(n, np.int8),
             "halted": np.zeros(n, bool), "fat_finger_max_qty": np.full(n, np.inf)}
    ffq = C.num(tbl, "fat_finger_max_qty", -1.0, np.float64)  # layer 1's row (-1: none)
    lim_d = {**dyn.lims, "lstate": dyn.state, "halted": halted_d,
             "fat_finger_max_qty": np.where(dyn.fresh & (ffq >= 0),
                                            Lots.floor_column(ffq, o.lot).astype(np.float64),
                                            np.inf)}
    median = causal_medians(o.trader.codes, o.qty, valid, config.fat_finger_window,
                            config.fat_finger_min_history)
    cap = static.throttle_burst * COST
    sizes = (int(group.max()) + 1 if n else 0, len(o.strategy.names),
             int(dkey.max()) + 1 if n else 0)
    runs = Runs(sizes, cap, static.duplicate_depth, n)
    m = len(tl.src)
    for a in range(0, m, chunk):
        rows = slice(a, min(m, a + chunk))
        src, is_ev = tl.src[rows], tl.is_ev[rows]
        ref = np.where(is_ev, tl.pos[src] - a, -1)
        common = {k: v[src] for k, v in per.items()}
        common |= {"valid": valid[src] & ~is_ev, "ts": tl.ts[rows], "median": median[src],
                   "kind": is_ev.astype(np.int8), "fill": tl.fill[rows],
                   "release": tl.release[rows], "ref": np.where(ref >= 0, ref, -1)}
        runs.check(tuple({**common, **{k: v[src] for k, v in lims.items()}}
                         for lims in (lim_d, lim_s)), rows, tl, static, cap)
    limit = config.breaker_rejects_per_s
    m_dyn, tripped = breaker(runs.masks[0], valid, o.strategy.codes, o.ts, limit)
    m_st, tripped_st = breaker(runs.masks[1], valid, o.strategy.codes, o.ts, limit)
    summary = summarize(o, valid, m_dyn, m_st, vp, runs.accepted[0], latched,
                        {o.strategy.names[s]: int(o.ts[r]) for s, r in tripped.items()},
                        {o.strategy.names[s]: int(o.ts[r]) for s, r in tripped_st.items()})
    if write and n:
        store.ingest("decisions", decisions(tbl, o, valid, m_dyn, m_st, dyn, static,
                                            halted_d))
    return summary


__all__ = ["replay", "timeline", "breaker", "pa"]
