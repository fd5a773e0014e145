"""`DecisionRecord`: the one type of a new-order decision on the decision log ("D" record).

On the log a record is a JSON array `["D", seq, ts, order_id, trader, strategy, sym, side,
qty, price, order_type, mask, static_mask, dynamic_mask, limits_version, mode, risk_state,
key, replaces]` (see `enforcer.decision_log`). `key` (the client's order key, e.g. FIX
SenderCompID + ClOrdID: what makes a decision happen exactly once) and `replaces` (the
order id a cancel/replace replaced) were added later: a 17-element record from an older
log decodes with both None.

`encode` is the general form (any field types, through the log's JSON encoder);
`fast_body` is the hot path's pre-formatted twin for plain-typed fields, byte for byte the
same (tests/unit/enforcer/test_record.py holds them equal on random records).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from enforcer.decision import Decision
from enforcer.decision_log import _STR_JSON, _body, _dumps
from enforcer.decision_log import json_str as _js
from enforcer.reasons import mask_to_names

_float_repr = float.__repr__
# an order key json writes as itself in quotes, but for its SOH separators ("\u0001"):
# printable ASCII without '"' and '\\', and SOH (a FIX key: SenderCompID SOH ClOrdID)
_PLAIN_KEY = re.compile(r'[ !#-\[\]-~\x01]*\Z').match
_TEMPLATE = '["D",%d,%d,%d,%s,%s,%s,%s,%d,%s,%s,%d,%d,%d,%s,%s,%s,%s,%s]'


class DecisionRecord(NamedTuple):
    """One decided new order (or replace) as logged. Masks are Reason bit masks."""

    seq: int
    ts: int
    order_id: int
    trader: Any
    strategy: Any
    sym: Any
    side: Any
    qty: Any
    price: Any
    order_type: Any
    mask: int
    static_mask: int
    dynamic_mask: int
    limits_version: str
    mode: str
    risk_state: str
    key: str | None = None
    replaces: int | None = None

    def encode(self) -> bytes:
        """JSON body of the log line (without checksum and newline)."""
        return _body(["D", *self]).encode()

    @classmethod
    def decode(cls, rec: list[Any]) -> DecisionRecord:
        """From a decoded log array (`rec[0] == "D"`); 17-element records of older logs
        get key = replaces = None."""
        return cls(*rec[1:19])

    def decision(self) -> Decision:
        """The `Decision` this record stands for."""
        m, sm, dm = self.mask, self.static_mask, self.dynamic_mask
        return Decision(order_id=self.order_id, ts=self.ts,
                        verdict="ACCEPT" if m == 0 else "REJECT", reasons=mask_to_names(m),
                        limits_version=self.limits_version, mode=self.mode,
                        static_verdict="ACCEPT" if sm == 0 else "REJECT",
                        dynamic_verdict="ACCEPT" if dm == 0 else "REJECT",
                        risk_state=self.risk_state, dynamic_reasons=mask_to_names(dm),
                        static_reasons=mask_to_names(sm), seq=self.seq)


def plain(trader: Any, strategy: Any, sym: Any, version: Any, key: Any,
          order_id: Any, ts: Any) -> bool:
    """True when `fast_body` may encode a record with these fields (the rest are fixed
    types on a well-formed order)."""
    return (type(order_id) is int and type(ts) is int and type(trader) is str
            and type(strategy) is str and type(sym) is str and type(version) is str
            and (key is None or type(key) is str))


def fast_body(seq: int, ts: int, order_id: int, trader: str, strategy: str, sym: str,
              side: str, qty: int, price: float | None, order_type: str, mask: int,
              smask: int, dmask: int, version: str, mode: str, risk_state: str,
              key: str | None, replaces: int | None) -> bytes:
    """`DecisionRecord(...).encode()` for a well-formed order with plain-typed fields
    (`plain(...)` true, qty an int, price a finite float or None), ~3x faster."""
    js = _STR_JSON.get
    return (_TEMPLATE % (
        seq, ts, order_id, js(trader) or _js(trader), js(strategy) or _js(strategy),
        js(sym) or _js(sym), js(side) or _js(side), qty,
        "null" if price is None else _float_repr(price),
        js(order_type) or _js(order_type), mask, smask, dmask,
        js(version) or _js(version), js(mode) or _js(mode),
        js(risk_state) or _js(risk_state), "null" if key is None else _key_json(key),
        "null" if replaces is None else str(replaces))).encode()


def _key_json(key: str) -> str:
    """`_dumps(key)` (json's text of a str), without json's encoder for the common FIX
    key: every key is new, so the string cache cannot help, and json costs ~3 us."""
    if _PLAIN_KEY(key):
        return '"' + key.replace("\x01", "\\u0001") + '"'
    return _dumps(key)


__all__ = ["DecisionRecord", "fast_body", "plain"]
