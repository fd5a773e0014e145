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


def _strip_comment(line: str) -> str:
    """A q script line without its comment: a line starting with ``/``, or `` /`` (a slash
    after whitespace) to the end of the line. The project's q files hold no string literals."""
    if line.lstrip().startswith("/"):
        return ""
    for i in range(1, len(line)):
        if line[i] == "/" and line[i - 1] in " \t":
            return line[:i].rstrip()
        # a slash right after a name or bracket is q's over/each-left adverb: kept
    return line.rstrip()


def q_definitions(name: str) -> list[str]:
    """The top-level statements of ``sql/q/<name>.q`` as one line each, comments dropped.

    As in a q script, a line that starts with whitespace continues the statement above it;
    the pieces are joined with one space. Sent one by one over IPC they define the file's
    functions on the server, as ``\\l`` of the file would."""
    stmts: list[str] = []
    for raw in (SQL_ROOT / "q" / f"{name}.q").read_text().splitlines():
        line = _strip_comment(raw)
        if not line.strip():
            continue
        if raw[:1] in " \t" and stmts:
            stmts[-1] += " " + line.strip()
        else:
            stmts.append(line.strip())
    return stmts


FEATURE_FILES = ("features_build", "features_market_state", "features_orders")


def from_q(frame, schema: pa.Schema) -> pa.Table:
    """A q table as pykx's ``.pd()`` gives it -> an Arrow table of the logical ``schema``.

    q has typed nulls only: ``0n`` (NaN) -> NULL, ``0N`` (None) -> NULL, ``0Np`` (NaT) -> NULL,
    the empty symbol or char vector -> NULL where the column may be NULL; char vectors (bytes)
    -> text; book levels (lists of float vectors) -> fixed-size lists of DOUBLE."""
    arrays = []
    for f in schema:
        col = frame[f.name]
        if pa.types.is_timestamp(f.type):
            ns = np.asarray(col.to_numpy(dtype="datetime64[ns]")).view(np.int64)
            arrays.append(pa.array(ns, pa.int64(), mask=ns == np.iinfo(np.int64).min).cast(f.type))
            continue
        vals = col.tolist()
        if pa.types.is_string(f.type):
            vals = [v.decode() if isinstance(v, bytes) else v for v in vals]
            if f.nullable:
                vals = [v if v else None for v in vals]
        elif pa.types.is_fixed_size_list(f.type) or pa.types.is_list(f.type):
            item = f.type.value_type
            vals = [None if row is None else [_null(v, item) for v in list(row)] for row in vals]
        else:
            vals = [_null(v, f.type) for v in vals]
        arrays.append(pa.array(vals, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _null(v, typ: pa.DataType):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if pa.types.is_integer(typ):
        return int(v)
    if pa.types.is_floating(typ):
        return float(v)
    if pa.types.is_boolean(typ):
        return bool(v)
    return v
