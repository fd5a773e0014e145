"""Host side of the batch path: build the batch arrays from an Enforcer's live state.

Used by the parity test and the benchmark (the replay builds its arrays from SQL, see
`enforcer/replay.py`). Ids (group = (strategy, sym), strat, duplicate key) are dense per
call; the state arrays are gathered from the Book under those ids.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from enforcer.batch import NO_DUP, BatchState, check_batch
from enforcer.commands import NewOrder
from enforcer.config import LIMIT_FIELDS
from enforcer.limits import LimitsSnapshot

# the limits columns of a batch, named as Lim's fields and the risk_limits columns
_LIM_FIELDS = LIMIT_FIELDS
QTY_MAX = 2**62  # a larger qty is treated as malformed (0): int64 sums cannot overflow


class _Ids(dict):
    def id(self, key: Any) -> int:
        v = self.get(key)
        if v is None:
            v = self[key] = len(self)
        return v


def _num_price(p: Any) -> float:
    if isinstance(p, float | int) and not isinstance(p, bool):
        return float(p)
    return math.nan


def arrays_from_orders(orders: list[NewOrder], enf: Any, *, use_dynamic: bool = True
                       ) -> tuple[dict[str, np.ndarray], BatchState]:
    """(order columns, initial state) for `check_batch`, from `enf`'s snapshot and book."""
    snap: LimitsSnapshot = enf.snapshot()
    ctx = enf.rule_context()
    book = enf.book
    n = len(orders)
    cols = {k: [] for k in ("known", "side", "otype", "qty", "price", "mid", "ts", "median",
                            *_LIM_FIELDS, "lstate", "restricted", "halted", "group", "strat",
                            "dkey", "dup_n", "dup_window", "fat_finger_max_qty")}
    groups, strats, dkeys = _Ids(), _Ids(), _Ids()
    blocked = ctx.blocked
    for o in orders:
        dyn, st = snap.lookup(o.sym, o.strategy)
        lim = dyn if use_dynamic else st
        cols["known"].append(lim is not None)
        cols["side"].append({"B": 0, "S": 1}.get(o.side, 2) if type(o.side) is str else 2)
        cols["otype"].append({"LIMIT": 0, "MARKET": 1}.get(o.order_type, 2)
                             if type(o.order_type) is str else 2)
        qty = o.qty if type(o.qty) is int and abs(o.qty) < QTY_MAX else 0
        cols["qty"].append(qty)
        market = o.order_type == "MARKET"
        price = math.nan if market else _num_price(o.price)
        cols["price"].append(price)
        cols["mid"].append(ctx.mids.get(o.sym, math.nan))
        cols["ts"].append(o.ts)
        cols["median"].append(book.medians.get(o.trader, 0.0))
        cols["fat_finger_max_qty"].append(
            snap.fat_finger_max_qty.get((o.sym, o.trader), math.inf) if use_dynamic else math.inf)
        if lim is None:
            for k in (*_LIM_FIELDS, "lstate"):
                cols[k].append(0)
            cols["restricted"].append(False)
        else:
            for k in _LIM_FIELDS:
                cols[k].append(getattr(lim, k))
            cols["lstate"].append(lim.state)
            cols["restricted"].append(lim.restricted)
        cols["halted"].append(o.sym in blocked)
        cols["group"].append(groups.id((o.strategy, o.sym)))
        cols["strat"].append(strats.id(o.strategy))
        cols["dkey"].append(dkeys.id((o.strategy, o.sym, o.side, qty,
                                      None if market else price)))
        rule = enf.static.duplicate_for(o.strategy)
        cols["dup_n"].append(rule.max_identical)
        cols["dup_window"].append(rule.window_ns)
    arr = {k: np.asarray(v) for k, v in cols.items()}
    arr["valid"] = np.ones(n, dtype=bool)
    g = len(groups)
    filled, ob, os_ = (np.zeros(g, np.int64) for _ in range(3))
    for (strategy, sym), i in groups.items():
        p = book.pos.get((strategy, sym))
        if p is not None:
            filled[i], ob[i], os_[i] = p
    tokens = np.full(len(strats), ctx.cap, np.int64)
    last = np.full(len(strats), -1, np.int64)
    for s, i in strats.items():
        b = book.buckets.get(s)
        if b is not None:
            tokens[i], last[i] = b
    depth = book.dup_depth
    dup = np.full((len(dkeys), depth), NO_DUP, np.int64)
    head = np.zeros(len(dkeys), np.int64)
    for key, i in dkeys.items():
        v = book.dups.get(key)
        if v:  # the deque, oldest first, as a ring whose next slot is len % depth
            dup[i, : len(v)] = list(v)
            head[i] = len(v) % depth
    return arr, BatchState(filled, ob, os_, tokens, last, dup, head)


def check_orders(orders: list[NewOrder], enf: Any, *, use_dynamic: bool = True
                 ) -> tuple[np.ndarray, BatchState]:
    """Batch-path reason masks for `orders` against `enf`'s current state (changes nothing)."""
    cols, state = arrays_from_orders(orders, enf, use_dynamic=use_dynamic)
    ctx = enf.rule_context()
    return check_batch(cols, state, flags=ctx.flags, rate=ctx.rate, cap=ctx.cap,
                       need_ref=ctx.need_ref)
