"""The order ledger: every keyed order's decision and life cycle, rebuilt from the log.

A front end that gives its orders a `key` (the FIX gateway: SenderCompID + ClOrdID) gets
exactly one decision per key: the engine looks the key up here before deciding, and a
resend (PossDupFlag=Y, a reconnect, a restart) gets the recorded decision back. The
ledger also answers OrderStatusRequest: status, cumulative qty and average price follow
the fills ("F") and venue cancels / expiries ("V") logged against the order's decision seq,
which is also the order's id at the venue. Touched only under the engine's lock.
"""

from __future__ import annotations

from enforcer.decision import Decision

# OrdStatus (39) values the ledger uses
NEW, PARTIAL, FILLED, CANCELED, REPLACED, REJECTED, EXPIRED = "0", "1", "2", "4", "5", "8", "C"
DONE = frozenset((FILLED, CANCELED, REPLACED, REJECTED, EXPIRED))


class OrderEntry:
    """One keyed order. qty: lots (the replace's new total for a replacement); cum_qty,
    notional: filled lots and sum of qty * price; status: OrdStatus (39)."""

    __slots__ = ("key", "seq", "order_id", "strategy", "sym", "side", "qty", "price",
                 "order_type", "decision", "cum_qty", "notional", "status", "orig_key")

    def __init__(self, key: str, decision: Decision, strategy, sym, side, qty, price,
                 order_type, orig_key: str | None = None) -> None:
        self.key, self.decision, self.seq = key, decision, decision.seq
        self.order_id = decision.order_id
        self.strategy, self.sym, self.side = strategy, sym, side
        self.qty, self.price, self.order_type = qty, price, order_type
        self.cum_qty, self.notional = 0, 0.0
        self.status = NEW if decision.verdict == "ACCEPT" else REJECTED
        self.orig_key = orig_key

    @property
    def leaves(self) -> int:
        if self.status in DONE or type(self.qty) is not int:
            return 0
        return max(0, self.qty - self.cum_qty)

    @property
    def avg_px(self) -> float:
        return self.notional / self.cum_qty if self.cum_qty else 0.0


class OrderLedger:
    """by_key: key -> OrderEntry; by_seq: decision seq (venue id) -> OrderEntry."""

    __slots__ = ("by_key", "by_seq", "cancels")

    def __init__(self) -> None:
        self.by_key: dict[str, OrderEntry] = {}
        self.by_seq: dict[int, OrderEntry] = {}
        self.cancels: dict[str, Decision] = {}  # cancel request key -> its decision

    def add(self, e: OrderEntry) -> None:
        self.by_key[e.key] = e
        self.by_seq[e.seq] = e

    def fill(self, seq: int, qty: int, price: float) -> OrderEntry | None:
        e = self.by_seq.get(seq)
        if e is not None:
            e.cum_qty += qty
            e.notional += qty * price
            if e.status not in DONE:
                e.status = FILLED if type(e.qty) is int and e.cum_qty >= e.qty else PARTIAL
        return e

    def done(self, seq: int, status: str) -> OrderEntry | None:
        """Mark order `seq` done with `status`; returns it, or None if it is unknown or
        was done already (nothing changes then)."""
        e = self.by_seq.get(seq)
        if e is None or e.status in DONE:
            return None
        e.status = status
        return e

    def compact(self) -> int:
        """End of the session day: keep only the orders still open (accepted, not done)
        and the originals of pending replaces; forget decided cancels. Within the new day
        a ClOrdID of a done order may be used again (a new order, a new decision).
        Returns how many entries were dropped."""
        keep = {k: e for k, e in self.by_key.items()
                if e.status not in DONE and e.decision.verdict == "ACCEPT"}
        for e in list(keep.values()):
            orig = self.pending_replace(e)
            if orig is not None:
                keep[orig.key] = orig
        dropped = len(self.by_key) - len(keep)
        self.by_key = keep
        self.by_seq = {e.seq: e for e in keep.values()}
        self.cancels = {}
        return dropped

    def pending_replace(self, e: OrderEntry) -> OrderEntry | None:
        """The order `e` replaces while the venue has not yet answered the replace (None:
        `e` is no replacement, or it was confirmed or refused)."""
        if e.orig_key is None or e.status in DONE:
            return None
        orig = self.by_key.get(e.orig_key)
        return None if orig is None or orig.status == REPLACED else orig

    def carry(self, key: str, orig: OrderEntry) -> None:
        """The replacement keyed `key` takes over `orig`'s fills: its qty becomes the new
        total (the decided open part + what `orig` filled)."""
        e = self.by_key.get(key)
        if e is None or orig is None:
            return
        e.orig_key = orig.key
        if type(e.qty) is int:
            e.qty += orig.cum_qty
        e.cum_qty, e.notional = orig.cum_qty, orig.notional


def confirm_replace(book, orders: OrderLedger, seq: int, leaves: int) -> OrderEntry | None:
    """The venue replaced: replacement `seq` is live with `leaves` lots open, its original
    is done (REPLACED). Until now both counted as open exposure (a replace is pending at
    the venue, where a fill of the original may still win the race); now the original's
    remaining open qty is released and the replacement's is cut to the venue's leaves
    (new total qty minus everything the original filled, fills after the decision
    included), which it takes over with the fills. Returns the replacement, or None if
    `seq` is no pending replacement (nothing changes then). The live engine and the
    decision-log replay both call this, so they agree. book: `enforcer.book.Book`."""
    e = orders.by_seq.get(seq)
    orig = orders.pending_replace(e) if e is not None else None
    if orig is None:
        return None
    orig.status = REPLACED
    book.apply_cancel(orig.key)
    e.cum_qty, e.notional = orig.cum_qty, orig.notional
    if type(e.qty) is int:
        e.status = PARTIAL if e.cum_qty else NEW
    rec = book.open_orders.get(e.key)
    if rec is not None and rec[3] != leaves:
        released = book.apply_cancel(e.key)
        if leaves > 0:
            book.restore_open(e.key, (rec[0], rec[1], rec[2], leaves), min(leaves, released))
    return e
