"""The live board's model: per (sym, strategy) the tier, anomaly score, limits in force
(static against adaptive, with the reason), position and open exposure, alerts, and the
history of the score and the max order qty for the sparklines.

Limits come from the engine's snapshot in force (a listener records every swap); scores
from the store (`console/scores_since.sql`, read incrementally by `refresh`). `version`
goes up whenever something the board shows changed; the SSE stream pushes on a change.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from enforcer.config import STATES
from enforcer.overrides import in_force
from tsdb.config import UNBOUNDED_NS

_LIMITS = ("max_order_qty", "max_notional", "price_band_bps", "max_position")
_W, _H = 120, 22  # sparkline size, px


def spark(points: list[tuple[int, float]], t0: int, t1: int) -> str:
    """SVG polyline points ('x,y ...') of (ts ns, value) over [t0, t1], scaled to the
    sparkline box (min..max of the values; a flat series sits in the middle); at most one
    point per 2 px (the last value in it), however often the value changed."""
    pts = [(t, v) for t, v in points if math.isfinite(v)]
    if not pts or t1 <= t0:
        return ""
    by_x: dict[int, tuple[int, float]] = {}  # one point per 2 px: the last of its bucket
    for t, v in pts:
        by_x[int((max(t, t0) - t0) / (t1 - t0) * _W / 2)] = (t, v)
    pts = list(by_x.values())
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    span = hi - lo
    out = []
    for t, v in pts:
        x = (max(t, t0) - t0) / (t1 - t0) * _W
        y = _H / 2 if span == 0 else (_H - 2) - (v - lo) / span * (_H - 4)
        out.append(f"{x:.1f},{y:.1f}")
    if len(out) == 1:
        out.append(f"{_W:.1f},{out[0].split(',')[1]}")
    return " ".join(out)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return "∞"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"
    return f"{v:,}" if isinstance(v, int) else str(v)


class Board:
    """enforcer: the engine (its snapshot, book, alerts, operator state); store: for
    risk_scores (None: no scores); clock: UTC ns; history_ns: sparkline window."""

    def __init__(self, enforcer: Any, store: Any | None, clock: Callable[[], int],
                 history_ns: int) -> None:
        self._enf, self._store, self._clock, self._hist = enforcer, store, clock, history_ns
        self._lock = threading.Lock()
        self._qty: dict[tuple[str, str], deque[tuple[int, float]]] = {}
        self._scores: dict[str, deque[tuple[int, float]]] = {}
        self._tier: dict[str, tuple[str, float, int]] = {}
        self._seen = -UNBOUNDED_NS
        self._sig: tuple | None = None
        self.version = 0
        self._record(enforcer.snapshot(), clock())
        enforcer.add_listener(self._record)

    def _record(self, snap: Any, ns: int) -> None:
        """A limits swap: note each (sym, strategy)'s max order qty in force."""
        with self._lock:
            for sym, lim in snap.dyn.items():
                self._push(self._qty, (sym, "*"), ns, float(lim.max_order_qty))
            for key, lim in snap.dyn_pair.items():
                self._push(self._qty, key, ns, float(lim.max_order_qty))
            self.version += 1

    def _push(self, d: dict, key: Any, ns: int, v: float) -> None:
        q = d.get(key)
        if q is None:
            q = d[key] = deque()
        if q and q[-1][1] == v:
            return
        q.append((ns, v))
        while len(q) > 1 and q[1][0] < ns - self._hist:
            q.popleft()

    def refresh(self) -> None:
        """Read new risk_scores rows; bump `version` when anything shown changed."""
        if self._store is not None:
            try:
                tbl = self._store.query_file("console/scores_since.sql", [self._seen])
            except Exception:  # a backend without the table: no scores on the board
                tbl = None
            if tbl is not None and tbl.num_rows:
                d = tbl.to_pydict()
                with self._lock:
                    for ts, sym, s, tier in zip(d["ts_ns"], d["sym"], d["anomaly_score"],
                                                d["tier"], strict=True):
                        self._push(self._scores, sym, ts, float(s))
                        self._tier[sym] = (tier, float(s), ts)
                        self._seen = max(self._seen, ts)
                    self.version += 1
        e = self._enf
        st = e.controls.state
        sig = (e.counters["orders"], e.counters["fills"], e.counters["cancels"],
               len(e.alerts), e.alerts[-1]["ts"] if e.alerts else 0, st)
        if sig != self._sig:
            with self._lock:
                self._sig = sig
                self.version += 1

    def _positions(self) -> dict[tuple[str, str], list[int]]:
        for _ in range(5):  # the order path may add a key while we copy
            try:
                return {k: list(v) for k, v in self._enf.book.pos.items()}
            except RuntimeError:
                continue
        return {}

    def rows(self) -> list[dict[str, Any]]:
        """One dict per (sym, strategy) shown: '*' per known symbol, and each strategy
        with its own limit row, override or position; sorted by (sym, strategy)."""
        snap = self._enf.snapshot()
        pos = self._positions()
        keys = {(s, "*") for s in snap.static} | set(snap.dyn_pair)
        keys |= {(sym, strat) for strat, sym in pos if sym in snap.static}
        now = self._clock()
        t0 = now - self._hist
        alerts = list(self._enf.alerts)
        out = []
        with self._lock:
            for sym, strat in sorted(keys):
                out.append(self._row(snap, sym, strat, pos, alerts, t0, now))
        return out

    def _row(self, snap, sym, strat, pos, alerts, t0, now) -> dict[str, Any]:
        dyn, _ = snap.lookup(sym, strat)
        raw = snap.static_cfg.for_sym(sym)  # the static rule set itself (before overrides)
        if strat == "*":
            mine = [v for (k, s), v in pos.items() if s == sym]
        else:
            mine = [pos[(strat, sym)]] if (strat, sym) in pos else []
        filled = sum(p[0] for p in mine)
        open_ = sum(p[1] + p[2] for p in mine)
        row = snap.rows.get((sym, strat)) or snap.rows.get((sym, "*"))
        ovr = in_force(snap.overrides, sym, strat)
        if ovr:
            reason = "override " + ", ".join(f"{o.limit_name}={_fmt(o.value)} ({o.override_id})"
                                             for o in ovr)
        elif sym in snap.stale:
            reason = "publisher stale: static limits"
        elif row is not None and snap.source == "dynamic":
            reason = f"{row.reason} ({row.model_version})"
        else:
            reason = "static rule set"
        tier, score, _ = self._tier.get(sym, ("-", math.nan, 0))
        qty_hist = self._qty.get((sym, strat)) or self._qty.get((sym, "*")) or ()
        return {
            "sym": sym, "strategy": strat, "tier": tier,
            "score": "-" if math.isnan(score) else f"{score:.2f}",
            "state": STATES[dyn.state], "risk_state": dyn.risk_state,
            "limits": [(n, _fmt(getattr(raw, n)), _fmt(getattr(dyn, n)),
                        getattr(dyn, n) < getattr(raw, n)) for n in _LIMITS],
            "reason": reason, "position": filled, "open": open_,
            "alerts": sum(1 for a in alerts if sym in a.get("msg", "")),
            "spark_score": spark(list(self._scores.get(sym, ())), t0, now),
            "spark_qty": spark(list(qty_hist), t0, now),
        }
