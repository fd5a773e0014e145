"""Arrow schemas (mirroring ``sql/duckdb/*.sql`` column for column) and table builders."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

TS = pa.timestamp("ns")
N_LEVELS = 10

SCHEMAS: dict[str, pa.Schema] = {
    "trades": pa.schema([
        ("ts", TS), ("sym", pa.string()), ("price", pa.float64()), ("size", pa.float64()),
        ("side", pa.string()), ("trade_id", pa.int64()),
    ]),
    "quotes": pa.schema([
        ("ts", TS), ("sym", pa.string()), ("bid", pa.float64()), ("ask", pa.float64()),
        ("bid_size", pa.float64()), ("ask_size", pa.float64()),
    ]),
    "book": pa.schema([
        ("ts", TS), ("sym", pa.string()),
        ("bid_px", pa.list_(pa.float64(), N_LEVELS)), ("bid_sz", pa.list_(pa.float64(), N_LEVELS)),
        ("ask_px", pa.list_(pa.float64(), N_LEVELS)), ("ask_sz", pa.list_(pa.float64(), N_LEVELS)),
    ]),
    "orders": pa.schema([
        ("ts", TS), ("order_id", pa.int64()), ("trader", pa.string()), ("strategy", pa.string()),
        ("sym", pa.string()), ("side", pa.string()), ("qty", pa.float64()),  # whole lots
        ("price", pa.float64()), ("order_type", pa.string()),
    ]),
    "labels_orders": pa.schema([
        ("order_id", pa.int64()), ("ts", TS), ("sym", pa.string()), ("is_error", pa.bool_()),
        ("error_kind", pa.string()),
    ]),
    "labels_events": pa.schema([
        ("sym", pa.string()), ("event", pa.string()), ("start_ts", TS), ("end_ts", TS),
        ("detail", pa.string()),
    ]),
}
TABLE_NAMES: tuple[str, ...] = tuple(SCHEMAS)


def ts_array(ns: np.ndarray) -> pa.Array:
    """int64[n] UTC nanoseconds -> Arrow timestamp[ns] (no time zone)."""
    return pa.array(np.ascontiguousarray(ns, dtype=np.int64)).view(TS)


def str_array(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pa.Array:
    """int[n] codes into ``names`` -> Arrow string array (via a dictionary, no Python loop)."""
    idx = pa.array(np.ascontiguousarray(codes, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(names), pa.string())).cast(
        pa.string()
    )


def price_array(ticks: np.ndarray, tick: float) -> pa.Array:
    """int64[n] prices in ticks (-1 = none) -> float64 currency units, null where -1."""
    px = np.round(ticks * tick, 6)
    return pa.array(px, type=pa.float64(), mask=ticks < 0)


def levels_array(ticks: np.ndarray, tick: float | None) -> pa.Array:
    """int64[n, 10] -> fixed_size_list<10>: prices (``tick`` given) in currency units, null
    where -1; sizes (``tick`` None) as float64 lots, the store's quantity type."""
    flat = np.ascontiguousarray(ticks).reshape(-1)
    vals = pa.array(flat, pa.float64()) if tick is None else price_array(flat, tick)
    return pa.FixedSizeListArray.from_arrays(vals, N_LEVELS)


def make_table(name: str, columns: list[pa.Array]) -> pa.Table:
    """Assemble ``columns`` in schema order into a table with exactly ``SCHEMAS[name]``."""
    return pa.Table.from_arrays(columns, schema=SCHEMAS[name])


def empty_table(name: str) -> pa.Table:
    """A zero-row table with ``SCHEMAS[name]``."""
    return SCHEMAS[name].empty_table()
