"""FIX application layer: orders, cancels, replaces, status requests -> commands -> reports.

The gateway turns 35=D into `NewOrder`, 35=G into `ReplaceOrder` (one atomic replace at
the venue: the original's exposure stays until the venue confirms; a fill that beats the
replace there gets it refused 35=9 CxlRejReason 0, never an overfill), 35=F into
`CancelOrder`, calls the one entry point `Enforcer.submit_once`, answers with an ExecutionReport (or an
OrderCancelReject) and forwards accepted orders to the downstream venue (the built-in
`ExchangeSim`) as FIX messages carrying tag 8011 (risk state). 35=H (OrderStatusRequest)
is answered from the engine's order ledger, which the decision log rebuilds after a
restart. Venue fills, cancels and expiries come back through `on_report`, become `Fill` /
`OrderDone` commands (positions and open exposure follow) and ExecutionReports, sent
through the order's session whether or not its counterparty is connected (stored and
resent on its next logon).

Exactly one decision per order: an order's key is (SenderCompID, ClOrdID); the engine
decides a key once and hands back the recorded decision for any resend (PossDupFlag=Y,
a reconnect, a restart). A repeated key is answered with the order's current state and
the original decision (same verdict, reasons, limits version), never a new one.

Wire -> command mapping:
  order_id      ClOrdID (11) if it is a decimal < 2**63, else a stable 63-bit blake2b hash
  key           SenderCompID + SOH + ClOrdID
  trader        SenderSubID (50) if present, else the session's SenderCompID
  strategy      Account (1) if present, else `FixConfig.default_strategy`
  side          54=1 -> 'B'; 2, 5, 6 -> 'S'; anything else passed through (BAD_SIDE)
  order_type    40=1 -> 'MARKET'; 2 -> 'LIMIT'; anything else passed through
  qty, price    38, 44 as numbers; 38 is in venue units (0.05 BTC) and becomes a count of
                the symbol's lot (`enforcer.lots`, the engine's `lots`); qty NaN/inf or not
                a whole number of lots passed through (BAD_QTY, the 58 text naming the
                lot), a price NaN/inf passed through (BAD_PRICE); text that is not a number
                at all is a session Reject 373=6 (no decision: there is no order to decide on)
The ExecutionReports give 38, 14, 151 and 32 in venue units again (`Replies`). The venue
knows an order by its decision seq (unique on the decision log), so two sessions may use
the same ClOrdID; the built-in simulator (`exchange_sim`) is spoken to in lot counts.
"""

from __future__ import annotations

import threading
import time

from enforcer.commands import CancelOrder, Fill, NewOrder, OrderDone, ReplaceOrder
from enforcer.fix import codec as C
from enforcer.fix.config import FixConfig
from enforcer.fix.exchange_sim import ExchangeReport
from enforcer.fix.mapping import (
    CXL_REQUIRED,
    NEW_REQUIRED,
    OSR_REQUIRED,
    RPL_REQUIRED,
    SEP,
    SIDE_WIRE,
    TYPE_BYTES,
    BadNumber,
    order_fields,
    order_id_of,
    order_key,
    trader_strategy,
)
from enforcer.fix.parser import FixMsg
from enforcer.fix.parser import first_missing as _first_missing
from enforcer.fix.reports import _SIDE_BYTES, Replies
from enforcer.fix.state import SessionState
from enforcer.lots import Lots
from enforcer.orders import DONE, OrderEntry


