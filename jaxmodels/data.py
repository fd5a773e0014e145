"""Reading model inputs from the store and writing scores back (Arrow in, numpy out).

Market rows come from the ``features`` table (``sql/duckdb/models/market_inputs.sql``),
order rows from the features package's ``order_features`` (market context ASOF-joined to
each order) joined with ``sql/duckdb/models/order_history.sql`` (the trader's log-qty history
and the label), stress-event windows from ``labels_events``. All times are UTC ns (int64).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from jaxmodels.config import TIERS
from jaxmodels.errors import MSG_MISSING_COLUMNS, ModelError

ALL = (-(2**62), 2**62)
MARKET_CONTEXT = ("mid", "rv_1m", "depth5_bid", "depth5_ask", "spread_bps", "ret_10s",
                  "ret_1s")


class MarketRows(NamedTuple):
    """Buckets sorted by (sym, ts): ts int64[n], sym object[n], code int32[n] (symbol index
    into ``syms``), x float32[n, F] raw inputs, ctx {name: float64[n]} calibrator inputs."""

    ts: np.ndarray
    sym: np.ndarray
    code: np.ndarray
    syms: list[str]
    x: np.ndarray
    ctx: dict[str, np.ndarray]

    def take(self, mask: np.ndarray) -> MarketRows:
        return MarketRows(self.ts[mask], self.sym[mask], self.code[mask], self.syms,
                          self.x[mask], {k: v[mask] for k, v in self.ctx.items()})


def _col(tbl: pa.Table, name: str) -> np.ndarray:
    c = tbl.column(name)
    if pa.types.is_boolean(c.type):
        c = c.cast(pa.float64())
    return c.to_numpy(zero_copy_only=False).astype(np.float64) if c.null_count == 0 else \
        np.asarray(c.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False))


def to_matrix(tbl: pa.Table, names: tuple[str, ...]) -> np.ndarray:
    """float32[n, len(names)] from the named columns (NULL -> NaN, bool -> 0/1)."""
    missing = [n for n in names if n not in tbl.column_names]
    if missing:
        raise ModelError(MSG_MISSING_COLUMNS.format(names=missing))
    if tbl.num_rows == 0:
        return np.zeros((0, len(names)), np.float32)
    return np.stack([_col(tbl, n) for n in names], axis=1).astype(np.float32)


def market_rows(store, inputs: tuple[str, ...], since: int = ALL[0],
                until: int = ALL[1]) -> MarketRows:
    """Market-state rows with ``since < ts <= until``."""
    tbl = store.query_file("models/market_inputs.sql", {"since": int(since), "until": int(until)})
    sym = np.asarray(tbl.column("sym").to_pylist(), object)
    syms = sorted(set(sym.tolist()))
    code = np.searchsorted(np.asarray(syms, object), sym).astype(np.int32) if len(sym) else \
        np.zeros(0, np.int32)
    ctx = {k: _col(tbl, k) for k in MARKET_CONTEXT} if tbl.num_rows else \
        {k: np.zeros(0) for k in MARKET_CONTEXT}
    return MarketRows(tbl.column("ts_ns").to_numpy().astype(np.int64), sym, code, syms,
                      to_matrix(tbl, inputs), ctx)


def events(store) -> list[dict]:
    """Labelled stress events: [{sym, event, start_ns, end_ns, detail}] (empty without labels)."""
    return store.query_file("models/events.sql").to_pylist()


def event_mask(rows: MarketRows, evs: list[dict], *, before_ns: int = 0,
               after_ns: int = 0) -> np.ndarray:
    """bool[n]: rows inside any event window of their symbol, widened by the margins."""
    mask = np.zeros(len(rows.ts), bool)
    for e in evs:
        mask |= ((rows.sym == e["sym"]) & (rows.ts >= e["start_ns"] - before_ns)
                 & (rows.ts <= e["end_ns"] + after_ns))
    return mask


def order_rows(store, since: int = ALL[0], until: int = ALL[1], *, hist: int = 100,
               min_hist: int = 5, demo=None) -> pa.Table:
    """Order-level inputs and labels (``is_error`` NULL when unlabelled), sorted by time.

    Columns: the order (ts_ns, order_id, trader, strategy, sym, side, qty, price,
    order_type), every ``features.registry.ORDER`` feature, ``ref_mid`` (as-of mid),
    ``log_qty``, ``is_market``, ``abs_dev_bps`` (|price_dev_bps|), the trader log-qty
    history (``log_qty_over_med``, ``log_qty_z``, ``log_qty_scale``; ``hist`` previous
    orders, NULL before ``min_hist``), ``demonstrated_qty`` (``demo``: a
    ``jaxmodels.layer1.Demonstrated``, None = its defaults; NULL on kdb+ for now),
    ``is_error`` and ``error_kind``. CANCELs are dropped.
    """
    import pyarrow.compute as pc

    from features import order_features

    f = order_features(store, since_ns=int(since), until_ns=int(until))
    f = f.filter(pc.not_equal(f.column("order_type"), "CANCEL"))
    p = {"since": int(since), "until": int(until), "hist": int(hist), "min_hist": int(min_hist)}
    if store.dialect in ("duckdb", "questdb"):
        from jaxmodels.layer1 import Demonstrated

        p |= (demo or Demonstrated()).sql_params()
    h = store.query_file("models/order_history.sql", p)
    if "demonstrated_qty" not in h.column_names:
        h = h.append_column("demonstrated_qty", pa.nulls(h.num_rows, pa.float64()))
    ts = f.column("ts").cast(pa.int64())
    f = f.append_column("ts_ns", ts)
    f = f.join(h, keys=["order_id", "ts_ns"], join_type="left outer")
    f = f.sort_by([("ts_ns", "ascending"), ("order_id", "ascending")])
    qty = f.column("qty").cast(pa.float64())
    dev = f.column("price_dev_bps")
    return (f.append_column("ref_mid", f.column("mid"))
            .append_column("log_qty", pc.ln(qty))
            .append_column("is_market", pc.cast(pc.equal(f.column("order_type"), "MARKET"),
                                                pa.float64()))
            .append_column("abs_dev_bps", pc.abs(dev)))


def span(store) -> dict:
    """{first_ns, last_ns, n_syms, n_rows} of the features table."""
    return store.query_file("models/data_span.sql").to_pylist()[0]


def scores_table(ts: np.ndarray, sym: np.ndarray, score: np.ndarray, tier: np.ndarray,
                 version: str) -> pa.Table:
    """Arrow table with the ``risk_scores`` columns."""
    return pa.table({
        "ts": pa.array(np.asarray(ts, np.int64), pa.timestamp("ns")),
        "sym": pa.array(list(sym), pa.string()),
        "anomaly_score": pa.array(np.asarray(score, np.float64)),
        "tier": pa.array([TIERS[int(t)] for t in tier], pa.string()),
        "model_version": pa.array([version] * len(ts), pa.string()),
    })
