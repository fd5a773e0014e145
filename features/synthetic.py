"""Synthetic market data of a chosen size, fast (vectorised numpy), for benchmarks and tests.

Not a market model (that is ``sim/``): a tick-grid random-walk mid, quotes at random times,
prints at random times near the touch, and 10-level book snapshots on a fixed grid. Every
row passes the store's validation. Shapes: each table has one row per event, sorted by ts.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

TICK = 0.01


def synth_day(
    *, syms: list[str], start_ns: int, seconds: float, quotes_per_s: float, trades_per_s: float,
    snapshot_ns: int = 100_000_000, seed: int = 0,
) -> dict[str, pa.Table]:
    """Tables ``trades``, ``quotes`` and ``book`` for ``syms`` over ``[start_ns, start_ns +
    seconds)``; event counts are Poisson with the given per-symbol rates. Sorted by ts."""
    rng = np.random.default_rng(seed)
    span = int(seconds * 1e9)
    parts: dict[str, list[pa.Table]] = {"trades": [], "quotes": [], "book": []}
    for i, sym in enumerate(syms):
        nq = rng.poisson(quotes_per_s * seconds)
        nt = rng.poisson(trades_per_s * seconds)
        qts = np.sort(start_ns + rng.integers(0, span, nq, dtype=np.int64))
        ticks = 5000 + 100 * i + np.cumsum(rng.integers(-1, 2, nq))
        half = rng.integers(1, 3, nq)
        bid_t, ask_t = ticks - half, ticks + half
        parts["quotes"].append(pa.table({
            "ts": pa.array(qts, pa.timestamp("ns")), "sym": pa.array([sym] * nq),
            "bid": bid_t * TICK, "ask": ask_t * TICK,
            "bid_size": rng.integers(1, 500, nq), "ask_size": rng.integers(1, 500, nq),
        }))
        tts = np.sort(start_ns + rng.integers(0, span, nt, dtype=np.int64))
        j = np.clip(np.searchsorted(qts, tts, side="right") - 1, 0, max(nq - 1, 0))
        buy = rng.random(nt) < 0.5
        px = np.where(buy, ask_t[j], bid_t[j]) * TICK if nq else np.full(nt, 50.0)
        size = np.maximum(1, rng.lognormal(3.0, 1.0, nt).astype(np.int64)).astype(np.float64)
        parts["trades"].append(pa.table({
            "ts": pa.array(tts, pa.timestamp("ns")), "sym": pa.array([sym] * nt),
            "price": px, "size": size, "side": np.where(buy, "B", "S"),
            "trade_id": np.arange(nt, dtype=np.int64) + i * 10**9,
        }))
        bts = np.arange(start_ns, start_ns + span, snapshot_ns, dtype=np.int64)
        nb = len(bts)
        jb = np.clip(np.searchsorted(qts, bts, side="right") - 1, 0, max(nq - 1, 0))
        lvl = np.arange(10)
        bpx = (bid_t[jb][:, None] - lvl) * TICK
        apx = (ask_t[jb][:, None] + lvl) * TICK
        parts["book"].append(pa.table({
            "ts": pa.array(bts, pa.timestamp("ns")), "sym": pa.array([sym] * nb),
            "bid_px": _fixed(bpx, pa.float64()), "bid_sz": _fixed(rng.integers(1, 900, (nb, 10))),
            "ask_px": _fixed(apx, pa.float64()), "ask_sz": _fixed(rng.integers(1, 900, (nb, 10))),
        }))
    out = {}
    for name, tables in parts.items():
        t = pa.concat_tables(tables)
        out[name] = t.sort_by([("ts", "ascending"), ("sym", "ascending")])
    return out


def _fixed(a: np.ndarray, typ: pa.DataType | None = None) -> pa.FixedSizeListArray:
    flat = pa.array(np.ascontiguousarray(a).reshape(-1), typ or pa.float64())
    return pa.FixedSizeListArray.from_arrays(flat, a.shape[1])
