"""Replay the `orders` table through the batch path and write the decisions (mode 'replay').

`replay(store, config)` reads `sql/duckdb/enforcer/replay_orders.sql` (orders ASOF-joined
to the quote mid, to the model limits in force and to the newest publisher heartbeat of
their symbol), then runs each chunk through the jit-compiled rule set twice: with the
dynamic limits (model rows clipped to the static caps), which is the verdict written, and
with the static rule set alone, each with its own state carried from chunk to chunk.

Freshness as the live daemon judges it (`enforcer/feed.py`), at the order's time t: the
symbol's row in force is used iff the symbol's newest heartbeat at or before t has
`t - ts <= staleness_bound` (the publisher had judged a bucket that recent); otherwise, or
with no heartbeat or no row, the static rule set decides ('RiskAlert_StaleLimits').

Differences from the live daemon, by design of a replay: no operator commands, kill switch
or circuit breaker; a HALTED row applies while it is the row in force (no latch); cancels
(order_type CANCEL) are ACCEPTed and release nothing, and there are no fills, so positions
are the open exposure of accepted orders; trader medians for the fat-finger rule are taken
from the orders of earlier chunks; static_verdict is what the static rule set alone would
have decided over the whole replay (its own positions/throttles), not a what-if against the
dynamic run's state as in the live path.
"""

from __future__ import annotations

import statistics
from collections import deque
from typing import Any

import numpy as np
import pyarrow as pa

from enforcer.batch import NO_DUP, BatchState, check_batch, empty_state
from enforcer.config import EnforcerConfig, StaticLimits
from enforcer.decision import Decision
from enforcer.limits import STATE_CODE
from enforcer.reasons import mask_to_names
from enforcer.recovery import decisions_table
from enforcer.throttle import COST
from tsdb.config import UNBOUNDED_NS

_I64_MIN, _I64_MAX = -(2**63) + 1, 2**63 - 1


class _Ids(dict):
    def ids(self, keys: list) -> np.ndarray:
        out = np.empty(len(keys), np.int32)
        for i, k in enumerate(keys):
            v = self.get(k)
            if v is None:
                v = self[k] = len(self)
            out[i] = v
        return out


def _grow(a: np.ndarray, n: int, fill: int) -> np.ndarray:
    if len(a) >= n:
        return a
    out = np.full((n, *a.shape[1:]), fill, np.int64)
    out[: len(a)] = a
    return out


class _Run:
    """One rule set's state across chunks (dynamic or static)."""

    def __init__(self, cap: int, depth: int) -> None:
        self.state = empty_state(depth)
        self.cap = cap

    def check(self, cols: dict[str, np.ndarray], sizes: tuple[int, int, int],
              static: StaticLimits) -> np.ndarray:
        g, k, d = sizes
        s = self.state
        s = BatchState(_grow(s.filled, g, 0), _grow(s.open_buy, g, 0), _grow(s.open_sell, g, 0),
                       _grow(s.tokens, k, -1) if len(s.tokens) < k else s.tokens,
                       _grow(s.last_ts, k, -1), _grow(s.dup_last, d, NO_DUP),
                       _grow(s.dup_head, d, 0))
        tok = s.tokens.copy()
        tok[tok == -1] = self.cap  # new strategies start with a full bucket
        masks, out = check_batch(cols, s._replace(tokens=tok), flags=0,
                                 rate=static.throttle_rate, cap=self.cap,
                                 need_ref=static.reject_without_reference)
        self.state = BatchState(out.filled[:g], out.open_buy[:g], out.open_sell[:g],
                                out.tokens[:k], out.last_ts[:k], out.dup_last[:d],
                                out.dup_head[:d])
        return masks


