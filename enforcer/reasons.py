"""Reason codes: small ints (bit positions in the batch path's reason mask) + stable names.

A rule answers None or one `Reason`. A decision's reasons are sorted by code, so the
single-order path and the batch path produce the same tuple for the same order. The
string names are what goes on the wire (FIX tag 58 text, REST JSON) and in the
`decisions.reasons` column (comma-separated); never renumber or rename a member, only
append.
"""

from __future__ import annotations

from enum import IntEnum


class Reason(IntEnum):
    # malformed input: when any of these fires, no other rule is evaluated
    UNKNOWN_SYMBOL = 0
    BAD_QTY = 1  # qty <= 0 or not an int
    BAD_PRICE = 2  # NaN/inf/<= 0, or a LIMIT order without a price
    BAD_SIDE = 3  # side not 'B'/'S'
    BAD_ORDER_TYPE = 4  # order_type not LIMIT/MARKET
    # global and per-symbol switches
    KILL_SWITCH = 5
    CIRCUIT_BREAKER = 6
    STATE_HALTED = 7
    STATE_REDUCING = 8  # symbol in REDUCING and the order does not reduce the position
    RESTRICTED = 9
    # limits
    MAX_QTY = 10
    MAX_NOTIONAL = 11
    PRICE_COLLAR = 12
    FAT_FINGER = 13
    NO_REFERENCE_PRICE = 14  # no quote yet: collar/market notional cannot be checked
    # stateful
    MAX_POSITION = 15
    THROTTLE = 16
    DUPLICATE = 17
    # the engine itself failed on this order (bug or bad input it did not foresee): fail safe
    INTERNAL_ERROR = 18
    # a cancel/replace of an order that is unknown, done or not open (nothing to replace)
    UNKNOWN_ORDER = 19


N_REASONS = len(Reason)
MALFORMED_MASK = (
    (1 << Reason.UNKNOWN_SYMBOL)
    | (1 << Reason.BAD_QTY)
    | (1 << Reason.BAD_PRICE)
    | (1 << Reason.BAD_SIDE)
    | (1 << Reason.BAD_ORDER_TYPE)
)

_NAMES: tuple[str, ...] = tuple(r.name for r in sorted(Reason))
_MASK_CACHE: dict[int, tuple[str, ...]] = {0: ()}


def mask_to_names(mask: int) -> tuple[str, ...]:
    """Reason bit mask -> tuple of names sorted by code (cached; masks repeat a lot)."""
    names = _MASK_CACHE.get(mask)
    if names is None:
        names = tuple(_NAMES[i] for i in range(N_REASONS) if mask >> i & 1)
        _MASK_CACHE[mask] = names
    return names


def names_to_mask(names: tuple[str, ...] | list[str]) -> int:
    """Inverse of `mask_to_names`; unknown names raise KeyError (a programming mistake)."""
    mask = 0
    for n in names:
        mask |= 1 << Reason[n]
    return mask
