"""A causal venue for replay: when each order would fill, be cancelled or expire.

A pure function of the orders and of the quotes and trades the store holds (plain numpy).
It answers, for every order as if it were accepted, what the venue does with it; the
batch path applies an answer only if the order was accepted (`enforcer/batch_kernel.py`),
so exposure in replay moves as in the live daemon, in event time, without the venue ever
seeing the verdicts.

Meaning kept from the live venue (`enforcer/fix/exchange_sim.py`): a MARKET order, or a
LIMIT buy at or above the ask (sell at or below the bid), fills at once at the touch; a
resting LIMIT order fills in full when a later quote crosses it (ask <= price for a buy,
bid >= price for a sell); a cancel releases the open qty of the order it names; an order
that leaves the book unfilled releases its open qty. Differences, by design of a replay:

* a marketable order fills only against the displayed size at the touch where the quote
  has one (bid_size / ask_size > 0); the rest of a LIMIT order rests at its price, the rest
  of a MARKET order is cancelled by the venue at once (as the live venue does with a MARKET
  order it cannot fill). A MARKET order with no two-sided quote is cancelled at once.
* a resting order also fills when a recorded trade prints through its price (a buy when a
  trade prints below it, a sell above it): the market traded past it, so its queue was
  reached.
* time in force: the orders table has none, so every order expires `expire_after` after it
  was sent when that is set (IOC-like flow), else at the close of the session it was sent
  in on its symbol's calendar (day orders; `session_ends`; the live venue expires only
  when its book is full).
* a CANCEL row of the orders table names no order, so it cancels the order with its own
  order_id if there is one before it, else the newest earlier order of the same (trader,
  strategy, sym, side) still resting at its ts; its qty (the quantity cancelled) is not
  checked. A cancelled order that was rejected releases nothing (as in the live engine).

Outputs per order (arrays of length N, lots): `fill_now` filled at the order's own ts,
`release_now` released at its own ts, and at most one later event: `event_ts` (ns; -1:
none), `event_fill` (the rest fills) or `event_release` (the rest is cancelled/expires).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NS_PER_DAY = 86_400 * 10**9


class Market(NamedTuple):
    """One symbol's recorded market, sorted by ts. quote_ts int64 ns, bid/ask float64 (NaN:
    side empty); trade_ts int64 ns, trade_px float64."""

    quote_ts: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    trade_ts: np.ndarray
    trade_px: np.ndarray


class VenuePlan(NamedTuple):
    """What the venue does with each order if accepted (see the module doc). Lots, ns."""

    fill_now: np.ndarray
    release_now: np.ndarray
    event_ts: np.ndarray
    event_fill: np.ndarray
    event_release: np.ndarray


class _MinTable(NamedTuple):
    """Sparse table of running minima over blocks of 2**j (j = 0..levels-1), +inf padded."""

    levels: list[np.ndarray]
    n: int


def _min_table(vals: np.ndarray) -> _MinTable:
    n = len(vals)
    top = max(1, int(np.ceil(np.log2(max(n, 1)))) + 1)
    size = 1 << (top + 1)
    base = np.full(size, np.inf)
    base[:n] = np.where(np.isnan(vals), np.inf, vals)
    levels = [base]
    for j in range(1, top + 1):
        prev, h = levels[-1], 1 << (j - 1)
        cur = np.full(size, np.inf)
        cur[: size - h] = np.minimum(prev[: size - h], prev[h:])
        levels.append(cur)
    return _MinTable(levels, n)


def first_at_or_below(table: _MinTable, start: np.ndarray, level: np.ndarray,
                      strict: bool) -> np.ndarray:
    """For each query q: the first index k >= start[q] with vals[k] <= level[q] (< when
    `strict`), or table.n when there is none. start (Q,) int64, level (Q,) float64."""
    pos = start.astype(np.int64).copy()
    size = len(table.levels[0])
    for j in range(len(table.levels) - 1, -1, -1):
        block = table.levels[j][np.minimum(pos, size - 1)]
        skip = block >= level if strict else block > level
        skip &= pos < table.n
        pos = np.where(skip, pos + (1 << j), pos)
    return np.minimum(pos, table.n)


def _first_cross(mkt: Market, ts: np.ndarray, buy: np.ndarray, price: np.ndarray
                 ) -> np.ndarray:
    """ts (ns) of the first quote or trade after ts that crosses each resting order's price
    (see the module doc); INT64_MAX when none."""
    never = np.iinfo(np.int64).max
    out = np.full(len(ts), never, np.int64)
    for sgn, side in ((1.0, buy), (-1.0, ~buy)):
        if not side.any():
            continue
        t, p = ts[side], price[side] * sgn
        best = np.full(len(t), never, np.int64)
        # buy: ask <= p; sell: bid >= p  (as -bid <= -p)
        qv = mkt.ask if sgn > 0 else -mkt.bid
        k = first_at_or_below(_min_table(qv), np.searchsorted(mkt.quote_ts, t, "right"), p,
                              strict=False)
        ok = k < len(mkt.quote_ts)
        best[ok] = mkt.quote_ts[k[ok]]
        # buy: a trade below p; sell: a trade above p
        k = first_at_or_below(_min_table(mkt.trade_px * sgn),
                              np.searchsorted(mkt.trade_ts, t, "right"), p, strict=True)
        ok = k < len(mkt.trade_ts)
        best[ok] = np.minimum(best[ok], mkt.trade_ts[k[ok]])
        out[side] = best
    return out


def expiry_ts(ts: np.ndarray, expire_after_ns: int | None,
              day_end: np.ndarray | None = None) -> np.ndarray:
    """When each order expires: ts + expire_after; else (day orders) ``day_end``, the close
    of the session the order was sent in (`session_ends`); else the end of its UTC day."""
    if expire_after_ns is not None:
        return ts + expire_after_ns
    if day_end is not None:
        return day_end
    return (ts // NS_PER_DAY + 1) * NS_PER_DAY


def session_ends(ts: np.ndarray, sym: np.ndarray, calendars: list) -> np.ndarray:
    """The close (UTC ns) of the session holding each order on its symbol's calendar
    (``calendars[code]``, anything with ``bounds_ns(date)``, as `tsdb.calendars`), so a
    CME evening's day orders live until 16:00 Chicago, not UTC midnight; an order sent
    between sessions gets the end of its UTC day. Vectorised per symbol over the days the
    orders touch (a calendar is asked about each day once)."""
    from tsdb.calendars import label_of

    ts = np.asarray(ts, np.int64)
    out = (ts // NS_PER_DAY + 1) * NS_PER_DAY
    for code in np.unique(sym):
        m = sym == code
        days = np.unique(ts[m] // NS_PER_DAY)
        near = np.unique(np.concatenate([days - 1, days, days + 1]))
        b = [calendars[int(code)].bounds_ns(label_of(int(d))) for d in near]
        b = np.array(sorted(x for x in b if x is not None), np.int64).reshape(-1, 2)
        if not len(b):
            continue
        t = ts[m]
        k = np.searchsorted(b[:, 0], t, side="right") - 1  # the latest open at or before t
        inside = (k >= 0) & (t <= b[np.maximum(k, 0), 1])
        out[np.flatnonzero(m)[inside]] = b[k[inside], 1]
    return out


def plan(ts: np.ndarray, sym: np.ndarray, buy: np.ndarray, qty: np.ndarray,
         price: np.ndarray, market: np.ndarray, cancel: np.ndarray, bid: np.ndarray,
         ask: np.ndarray, bid_size: np.ndarray, ask_size: np.ndarray,
         markets: dict[int, Market], order_id: np.ndarray, owner: np.ndarray,
         expire_after_ns: int | None, day_end: np.ndarray | None = None) -> VenuePlan:
    """The venue's answer for each of N orders (sorted by ts).

    ts int64 ns; sym int codes (keys of `markets`); buy bool; qty int64 lots (<= 0:
    malformed, nothing happens); price float64 limit (NaN: none); market bool (MARKET);
    cancel bool (a CANCEL row: no exposure of its own); bid/ask float64 the touch in force
    at ts (NaN: none), bid_size/ask_size int64 displayed (<= 0: unknown); order_id int64
    and owner int64 (a code of trader, strategy, sym, side) name what a CANCEL row cancels
    (`cancel_targets`); expire_after_ns or None (day orders, expiring at ``day_end``, each
    order's session close (`session_ends`), or without it at the end of its UTC day).
    """
    n = len(ts)
    qty = np.where(cancel, 0, np.maximum(qty, 0))
    touch = np.where(buy, ask, bid)
    size = np.where(buy, ask_size, bid_size)
    crosses = np.where(buy, price >= touch, price <= touch)  # False with NaN on either side
    marketable = ~cancel & ~np.isnan(touch) & (market | crosses)
    fill_now = np.where(marketable, np.where(size > 0, np.minimum(qty, size), qty), 0)
    rest = qty - fill_now
    release_now = np.where(market, rest, 0)  # a MARKET order's rest never rests
    resting = (rest > 0) & ~market & ~cancel & (price > 0)
    release_now = np.where(~market & ~resting, rest, release_now)  # e.g. a bad price
    never = np.iinfo(np.int64).max
    fill_at = np.full(n, never, np.int64)
    for code, mkt in markets.items():
        m = resting & (sym == code)
        if m.any():
            fill_at[m] = _first_cross(mkt, ts[m], buy[m], price[m])
    end_at = np.where(resting, expiry_ts(ts, expire_after_ns, day_end), never)
    open_until = np.where(resting, np.minimum(fill_at, end_at), ts)
    target = cancel_targets(order_id, owner, cancel, ts, open_until)
    rows = np.flatnonzero(cancel & (target >= 0))
    tgt = target[rows]
    ok = resting[tgt]
    np.minimum.at(end_at, tgt[ok], ts[rows][ok])
    filled = resting & (fill_at <= end_at)
    event_ts = np.where(resting, np.where(filled, fill_at, end_at), -1)
    return VenuePlan(fill_now.astype(np.int64), release_now.astype(np.int64),
                     event_ts.astype(np.int64), np.where(filled, rest, 0).astype(np.int64),
                     np.where(resting & ~filled, rest, 0).astype(np.int64))


def cancel_targets(order_id: np.ndarray, owner: np.ndarray, cancel: np.ndarray,
                   ts: np.ndarray, open_until: np.ndarray) -> np.ndarray:
    """The row each CANCEL row cancels (-1: none, and for every other row).

    order_id int64; owner int64 code of (trader, strategy, sym, side); open_until int64 ns
    each order's end in the venue without cancels (fill or expiry). A CANCEL cancels the
    earlier non-CANCEL row with its order_id, else the newest earlier one of its owner that
    is still resting at its ts and not cancelled already. Loops over CANCEL rows only.
    """
    out = np.full(len(ts), -1, np.int64)
    rows = np.flatnonzero(cancel)
    if not len(rows):
        return out
    by_id: dict[int, int] = {}
    by_owner: dict[int, list[int]] = {}
    taken: set[int] = set()
    j = 0
    new_rows = np.flatnonzero(~cancel)
    for r in rows:
        while j < len(new_rows) and new_rows[j] < r:
            i = int(new_rows[j])
            by_id.setdefault(int(order_id[i]), i)
            by_owner.setdefault(int(owner[i]), []).append(i)
            j += 1
        t = by_id.get(int(order_id[r]))
        if t is None or t in taken:
            # newest first; an order done before this cancel is done for every later one
            # (cancels come in time order), so it leaves the list for good: O(n) overall
            cand = by_owner.get(int(owner[r]), [])
            while cand and (cand[-1] in taken or open_until[cand[-1]] <= ts[r]):
                cand.pop()
            t = cand[-1] if cand else None
        if t is not None:
            out[r] = t
            taken.add(t)
    return out
