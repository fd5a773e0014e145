"""Causal per-trader rolling medians for the replay: the batch form of
`enforcer.baseline.TraderMedians.before` for one batch with fresh histories (the parity
test runs both on the same random flows).

A trader's median changes only when one of its orders joins the history, so the work is one
pass per trader over its joining quantities (a sorted window: one remove and one insert per
join), and each order then reads the median after its trader's last join before it (numpy).
About 1 us a join against ~5 us an order in `TraderMedians`. A numba kernel was faster
in a warm process but cost more than it saved on the CLI path (import and loading the cached
kernel: 0.5-2 s under load against ~0.3 s of loop).
"""

from __future__ import annotations

from bisect import bisect_left, insort

import numpy as np


def window_medians(vals: list[int], window: int) -> list[float]:
    """out[k]: median of vals[max(0, k + 1 - window) : k + 1] (`statistics.median`: the
    mean of the two middle values for an even count); len(out) == len(vals)."""
    srt: list[int] = []
    out = [0.0] * len(vals)
    for k, q in enumerate(vals):
        if k >= window:
            del srt[bisect_left(srt, vals[k - window])]
        insort(srt, q)
        m = len(srt)
        h = m // 2
        out[k] = float(srt[h]) if m % 2 else (srt[h - 1] + srt[h]) / 2.0
    return out


def causal_medians(trader: np.ndarray, qty: np.ndarray, ok: np.ndarray, window: int,
                   min_history: int) -> np.ndarray:
    """float64[n]: each order's trader median before it (lots; 0.0 while the trader's
    history holds fewer than `min_history` values), over the trader's previous `window`
    orders with ok[i] and qty[i] > 0. trader (n,) integer codes (one per trader), qty (n,)
    int64 lots, ok (n,) bool; orders in time order."""
    trader = np.asarray(trader)
    n = len(trader)
    out = np.zeros(n, np.float64)
    if not n:
        return out
    qty = np.asarray(qty, np.int64)
    joins = np.asarray(ok, bool) & (qty > 0)
    order = np.argsort(trader, kind="stable")  # grouped by trader, time order kept
    ts = trader[order]
    bounds = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[a:b]
        j = joins[idx]
        med = np.asarray(window_medians(qty[idx][j].tolist(), window), np.float64)
        before = np.cumsum(j) - j  # the trader's joins before each of its orders
        have = (before >= 1) & (np.minimum(before, window) >= min_history)
        out[idx[have]] = med[before[have] - 1]
    return out
