"""Child-order schedules of a parent order (lots per child interval) and their cost.

A schedule works ``parent`` lots over ``n`` intervals. TWAP: equal children. VWAP: children
in proportion to a volume forecast (the same intervals of the window before). POV(p): each
child is ``p`` x the market volume of the interval before (the forecast for the first);
what is left at the horizon is swept in one order, so every schedule completes.
"""

from __future__ import annotations

import numpy as np


def twap(parent: float, n: int) -> np.ndarray:
    """float64[n] equal children."""
    return np.full(n, parent / n)


def vwap(parent: float, forecast: np.ndarray) -> np.ndarray:
    """float64[n] children in proportion to ``forecast`` (lots per interval; TWAP if none)."""
    f = np.asarray(forecast, np.float64)
    return parent * f / f.sum() if f.sum() > 0 else twap(parent, len(f))


def pov(parent: float, volume: np.ndarray, cap: float, first: float) -> np.ndarray:
    """float64[n + 1] children: ``cap`` x the previous interval's market ``volume`` (``first``
    lots of forecast volume for interval 0), then the rest swept at the horizon (last entry,
    0 when none is left)."""
    v = np.asarray(volume, np.float64)
    prev = np.concatenate([[first], v[:-1]])
    out, left = np.zeros(len(v) + 1), float(parent)
    for i, pv in enumerate(prev):
        out[i] = min(left, cap * pv)
        left -= out[i]
    out[-1] = left
    return out


def schedule_cost(children: np.ndarray, child_cost_bps: np.ndarray) -> float:
    """Quantity-weighted cost of a schedule, bps of the parent (children > 0 only)."""
    c = np.asarray(children, np.float64)
    tot = c.sum()
    return float((c * np.asarray(child_cost_bps, np.float64)).sum() / tot) if tot > 0 else 0.0


def walk_book(qty: float, px: np.ndarray, sz: np.ndarray) -> tuple[float, float]:
    """(average fill price, lots filled from the book) of a marketable order of ``qty`` lots
    against levels ``px``/``sz`` (best first, NaN / 0 for empty); a rest larger than the
    displayed book fills at the last displayed price (the book's depth is all we know)."""
    px, sz = np.asarray(px, np.float64), np.asarray(sz, np.float64)
    ok = np.isfinite(px) & (sz > 0)
    px, sz = px[ok], sz[ok]
    if qty <= 0 or not len(px):
        return float("nan"), 0.0
    take = np.minimum(sz, np.maximum(qty - np.concatenate([[0.0], np.cumsum(sz)[:-1]]), 0))
    rest = qty - take.sum()
    return float((take @ px + rest * px[-1]) / qty), float(take.sum())
