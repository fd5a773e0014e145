"""What the venue reports, applied to the engine's positions and order ledger.

Fills, venue cancels and expiries, replace confirmations and the FIX session-day roll each
change the `Book` (positions, open exposure) and the `OrderLedger` under the engine's lock,
and each is one record on the decision log ("F", "V", "P", "E"), so `recovery.recover`
replays them at the same points after a restart. `Enforcer.on_fill` and its siblings
delegate here; the order path itself (`Enforcer._decide`) never calls in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from enforcer.book import Book
from enforcer.commands import Fill, OrderDone
from enforcer.orders import CANCELED, NEW, PARTIAL, OrderEntry, OrderLedger, confirm_replace


class Executions:
    """Venue reports against `book` and `orders`, logged through `append`; thread-safe
    under `lock` (the engine's). `session_day`: the FIX session day of the ledger
    (YYYY-MM-DD; None before the first roll)."""

    def __init__(self, *, lock: Any, book: Book, orders: OrderLedger,
                 append: Callable[[list], None], counters: dict[str, int],
                 session_day: str | None = None) -> None:
        self._lock, self._book, self._orders = lock, book, orders
        self._append, self._counters = append, counters
        self.session_day = session_day

    def on_fill(self, fill: Fill) -> OrderEntry | None:
        """Apply an execution report to the (strategy, sym) position; logged. With
        `order_seq`, the order's own open qty and ledger entry follow (returned). A fill
        with a bad side or a qty that is not a positive int: ValueError."""
        if fill.side not in ("B", "S") or type(fill.qty) is not int or fill.qty <= 0:
            raise ValueError(f"bad fill {fill!r}")
        with self._lock:
            e = None
            if fill.order_seq is not None:
                e = self._orders.fill(fill.order_seq, fill.qty, fill.price)
            self._book.apply_fill(fill.strategy, fill.sym, fill.side, fill.qty,
                                  e.key if e is not None else None)
            self._counters["fills"] += 1
            self._append(["F", fill.ts, fill.sym, fill.strategy, fill.side, fill.qty,
                          json_safe(fill.price), fill.order_seq])
            return e

    def on_done(self, done: OrderDone) -> OrderEntry | None:
        """The venue cancelled or expired an order: release its open qty; logged. None (and
        nothing logged) if the order is unknown or done already."""
        with self._lock:
            e = self._orders.done(done.order_seq, done.status or CANCELED)
            if e is None:
                return None
            released = self._book.apply_cancel(e.key)
            self._append(["V", done.ts, done.order_seq, e.status, released])
            return e

    def on_replaced(self, order_seq: int, leaves: int, ts: int) -> OrderEntry | None:
        """The venue confirmed the replace decided as record `order_seq`: the replacement
        is live with `leaves` lots open, its original is done (see
        `enforcer.orders.confirm_replace`); logged. None (nothing logged) if `order_seq` is
        no pending replacement. A venue that refuses the replace: `on_done` of the
        replacement with status '8'."""
        with self._lock:
            e = confirm_replace(self._book, self._orders, order_seq, leaves)
            if e is not None:
                self._append(["P", ts, order_seq, leaves])
            return e

    def roll_day(self, ts: int, day: str) -> int:
        """A new session day `day` (YYYY-MM-DD) begins at `ts` (UTC ns): the order ledger
        keeps only the orders still open (`OrderLedger.compact`; a ClOrdID of a done
        order may be decided again on the new day, never twice within one); logged, so a
        restart compacts at the same point. Returns how many ledger entries were
        dropped."""
        with self._lock:
            dropped = self._orders.compact()
            self._append(["E", ts, day, dropped])
            self.session_day = day
            return dropped

    def open_orders(self) -> list[OrderEntry]:
        """Keyed orders accepted and not done (new or partly filled), oldest first."""
        with self._lock:
            return [e for e in self._orders.by_seq.values()
                    if e.status in (NEW, PARTIAL) and e.decision.verdict == "ACCEPT"]


def json_safe(v: Any) -> Any:
    """JSON-safe copy of a possibly malformed field (NaN/inf/odd types become text)."""
    if v is None or type(v) is int or type(v) is str:
        return v
    if type(v) is float:
        return v if math.isfinite(v) else repr(v)
    return repr(v)
