"""ExecutionReport bodies (the pre-formatted hot path and its plain twin) and the gateway's
replies built from them (`Replies`: 35=8 about an order's current state, 35=9).

`report_body` writes the body of a 35=8 (every field after the standard header) with a few
`%` formats; `report_pairs` lists the same fields as (tag, value) pairs for the generic
encoder `codec.fields`. They are byte for byte the same (a hypothesis test holds them
equal); the gateway sends every order's acknowledgement and fill through the first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from enforcer.fix import codec as C
from enforcer.fix.mapping import order_id_of
from enforcer.lots import Lots

_SIDE_BYTES = {"B": b"1", "S": b"2"}  # Side (54) on the wire; the gateway uses it too


def wire_num(x) -> str | None:
    """Numbers as they go on the wire; NaN/inf are echoed as text so the client sees them."""
    if x is None:
        return None
    if isinstance(x, float) and x.is_integer() and math.isfinite(x):
        return repr(x)
    return str(x)


def _num(x) -> bytes:
    """`wire_num(x).encode()` for a value that is not None."""
    t = type(x)
    if t is int:
        return b"%d" % x
    if t is float:
        return repr(x).encode()
    return wire_num(x).encode()


def report_body(order_id: int, cl: bytes, exec_id: int, exec_type: str, status: str,
                sym, side, qty, price, last_qty: int, last_px: float, leaves: int,
                cum: int, avg: float, transact_time: str, text: str | None,
                extra: list[tuple[int, object]], custom: tuple[str, str, str] | None) -> bytes:
    """Body of an ExecutionReport: 37 11 17 150 39 55 54 [38] [44] [32] [31] 151 14 6 60
    [58] extra... [8011 8012 8013]. qty/price: the order's (None: left out; odd values
    echoed as text); last_qty/last_px: the fill (0: left out); avg: currency;
    transact_time: FIX UTCTimestamp; custom: (risk state, limits version, mode) or None."""
    out = [b"37=%d\x0111=%s\x0117=%d\x01150=%s\x0139=%s\x0155=%s\x0154=%s\x01" % (
        order_id, cl, exec_id, exec_type.encode(), status.encode(),
        (sym if type(sym) is str and sym else "?").encode(),
        _SIDE_BYTES.get(side) or str(side).encode())]
    if qty is not None:
        out.append(b"38=%s\x01" % _num(qty))
    if price is not None:
        out.append(b"44=%s\x01" % _num(price))
    if last_qty:
        out.append(b"32=%s\x01" % _num(last_qty))
    if last_px:
        out.append(b"31=%s\x01" % _num(last_px))
    out.append(b"151=%s\x0114=%s\x016=%s\x0160=%s\x01" % (
        _num(leaves), _num(cum), repr(float(avg)).encode(), transact_time.encode()))
    if text is not None:
        out.append(b"58=%s\x01" % text.encode())
    if extra:
        out.append(C.fields(extra))
    if custom is not None:
        out.append(b"8011=%s\x018012=%s\x018013=%s\x01" % (
            custom[0].encode(), custom[1].encode(), custom[2].encode()))
    return b"".join(out)


def report_pairs(order_id: int, cl: bytes, exec_id: int, exec_type: str, status: str,
                 sym, side, qty, price, last_qty: int, last_px: float, leaves: int,
                 cum: int, avg: float, transact_time: str, text: str | None,
                 extra: list[tuple[int, object]],
                 custom: tuple[str, str, str] | None) -> list[tuple[int, object]]:
    """The plain twin of `report_body`: the same fields as pairs for `codec.fields`."""
    pairs = [(C.ORDER_ID, order_id), (C.CL_ORD_ID, cl), (C.EXEC_ID, exec_id),
             (C.EXEC_TYPE, exec_type), (C.ORD_STATUS, status),
             (C.SYMBOL, sym if type(sym) is str and sym else "?"),
             (C.SIDE, _SIDE_BYTES.get(side) or str(side)),
             (C.ORDER_QTY, wire_num(qty)), (C.PRICE, wire_num(price)),
             (C.LAST_QTY, last_qty or None), (C.LAST_PX, last_px or None),
             (C.LEAVES_QTY, leaves), (C.CUM_QTY, cum), (C.AVG_PX, float(avg)),
             (C.TRANSACT_TIME, transact_time), (C.TEXT, text), *extra]
    if custom is not None:
        pairs += [(C.RISK_STATE, custom[0]), (C.LIMITS_VERSION, custom[1]),
                  (C.MODE, custom[2])]
    return pairs


class Replies:
    """The gateway's answers to a client session: an ExecutionReport about an order's
    current state, an OrderCancelReject. ExecIDs count up from the clock at start, so they
    stay unique across restarts. Custom tags (>= 5000, 8011-8017) only for sessions that
    take them (`session.custom_tags`). Quantities (38, 32, 14, 151) go out in venue units:
    the ledger's lot counts times the symbol's lot (`lots`, an `enforcer.lots.Lots`)."""

    def __init__(self, clock: Callable[[], int], lots: Lots | None = None) -> None:
        self._clock = clock
        lots = lots or Lots()
        self._to_venue = None if lots.identity else lots.to_venue  # lot 1: nothing to do
        self._exec_ids = itertools.count(clock())

    def exec_id(self) -> int:
        return next(self._exec_ids)  # atomic under the GIL

    def execution(self, session, cl: bytes, e, exec_type: str, *, text=None, extra=(),
                  d=None, last=(0, 0.0)) -> None:
        """ExecutionReport for order `e` (an `OrderEntry`, its current state; None: an
        order the ledger does not hold) about `exec_type`, with decision `d`'s risk state,
        limits version and mode (8011-8013)."""
        if e is None:
            status, qty, price, sym, side, cum, leaves, avg = "8", None, None, "", "", 0, 0, 0.0
        else:
            status, qty, price, sym, side = e.status, e.qty, e.price, e.sym, e.side
            cum, leaves, avg = e.cum_qty, e.leaves, e.avg_px
            v = self._to_venue
            if v is not None:  # lot counts -> venue units
                qty, cum, leaves = v(sym, qty), v(sym, cum), v(sym, leaves)
                if last[0]:
                    last = (v(sym, last[0]), last[1])
        custom = session.custom_tags
        if not custom:
            extra = [f for f in extra if f[0] < 5000]
        oid = e.order_id if e is not None else order_id_of(cl)
        session.send("8", report_body(
            oid, cl, self.exec_id(), exec_type, status, sym, side, qty, price, last[0],
            last[1], leaves, cum, avg, C.fix_time(self._clock()), text, extra,
            (d.risk_state, d.limits_version, d.mode) if d is not None and custom else None))

    def cancel_reject(self, session, cl, orig_cl, text, risk_state, response_to=1,
                      reason: int | None = None) -> None:
        """OrderCancelReject; CxlRejReason (102) `reason`, by default 1 (unknown order)
        when the text says so, else 99 (other)."""
        if reason is None:
            reason = 1 if "unknown" in text.lower() else 99
        session.send("9", [(C.ORDER_ID, order_id_of(orig_cl)), (C.CL_ORD_ID, cl),
                           (C.ORIG_CL_ORD_ID, orig_cl), (C.ORD_STATUS, "8"),
                           (C.CXL_REJ_RESPONSE_TO, response_to),
                           (C.CXL_REJ_REASON, reason),
                           (C.TEXT, text),
                           (C.RISK_STATE, risk_state if session.custom_tags else None)])
