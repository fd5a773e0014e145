"""Scoped kill switches: per strategy, per symbol, per FIX session, or global.

A kill is a key `(scope, name)` (scope 'strategy', 'symbol', 'session' or 'global' with
name '') and a flag `reduce_only`: when set, an order that only reduces its (strategy, sym)
position still passes (FIA's guidance: a kill switch may let risk-reducing orders through).
The global kill without `reduce_only` is the old kill switch (the KILL_SWITCH flag every
order gets); every other kill lives in `OperatorState.kills` and is checked per order by
`kill_bit`, a pure function the engine calls only while some kill is engaged.

A check returns a reason: `kill_bit` answers the KILL_SWITCH bit or 0, never raises.
"""

from __future__ import annotations

from collections.abc import Iterable

from enforcer.rules import B_KILL

SCOPES = ("global", "strategy", "symbol", "session")

Kill = tuple[str, str, bool]  # (scope, name, reduce_only)


def kill_key(sym: str | None, strategy: str | None,
             session: str | None) -> tuple[str, str]:
    """The one scope a kill command names: session, else strategy, else symbol, else
    global (name '')."""
    if session is not None:
        return "session", session
    if strategy is not None:
        return "strategy", strategy
    if sym is not None:
        return "symbol", sym
    return "global", ""


def engage(kills: frozenset[Kill], scope: str, name: str,
           reduce_only: bool) -> frozenset[Kill]:
    """`kills` with (scope, name) engaged (replacing an earlier kill of the same key)."""
    return release(kills, scope, name) | {(scope, name, bool(reduce_only))}


def release(kills: frozenset[Kill], scope: str, name: str) -> frozenset[Kill]:
    """`kills` without any kill of (scope, name)."""
    return frozenset(k for k in kills if (k[0], k[1]) != (scope, name))


def reduces(buy: bool, qty: int, pos: list[int] | None) -> bool:
    """Whether an order of `qty` lots only reduces its position `pos` ([filled, open_buy,
    open_sell] lots, see `enforcer.book`): a sell of at most the long position not already
    being sold, or a buy of at most the short position not already being bought."""
    if pos is None or type(qty) is not int or qty <= 0:
        return False
    filled, open_buy, open_sell = pos[0], pos[1], pos[2]
    if buy:
        return filled < 0 and qty + open_buy <= -filled
    return filled > 0 and qty + open_sell <= filled


def kill_bit(kills: Iterable[Kill], sym: str, strategy: str, session: str | None,
             buy: bool, qty: int, pos: list[int] | None) -> int:
    """B_KILL when a kill engaged in `kills` covers this order, else 0. An order covered
    only by reduce-only kills passes when it reduces its position (`reduces`)."""
    hit = False
    for scope, name, reduce_only in kills:
        if scope == "global" or (scope == "strategy" and name == strategy) \
                or (scope == "symbol" and name == sym) \
                or (scope == "session" and name == session):
            if not reduce_only:
                return B_KILL
            hit = True
    if hit and not reduces(buy, qty, pos):
        return B_KILL
    return 0


def covers(kill: tuple[str, str], sym: str, strategy: str, peer: str | None) -> bool:
    """Whether the kill key `kill` reaches a working order of (sym, strategy) sent by FIX
    session `peer` (None: not a FIX order): the orders a kill cancels at the venue."""
    scope, name = kill
    return (scope == "global" or (scope == "strategy" and name == strategy)
            or (scope == "symbol" and name == sym) or (scope == "session" and name == peer))
