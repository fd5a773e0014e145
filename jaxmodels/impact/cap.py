"""The impact size cap folded into ``risk_limits``: a symbol's ``max_order_qty`` becomes the
smaller of the calibrator's value and the newest ``exec_advice.impact_max_qty`` issued at or
before the limits row (never below 1 lot; never looser than what the calibrator set).

Two hooks: ``tighten`` for rows about to be written (batch ``models publish`` and the live
publisher), and ``reissue`` for the live publisher when a new advice row lands while the
limits in force do not change (their row is issued again, tightened)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tsdb.errors import StoreError

NO_WATERMARK = -(2**62)


def latest_caps(store, since: int = NO_WATERMARK) -> dict[str, tuple[int, int]]:
    """sym -> (ts UTC ns, impact_max_qty lots) of the newest advice row with ts > ``since``;
    empty on a backend without the table or query (the calibrator's limits stand)."""
    try:
        t = store.query_file("queries/latest_exec_advice.sql", [int(since)])
    except (StoreError, OSError):
        return {}
    d = t.to_pydict()
    return {s: (int(ts), int(q)) for s, ts, q in zip(d["sym"], d["ts_ns"], d["impact_max_qty"],
                                                     strict=True)}


def apply_caps(lim: pa.Table, caps: dict[str, tuple[int, int]]) -> pa.Table:
    """``lim`` (risk_limits rows) with max_order_qty tightened where a cap applies (the cap's
    ts at or before the row's)."""
    if lim.num_rows == 0 or not caps:
        return lim
    ts = lim.column("ts").cast(pa.int64()).to_numpy()
    qty = np.asarray(lim.column("max_order_qty").to_numpy(), np.int64)
    cap = np.array([caps.get(s, (2**62, 0))[1] for s in lim.column("sym").to_pylist()], np.int64)
    since = np.array([caps.get(s, (2**62, 0))[0] for s in lim.column("sym").to_pylist()],
                     np.int64)
    new = np.where(since <= ts, np.minimum(qty, np.maximum(cap, 1)), qty)
    i = lim.schema.get_field_index("max_order_qty")
    return lim.set_column(i, "max_order_qty", pa.array(new, lim.schema.field(i).type))


def tighten(store, lim: pa.Table) -> pa.Table:
    """The publisher's hook: ``apply_caps`` with the store's newest advice."""
    return apply_caps(lim, latest_caps(store)) if lim.num_rows else lim


def reissue(in_force: pa.Table, caps: dict[str, tuple[int, int]], model_version: str
            ) -> pa.Table:
    """Rows of ``in_force`` (risk_limits rows in force, e.g. ``Store.latest_limits``) of
    ``model_version`` whose symbol has a cap below their max_order_qty, issued again at
    max(their ts, the cap's ts) with max_order_qty = the cap (at least 1 lot); every other
    field as it was. Empty when nothing is looser than its cap."""
    if in_force.num_rows == 0 or not caps:
        return in_force.slice(0, 0)
    d = in_force.to_pydict()
    keep = [i for i, (s, v, q) in enumerate(zip(d["sym"], d["model_version"],
                                                 d["max_order_qty"], strict=True))
            if v == model_version and s in caps and q > max(caps[s][1], 1)]
    out = in_force.take(pa.array(keep, pa.int64()))
    if not keep:
        return out
    syms = out.column("sym").to_pylist()
    ts = np.maximum(out.column("ts").cast(pa.int64()).to_numpy(),
                    np.array([caps[s][0] for s in syms], np.int64))
    qty = np.array([max(caps[s][1], 1) for s in syms], np.int64)
    i, j = out.schema.get_field_index("ts"), out.schema.get_field_index("max_order_qty")
    out = out.set_column(i, "ts", pa.array(ts, pa.int64()).cast(out.schema.field(i).type))
    return out.set_column(j, "max_order_qty", pa.array(qty, out.schema.field(j).type))