def replay(store: Any, config: EnforcerConfig, *, start_ns: int | None = None,
           end_ns: int | None = None, chunk: int = 65536, write: bool = True) -> dict[str, Any]:
    """Run orders with ts in [start_ns, end_ns) through the batch path; write decisions.

    Returns {"orders", "accepted", "rejected", "static_rejected", "reasons": {name: n}}.
    """
    static = StaticLimits.load(config.static_limits_path)
    tbl = store.query_file("enforcer/replay_orders.sql",
                           [_I64_MIN if start_ns is None else start_ns,
                            _I64_MAX if end_ns is None else end_ns])
    cap = static.throttle_burst * COST
    bound = int(config.staleness_bound.total_seconds() * 1e9)
    groups, strats, dkeys = _Ids(), _Ids(), _Ids()
    dyn_run, st_run = _Run(cap, static.duplicate_depth), _Run(cap, static.duplicate_depth)
    hist: dict[str, deque] = {}
    summary: dict[str, Any] = {"orders": 0, "accepted": 0, "rejected": 0,
                               "static_rejected": 0, "reasons": {}}
    for lo in range(0, tbl.num_rows, chunk):
        part = tbl.slice(lo, chunk).to_pydict()
        medians = {t: float(statistics.median(h)) for t, h in hist.items()
                   if len(h) >= config.fat_finger_min_history}
        cols_d, cols_s, meta = _columns(part, static, medians, bound, groups, strats, dkeys)
        sizes = (len(groups), len(strats), len(dkeys))
        m_dyn = dyn_run.check(cols_d, sizes, static)
        m_st = st_run.check(cols_s, sizes, static)
        for t, q, ok in zip(part["trader"], part["qty"], cols_d["valid"], strict=True):
            if ok and q is not None and q > 0:
                hist.setdefault(t, deque(maxlen=config.fat_finger_window)).append(q)
        rows = _rows(part, m_dyn, m_st, meta, summary)
        if write and rows:
            store.ingest("decisions", decisions_table(rows, None))
    return summary


