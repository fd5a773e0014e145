"""kdb+ encoding, kept apart from I/O: Arrow batches to q tables, q text from ``sql/q/``.

Column kinds follow ``sql/q/schema.q``: names (VARCHAR columns that are identifiers) are
symbols, free text (``reason``, ``reasons``, ``detail``) char vectors, timestamps q
timestamps (pykx shifts the 1970 epoch to q's 2000 epoch), book levels lists of float
vectors with NaN (q's float null) for an unoccupied level.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa

from tsdb.store import SQL_ROOT

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("PYKX_SUPPRESS_WARNINGS", "true")

TEXT_COLUMNS = frozenset({"reason", "reasons", "detail", "static_reasons", "dynamic_reasons"})
UPD = ".ar.upd"
# the batch travels as a column dictionary and is flipped into a table on the server
# (a local flip needs a licensed pykx)
UPD_CALL = "{[t;d] .ar.upd[t; flip d]}"


def schema_statements() -> list[str]:
    """The q statements of ``sql/q/schema.q`` in order, comments dropped."""
    lines = (SQL_ROOT / "q" / "schema.q").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("/")]


def q_function(name: str) -> str:
    """The lambda defined by ``sql/q/<name>.q`` (the file's non-comment lines)."""
    lines = (SQL_ROOT / "q" / f"{name}.q").read_text().splitlines()
    return " ".join(ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("/"))


def column_kind(name: str, typ: pa.DataType) -> str:
    """The q kind a logical column is sent as: symbol, chars, timestamp, long, short, float,
    boolean or float_lists."""
    if pa.types.is_timestamp(typ):
        return "timestamp"
    if pa.types.is_fixed_size_list(typ):
        return "float_lists"
    if pa.types.is_string(typ):
        return "chars" if name in TEXT_COLUMNS else "symbol"
    if pa.types.is_boolean(typ):
        return "boolean"
    if pa.types.is_int8(typ) or pa.types.is_int16(typ):
        return "short"
    if pa.types.is_integer(typ):
        return "long"
    return "float"


def to_q(batch: pa.Table):
    """A conformed Arrow batch -> ``pykx.Dictionary`` column name -> q vector, with the kinds
    of ``column_kind`` (``flip`` of it is the q table)."""
    import pykx as kx

    return kx.toq(to_q_columns(batch))


def to_q_columns(batch: pa.Table) -> dict:
    """Column name -> pykx vector for a conformed Arrow batch."""
    import pykx as kx

    cols = {}
    for f in batch.schema:
        arr = batch.column(f.name).combine_chunks()
        kind = column_kind(f.name, f.type)
        if kind == "timestamp":
            cols[f.name] = kx.toq(arr.to_numpy(zero_copy_only=False).astype("datetime64[ns]"))
        elif kind == "symbol":
            cols[f.name] = kx.SymbolVector([v or "" for v in arr.to_pylist()])
        elif kind == "chars":
            cols[f.name] = kx.toq([v or "" for v in arr.to_pylist()], strings_as_char=True)
        elif kind == "float_lists":
            flat = arr.flatten()
            vals = np.asarray(flat.fill_null(np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)
            cols[f.name] = kx.toq([row for row in vals.reshape(len(arr), f.type.list_size)])
        elif kind == "boolean":
            cols[f.name] = kx.toq(np.asarray(arr.to_pylist(), dtype=bool))
        elif kind == "short":
            cols[f.name] = kx.toq(arr.to_numpy(zero_copy_only=False).astype(np.int16))
        elif kind == "long":
            cols[f.name] = kx.toq(arr.to_numpy(zero_copy_only=False).astype(np.int64))
        else:
            vals = arr.fill_null(np.nan) if arr.null_count else arr
            cols[f.name] = kx.toq(vals.to_numpy(zero_copy_only=False).astype(np.float64))
    return cols
