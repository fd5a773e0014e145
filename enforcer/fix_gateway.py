"""FIX application layer: NewOrderSingle / OrderCancelRequest -> commands -> ExecutionReports.

The gateway turns 35=D into `NewOrder` and 35=F into `CancelOrder`, calls the one entry
point `Enforcer.submit`, answers the client with an ExecutionReport (or OrderCancelReject)
and forwards accepted orders to the downstream venue (the built-in `ExchangeSim` by
default) as FIX messages carrying tag 8011 (risk state). Venue fills come back through
`on_report`, become `Fill` commands for `Enforcer.on_fill` and ExecutionReports for the
client. Every ExecutionReport also carries 8011/8012/8013 (risk state, limits version,
mode).

Wire -> command mapping:
  order_id      ClOrdID (11) if it is a decimal < 2**63, else a stable 63-bit blake2b hash
  trader        SenderSubID (50) if present, else the session's SenderCompID
  strategy      Account (1) if present, else `FixConfig.default_strategy`
  side          54=1 -> 'B'; 2, 5, 6 -> 'S'; anything else passed through (BAD_SIDE)
  order_type    40=1 -> 'MARKET'; 2 -> 'LIMIT'; anything else passed through
  qty, price    38, 44 as numbers; qty NaN/inf/fractional passed through (BAD_QTY), a
                price NaN/inf passed through (BAD_PRICE); text that is not a number at all
                is a session Reject 373=6 (no decision: there is no order to decide on)
The engine, not the gateway, answers business problems (unknown symbol, qty <= 0, ...).
The gateway itself refuses only a ClOrdID that is still live (OrdRejReason 6, no decision)
because it routes venue reports by order id.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass

from enforcer import fix_codec as C
from enforcer.commands import CancelOrder, Fill, NewOrder
from enforcer.exchange_sim import ExchangeReport
from enforcer.fix_config import FixConfig
from enforcer.fix_parser import FixMsg
from enforcer.fix_session import FixSession

_SIDES = {b"1": "B", b"2": "S", b"5": "S", b"6": "S"}
_SIDE_WIRE = {"B": "1", "S": "2"}
_TYPES = {b"1": "MARKET", b"2": "LIMIT"}
_TYPE_WIRE = {"MARKET": "1", "LIMIT": "2"}
_NEW_REQUIRED = (C.CL_ORD_ID, C.SYMBOL, C.SIDE, C.ORDER_QTY, C.ORD_TYPE)
_CXL_REQUIRED = (C.CL_ORD_ID, C.ORIG_CL_ORD_ID, C.SYMBOL, C.SIDE)


def order_id_of(cl_ord_id: bytes) -> int:
    """ClOrdID -> int64 order id: the number itself if decimal and < 2**63, else a hash."""
    if cl_ord_id.isdigit() and len(cl_ord_id) <= 19 and int(cl_ord_id) < 1 << 63:
        return int(cl_ord_id)
    return int.from_bytes(hashlib.blake2b(cl_ord_id, digest_size=8).digest(), "big") >> 1


class _BadNumber(ValueError):
    pass


def _number(raw: bytes | None, tag: int) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise _BadNumber(tag) from None


def _qty(x: float) -> int | float:
    """Integral, finite, int64-safe quantities become int; anything else stays float."""
    if math.isfinite(x) and x.is_integer() and abs(x) < 2.0**53:
        return int(x)
    return x


@dataclass(slots=True)
class _Live:
    session: FixSession
    cl_ord_id: bytes
    sym: str
    side: str
    strategy: str
    qty: int
    price: float | None
    cum_qty: int = 0
    notional: float = 0.0


class FixGateway:
    """Application handler shared by every FIX session of one acceptor. Thread-safe.

    enforcer: the engine (`submit`, `on_fill`, `on_quote`). venue: an object with
    `send(wire: bytes)` and `on_quote(sym, bid, ask, ts)` (ExchangeSim) or None.
    """

    def __init__(self, enforcer, *, config: FixConfig, venue=None, clock=None) -> None:
        import time

        self._enf = enforcer
        self._cfg = config
        self._venue = venue
        self._clock = clock or time.time_ns
        self._live: dict[int, _Live] = {}
        self._cancels: dict[int, tuple[FixSession, bytes, bytes]] = {}
        self._lock = threading.Lock()
        self._venue_seq = 0
        self._exec_seq = 0
        self.risk_state = "Normal"
        self.counters = {"orders": 0, "accepted": 0, "rejected": 0, "cancels": 0,
                         "fills": 0, "unsupported": 0}

    # -- market data (fed by whoever owns quotes: tests, REST /quote, the CLI) ---------

    def on_quote(self, sym: str, bid: float | None, ask: float | None, ts: int) -> None:
        """Reference quote to both the engine and the venue (currency units, UTC ns)."""
        self._enf.on_quote(sym, bid, ask, ts)
        if self._venue is not None:
            self._venue.on_quote(sym, bid, ask, ts)

    # -- AppHandler ---------------------------------------------------------------------

    def on_app(self, session: FixSession, msg: FixMsg) -> None:
        mtype = msg.get(C.MSG_TYPE)
        seq = int(msg.get(C.SEQ))
        try:
            if mtype == b"D":
                self._new_order(session, msg, seq)
            elif mtype == b"F":
                self._cancel(session, msg, seq)
            else:
                self.counters["unsupported"] += 1
                session.send("j", [(C.REF_SEQ, seq), (C.REF_MSG_TYPE, mtype),
                                   (C.BUSINESS_REJECT_REASON, 3),
                                   (C.TEXT, f"unsupported message type {mtype.decode()}")])
        except _BadNumber as e:
            tag = e.args[0]
            session.reject(seq, C.SRR_INCORRECT_DATA_FORMAT, f"tag {tag} is not a number",
                           ref_tag=tag, ref_type=mtype)

    def on_disconnect(self, session: FixSession) -> None:
        """Orders stay live at the venue; their fills still update positions."""

    # -- orders -------------------------------------------------------------------------

    def _missing(self, session, msg, seq, required) -> bool:
        tag = next((t for t in required if msg.get(t) is None), None)
        if tag is not None:
            session.reject(seq, C.SRR_REQUIRED_TAG_MISSING, f"required tag {tag} missing",
                           ref_tag=tag, ref_type=msg.get(C.MSG_TYPE))
        return tag is not None

    def _identity(self, session: FixSession, msg: FixMsg) -> tuple[str, str]:
        trader = (msg.get(50) or session.peer.encode()).decode("latin-1")
        strategy = msg.get(C.ACCOUNT)
        return trader, strategy.decode("latin-1") if strategy else self._cfg.default_strategy

    def _new_order(self, session: FixSession, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, _NEW_REQUIRED):
            return
        qty = _qty(_number(msg.get(C.ORDER_QTY), C.ORDER_QTY))
        price = _number(msg.get(C.PRICE), C.PRICE)
        cl = msg.get(C.CL_ORD_ID)
        oid = order_id_of(cl)
        trader, strategy = self._identity(session, msg)
        sym = msg.get(C.SYMBOL).decode("latin-1")
        side = _SIDES.get(msg.get(C.SIDE)) or msg.get(C.SIDE).decode("latin-1")
        otype = _TYPES.get(msg.get(C.ORD_TYPE)) or msg.get(C.ORD_TYPE).decode("latin-1")
        with self._lock:
            dup = oid in self._live
        if dup:
            self._exec(session, cl, sym, side, qty, price, exec_type="8",
                       text="ClOrdID is still live", extra=[(103, 6)])
            return
        self.counters["orders"] += 1
        cmd = NewOrder(order_id=oid, ts=self._clock(), trader=trader, strategy=strategy,
                       sym=sym, side=side, qty=qty, price=price, order_type=otype)
        d = self._enf.submit(cmd)
        self.risk_state = d.risk_state
        tags = [(C.RISK_STATE, d.risk_state), (C.LIMITS_VERSION, d.limits_version),
                (C.MODE, d.mode)]
        if not d.accepted:
            self.counters["rejected"] += 1
            self._exec(session, cl, sym, side, qty, price, exec_type="8",
                       text=",".join(d.reasons), extra=[(103, 99), *tags])
            return
        self.counters["accepted"] += 1
        live = _Live(session, cl, sym, side, strategy, qty, price)
        if self._venue is not None:
            with self._lock:
                self._live[oid] = live
        self._exec(session, cl, sym, side, qty, price, exec_type="0", extra=tags,
                   text=",".join(d.reasons) or None)
        if self._venue is not None:
            self._to_venue("D", [(C.CL_ORD_ID, oid), (C.ACCOUNT, strategy), (C.SYMBOL, sym),
                                 (C.SIDE, _SIDE_WIRE[side]), (C.ORDER_QTY, qty),
                                 (C.ORD_TYPE, _TYPE_WIRE[otype]), (C.PRICE, price),
                                 (C.RISK_STATE, d.risk_state)])

    def _cancel(self, session: FixSession, msg: FixMsg, seq: int) -> None:
        if self._missing(session, msg, seq, _CXL_REQUIRED):
            return
        cl, orig_cl = msg.get(C.CL_ORD_ID), msg.get(C.ORIG_CL_ORD_ID)
        oid, orig = order_id_of(cl), order_id_of(orig_cl)
        trader, strategy = self._identity(session, msg)
        sym = msg.get(C.SYMBOL).decode("latin-1")
        self.counters["cancels"] += 1
        d = self._enf.submit(CancelOrder(order_id=oid, ts=self._clock(), trader=trader,
                                         strategy=strategy, sym=sym, orig_order_id=orig))
        self.risk_state = d.risk_state
        with self._lock:
            live = self._live.get(orig)
            if d.accepted and live is not None:
                self._cancels[oid] = (session, cl, orig_cl)
        if not d.accepted or live is None:
            text = ",".join(d.reasons) if not d.accepted else "unknown order or already done"
            self._cancel_reject(session, cl, orig_cl, text, d.risk_state)
            return
        self._to_venue("F", [(C.CL_ORD_ID, oid), (C.ORIG_CL_ORD_ID, orig), (C.SYMBOL, sym),
                             (C.SIDE, _SIDE_WIRE.get(live.side, "1")),
                             (C.RISK_STATE, d.risk_state)])

    # -- venue reports (venue thread) ---------------------------------------------------

    def on_report(self, rep: ExchangeReport) -> None:
        """Venue report -> engine Fill + client ExecutionReport / OrderCancelReject."""
        with self._lock:
            live = self._live.get(rep.order_id)
            cxl = self._cancels.pop(rep.cancel_id, None) if rep.cancel_id is not None else None
            if rep.exec_type == "F" and live is not None:
                live.cum_qty += rep.qty
                live.notional += rep.qty * rep.price
            done = live is not None and (rep.exec_type == "4" or live.cum_qty >= live.qty)
            if done:
                del self._live[rep.order_id]
        if live is None:
            return
        if rep.exec_type == "F":
            self.counters["fills"] += 1
            self._enf.on_fill(Fill(ts=self._clock(), sym=live.sym, strategy=live.strategy,
                                   side=live.side, qty=rep.qty, price=rep.price))
        tags = [(C.RISK_STATE, rep.risk_state or self.risk_state)]
        if rep.exec_type == "9":
            if cxl is not None:
                self._cancel_reject(cxl[0], cxl[1], cxl[2], rep.text, tags[0][1])
            return
        session = cxl[0] if cxl is not None else live.session
        extra = [(C.ORIG_CL_ORD_ID, cxl[2])] if cxl is not None else []
        self._exec(session, cxl[1] if cxl else live.cl_ord_id, live.sym, live.side, live.qty,
                   live.price, exec_type=rep.exec_type, text=rep.text or None,
                   extra=extra + tags, live=live, last=(rep.qty, rep.price))

    # -- encoding -----------------------------------------------------------------------

    def _exec(self, session, cl, sym, side, qty, price, *, exec_type, text=None, extra=(),
              live: _Live | None = None, last=(0, 0.0)) -> None:
        with self._lock:
            self._exec_seq += 1
            exec_id = self._exec_seq
        cum = live.cum_qty if live else 0
        if exec_type == "F":
            status = "2" if cum >= live.qty else "1"
        else:
            status = exec_type  # 0 new, 4 cancelled, 8 rejected
        leaves = 0 if status in ("2", "4", "8") else (qty - cum if isinstance(qty, int) else 0)
        avg = live.notional / cum if live and cum else 0.0
        body = [(C.ORDER_ID, order_id_of(cl)), (C.CL_ORD_ID, cl), (C.EXEC_ID, exec_id),
                (C.EXEC_TYPE, exec_type), (C.ORD_STATUS, status), (C.SYMBOL, sym),
                (C.SIDE, _SIDE_WIRE.get(side, side)), (C.ORDER_QTY, _wire_num(qty)),
                (C.PRICE, _wire_num(price)), (C.LAST_QTY, last[0] or None),
                (C.LAST_PX, last[1] or None), (C.LEAVES_QTY, leaves), (C.CUM_QTY, cum),
                (C.AVG_PX, avg), (C.TRANSACT_TIME, C.fix_time(self._clock())),
                (C.TEXT, text), *extra]
        session.send("8", body)

    def _cancel_reject(self, session, cl, orig_cl, text, risk_state) -> None:
        session.send("9", [(C.ORDER_ID, order_id_of(orig_cl)), (C.CL_ORD_ID, cl),
                           (C.ORIG_CL_ORD_ID, orig_cl), (C.ORD_STATUS, "8"),
                           (C.CXL_REJ_RESPONSE_TO, 1),
                           (C.CXL_REJ_REASON, 1 if "unknown" in text else 99),
                           (C.TEXT, text), (C.RISK_STATE, risk_state)])

    def _to_venue(self, msg_type: str, body: list) -> None:
        with self._lock:
            self._venue_seq += 1
            wire = C.encode(msg_type, body, sender=self._cfg.comp_id,
                            target="EXSIM", seq=self._venue_seq, ts_ns=self._clock())
            self._venue.send(wire)


def _wire_num(x) -> str | None:
    """Numbers as they go on the wire; NaN/inf are echoed as text so the client sees them."""
    if x is None:
        return None
    if isinstance(x, float) and x.is_integer() and math.isfinite(x):
        return repr(x)
    return str(x)
