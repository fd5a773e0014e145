"""Frozen command objects: the only thing a front end (FIX, REST, CLI) hands the enforcer.

Front ends turn wire input into one of these and call one `Enforcer` entry point
(`submit`, `check`, `operator`, `on_fill`). They do not validate business rules: a
malformed field (qty <= 0, NaN price, side 'X', unknown symbol) is carried through as
given and answered by the enforcer with a REJECT and a reason code, never an exception.

Units: `ts` is UTC nanoseconds since the epoch (int); `qty` is a count of the symbol's lot
(int: the front end turns the venue's units into lots with `enforcer.lots.Lots.to_lots`, a
qty off the lot stays a non-int and is BAD_QTY); `price` is currency units per venue unit
(float), None for MARKET orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Side = Literal["B", "S"]
OrderType = Literal["LIMIT", "MARKET"]
OperatorAction = Literal["halt", "resume", "kill", "unkill", "reset_breaker"]

OPERATOR_ACTIONS: tuple[str, ...] = ("halt", "resume", "kill", "unkill", "reset_breaker")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    """A new order as submitted by the OMS. `price` is None for MARKET orders."""

    order_id: int
    ts: int
    trader: str
    strategy: str
    sym: str
    side: str
    qty: int
    price: float | None
    order_type: str = "LIMIT"
    key: str | None = None  # the client's order key: one decision per key, ever
    session: str | None = None  # FIX session (SenderCompID): its own circuit breaker


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    """A cancel/replace of the open order keyed `orig_key` by a new order (`key`).

    qty is the new total order qty (lots, filled part included); the replacement is
    decided by the same rules as a new order for what it leaves open, with the replaced
    order's open qty released first (restored if the replacement is rejected)."""

    order_id: int
    ts: int
    trader: str
    strategy: str
    sym: str
    side: str
    qty: int
    price: float | None
    order_type: str
    key: str
    orig_key: str
    session: str | None = None  # FIX session (SenderCompID): its own circuit breaker


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    """A cancel of an earlier order. Cancels always pass.

    The order cancelled is `orig_key` when given (a keyed order: the FIX gateway's
    SenderCompID + ClOrdID, so two sessions' equal ClOrdIDs never meet), else the unkeyed
    order `orig_order_id` (an OMS stream's own ids)."""

    order_id: int
    ts: int
    trader: str
    strategy: str
    sym: str
    orig_order_id: int
    key: str | None = None
    orig_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorCommand:
    """An operator action, logged with who and why.

    halt/resume: one symbol (`sym`) or, with sym None, every symbol.
    kill/unkill: the global kill switch (no sym, strategy or session).
    kill/unkill with `session`, `strategy` or `sym`: that scope's kill switch only
    (enforcer.killswitch); `reduce_only`: the kill lets risk-reducing orders through.
    reset_breaker: one strategy's circuit breaker (`strategy`), one FIX session's
    (`session`: its SenderCompID), every breaker (sym, strategy and session None), or a
    symbol latched HALTED by a model row (sym given); a latch is also cleared by `resume`
    of that symbol.
    `who` and `why` must say something (blank text is refused).
    """

    action: str
    who: str
    why: str
    sym: str | None = None
    strategy: str | None = None  # reset_breaker: that strategy's breaker only
    session: str | None = None  # reset_breaker: that FIX session's breaker only
    reduce_only: bool = False  # kill: risk-reducing orders still pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """An execution report: `qty` lots filled at `price` on `side` ('B'/'S')."""

    ts: int
    sym: str
    strategy: str
    side: str
    qty: int
    price: float
    order_seq: int | None = None  # decision seq of the order filled (its venue id)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDone:
    """The venue ended an order without (a full) fill: status '4' cancelled, 'C' expired.

    Releases the order's open qty from the position it counted in."""

    ts: int
    order_seq: int
    status: str = "4"
