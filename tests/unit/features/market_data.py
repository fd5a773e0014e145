"""Random but valid market data for the feature property tests (numpy, seeded)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

T0 = 1_782_135_000_000_000_000  # 2026-06-22 09:30 New York, UTC ns (a session open)
TICK = 0.01


def _fixed(rows: np.ndarray, typ: pa.DataType) -> pa.FixedSizeListArray:
    return pa.FixedSizeListArray.from_arrays(pa.array(rows.reshape(-1), typ), 10)


def random_market(
    seed: int, *, syms=("AAA", "BBB"), span_s: float = 90.0, n_quotes: int = 200,
    n_trades: int = 150, n_book: int = 150, p_crossed: float = 0.05, p_one_sided: float = 0.05,
    p_empty_side: float = 0.05, t0: int = T0, lot: float = 1.0,
) -> dict[str, pa.Table]:
    """trades / quotes / book tables with distinct timestamps per symbol and table in
    [t0, t0 + span_s); quotes sometimes crossed or one-sided, book sides sometimes empty.
    Every size is a whole number of ``lot`` (float64: 0.001 gives crypto-like 0.017)."""
    rng = np.random.default_rng(seed)
    span = int(span_s * 1e9)
    out: dict[str, list] = {"trades": [], "quotes": [], "book": []}
    for i, sym in enumerate(syms):
        nq = int(rng.integers(0, n_quotes + 1))
        qts = t0 + np.sort(rng.choice(span, nq, replace=False))
        mid_t = 4000 + 50 * i + np.cumsum(rng.integers(-2, 3, nq))
        half = rng.integers(1, 4, nq)
        bid = (mid_t - half) * TICK
        ask = (mid_t + half) * TICK
        crossed = rng.random(nq) < p_crossed
        bid = np.where(crossed, ask + rng.integers(0, 3, nq) * TICK, bid)
        bid_l = [None if u < p_one_sided else float(b) for u, b in zip(rng.random(nq), bid, strict=True)]
        ask_l = [None if u < p_one_sided else float(a) for u, a in zip(rng.random(nq), ask, strict=True)]
        out["quotes"].append(pa.table({
            "ts": pa.array(qts, pa.timestamp("ns")), "sym": pa.array([sym] * nq, pa.string()),
            "bid": pa.array(bid_l, pa.float64()), "ask": pa.array(ask_l, pa.float64()),
            "bid_size": rng.integers(0, 50, nq) * lot, "ask_size": rng.integers(0, 50, nq) * lot,
        }))
        nt = int(rng.integers(0, n_trades + 1))
        tts = t0 + np.sort(rng.choice(span, nt, replace=False))
        size = np.where(rng.random(nt) < 0.05, rng.integers(100, 1000, nt), rng.integers(1, 20, nt))
        out["trades"].append(pa.table({
            "ts": pa.array(tts, pa.timestamp("ns")), "sym": pa.array([sym] * nt, pa.string()),
            "price": 40.0 + rng.random(nt), "size": size * lot,
            "side": np.where(rng.random(nt) < 0.5, "B", "S"),
            "trade_id": np.arange(nt, dtype=np.int64),
        }))
        nb = int(rng.integers(0, n_book + 1))
        bts = t0 + np.sort(rng.choice(span, nb, replace=False))
        bsz = rng.integers(0, 100, (nb, 10))
        asz = rng.integers(0, 100, (nb, 10))
        bsz[rng.random(nb) < p_empty_side] = 0
        asz[rng.random(nb) < p_empty_side] = 0
        px = np.full((nb, 10), 40.0)
        out["book"].append(pa.table({
            "ts": pa.array(bts, pa.timestamp("ns")), "sym": pa.array([sym] * nb, pa.string()),
            "bid_px": _fixed(px - np.arange(10) * TICK, pa.float64()),
            "bid_sz": _fixed(bsz * lot, pa.float64()),
            "ask_px": _fixed(px + 0.01 + np.arange(10) * TICK, pa.float64()),
            "ask_sz": _fixed(asz * lot, pa.float64()),
        }))
    return {k: pa.concat_tables(v) for k, v in out.items()}


def load(store, tables: dict[str, pa.Table]) -> None:
    for name in ("trades", "quotes", "book", "features", "features_state"):
        store.query(f"DELETE FROM {name}")
    for name, tbl in tables.items():
        if tbl.num_rows:
            store.ingest(name, tbl, session=None)
