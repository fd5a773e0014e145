"""Measurements on the simulator's output tables (numpy only): what the stylized-fact and
scenario tests check, and what reports can quote. Nothing here feeds back into the model.

All times are ns after the session open unless a name says otherwise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NS_PER_MIN = 60_000_000_000


class BookArrays(NamedTuple):
    """One symbol's snapshots: ts_ns int64[n]; px float64[n, 10] (NaN = none); sz int64[n, 10]."""

    ts_ns: np.ndarray
    bid_px: np.ndarray
    bid_sz: np.ndarray
    ask_px: np.ndarray
    ask_sz: np.ndarray


def _ns(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _flt(col) -> np.ndarray:
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _levels(col, dtype) -> np.ndarray:
    flat = pc.list_flatten(col).to_numpy(zero_copy_only=False)
    return np.asarray(flat, dtype=dtype).reshape(-1, 10)


def for_sym(table: pa.Table, sym: str) -> pa.Table:
    """Rows of ``table`` whose ``sym`` equals ``sym`` (order kept)."""
    return table.filter(pc.equal(table["sym"], sym))


def book_arrays(book: pa.Table, sym: str, open_ns: int) -> BookArrays:
    """Snapshots of one symbol as numpy arrays (prices NaN where the level is empty)."""
    b = for_sym(book, sym)
    return BookArrays(
        _ns(b["ts"]) - open_ns,
        _levels(b["bid_px"], np.float64), _levels(b["bid_sz"], np.float64),
        _levels(b["ask_px"], np.float64), _levels(b["ask_sz"], np.float64),
    )


def filled_mid(bk: BookArrays) -> np.ndarray:
    """Mid price per snapshot, carried forward over snapshots with an empty side: float64[n]."""
    mid = 0.5 * (bk.bid_px[:, 0] + bk.ask_px[:, 0])
    ok = np.isfinite(mid)
    idx = np.maximum.accumulate(np.where(ok, np.arange(mid.shape[0]), 0))
    return mid[idx]


class MinuteBars(NamedTuple):
    """Per-minute measures of one symbol (arrays of length n_minutes).

    ret: log mid return over the minute; rv: realized vol (sqrt of the sum of squared 1-s
    log mid returns); spread_ticks: mean quoted spread; volume: traded lots; n_trades;
    n_quotes: top-of-book updates; depth5_bid: mean lots on the best 5 bid levels.
    """

    ret: np.ndarray
    rv: np.ndarray
    spread_ticks: np.ndarray
    volume: np.ndarray
    n_trades: np.ndarray
    n_quotes: np.ndarray
    depth5_bid: np.ndarray


def minute_bars(tables: dict[str, pa.Table], sym: str, open_ns: int, tick: float) -> MinuteBars:
    """Aggregate one symbol's trades, quotes and book into 1-minute bars from the open."""
    bk = book_arrays(tables["book"], sym, open_ns)
    per_min = int(round(NS_PER_MIN / (bk.ts_ns[1] - bk.ts_ns[0])))
    n_min = (bk.ts_ns.shape[0] - 1) // per_min
    mid = filled_mid(bk)
    per_s = per_min // 60
    lm = np.log(mid[: n_min * per_min + 1])
    ret = lm[per_min::per_min] - lm[:-1:per_min]
    r1 = np.diff(lm[::per_s])
    rv = np.sqrt((r1[: n_min * 60].reshape(n_min, 60) ** 2).sum(1))
    spread = np.rint((bk.ask_px[:, 0] - bk.bid_px[:, 0]) / tick)
    spread = np.where(np.isfinite(spread), spread, np.nan)[1 : n_min * per_min + 1]
    spread_m = np.nanmean(spread.reshape(n_min, per_min), axis=1)
    depth = bk.bid_sz[1 : n_min * per_min + 1, :5].sum(1).reshape(n_min, per_min).mean(1)
    tr = for_sym(tables["trades"], sym)
    t_min = (_ns(tr["ts"]) - open_ns) // NS_PER_MIN
    keep = t_min < n_min
    size = np.asarray(tr["size"].to_numpy(), dtype=np.float64)
    volume = np.bincount(t_min[keep], weights=size[keep], minlength=n_min)
    n_tr = np.bincount(t_min[keep], minlength=n_min)
    q_min = (_ns(for_sym(tables["quotes"], sym)["ts"]) - open_ns) // NS_PER_MIN
    n_q = np.bincount(q_min[q_min < n_min], minlength=n_min)
    return MinuteBars(ret, rv, spread_m, volume, n_tr, n_q, depth)


def window_counts(table: pa.Table, sym: str, open_ns: int, start_ns: int, end_ns: int) -> int:
    """Rows of ``sym`` in ``table`` with ``start_ns <= ts - open < end_ns``."""
    t = _ns(for_sym(table, sym)["ts"]) - open_ns
    return int(((t >= start_ns) & (t < end_ns)).sum())
