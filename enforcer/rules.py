"""Single-order path: the rule set in plain Python (no JAX, no numpy on the hot path).

Each rule is a small function answering None or a `Reason` (STYLE 5). `order_mask` is the
same rule set fused into one function returning a reason bit mask: that is what the engine
calls (a Python call costs ~60 ns here, so thirteen of them would eat the 1 us budget);
a property test checks that `order_mask` equals the OR of the single rules.

Semantics shared with the batch path (`enforcer/batch.py`):
* malformed input (unknown symbol, qty not a positive int, price NaN/inf/<= 0 or missing
  on a LIMIT order, side not B/S, order type not LIMIT/MARKET) answers only the
  malformation reasons; no other rule runs.
* position per (strategy, sym) = filled (from fills) + open buys - open sells, where an
  accepted order counts as open until a fill or a cancel takes it out. The check is worst
  case per side: a buy passes if filled + open_buy + qty <= max_position, a sell if
  filled - open_sell - qty >= -max_position.
* REDUCING: only orders that move net = filled + open_buy - open_sell toward zero without
  crossing it pass.
* collar: |price - mid| * 1e4 > price_band_bps * mid (no division, same float64 ops in
  both paths); notional = qty * price (LIMIT) or qty * mid (MARKET).
* fat finger: qty > fat_finger_threshold * median, where median is the trader's median qty
  over their last N orders (refreshed every poll); 0 (too little history) disables that
  part. Also qty > fat_finger_max_qty: layer 1's largest order for the (sym, trader) from
  the fat_finger_limits table while in force, inf when none (the static part stays the floor).
* throttle: see `enforcer/throttle.py`; duplicate: `dup_n` ACCEPTED orders with the same
  (strategy, sym, side, qty, price) already at ts - window or later (this one would be
  one more than `dup_n` within the window; `enforcer.config.DuplicateRule`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from enforcer.limits import HALTED, REDUCING, Lim
from enforcer.reasons import Reason
from enforcer.throttle import COST, DT_CLIP

B_KILL = 1 << Reason.KILL_SWITCH
B_BREAKER = 1 << Reason.CIRCUIT_BREAKER
B_HALTED = 1 << Reason.STATE_HALTED
B_REDUCING = 1 << Reason.STATE_REDUCING
B_RESTRICTED = 1 << Reason.RESTRICTED
B_MAX_QTY = 1 << Reason.MAX_QTY
B_NOTIONAL = 1 << Reason.MAX_NOTIONAL
B_COLLAR = 1 << Reason.PRICE_COLLAR
B_FF = 1 << Reason.FAT_FINGER
B_NO_REF = 1 << Reason.NO_REFERENCE_PRICE
B_POSITION = 1 << Reason.MAX_POSITION
B_THROTTLE = 1 << Reason.THROTTLE
B_DUPLICATE = 1 << Reason.DUPLICATE
_INF = math.inf


def malformed_mask(known: bool, side: object, qty: object, price: object,
                   order_type: object) -> int:
    """Reason bits for a malformed order (0 when well formed). Never raises."""
    m = 0 if known else 1 << Reason.UNKNOWN_SYMBOL
    if type(qty) is not int or qty <= 0:
        m |= 1 << Reason.BAD_QTY
    if side != "B" and side != "S":
        m |= 1 << Reason.BAD_SIDE
    if order_type == "LIMIT":
        if not isinstance(price, float | int) or isinstance(price, bool):
            m |= 1 << Reason.BAD_PRICE
        elif not (0.0 < price < _INF):  # also false for NaN
            m |= 1 << Reason.BAD_PRICE
    elif order_type != "MARKET":
        m |= 1 << Reason.BAD_ORDER_TYPE
    return m


# ---- the rules one by one (documentation, unit tests, parity with the fused form) -------
def rule_state(lim: Lim, buy: bool, qty: int, net: int) -> Reason | None:
    if lim.state == HALTED:
        return Reason.STATE_HALTED
    if lim.state == REDUCING and not ((buy and net < 0 and qty <= -net)
                                      or (not buy and net > 0 and qty <= net)):
        return Reason.STATE_REDUCING
    return None


def rule_restricted(lim: Lim) -> Reason | None:
    return Reason.RESTRICTED if lim.restricted else None


def rule_max_qty(lim: Lim, qty: int) -> Reason | None:
    return Reason.MAX_QTY if qty > lim.max_order_qty else None


def rule_notional(lim: Lim, qty: int, price: float | None, mid: float | None) -> Reason | None:
    ref = price if price is not None else mid
    if ref is None:
        return None  # MARKET without a quote: rule_reference answers
    return Reason.MAX_NOTIONAL if qty * ref > lim.max_notional else None


def rule_collar(lim: Lim, price: float | None, mid: float | None) -> Reason | None:
    if price is None or mid is None:
        return None
    return Reason.PRICE_COLLAR if abs(price - mid) * 10000.0 > lim.price_band_bps * mid else None


def rule_reference(price: float | None, mid: float | None, need_ref: bool) -> Reason | None:
    if mid is None and (price is None or need_ref):
        return Reason.NO_REFERENCE_PRICE
    return None


def rule_fat_finger(lim: Lim, qty: int, median: float,
                    fat_finger_max_qty: float = _INF) -> Reason | None:
    if qty > fat_finger_max_qty:
        return Reason.FAT_FINGER
    return Reason.FAT_FINGER if median > 0.0 and qty > lim.fat_finger_threshold * median else None


def rule_position(lim: Lim, buy: bool, qty: int, pos: list[int] | None) -> Reason | None:
    f, ob, os_ = pos if pos is not None else (0, 0, 0)
    if buy:
        return Reason.MAX_POSITION if f + ob + qty > lim.max_position else None
    return Reason.MAX_POSITION if f - os_ - qty < -lim.max_position else None


def rule_throttle(bucket: list[int] | None, ts: int, rate: int, cap: int) -> Reason | None:
    if bucket is None:
        return None  # a strategy's first order finds a full bucket
    dt = ts - bucket[1]
    dt = 0 if dt < 0 else (DT_CLIP if dt > DT_CLIP else dt)
    return Reason.THROTTLE if min(cap, bucket[0] + dt * rate) < COST else None


def rule_duplicate(recent: Sequence[int] | None, ts: int, window_ns: int,
                   dup_n: int = 1) -> Reason | None:
    """recent: ts of the last accepted identical orders, oldest first (>= dup_n kept)."""
    if recent is None or len(recent) < dup_n:
        return None
    return Reason.DUPLICATE if ts - recent[-dup_n] <= window_ns else None


# ---- the fused form the engine calls -----------------------------------------------------
def order_mask(lim: Lim, buy: bool, qty: int, price: float | None, mid: float | None,  # noqa: C901, E501 -- fused on purpose: one call per order (speed goal)
               ts: int, pos: list[int] | None, bucket: list[int] | None,
               dup: Sequence[int] | None, median: float, rate: int, cap: int, window_ns: int,
               need_ref: bool, dup_n: int = 1, fat_finger_max_qty: float = _INF) -> int:
    """Reason bits of a well-formed order under `lim` (0 = pass). Pure: changes nothing.

    pos: [filled, open_buy, open_sell] lots or None; bucket: [nano-tokens, last_ts] or None;
    dup: ts (ns) of the last accepted identical orders, oldest first, or None; median:
    trader median qty (0.0 = unknown); rate orders/s, cap nano-tokens; window_ns ns and
    dup_n: the strategy's duplicate rule (more than dup_n identical within window_ns);
    fat_finger_max_qty lots: layer 1's row for the (sym, trader) in force (inf = none).
    """
    m = 0
    if pos is None:
        f = ob = os_ = 0
    else:
        f, ob, os_ = pos
    st = lim.state
    if st:
        if st == HALTED:
            m = B_HALTED
        else:
            net = f + ob - os_
            if not ((buy and net < 0 and qty <= -net) or (not buy and net > 0 and qty <= net)):
                m = B_REDUCING
    if lim.restricted:
        m |= B_RESTRICTED
    if qty > lim.max_order_qty:
        m |= B_MAX_QTY
    if mid is None:
        if price is None:
            m |= B_NO_REF
        else:
            if need_ref:
                m |= B_NO_REF
            if qty * price > lim.max_notional:
                m |= B_NOTIONAL
    elif price is None:
        if qty * mid > lim.max_notional:
            m |= B_NOTIONAL
    else:
        if qty * price > lim.max_notional:
            m |= B_NOTIONAL
        if abs(price - mid) * 10000.0 > lim.price_band_bps * mid:
            m |= B_COLLAR
    if (median > 0.0 and qty > lim.fat_finger_threshold * median) or qty > fat_finger_max_qty:
        m |= B_FF
    if buy:
        if f + ob + qty > lim.max_position:
            m |= B_POSITION
    elif f - os_ - qty < -lim.max_position:
        m |= B_POSITION
    if bucket is not None:
        dt = ts - bucket[1]
        dt = 0 if dt < 0 else (DT_CLIP if dt > DT_CLIP else dt)
        if min(cap, bucket[0] + dt * rate) < COST:
            m |= B_THROTTLE
    if dup is not None and len(dup) >= dup_n and ts - dup[-dup_n] <= window_ns:
        m |= B_DUPLICATE
    return m


def rules_mask(lim: Lim, buy: bool, qty: int, price: float | None, mid: float | None,
               ts: int, pos: list[int] | None, bucket: list[int] | None,
               dup: Sequence[int] | None, median: float, rate: int, cap: int, window_ns: int,
               need_ref: bool, dup_n: int = 1, fat_finger_max_qty: float = _INF) -> int:
    """`order_mask` computed from the single rules (slow; the reference for tests)."""
    net = 0 if pos is None else pos[0] + pos[1] - pos[2]
    out = (rule_state(lim, buy, qty, net), rule_restricted(lim), rule_max_qty(lim, qty),
           rule_notional(lim, qty, price, mid), rule_collar(lim, price, mid),
           rule_reference(price, mid, need_ref),
           rule_fat_finger(lim, qty, median, fat_finger_max_qty),
           rule_position(lim, buy, qty, pos), rule_throttle(bucket, ts, rate, cap),
           rule_duplicate(dup, ts, window_ns, dup_n))
    m = 0
    for r in out:
        if r is not None:
            m |= 1 << r
    return m
