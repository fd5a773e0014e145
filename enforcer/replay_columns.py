"""Replay input as numpy columns: the orders query's Arrow table -> order columns, the
static and the dynamic limits per order, ids, and the recorded market per symbol.

Column-wise throughout (Arrow compute, numpy): a replay of a symbol-hour is ~72,000 rows
and the goal is <= 1 s end to end, so no Python loop runs per order.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from enforcer.config import LIMIT_FIELDS, StaticLimits
from enforcer.limits import STATE_CODE
from enforcer.lots import Lots
from enforcer.replay_venue import Market
from tsdb.config import UNBOUNDED_NS

_LIM_FIELDS = LIMIT_FIELDS


class Codes(NamedTuple):
    """A string column as int32 codes (N,) into `names` (nulls: '')."""

    codes: np.ndarray
    names: list[str]


def codes(col: pa.ChunkedArray | pa.Array) -> Codes:
    enc = pc.dictionary_encode(pc.fill_null(col, "")).combine_chunks() \
        if isinstance(col, pa.ChunkedArray) else pc.dictionary_encode(pc.fill_null(col, ""))
    return Codes(enc.indices.to_numpy(zero_copy_only=False).astype(np.int32),
                 enc.dictionary.to_pylist())


def num(tbl: pa.Table, name: str, fill: float | int, dtype: Any) -> np.ndarray:
    """Column `name` as numpy `dtype`, nulls -> `fill`."""
    col = tbl.column(name)
    if col.null_count:
        col = pc.fill_null(col, pa.scalar(fill, col.type))
    return col.to_numpy().astype(dtype, copy=False)


def present(tbl: pa.Table, name: str) -> np.ndarray:
    return pc.is_valid(tbl.column(name)).to_numpy(zero_copy_only=False)


def lookup(c: Codes, table: dict[str, Any], default: Any, dtype: Any) -> np.ndarray:
    """Per row: table[name of its code] (default when absent). One lookup per distinct name."""
    return np.array([table.get(n, default) for n in c.names], dtype)[c.codes] \
        if c.names else np.zeros(0, dtype)


def dense_ids(*keys: np.ndarray) -> np.ndarray:
    """Dense int32 ids of the distinct rows of the int64 key columns (N,) each."""
    n = len(keys[0])
    if not n:
        return np.zeros(0, np.int32)
    order = np.lexsort(keys[::-1])
    new = np.zeros(n, bool)
    new[0] = True
    for k in keys:
        sk = np.asarray(k)[order]
        new[1:] |= sk[1:] != sk[:-1]
    out = np.empty(n, np.int32)
    out[order] = np.cumsum(new) - 1
    return out


class Orders(NamedTuple):
    """The orders of a replay (N rows, sorted by ts). Codes index `sym.names` etc."""

    ts: np.ndarray
    order_id: np.ndarray
    trader: Codes
    strategy: Codes
    sym: Codes
    side: np.ndarray  # int8 0 B, 1 S, 2 bad
    otype: np.ndarray  # int8 0 LIMIT, 1 MARKET, 2 bad (CANCEL rows: 0, not valid)
    cancel: np.ndarray  # bool: a CANCEL row
    qty: np.ndarray  # int64 lots (orders.qty is venue units; off the lot grid: 0, BAD_QTY)
    price: np.ndarray  # float64 (NaN: MARKET or none)
    mid: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    bid_size: np.ndarray  # int64 lots at the touch (floored)
    ask_size: np.ndarray
    lot: np.ndarray  # float64 venue units per lot of the order's symbol


def orders(tbl: pa.Table, lots: Lots | None = None) -> Orders:
    """The orders query's rows as columns; quantities (venue units in the store) become
    lot counts of each row's symbol (`lots`; None: every lot is 1)."""
    otype_c = codes(tbl.column("order_type"))
    otype = lookup(otype_c, {"LIMIT": 0, "MARKET": 1, "CANCEL": 0}, 2, np.int8)
    cancel = lookup(otype_c, {"CANCEL": True}, False, bool)
    market = lookup(otype_c, {"MARKET": True}, False, bool)
    price = num(tbl, "price", np.nan, np.float64)
    sym = codes(tbl.column("sym"))
    lot = (lots or Lots()).lot_column(sym.names, sym.codes)
    return Orders(
        ts=num(tbl, "ts", 0, np.int64), order_id=num(tbl, "order_id", -1, np.int64),
        trader=codes(tbl.column("trader")), strategy=codes(tbl.column("strategy")),
        sym=sym,
        side=lookup(codes(tbl.column("side")), {"B": 0, "S": 1}, 2, np.int8),
        otype=otype, cancel=cancel,
        qty=Lots.to_lots_column(num(tbl, "qty", np.nan, np.float64), lot),
        price=np.where(market, np.nan, price), mid=num(tbl, "mid", np.nan, np.float64),
        bid=num(tbl, "bid", np.nan, np.float64), ask=num(tbl, "ask", np.nan, np.float64),
        bid_size=Lots.floor_column(num(tbl, "bid_size", 0, np.float64), lot),
        ask_size=Lots.floor_column(num(tbl, "ask_size", 0, np.float64), lot), lot=lot)


