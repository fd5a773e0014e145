"""Built-in exchange simulator: the default downstream of the FIX acceptor.

It receives the orders the enforcer accepted as FIX 4.4 wire messages (NewOrderSingle,
OrderCancelRequest, OrderCancelReplaceRequest) that carry tag 8011 (risk state), matches
them on its own thread and reports executions through a callback, which the gateway turns
into `Fill` commands for the engine and ExecutionReports for the client.

Matching (deliberately simple): each symbol has a reference quote (bid, ask) set by
`on_quote`. A MARKET order, or a LIMIT buy at or above the ask / sell at or below the bid,
fills in full at the ask (buy) or bid (sell). Other LIMIT orders rest; when a later quote
crosses a resting order it fills in full at the new ask/bid. A MARKET order with no quote is
cancelled (exec type '4'). A cancel of a resting order answers '4'; of an unknown or done
order, a cancel reject ('9' — as in OrderCancelReject). A replace (35=G) is atomic: in
one step of the matching thread the original leaves the book and the replacement enters
it with leaves = new OrderQty (the total) minus what the original filled, reported '5'
(then matched like a new order); a replace of an order no longer resting (filled,
cancelled, expired: a fill got there first) is refused '9' and nothing new enters the
book, so a fill racing a replace can never overfill. Beyond `max_resting` orders per
symbol the oldest expires ('C'). Orders are known by the ClOrdID the gateway gives them
(the decision's seq). Quantities here (38 in, LastQty / leaves out) are the enforcer's lot
counts, not venue units: the gateway speaks to this simulator in lots and converts only on
the client's side (`enforcer.lots`), so a 0.05 BTC order on a 1e-8 lot is 38=5000000 here.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from enforcer.fix import codec as C
from enforcer.fix.config import ExchangeSimConfig
from enforcer.fix.parser import FixFramer, FixMsg, ParseError


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeReport:
    """One report from the venue.

    exec_type: 'F' fill, '4' cancelled, 'C' expired, '9' cancel (or replace) rejected,
    '5' replaced, '8' order rejected.
    order_id: the order the report is about (for '4'/'9' of a cancel: the original order;
    for '5'/'9' of a replace: the replacement);
    cancel_id: the cancel request's id for '4'/'9' of a cancel, else None.
    orig_id: for '5'/'9' of a replace, the order replaced; else None.
    qty/price: last fill (lots, currency); for '5' qty is the replacement's leaves; 0
    otherwise. risk_state: tag 8011 as received.
    """

    exec_type: str
    order_id: int
    sym: str
    side: str
    qty: int = 0
    price: float = 0.0
    cancel_id: int | None = None
    risk_state: str = ""
    text: str = ""
    orig_id: int | None = None


@dataclass(slots=True)
class _Resting:
    order_id: int
    side: str
    qty: int  # leaves, lots
    price: float
    risk_state: str


class ExchangeSim:
    """In-process venue with its own matching thread.

    on_report: called on the simulator thread for every `ExchangeReport`.
    on_batch(begin): called around each batch of queued work the thread takes at once
        (True before, False after), so the receiver can gather its writes.
    """

    BATCH = 256  # queued items taken at once, at most

    def __init__(self, *, on_report: Callable[[ExchangeReport], None],
                 config: ExchangeSimConfig | None = None,
                 on_batch: Callable[[bool], None] | None = None) -> None:
        self.config = config or ExchangeSimConfig()
        self._on_report = on_report
        self._on_batch = on_batch
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._quotes: dict[str, tuple[float, float]] = {}
        self._book: dict[str, dict[int, _Resting]] = {}
        self._framer = FixFramer(max_message_bytes=1 << 16)
        self._thread: threading.Thread | None = None
        self.received = 0
        self.risk_states_seen: dict[str, int] = {}
        self.errors = 0

    # -- API (any thread) ---------------------------------------------------------------

    def send(self, wire: bytes) -> None:
        """Hand one FIX message (bytes) to the venue."""
        self._q.put(("msg", wire))

    def on_quote(self, sym: str, bid: float | None, ask: float | None, ts: int) -> None:
        """New reference quote (currency); resting orders it crosses fill."""
        self._q.put(("quote", (sym, bid, ask)))

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="exchange-sim", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Process what is queued, then stop the thread."""
        if self._thread is not None:
            self._q.put(("stop", None))
            self._thread.join(timeout)
            self._thread = None

    def drain(self, timeout: float = 5.0) -> None:
        """Block until everything queued so far is processed."""
        done = threading.Event()
        self._q.put(("sync", done))
        done.wait(timeout)

    def pause(self) -> threading.Event:
        """Stop matching once everything queued so far is done, until the returned event
        is set (maintenance; tests use it to line up a race)."""
        gate = threading.Event()
        self._q.put(("pause", gate))
        return gate

    def resting(self, sym: str) -> int:
        return len(self._book.get(sym, {}))

    # -- matching thread ----------------------------------------------------------------

    def _run(self) -> None:
        q = self._q
        while True:
            items = [q.get()]
            try:
                while len(items) < self.BATCH:
                    items.append(q.get_nowait())
            except queue.Empty:
                pass
            if self._on_batch is not None:
                self._on_batch(True)
            try:
                for kind, item in items:
                    if kind == "stop":
                        return
                    self._one(kind, item)
            finally:
                if self._on_batch is not None:
                    self._on_batch(False)

    def _one(self, kind: str, item) -> None:
        try:
            if kind == "sync":
                item.set()
            elif kind == "pause":
                item.wait()
            elif kind == "quote":
                self._quote(*item)
            else:
                for msg in self._framer.feed(item):
                    self._message(msg)
        except Exception:  # noqa: BLE001 — a venue bug must not kill the venue thread
            self.errors += 1

    def _report(self, **kw) -> None:
        try:
            self._on_report(ExchangeReport(**kw))
        except Exception:  # noqa: BLE001 — the callback's problem, not the venue's
            self.errors += 1

    def _quote(self, sym: str, bid: float | None, ask: float | None) -> None:
        if bid is None or ask is None or not (math.isfinite(bid) and math.isfinite(ask)):
            return
        self._quotes[sym] = (bid, ask)
        book = self._book.get(sym)
        if not book or not self.config.fill_resting:
            return
        for oid, r in list(book.items()):
            if (r.side == "B" and r.price >= ask) or (r.side == "S" and r.price <= bid):
                del book[oid]
                self._report(exec_type="F", order_id=oid, sym=sym, side=r.side, qty=r.qty,
                             price=ask if r.side == "B" else bid, risk_state=r.risk_state)

    def _message(self, msg: FixMsg | ParseError) -> None:
        if isinstance(msg, ParseError):
            self.errors += 1
            return
        self.received += 1
        state = (msg.get(C.RISK_STATE) or b"").decode("latin-1")
        self.risk_states_seen[state] = self.risk_states_seen.get(state, 0) + 1
        mtype = msg.get(C.MSG_TYPE)
        sym = (msg.get(C.SYMBOL) or b"").decode("latin-1")
        side = "B" if msg.get(C.SIDE) == b"1" else "S"
        if mtype == b"F":
            self._cancel(msg, sym, side, state)
        elif mtype == b"D":
            self._new(msg, sym, side, state)
        elif mtype == b"G":
            self._replace(msg, sym, side, state)

    def _new(self, msg: FixMsg, sym: str, side: str, state: str) -> None:
        market = msg.get(C.ORD_TYPE) == b"1"
        self._place(int(msg.get(C.CL_ORD_ID)), sym, side, int(float(msg.get(C.ORDER_QTY))),
                    market, None if market else float(msg.get(C.PRICE)), state)

    def _replace(self, msg: FixMsg, sym: str, side: str, state: str) -> None:
        """Atomic cancel/replace: 38 is the new total qty (filled part included)."""
        new_id, orig = int(msg.get(C.CL_ORD_ID)), int(msg.get(C.ORIG_CL_ORD_ID))
        book = self._book.get(sym, {})
        r = book.get(orig)
        # this venue fills in full, so a resting order has filled nothing: leaves = new qty
        leaves = 0 if r is None else int(float(msg.get(C.ORDER_QTY)))
        if r is None or leaves <= 0:
            self._report(exec_type="9", order_id=new_id, orig_id=orig, sym=sym, side=side,
                         risk_state=state,
                         text="too late to replace: order not resting (filled, cancelled "
                              "or expired)" if r is None else "new qty not above filled qty")
            return
        del book[orig]
        market = msg.get(C.ORD_TYPE) == b"1"
        self._report(exec_type="5", order_id=new_id, orig_id=orig, sym=sym, side=r.side,
                     qty=leaves, risk_state=state)
        self._place(new_id, sym, r.side, leaves, market,
                    None if market else float(msg.get(C.PRICE)), state)

    def _place(self, oid: int, sym: str, side: str, qty: int, market: bool,
               price: float | None, state: str) -> None:
        """Match order `oid` (qty lots; price None for MARKET) or rest it."""
        quote = self._quotes.get(sym)
        if quote is not None:
            bid, ask = quote
            if market or (side == "B" and price >= ask) or (side == "S" and price <= bid):
                self._report(exec_type="F", order_id=oid, sym=sym, side=side, qty=qty,
                             price=ask if side == "B" else bid, risk_state=state)
                return
        if market:
            self._report(exec_type="4", order_id=oid, sym=sym, side=side, risk_state=state,
                         text="no reference quote for a market order")
            return
        book = self._book.setdefault(sym, {})
        if len(book) >= self.config.max_resting:
            old = next(iter(book))
            r = book.pop(old)
            self._report(exec_type="C", order_id=old, sym=sym, side=r.side,
                         risk_state=r.risk_state, text="expired: book full")
        book[oid] = _Resting(oid, side, qty, price, state)

    def _cancel(self, msg: FixMsg, sym: str, side: str, state: str) -> None:
        cid = int(msg.get(C.CL_ORD_ID))
        orig = int(msg.get(C.ORIG_CL_ORD_ID))
        r = self._book.get(sym, {}).pop(orig, None)
        if r is None:
            self._report(exec_type="9", order_id=orig, sym=sym, side=side, cancel_id=cid,
                         risk_state=state, text="unknown order or already done")
        else:
            self._report(exec_type="4", order_id=orig, sym=sym, side=r.side, cancel_id=cid,
                         risk_state=state)
