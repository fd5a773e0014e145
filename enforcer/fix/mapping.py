"""FIX wire -> engine command fields: the mapping `enforcer.fix.gateway` applies to 35=D,
35=G, 35=F and 35=H (the table is in the gateway's docstring).

Pure functions of a parsed message and the session's peer: an order's id and key, its
numbers (text that is not a number is `BadNumber`, which the gateway turns into a session
Reject 373=6), the field tuple an order command takes, and each message's required tags.
"""

from __future__ import annotations

import hashlib
import math

from enforcer.fix import codec as C
from enforcer.fix.parser import FixMsg

SIDES = {b"1": "B", b"2": "S", b"5": "S", b"6": "S"}
SIDE_WIRE = {"B": "1", "S": "2"}
TYPES = {b"1": "MARKET", b"2": "LIMIT"}
TYPE_BYTES = {"MARKET": b"1", "LIMIT": b"2"}
NEW_REQUIRED = (C.CL_ORD_ID, C.SYMBOL, C.SIDE, C.ORDER_QTY, C.ORD_TYPE)
RPL_REQUIRED = (C.CL_ORD_ID, C.ORIG_CL_ORD_ID, C.SYMBOL, C.SIDE, C.ORDER_QTY, C.ORD_TYPE)
CXL_REQUIRED = (C.CL_ORD_ID, C.ORIG_CL_ORD_ID, C.SYMBOL, C.SIDE)
OSR_REQUIRED = (C.CL_ORD_ID, C.SYMBOL, C.SIDE)
SEP = "\x01"  # between SenderCompID and ClOrdID in an order key (never inside a value)


def order_id_of(cl_ord_id: bytes) -> int:
    """ClOrdID -> int64 order id: the number itself if decimal and < 2**63, else a hash."""
    if cl_ord_id.isdigit() and len(cl_ord_id) <= 19 and int(cl_ord_id) < 1 << 63:
        return int(cl_ord_id)
    return int.from_bytes(hashlib.blake2b(cl_ord_id, digest_size=8).digest(), "big") >> 1


def order_key(peer: str, cl_ord_id: bytes) -> str:
    """The order's key: SenderCompID + SEP + ClOrdID (one decision per key)."""
    return peer + SEP + cl_ord_id.decode("latin-1")


class BadNumber(ValueError):
    """A numeric tag whose text is not a number; args[0] is the tag."""


def number(raw: bytes | None, tag: int) -> float | None:
    """The tag's value as a float (NaN and inf pass: the rules judge them); None if absent."""
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise BadNumber(tag) from None


def qty_of(x: float) -> int | float:
    """Integral, finite, int64-safe quantities become int; anything else stays float."""
    if math.isfinite(x) and x.is_integer() and abs(x) < 2.0**53:
        return int(x)
    return x


def trader_strategy(msg: FixMsg, peer: str, default_strategy: str) -> tuple[str, str]:
    """(trader, strategy): SenderSubID (50) or the peer; Account (1) or the default."""
    trader = (msg.get(50) or peer.encode()).decode("latin-1")
    strategy = msg.get(C.ACCOUNT)
    return trader, strategy.decode("latin-1") if strategy else default_strategy


def order_fields(msg: FixMsg, peer: str, default_strategy: str):
    """(qty, price, trader, strategy, sym, side, order_type) of a 35=D or 35=G; sides and
    types the table does not know pass through as text (the rules reject them)."""
    qty = qty_of(number(msg.get(C.ORDER_QTY), C.ORDER_QTY))
    price = number(msg.get(C.PRICE), C.PRICE)
    trader, strategy = trader_strategy(msg, peer, default_strategy)
    sym = msg.get(C.SYMBOL).decode("latin-1")
    side = SIDES.get(msg.get(C.SIDE)) or msg.get(C.SIDE).decode("latin-1")
    otype = TYPES.get(msg.get(C.ORD_TYPE)) or msg.get(C.ORD_TYPE).decode("latin-1")
    return qty, price, trader, strategy, sym, side, otype

