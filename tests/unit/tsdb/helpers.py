"""Small valid batches for store tests (timestamps inside the 2026-06-22 NY session)."""

import numpy as np
import pyarrow as pa

OPEN_NS = int(np.datetime64("2026-06-22T13:30:00", "ns").astype(np.int64))  # 09:30 New York (EDT)


def trades(n: int = 10, sym: str = "AAA") -> pa.Table:
    return pa.table({
        "ts": pa.array(OPEN_NS + np.arange(n, dtype=np.int64) * 1_000_000, pa.timestamp("ns")),
        "sym": [sym] * n,
        "price": np.linspace(100.0, 101.0, n),
        "size": np.arange(1, n + 1, dtype=np.int64),
        "side": ["B", "S"] * (n // 2) + ["B"] * (n % 2),
        "trade_id": np.arange(n, dtype=np.int64),
    })


def limits(rows: list[tuple]) -> pa.Table:
    """rows of (ts_ns, sym, strategy, max_order_qty)."""
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
        "sym": [r[1] for r in rows],
        "strategy": [r[2] for r in rows],
        "max_order_qty": [r[3] for r in rows],
        "max_notional": [1e6] * n,
        "price_band_bps": [500.0] * n,
        "max_position": [5000] * n,
        "fat_finger_threshold": [10.0] * n,
        "state": ["ACTIVE"] * n,
        "reason": ["test"] * n,
        "model_version": ["static"] * n,
    })
