"""Frozen command objects: the only thing a front end (FIX, REST, CLI) hands the enforcer.

Front ends turn wire input into one of these and call one `Enforcer` entry point
(`submit`, `check`, `operator`, `on_fill`). They do not validate business rules: a
malformed field (qty <= 0, NaN price, side 'X', unknown symbol) is carried through as
given and answered by the enforcer with a REJECT and a reason code, never an exception.

Units: `ts` is UTC nanoseconds since the epoch (int); `qty` is lots (int); `price` is
currency units per lot-unit (float), None for MARKET orders.
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


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    """A cancel of an earlier order (`orig_order_id`). Cancels always pass."""

    order_id: int
    ts: int
    trader: str
    strategy: str
    sym: str
    orig_order_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorCommand:
    """An operator action, logged with who and why.

    halt/resume: one symbol (`sym`) or, with sym None, every symbol.
    kill/unkill: the global kill switch (sym ignored).
    reset_breaker: the global circuit breaker (sym None) or a symbol latched HALTED by a
    model row (sym given); a latch is also cleared by `resume` of that symbol.
    """

    action: str
    who: str
    why: str
    sym: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """An execution report: `qty` lots filled at `price` on `side` ('B'/'S')."""

    ts: int
    sym: str
    strategy: str
    side: str
    qty: int
    price: float
