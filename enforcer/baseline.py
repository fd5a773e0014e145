"""Trader baselines for the fat-finger rule, causal and per order (the replay's twin of
`Book.note_qty` + `Book.refresh_medians`, which the live daemon refreshes every poll).

`TraderMedians.before(trader, qty, ok)` answers, for each order in time order, the median
qty of its trader's previous `window` well-formed orders (0.0 with fewer than
`min_history`), then adds the order to the history: no order sees itself or a later one,
and a history carries over from one batch to the next. Median as `statistics.median`
(the mean of the two middle values for an even count).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque

import numpy as np


class _Rolling:
    """The last `window` values in arrival order and the same values sorted."""

    __slots__ = ("fifo", "srt")

    def __init__(self, window: int) -> None:
        self.fifo: deque[int] = deque(maxlen=window)
        self.srt: list[int] = []

    def median(self) -> float:
        s, n = self.srt, len(self.srt)
        return float(s[n // 2]) if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0

    def push(self, q: int) -> None:
        if len(self.fifo) == self.fifo.maxlen:
            del self.srt[bisect_left(self.srt, self.fifo[0])]
        self.fifo.append(q)
        insort(self.srt, q)


class TraderMedians:
    """Per-trader rolling medians over the previous `window` orders (see the module doc)."""

    def __init__(self, window: int, min_history: int) -> None:
        self.window = window
        self.min_history = min_history
        self._hist: dict[str, _Rolling] = {}

    def before(self, trader: list[str], qty: list, ok: np.ndarray) -> np.ndarray:
        """float64[n]: each order's trader median before it (lots; 0.0 = too little
        history); orders with ok[i] and a positive int qty join their trader's history."""
        out = np.zeros(len(trader), np.float64)
        hist, lo = self._hist, self.min_history
        for i, t in enumerate(trader):
            h = hist.get(t)
            if h is not None and len(h.srt) >= lo:
                out[i] = h.median()
            q = qty[i]
            if ok[i] and q is not None and q > 0:
                if h is None:
                    h = hist[t] = _Rolling(self.window)
                h.push(int(q))
        return out
