"""QuestDB encoding, kept apart from I/O so tests can compare it exactly.

* ILP rows through the ``questdb`` client's ``Buffer`` (protocol version 2: binary doubles,
  nanosecond timestamps, DOUBLE arrays), one designated timestamp per table;
* SQL text from ``sql/questdb/`` files with psycopg ``%(name)s`` parameters.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pyarrow as pa

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from questdb.ingress import Buffer, TimestampNanos

PROTOCOL_VERSION = 2
DESIGNATED = {"labels_events": "start_ts"}  # every other table: ts
SYMBOLS = {  # SYMBOL columns per table (the rest are ILP fields)
    "trades": ("sym", "side"),
    "quotes": ("sym",),
    "book": ("sym",),
    "orders": ("trader", "strategy", "sym", "side", "order_type"),
    "risk_scores": ("sym", "tier", "model_version"),
    "risk_limits": ("sym", "strategy", "state", "model_version"),
    "decisions": ("verdict", "limits_version", "mode", "static_verdict", "dynamic_verdict",
                  "risk_state", "kind", "trader", "strategy", "sym", "side", "log_id"),
    "labels_orders": ("sym", "error_kind"),
    "labels_events": ("sym", "event"),
    "messages": ("sym", "halt_state"),
    "features": ("sym",),
    "features_state": ("sym",),
    "drift_alerts": ("sym", "kind", "name", "model_version"),
}


def designated(table: str) -> str:
    return DESIGNATED.get(table, "ts")


def encode(table: str, batch: pa.Table, buf: Buffer | None = None) -> Buffer:
    """Append the rows of a conformed batch to an ILP buffer (new one if not given).

    NULLs are left out of the row (ILP's NULL); timestamps other than the designated one are
    sent as ``TimestampNanos``; fixed-size list columns become DOUBLE arrays with NaN for
    an unoccupied level.
    """
    buf = buf if buf is not None else Buffer(PROTOCOL_VERSION)
    at_col = designated(table)
    syms = SYMBOLS.get(table, ())
    if not any(pa.types.is_fixed_size_list(f.type) for f in batch.schema):
        # the client's vectorised path; a NULL double is sent as NaN, which QuestDB stores as NULL
        buf.dataframe(batch.to_pandas(), table_name=table, symbols=list(syms), at=at_col)
        return buf
    cols = {}
    for f in batch.schema:
        arr = batch.column(f.name)
        if pa.types.is_timestamp(f.type):
            cols[f.name] = arr.cast(pa.int64()).to_pylist()
        elif pa.types.is_fixed_size_list(f.type):
            flat = arr.combine_chunks().flatten()
            vals = flat.fill_null(math.nan) if pa.types.is_floating(flat.type) else flat
            cols[f.name] = np.asarray(vals.to_numpy(zero_copy_only=False), dtype=np.float64).reshape(
                len(arr), f.type.list_size)
        else:
            cols[f.name] = arr.to_pylist()
    ts_cols = {f.name for f in batch.schema if pa.types.is_timestamp(f.type)}
    for i in range(batch.num_rows):
        symbols = {c: cols[c][i] for c in syms if cols[c][i] is not None}
        fields = {}
        for name in batch.column_names:
            if name == at_col or name in syms:
                continue
            v = cols[name][i]
            if v is None:
                continue
            fields[name] = TimestampNanos(v) if name in ts_cols else v
        buf.row(table, symbols=symbols, columns=fields, at=TimestampNanos(cols[at_col][i]))
    return buf
