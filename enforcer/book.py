"""Mutable per-order state of the enforcer (positions, throttles, duplicates, medians).

Owned by one `Enforcer` and touched only under its lock. Everything here can be rebuilt
by replaying the decision log (`apply_*` are the same calls the live path makes).
"""

from __future__ import annotations

import statistics
from collections import deque

from enforcer.throttle import COST, DT_CLIP


class Book:
    """pos[(strategy, sym)] = [filled, open_buy, open_sell] (lots);
    buckets[strategy] = [nano-tokens, last_ts]; dups[(strategy, sym, side, qty, price)] =
    ts of the last `dup_depth` accepted identical orders (a deque, oldest first);
    open_orders[ident] = (strategy, sym, side, qty), ident the order's identity: its key (str, e.g. FIX SenderCompID + ClOrdID) when it
    has one, else its order id (int) -- never the bare id of a keyed order, so two FIX
    sessions reusing one ClOrdID never release each other's open qty; hist[trader] = last N order qtys; medians[trader] = median of hist (0.0 when
    fewer than `min_history`), refreshed by `refresh_medians`.
    """

    __slots__ = ("pos", "buckets", "dups", "open_orders", "hist", "medians", "_dirty",
                 "window", "min_history", "max_ts", "_dups_kept", "dup_depth")

    def __init__(self, window: int, min_history: int, dup_depth: int = 1) -> None:
        self.pos: dict[tuple[str, str], list[int]] = {}
        self.buckets: dict[str, list[int]] = {}
        self.dups: dict[tuple, deque[int]] = {}
        self.dup_depth = dup_depth
        self.open_orders: dict[int | str, tuple[str, str, str, int]] = {}
        self.hist: dict[str, deque[int]] = {}
        self.medians: dict[str, float] = {}
        self._dirty: set[str] = set()
        self.window = window
        self.min_history = min_history
        self.max_ts = 0
        self._dups_kept = 0  # len(dups) after the last prune

    def note_qty(self, trader: str, qty: int) -> None:
        """Every well-formed order feeds its trader's qty history (accepted or not)."""
        h = self.hist.get(trader)
        if h is None:
            h = self.hist[trader] = deque(maxlen=self.window)
        h.append(qty)
        self._dirty.add(trader)

    def apply_accept(self, order_id: int | str, ts: int, strategy: str, sym: str, side: str,
                     qty: int, price: float | None, rate: int, cap: int) -> None:
        """State change of an ACCEPTED new order: open qty, token taken, duplicate key."""
        p = self.pos.get((strategy, sym))
        if p is None:
            p = self.pos[(strategy, sym)] = [0, 0, 0]
        p[1 if side == "B" else 2] += qty
        b = self.buckets.get(strategy)
        if b is None:
            b = self.buckets[strategy] = [cap, -1]
        dt = ts - b[1]
        dt = 0 if dt < 0 else (DT_CLIP if dt > DT_CLIP else dt)
        b[0] = min(cap, b[0] + dt * rate) - COST
        b[1] = ts
        k = (strategy, sym, side, qty, price)
        d = self.dups.get(k)
        if d is None:
            d = self.dups[k] = deque(maxlen=self.dup_depth)
        d.append(ts)
        self.open_orders[order_id] = (strategy, sym, side, qty)
        if ts > self.max_ts:
            self.max_ts = ts

    def apply_cancel(self, orig_order_id: int | str) -> int:
        """Release the open qty of a cancelled order; returns the lots released."""
        rec = self.open_orders.pop(orig_order_id, None)
        if rec is None:
            return 0
        strategy, sym, side, qty = rec
        p = self.pos.get((strategy, sym))
        if p is None:
            return 0
        i = 1 if side == "B" else 2
        released = min(qty, p[i])
        p[i] -= released
        return released

    def restore_open(self, order_id: int | str, rec: tuple[str, str, str, int], released: int) -> None:
        """Undo `apply_cancel` (a rejected replacement leaves the replaced order open)."""
        self.open_orders[order_id] = rec
        p = self.pos.get((rec[0], rec[1]))
        if p is not None:
            p[1 if rec[2] == "B" else 2] += released

    def apply_fill(self, strategy: str, sym: str, side: str, qty: int,
                   order_id: int | str | None = None) -> None:
        """A fill moves qty from open to filled (open clipped at 0: fills of orders the
        enforcer never saw still count in the position). With `order_id`, the order's own
        open qty shrinks too (a later cancel releases only what is left)."""
        rec = self.open_orders.get(order_id) if order_id is not None else None
        if rec is not None:
            left = rec[3] - qty
            if left > 0:
                self.open_orders[order_id] = (rec[0], rec[1], rec[2], left)
            else:
                del self.open_orders[order_id]
        p = self.pos.get((strategy, sym))
        if p is None:
            p = self.pos[(strategy, sym)] = [0, 0, 0]
        if side == "B":
            p[0] += qty
            p[1] = max(0, p[1] - qty)
        else:
            p[0] -= qty
            p[2] = max(0, p[2] - qty)

    def refresh_medians(self) -> None:
        for t in self._dirty:
            h = self.hist[t]
            self.medians[t] = float(statistics.median(h)) if len(h) >= self.min_history else 0.0
        self._dirty.clear()

    def prune_dups(self, window_ns: int) -> None:
        """Drop duplicate keys that can no longer match (older than the window)."""
        horizon = self.max_ts - window_ns
        n = len(self.dups)
        # amortised: rebuild only once the dict has doubled since the last prune, so the
        # caller's lock (the order path waits on it) is held O(1) per order on average
        if n > 1024 and n > 2 * self._dups_kept:
            self.dups = {k: v for k, v in self.dups.items() if v[-1] >= horizon}
            self._dups_kept = len(self.dups)

    def net(self, strategy: str, sym: str) -> int:
        p = self.pos.get((strategy, sym))
        return 0 if p is None else p[0] + p[1] - p[2]