def _columns(part: dict[str, list], static: StaticLimits, medians: dict[str, float],
             bound: int, groups: _Ids, strats: _Ids, dkeys: _Ids
             ) -> tuple[dict, dict, dict]:
    n = len(part["ts"])
    ts = np.asarray(part["ts"], np.int64)
    otype = part["order_type"]
    valid = np.array([t != "CANCEL" for t in otype])
    lims = [static.for_sym(s) for s in part["sym"]]
    known = np.array([x is not None for x in lims])
    d = static.defaults

    def sfield(name: str, dt: Any) -> np.ndarray:
        return np.array([getattr(x or d, name) for x in lims], dt)

    s_qty, s_not = sfield("max_order_qty", np.int64), sfield("max_notional", np.float64)
    s_band, s_pos = sfield("price_band_bps", np.float64), sfield("max_position", np.int64)
    s_ff = sfield("fat_finger_threshold", np.float64)
    # fresh as the live daemon judges it: a row in force, and the symbol's newest heartbeat
    # at or before the order within the staleness bound (see the module doc)
    hb = np.array([x if x is not None else -UNBOUNDED_NS for x in part["heartbeat_ts"]],
                  np.int64)  # none: ts - hb is ~146 years (> any bound, no int64 overflow)
    fresh = (np.array([x is not None for x in part["limits_ts"]])) & (ts - hb <= bound)

    def dyn(col: str, st: np.ndarray) -> np.ndarray:
        v = np.array([x if x is not None else 0 for x in part[col]], st.dtype)
        return np.where(fresh, np.minimum(v, st), st)

    state = np.array([STATE_CODE.get(x, 2) if x is not None else 0 for x in part["state"]],
                     np.int8)
    qty = np.array([q if q is not None else 0 for q in part["qty"]], np.int64)
    market = np.array([t == "MARKET" for t in otype])
    price = np.array([p if p is not None else np.nan for p in part["price"]], np.float64)
    price[market] = np.nan
    keys_price = [None if m else p for m, p in zip(market, part["price"], strict=True)]
    common = {
        "valid": valid, "known": known,
        "side": np.array([{"B": 0, "S": 1}.get(s, 2) for s in part["side"]], np.int8),
        "otype": np.array([{"LIMIT": 0, "MARKET": 1}.get(t, 0 if t == "CANCEL" else 2)
                           for t in otype], np.int8),
        "qty": qty, "price": price,
        "mid": np.array([m if m is not None else np.nan for m in part["mid"]], np.float64),
        "ts": ts, "median": np.array([medians.get(t, 0.0) for t in part["trader"]]),
        "restricted": np.array([s in static.restricted for s in part["sym"]]),
        "halted": np.zeros(n, bool),
        "group": groups.ids(list(zip(part["strategy"], part["sym"], strict=True))),
        "strat": strats.ids(part["strategy"]),
        "dkey": dkeys.ids(list(zip(part["strategy"], part["sym"], part["side"], part["qty"],
                                   keys_price, strict=True))),
        "dup_n": np.array([static.duplicate_for(s).max_identical for s in part["strategy"]]),
        "dup_window": np.array([static.duplicate_for(s).window_ns for s in part["strategy"]]),
    }
    cols_s = {**common, "max_order_qty": s_qty, "max_notional": s_not,
              "price_band_bps": s_band, "max_position": s_pos, "fat_finger_threshold": s_ff,
              "lstate": np.zeros(n, np.int8)}
    d_state = np.where(fresh, state, 0).astype(np.int8)
    cols_d = {**common, "max_order_qty": dyn("max_order_qty", s_qty),
              "max_notional": dyn("max_notional", s_not),
              "price_band_bps": dyn("price_band_bps", s_band),
              "max_position": dyn("max_position", s_pos),
              "fat_finger_threshold": dyn("fat_finger_threshold", s_ff), "lstate": d_state}
    tight = ((cols_d["max_order_qty"] < s_qty) | (cols_d["max_notional"] < s_not)
             | (cols_d["price_band_bps"] < s_band) | (cols_d["max_position"] < s_pos)
             | (cols_d["fat_finger_threshold"] < s_ff))
    risk = np.where(~fresh, "RiskAlert_StaleLimits",
                    np.where(d_state == 2, "RiskAlert_Halted",
                             np.where(d_state == 1, "RiskAlert_Reducing",
                                      np.where(tight, "RiskAlert_HighAnomaly", "Normal"))))
    version = [f"{mv}@{lt}" if f else static.version
               for mv, lt, f in zip(part["model_version"], part["limits_ts"], fresh, strict=True)]
    return cols_d, cols_s, {"risk": risk, "version": version, "valid": valid}


def _rows(part: dict[str, list], m_dyn: np.ndarray, m_st: np.ndarray, meta: dict,
          summary: dict[str, Any]) -> list[tuple]:
    rows = []
    reasons = summary["reasons"]
    for i in range(len(part["ts"])):
        md, ms = int(m_dyn[i]), int(m_st[i])
        names = mask_to_names(md)
        for r in names:
            reasons[r] = reasons.get(r, 0) + 1
        summary["orders"] += 1
        summary["accepted" if md == 0 else "rejected"] += 1
        summary["static_rejected"] += ms != 0
        d = Decision(order_id=part["order_id"][i], ts=part["ts"][i],
                     verdict="ACCEPT" if md == 0 else "REJECT", reasons=names,
                     limits_version=meta["version"][i], mode="replay",
                     static_verdict="ACCEPT" if ms == 0 else "REJECT",
                     dynamic_verdict="ACCEPT" if md == 0 else "REJECT",
                     risk_state=str(meta["risk"][i]), dynamic_reasons=names,
                     static_reasons=mask_to_names(ms))
        kind = "NEW" if meta["valid"][i] else "CANCEL"
        rows.append((d, kind, part["trader"][i], part["strategy"][i], part["sym"][i],
                     part["side"][i], part["qty"][i], part["price"][i]))
    return rows


__all__ = ["replay", "pa"]
