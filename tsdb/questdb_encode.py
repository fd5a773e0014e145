"""QuestDB encoding, kept apart from I/O so tests can compare it exactly.

* ILP rows through the ``questdb`` client's ``Buffer`` (protocol version 2: binary doubles,
  nanosecond timestamps, DOUBLE arrays), one designated timestamp per table;
* SQL text from ``sql/questdb/`` files with QuestDB's own ``$n`` bind variables, turned into
  psycopg placeholders by ``pg_placeholders`` (every integer bound as int8: psycopg would
  send a small Python int as int2/int4, which QuestDB refuses against a TIMESTAMP_NS column
  with "Invalid date"); results read back into the logical schema;
* a server error in one line (``one_line_error``).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pyarrow as pa

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from questdb.ingress import Buffer
from psycopg.types.numeric import Int8

PROTOCOL_VERSION = 2
DESIGNATED = {"labels_events": "start_ts"}  # every other table: ts
SYMBOLS = {  # SYMBOL columns per table (the rest are ILP fields)
    "trades": ("sym", "side"),
    "quotes": ("sym",),
    "book": ("sym",),
    "orders": ("trader", "strategy", "sym", "side", "order_type"),
    "risk_scores": ("sym", "tier", "model_version"),
    "risk_limits": ("sym", "strategy", "state", "model_version"),
    "publisher_heartbeat": ("sym", "publisher", "model_version"),
    "fat_finger_limits": ("sym", "trader", "model_version"),
    "decisions": ("verdict", "limits_version", "mode", "static_verdict", "dynamic_verdict",
                  "risk_state", "kind", "trader", "strategy", "sym", "side", "log_id"),
    "labels_orders": ("sym", "error_kind"),
    "labels_events": ("sym", "event"),
    "messages": ("sym", "halt_state"),
    "features": ("sym",),
    "features_state": ("sym",),
    "drift_alerts": ("sym", "kind", "name", "model_version"),
    "hedge_orders": ("run_id", "sym", "strategy", "side", "verdict", "risk_state",
                     "limits_version", "model_version"),
    "hedge_schedule": ("run_id", "sym", "verdict", "model_version"),
    "impact_labels": ("sym", "side"),
    "exec_advice": ("sym", "algo", "model_version"),
    "audit": ("who", "role", "action"),
    "limit_overrides": ("override_id", "sym", "strategy", "limit_name", "direction", "status",
                        "requested_by", "approved_by"),
    "review_labels": ("log_id", "sym", "strategy", "static_verdict", "dynamic_verdict", "label",
                      "who"),
}


def designated(table: str) -> str:
    return DESIGNATED.get(table, "ts")


def encode(table: str, batch: pa.Table, buf: Buffer | None = None) -> Buffer:
    """Append the rows of a conformed batch to an ILP buffer (new one if not given).

    NULLs are left out of the row (ILP's NULL; a NULL double is sent as NaN, which QuestDB
    stores as NULL); timestamps are nanoseconds; fixed-size list columns become DOUBLE
    arrays with NaN for an unoccupied level. Uses the client's vectorised ``dataframe`` path.
    """
    import pandas as pd

    buf = buf if buf is not None else Buffer(PROTOCOL_VERSION)
    frame = {}
    for f in batch.schema:
        arr = batch.column(f.name).combine_chunks()
        if pa.types.is_fixed_size_list(f.type):
            flat = arr.flatten()
            vals = flat.fill_null(math.nan) if pa.types.is_floating(flat.type) else flat
            mat = np.asarray(vals.to_numpy(zero_copy_only=False), dtype=np.float64).reshape(
                len(arr), f.type.list_size)
            col = np.empty(len(arr), dtype=object)
            col[:] = list(mat)
            frame[f.name] = col
        elif arr.null_count and pa.types.is_integer(f.type):
            frame[f.name] = pd.array(arr.to_pylist(), dtype="Int64")  # not float64 with NaN
        else:
            frame[f.name] = arr.to_pandas()

    buf.dataframe(pd.DataFrame(frame), table_name=table, symbols=list(SYMBOLS.get(table, ())),
                  at=designated(table))
    return buf


def encode_chunks(table: str, batch: pa.Table, max_bytes: int) -> list[Buffer]:
    """``encode`` split into buffers of at most ``max_bytes`` each (whole rows; the client
    refuses to flush a buffer past its ``max_buf_size``). One buffer when it fits."""
    buf = encode(table, batch)
    if len(buf) <= max_bytes or batch.num_rows <= 1:
        if len(buf) > max_bytes:
            raise ValueError(f"{table}: one row encodes to {len(buf)} bytes > {max_bytes}")
        return [buf]
    per_row = len(buf) / batch.num_rows
    rows = max(1, int(max_bytes * 0.9 / per_row))
    out: list[Buffer] = []
    for start in range(0, batch.num_rows, rows):
        out.extend(encode_chunks(table, batch.slice(start, rows), max_bytes))
    return out


# -- PG wire: QuestDB's native $n bind variables -> psycopg placeholders ----------------------
def pg_placeholders(sql: str, args) -> tuple[str, list]:
    """``sql`` with QuestDB's ``$1, $2, ...`` turned into psycopg ``%s`` and the arguments in
    the order psycopg consumes them: ``("a = $2 AND b = $1 OR c = $2", [x, y])`` ->
    ``("a = %s AND b = %s OR c = %s", [y, x, y])``. With a mapping, ``$name`` binds
    ``args[name]`` the same way (the names DuckDB's query files use, so one runner passes one
    dict to either dialect): ``("a = $t AND b = $t", {"t": 1})`` -> ``(.., [1, 1])``.

    Every literal ``%`` becomes ``%%`` (psycopg reads ``%`` everywhere). ``$n`` inside a
    single-quoted string, a double-quoted name or a ``--`` comment is left as it is. A ``$n``
    beyond ``len(args)`` raises ValueError. Integers (Python or numpy, not bool) come back as
    psycopg ``Int8`` so they travel as 64-bit (equal to the int they wrap).
    """
    args = ({k: bind_value(v) for k, v in args.items()} if isinstance(args, Mapping)
            else [bind_value(a) for a in args])
    out: list[str] = []
    ordered: list = []
    i, n = 0, len(sql)
    quote: str | None = None  # "'", '"' or "--" while inside one
    while i < n:
        c = sql[i]
        if c == "%":
            out.append("%%")
            i += 1
            continue
        if quote is not None:
            out.append(c)
            i += 1
            if (quote == "--" and c == "\n") or c == quote:
                quote = None
            continue
        if c in "'\"":
            quote = c
        elif c == "-" and sql.startswith("--", i):
            quote = "--"
        elif c == "$" and i + 1 < n and (sql[i + 1].isalnum() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append("%s")
            ordered.append(_arg(sql[i + 1:j], args))
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out), ordered


def _arg(token: str, args: list | dict):
    """The argument a ``$token`` binds: ``$3`` from a list, ``$since`` from a mapping."""
    if isinstance(args, dict):
        if token not in args:
            raise ValueError(f"${token} in the query but not among the arguments {sorted(args)}")
        return args[token]
    if not token.isdigit():
        raise ValueError(f"${token} in the query: bind by name with a mapping")
    k = int(token)
    if not 1 <= k <= len(args):
        raise ValueError(f"${k} in the query but {len(args)} argument(s) given")
    return args[k - 1]


def bind_value(v):
    """A bound argument as QuestDB needs it: every integer as int8 (times are LONG ns)."""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return Int8(int(v))
    return v


_LINE = re.compile(r"^LINE (\d+): (.*)$")


def one_line_error(text: str) -> str:
    """A psycopg error's text (message, ``LINE n: ...``, caret) as one line:
    ``"Invalid date (line 8, column 12: WHERE ts > $1)"``."""
    lines = str(text).splitlines()
    if not lines:
        return ""
    head = " ".join(lines[0].split())
    if len(lines) >= 2 and (m := _LINE.match(lines[1])):
        prefix = len(lines[1]) - len(m.group(2))
        col = ""
        if len(lines) >= 3 and "^" in lines[2]:
            col = f", column {lines[2].index('^') - prefix + 1}"
        return f"{head} (line {m.group(1)}{col}: {' '.join(m.group(2).split())})"
    return " ".join(" ".join(lines).split())


def select_logical(table: str, schema: pa.Schema) -> str:
    """``SELECT`` of every column of ``table`` as the logical schema needs it over PG wire:
    timestamps as ``::LONG`` nanoseconds (PG wire carries microseconds), the rest as is."""
    cols = [f"{f.name}::LONG AS {f.name}" if pa.types.is_timestamp(f.type) else f.name
            for f in schema]
    return f"SELECT {', '.join(cols)} FROM {table}"


def from_pg(columns: dict[str, list], schema: pa.Schema) -> pa.Table:
    """Rows read over PG wire (column name -> Python values, timestamps as LONG ns) -> an Arrow
    table of the logical ``schema``: NaN (QuestDB's NULL double, and an unoccupied book level
    in a DOUBLE array) -> NULL, LONG ns -> TIMESTAMP_NS."""
    arrays = []
    for f in schema:
        vals = columns[f.name]
        if pa.types.is_fixed_size_list(f.type) or pa.types.is_list(f.type):
            item = f.type.value_type
            vals = [None if row is None else [_nan_null(v, item) for v in row] for row in vals]
        elif pa.types.is_floating(f.type):
            vals = [_nan_null(v, f.type) for v in vals]
        elif pa.types.is_timestamp(f.type):
            vals = [None if v is None else int(v) for v in vals]
            arrays.append(pa.array(vals, pa.int64()).cast(f.type))
            continue
        arrays.append(pa.array(vals, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _nan_null(v, typ: pa.DataType):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(v) if pa.types.is_integer(typ) else v