class FixGateway:
    """Application handler shared by every FIX session of one acceptor. Thread-safe.

    enforcer: the engine. sessions(peer) -> SessionState: the session of a counterparty
    (connected or not). venue: an object with `send(wire: bytes)` and
    `on_quote(sym, bid, ask, ts)` (ExchangeSim) or None. advice(sym) -> FIX pairs: the
    execution advice in force (`enforcer.advice.AdviceBoard.fix_fields`, 8014-8017), put on
    an accepted order's 150=0 ack; left off for `standard_only` counterparties like 8011.
    """

    supported = frozenset((b"D", b"F", b"G", b"H"))

    def __init__(self, enforcer, *, config: FixConfig, venue=None, clock=None,
                 sessions=None, advice=None) -> None:
        self._enf = enforcer
        # sym -> FIX pairs 8014-8017 of the advice in force (`AdviceBoard.fix_fields`)
        self._advice = advice
        self._cfg = config
        self._venue = venue
        self._clock = clock or time.time_ns
        self._sessions = sessions
        # venue cancel id -> (session, ClOrdID, OrigClOrdID) of a client cancel
        self._cancels: dict[int, tuple[SessionState, bytes, bytes]] = {}
        self._lock = threading.Lock()
        self._batch = threading.local()  # .venue: wires for the venue, gathered per batch
        self._venue_seq = 0
        # venue units <-> lot counts at this edge: the engine's table (lot 1 without one)
        self._lots = getattr(enforcer, "lots", None) or Lots()
        replies = Replies(self._clock, self._lots)
        self._exec, self._cancel_reject = replies.execution, replies.cancel_reject
        self._exec_id = replies.exec_id
        self.risk_state = "Normal"
        self.counters = {"orders": 0, "accepted": 0, "rejected": 0, "cancels": 0,
                         "replaces": 0, "status_requests": 0, "resent_orders": 0,
                         "fills": 0, "venue_done": 0}

    def attach_venue(self, venue) -> None:
        """The downstream venue, once it exists (it is built with this gateway's
        `on_report` and `venue_batch` as its callbacks)."""
        self._venue = venue

    # -- market data (fed by whoever owns quotes: tests, REST /quote, the CLI) ---------

    def on_quote(self, sym: str, bid: float | None, ask: float | None, ts: int) -> None:
        """Reference quote to both the engine and the venue (currency units, UTC ns)."""
        self._enf.on_quote(sym, bid, ask, ts)
        if self._venue is not None:
            self._venue.on_quote(sym, bid, ask, ts)

    # -- AppHandler ---------------------------------------------------------------------

    def on_app(self, session: SessionState, msg: FixMsg) -> None:
        mtype = msg.get(C.MSG_TYPE)
        seq = int(msg.get(C.SEQ))
        try:
            if mtype == b"D":
                self._new_order(session, msg, seq)
            elif mtype == b"F":
                self._cancel(session, msg, seq)
            elif mtype == b"G":
                self._replace(session, msg, seq)
            else:
                self._status(session, msg, seq)
        except BadNumber as e:
            tag = e.args[0]
            session.reject(seq, C.SRR_INCORRECT_DATA_FORMAT, f"tag {tag} is not a number",
                           ref_tag=tag, ref_type=mtype)

    def begin_batch(self) -> None:
        """Messages read at once follow: gather decision records and venue messages."""
        self._enf.hold()
        self._batch.venue = []

    def end_batch(self, session: SessionState) -> None:
        """Decisions to disk, then the answers (one journal and one socket write), then
        the accepted orders to the venue."""
        venue, self._batch.venue = self._batch.venue, None
        try:
            self._enf.release()
        finally:
            session.release()
            if venue:
                self._venue.send(b"".join(venue))

    def venue_batch(self, begin: bool) -> None:
        """Around a batch of venue reports (venue thread): fill records gathered and
        written once, then each session's reports with one journal and one socket write."""
        if begin:
            self._enf.hold()
            self._batch.sessions = {}
            return
        held, self._batch.sessions = self._batch.sessions, None
        try:
            self._enf.release()
        finally:
            for st in held.values():
                st.release()

    def _session_for_report(self, peer: str) -> SessionState | None:
        session = self._sessions(peer) if self._sessions is not None else None
        return self._held(session) if session is not None else None

    def _held(self, session: SessionState) -> SessionState:
        """In a venue batch, the session's messages are gathered until its end."""
        held = getattr(self._batch, "sessions", None)
        if held is not None and session.peer not in held:
            session.hold()
            held[session.peer] = session
        return session

    def on_disconnect(self, session: SessionState) -> None:
        """Orders stay live at the venue; their reports are stored for the next logon."""

    # -- orders -------------------------------------------------------------------------

    def _missing(self, session, msg, seq, required) -> bool:
        tag = _first_missing(msg, required)
        if tag is not None:
            session.reject(seq, C.SRR_REQUIRED_TAG_MISSING, f"required tag {tag} missing",
                           ref_tag=tag, ref_type=msg.get(C.MSG_TYPE))
        return tag is not None

    def _new_order(self, session: SessionState, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, NEW_REQUIRED):
            return
        qty, price, trader, strategy, sym, side, otype = order_fields(
            msg, session.peer, self._cfg.default_strategy)
        cl = msg.get(C.CL_ORD_ID)
        key = order_key(session.peer, cl)
        cmd = NewOrder(order_id=order_id_of(cl), ts=self._clock(), trader=trader,
                       strategy=strategy, sym=sym, side=side,
                       qty=self._lots.to_lots(sym, qty), price=price,
                       order_type=otype, key=key, session=session.peer)
        d, fresh = self._enf.submit_once(cmd)
        e = self._enf.order(key)
        if not fresh:
            self._answer_again(session, cl, e, d)
            return
        self.counters["orders"] += 1
        self.risk_state = d.risk_state
        if not d.accepted:
            self.counters["rejected"] += 1
            self._exec(session, cl, e, "8", text=self._reject_text(d, sym, qty),
                       extra=[(C.ORD_REJ_REASON, 99)], d=d)
            return
        self.counters["accepted"] += 1
        adv = self._advice(sym) if self._advice is not None and type(sym) is str else ()
        self._exec(session, cl, e, "0", text=",".join(d.reasons) or None, d=d, extra=adv)
        self._route_new(e, d.risk_state)

    def _reject_text(self, d, sym, qty) -> str:
        """58 of a reject: the reasons, and for a BAD_QTY off a symbol's lot the lot named
        ("BAD_QTY: qty 1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08")."""
        text = ",".join(d.reasons)
        if "BAD_QTY" in d.reasons:
            why = self._lots.why_bad(sym, qty)
            if why is not None:
                text += ": " + why
        return text

    def settle_replaces(self) -> int:
        """Start-up: replaces the venue never answered (the daemon died first, or a log
        written before replaces were atomic) are settled as the venue would have: the
        replacement takes over if its original is still open, else it is refused.
        Returns how many were settled."""
        enf, n = self._enf, 0
        for e in enf.open_orders():
            orig = enf.pending_replace(e)
            if orig is None:
                continue
            if orig.status in DONE:
                enf.on_done(OrderDone(ts=self._clock(), order_seq=e.seq, status="8"))
            else:
                enf.on_replaced(e.seq, max(0, e.qty - orig.cum_qty), self._clock())
            n += 1
        return n

    def reroute_open(self) -> int:
        """Send every open accepted order of the ledger to the venue again (start-up with
        a venue that lost its book: the built-in simulator after a restart). Returns how
        many."""
        self.settle_replaces()
        if self._venue is None:
            return 0
        n = 0
        for e in self._enf.open_orders():
            self._route_new(e, e.decision.risk_state)
            n += 1
        return n

    def cancel_open(self, match, *, who: str = "console") -> int:
        """Cancel every open order `match(entry)` accepts, at the venue (a kill switch):
        each is a CancelOrder decided by the engine (logged, exposure released) and sent
        on as 35=F; the client hears an unsolicited 35=8 150=4 when the venue confirms
        (without a venue: at once). Returns how many cancels were sent."""
        n = 0
        for e in self._enf.open_orders():
            if not match(e):
                continue
            peer, _, cl = e.key.partition(SEP)
            cl_b = cl.encode("latin-1")
            d = self._enf.submit(CancelOrder(order_id=e.order_id, ts=self._clock(),
                                             trader=who, strategy=e.strategy, sym=e.sym,
                                             orig_order_id=e.order_id, orig_key=e.key))
            session = self._session_for_report(peer)
            n += 1
            if self._venue is None:
                done = self._enf.on_done(OrderDone(ts=self._clock(), order_seq=e.seq))
                if session is not None and done is not None:
                    self._exec(session, cl_b, done, "4", text="kill switch")
                continue
            if session is not None:
                with self._lock:
                    self._cancels[d.seq] = (session, cl_b, cl_b)
            self._to_venue("F", [(C.CL_ORD_ID, d.seq), (C.ORIG_CL_ORD_ID, e.seq),
                                 (C.SYMBOL, e.sym), (C.SIDE, SIDE_WIRE.get(e.side, "1")),
                                 (C.RISK_STATE, d.risk_state)])
        return n

    def _route_new(self, e: OrderEntry, risk_state: str) -> None:
        if self._venue is not None:  # pre-formatted: what C.fields would write
            price = e.price
            self._to_venue("D", b"11=%d\x011=%s\x0155=%s\x0154=%s\x0138=%d\x0140=%s\x01%s"
                           b"8011=%s\x01" % (
                               e.seq, e.strategy.encode(), e.sym.encode(),
                               _SIDE_BYTES[e.side], e.qty - e.cum_qty,
                               TYPE_BYTES[e.order_type],
                               b"" if price is None else b"44=%s\x01" % repr(price).encode(),
                               risk_state.encode()))

    def _answer_again(self, session, cl: bytes, e: OrderEntry | None, d) -> None:
        """A key decided before: its current state with the ORIGINAL decision."""
        self.counters["resent_orders"] += 1
        if e is None:  # a key the ledger does not hold (should not happen)
            self._exec(session, cl, None, "8", text=",".join(d.reasons), d=d)
            return
        exec_type = e.status if e.status in ("0", "8") else "I"
        self._exec(session, cl, e, exec_type,
                   text="already decided: " + (",".join(d.reasons) or d.verdict), d=d,
                   extra=[(C.ORD_REJ_REASON, 6)] if e.status == "8" else ())

    def _replace(self, session: SessionState, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, RPL_REQUIRED):
            return
        qty, price, trader, strategy, sym, side, otype = order_fields(
            msg, session.peer, self._cfg.default_strategy)
        cl, orig_cl = msg.get(C.CL_ORD_ID), msg.get(C.ORIG_CL_ORD_ID)
        key, orig_key = order_key(session.peer, cl), order_key(session.peer, orig_cl)
        cmd = ReplaceOrder(order_id=order_id_of(cl), ts=self._clock(), trader=trader,
                           strategy=strategy, sym=sym, side=side,
                           qty=self._lots.to_lots(sym, qty), price=price,
                           order_type=otype, key=key, orig_key=orig_key,
                           session=session.peer)
        d, fresh = self._enf.submit_once(cmd)
        e = self._enf.order(key)
        if not fresh:
            self._answer_again(session, cl, e, d)
            return
        self.counters["replaces"] += 1
        self.risk_state = d.risk_state
        if not d.accepted:
            orig = self._enf.order(orig_key)
            self._cancel_reject(session, cl, orig_cl, self._reject_text(d, sym, qty),
                                d.risk_state,
                                response_to=2,  # 0: too late, the original is done
                                reason=0 if orig is not None and orig.status in DONE
                                and orig.status != "5" else None)
            return
        orig = self._enf.order(orig_key)
        if self._venue is None or orig is None:  # nothing downstream: final here
            self._enf.on_replaced(e.seq, e.qty - e.cum_qty, self._clock())
            self._exec(session, cl, e, "5", extra=[(C.ORIG_CL_ORD_ID, orig_cl)], d=d)
            return
        # one atomic replace at the venue (never cancel-then-new: a fill of the original
        # in between would overfill); the client hears '5' or 35=9 when the venue answers
        self._to_venue("G", [(C.CL_ORD_ID, e.seq), (C.ORIG_CL_ORD_ID, orig.seq),
                             (C.SYMBOL, sym), (C.SIDE, SIDE_WIRE.get(orig.side, "1")),
                             (C.ORDER_QTY, e.qty), (C.ORD_TYPE, TYPE_BYTES[e.order_type]),
                             (C.PRICE, e.price), (C.RISK_STATE, d.risk_state)])

    def _cancel(self, session: SessionState, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, CXL_REQUIRED):
            return
        cl, orig_cl = msg.get(C.CL_ORD_ID), msg.get(C.ORIG_CL_ORD_ID)
        orig = self._enf.order(order_key(session.peer, orig_cl))
        trader, strategy = trader_strategy(msg, session.peer, self._cfg.default_strategy)
        sym = msg.get(C.SYMBOL).decode("latin-1")
        self.counters["cancels"] += 1
        key = order_key(session.peer, cl)
        if orig is not None and self._enf.cancel_decided(key):  # a resend of this cancel
            if orig.status == "4":
                self._exec(session, cl, orig, "4", extra=[(C.ORIG_CL_ORD_ID, orig_cl)])
            elif orig.status in DONE:
                self._cancel_reject(session, cl, orig_cl, "order already done",
                                    self.risk_state)
            return  # still pending at the venue: its answer will come
        if orig is None or orig.status in DONE:
            self._cancel_reject(session, cl, orig_cl, "unknown order or already done",
                                self.risk_state)
            return
        d = self._enf.submit(CancelOrder(order_id=order_id_of(cl), ts=self._clock(),
                                         trader=trader, strategy=strategy, sym=sym,
                                         orig_order_id=orig.order_id, key=key,
                                         orig_key=orig.key))
        self.risk_state = d.risk_state
        if not d.accepted:
            self._cancel_reject(session, cl, orig_cl, ",".join(d.reasons), d.risk_state)
            return
        if self._venue is None:  # nothing downstream: the cancel is final here
            e = self._enf.on_done(OrderDone(ts=self._clock(), order_seq=orig.seq))
            self._exec(session, cl, e, "4", extra=[(C.ORIG_CL_ORD_ID, orig_cl)])
            return
        with self._lock:
            self._cancels[d.seq] = (session, cl, orig_cl)
        self._to_venue("F", [(C.CL_ORD_ID, d.seq), (C.ORIG_CL_ORD_ID, orig.seq),
                             (C.SYMBOL, sym), (C.SIDE, SIDE_WIRE.get(orig.side, "1")),
                             (C.RISK_STATE, d.risk_state)])

    def _status(self, session: SessionState, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, OSR_REQUIRED):
            return
        self.counters["status_requests"] += 1
        cl = msg.get(C.CL_ORD_ID)
        e = self._enf.order(order_key(session.peer, cl))
        if e is None:
            session.send("8", [
                (C.ORDER_ID, "NONE"), (C.CL_ORD_ID, cl), (C.EXEC_ID, self._exec_id()),
                (C.EXEC_TYPE, "I"), (C.ORD_STATUS, "8"), (C.ORD_REJ_REASON, 5),
                (C.SYMBOL, msg.get(C.SYMBOL)), (C.SIDE, msg.get(C.SIDE)), (C.LEAVES_QTY, 0),
                (C.CUM_QTY, 0), (C.AVG_PX, 0.0), (C.TEXT, "unknown order")])
            return
        d = e.decision
        self._exec(session, cl, e, "I", d=d, text=",".join(d.reasons) or None)

    # -- venue reports (venue thread) ---------------------------------------------------

    def on_report(self, rep: ExchangeReport) -> None:
        """Venue report -> engine Fill / OrderDone + client ExecutionReport."""
        now = self._clock()
        if rep.orig_id is not None:
            self._replace_report(rep, now)
            return
        if rep.cancel_id is not None:  # the answer to a cancel (or a replace's cancel)
            with self._lock:
                cxl = self._cancels.pop(rep.cancel_id, None)
            if cxl is not None:
                self._held(cxl[0])
            if rep.exec_type == "4":
                e = self._enf.on_done(OrderDone(ts=now, order_seq=rep.order_id))
                if cxl is not None and e is not None:
                    self._exec(cxl[0], cxl[1], e, "4", extra=[(C.ORIG_CL_ORD_ID, cxl[2])])
            elif cxl is not None:
                self._cancel_reject(cxl[0], cxl[1], cxl[2], rep.text, self.risk_state)
            return
        e = self._enf.order_by_seq(rep.order_id)
        if e is None:
            return
        if rep.exec_type == "F":
            self.counters["fills"] += 1
            e = self._enf.on_fill(Fill(ts=now, sym=e.sym, strategy=e.strategy, side=e.side,
                                       qty=rep.qty, price=rep.price, order_seq=e.seq))
        elif rep.exec_type in ("4", "C"):
            self.counters["venue_done"] += 1
            e = self._enf.on_done(OrderDone(ts=now, order_seq=e.seq, status=rep.exec_type))
        else:
            return
        if e is None:
            return
        peer, _, cl = e.key.partition(SEP)
        session = self._session_for_report(peer)
        if session is not None:
            self._exec(session, cl.encode("latin-1"), e, rep.exec_type, text=rep.text or None,
                       last=(rep.qty, rep.price), extra=[(C.RISK_STATE, rep.risk_state)])

    def _replace_report(self, rep: ExchangeReport, now: int) -> None:
        """The venue's answer to a replace: '5' done (the engine moves the exposure to the
        replacement's leaves), '9' refused (the replacement is dropped and its exposure
        released; CxlRejReason 0 'too late' when a fill finished the original first)."""
        e = self._enf.order_by_seq(rep.order_id)
        if e is None or e.orig_key is None:
            return
        orig = self._enf.order(e.orig_key)
        if rep.exec_type == "5":
            e = self._enf.on_replaced(e.seq, rep.qty, now)
        elif rep.exec_type == "9":
            e = self._enf.on_done(OrderDone(ts=now, order_seq=e.seq, status="8"))
        else:
            return
        if e is None:
            return
        peer, _, cl = e.key.partition(SEP)
        orig_cl = e.orig_key.partition(SEP)[2].encode("latin-1")
        session = self._session_for_report(peer)
        if session is None:
            return
        if rep.exec_type == "5":
            self._exec(session, cl.encode("latin-1"), e, "5",
                       extra=[(C.ORIG_CL_ORD_ID, orig_cl)], d=e.decision)
        else:
            self._cancel_reject(session, cl.encode("latin-1"), orig_cl, rep.text,
                                rep.risk_state, response_to=2,
                                reason=0 if orig is not None and orig.status in DONE else 1)

    def _to_venue(self, msg_type: str, body: list) -> None:
        held = getattr(self._batch, "venue", None)
        with self._lock:
            self._venue_seq += 1
            wire = C.encode(msg_type, body, sender=self._cfg.comp_id,
                            target="EXSIM", seq=self._venue_seq, ts_ns=self._clock())
            if held is None:
                self._venue.send(wire)
        if held is not None:
            held.append(wire)