_QTY_LIMITS = ("max_order_qty", "max_position")  # maxima in venue units -> whole lots


def in_lots(f: str, v: np.ndarray, lot: np.ndarray) -> np.ndarray:
    """Limit column `f` in venue units (N,) -> the rules' units: qty maxima floored to whole
    lots (int64), a notional cap divided by the lot (notional is lots x price), the rest
    as they are (float64)."""
    if f in _QTY_LIMITS:
        return Lots.floor_column(v, lot)
    if f == "max_notional":
        return np.asarray(v, np.float64) / lot
    return np.asarray(v, np.float64)


def static_columns(o: Orders, static: StaticLimits) -> dict[str, np.ndarray]:
    """known, restricted and the five static limits per order in the rules' units (lots;
    unknown symbol: 0)."""
    lims = {s: static.for_sym(s) for s in o.sym.names}
    out = {"known": lookup(o.sym, {s: lim is not None for s, lim in lims.items()}, False,
                           bool),
           "restricted": lookup(o.sym, {s: True for s in static.restricted}, False, bool)}
    for f in _LIM_FIELDS:
        v = lookup(o.sym, {s: getattr(lim, f) for s, lim in lims.items() if lim}, 0,
                   np.float64)
        out[f] = in_lots(f, v, o.lot)
    return out


class Dynamic(NamedTuple):
    """The model limits per order: fresh bool (row in force and publisher fresh), state int8
    (0/1/2 ACTIVE/REDUCING/HALTED where fresh, else 0), the five limits clipped to the
    static caps (static where not fresh), limits_ts int64 and model_version Codes."""

    fresh: np.ndarray
    state: np.ndarray
    lims: dict[str, np.ndarray]
    limits_ts: np.ndarray
    model_version: Codes


def dynamic_columns(tbl: pa.Table, o: Orders, st: dict[str, np.ndarray],
                    bound_ns: int) -> Dynamic:
    """Freshness as the live daemon judges it (see `enforcer/replay.py`)."""
    # no heartbeat: ts - hb is ~146 years (> any bound, no int64 overflow)
    hb = num(tbl, "heartbeat_ts", -UNBOUNDED_NS, np.int64)
    fresh = present(tbl, "limits_ts") & (o.ts - hb <= bound_ns)
    state = lookup(codes(tbl.column("state")), {**STATE_CODE, "": 0}, 2, np.int8)
    lims = {}
    for f in _LIM_FIELDS:
        v = in_lots(f, num(tbl, f, 0, np.float64), o.lot)
        lims[f] = np.where(fresh, np.minimum(v, st[f]), st[f])
    return Dynamic(fresh, np.where(fresh, state, 0).astype(np.int8), lims,
                   num(tbl, "limits_ts", 0, np.int64), codes(tbl.column("model_version")))


def markets(tbl: pa.Table, sym_names: list[str]) -> dict[int, Market]:
    """The replay_market.sql rows -> {sym code: Market} for the symbols in `sym_names`."""
    out: dict[int, Market] = {}
    if not tbl.num_rows:
        return out
    sym = codes(tbl.column("sym"))
    kind = lookup(codes(tbl.column("kind")), {"Q": 0, "T": 1}, 2, np.int8)
    ts = num(tbl, "ts", 0, np.int64)
    bid, ask = num(tbl, "bid", np.nan, np.float64), num(tbl, "ask", np.nan, np.float64)
    at = {s: i for i, s in enumerate(sym_names)}
    for j, name in enumerate(sym.names):
        if name not in at:
            continue
        m = sym.codes == j
        q, t = m & (kind == 0), m & (kind == 1)
        oq, ot = np.argsort(ts[q], kind="stable"), np.argsort(ts[t], kind="stable")
        out[at[name]] = Market(ts[q][oq], bid[q][oq], ask[q][oq], ts[t][ot], bid[t][ot])
    return out
