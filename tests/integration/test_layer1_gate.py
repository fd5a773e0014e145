"""Layer 1 at the gate, end to end on a real DuckDB file: the trees' max qty per order
baseline, written to fat_finger_limits, reaches the enforcer's replay through the table
alone (ASOF per (sym, trader)), and the replay's FAT_FINGER verdicts are the layer-1
verdicts computed offline for the same orders."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from features.build import build
from jaxmodels import gbdt, layer1
from jaxmodels.data import order_rows, to_matrix
from jaxmodels.model import labels
from sim import SimConfig, simulate

S = 10**9
# the static multiple of the median out of the way, so FAT_FINGER is layer 1's alone
STATIC = """
name = "layer1-test"
[defaults]
allow_unknown_symbols = true
reject_without_reference = false
max_order_qty = 100000000
max_notional = 1e15
price_band_bps = 100000.0
max_position = 1000000000000
fat_finger_threshold = 1e12
[throttle]
rate_per_s = 100000
burst = 100000
[restricted]
symbols = []
"""


def _in_force(store, syms: list[str], t0: int, t1: int) -> None:
    """A loose model row per symbol and a heartbeat every second: the rows stay in force."""
    n = len(syms)
    store.append_limits(pa.table({
        "ts": pa.array([t0] * n, pa.timestamp("ns")), "sym": syms, "strategy": ["*"] * n,
        "max_order_qty": [10**8] * n, "max_notional": [1e15] * n,
        "price_band_bps": [1e5] * n, "max_position": [10**12] * n,
        "fat_finger_threshold": [1e12] * n, "state": ["ACTIVE"] * n, "reason": ["test"] * n,
        "model_version": ["m"] * n}))
    ts = np.arange(t0, t1 + 2 * S, S)
    hb = [(int(t), s) for t in ts for s in syms]
    store.ingest("publisher_heartbeat", pa.table({
        "ts": pa.array([t for t, _ in hb], pa.timestamp("ns")), "sym": [s for _, s in hb],
        "publisher": ["test"] * len(hb), "model_version": ["m"] * len(hb),
        "market_ts": pa.array([t for t, _ in hb], pa.timestamp("ns")),
        "published_ts": pa.array([t for t, _ in hb], pa.timestamp("ns"))}), session=None)



def fit_trees(orders: pa.Table):
    """Small layer-1 trees on the labelled orders: (model, inputs of every order, labels)."""
    y, known = labels(orders)
    cfg = layer1.config(max_trees=30, n_bins=32)
    x = to_matrix(orders, cfg.inputs)
    tm, _ = gbdt.fit(x[known], y[known], cfg)
    return tm, x, y


def replay_fat_finger(store, orders: pa.Table, tmp_path) -> dict[int, bool]:
    """Replay the store's orders with layer 1's rows in force and the static multiple out of
    the way: {order_id: FAT_FINGER among its reasons}."""
    ts = orders.column("ts_ns").to_numpy()
    _in_force(store, sorted(set(orders.column("sym").to_pylist())), int(ts.min()) - S,
              int(ts.max()))
    static = tmp_path / "static.toml"
    static.write_text(STATIC)
    replay(store, EnforcerConfig(static_limits_path=static))
    return {r["order_id"]: "FAT_FINGER" in r["reasons"].split(",") for r in store.query(
        "SELECT order_id, reasons FROM decisions").to_pylist()}

def test_replay_when_layer1_rows_published_then_fat_finger_verdicts_are_the_offline_ones(
        tmp_path, store):
    for name, t in simulate(SimConfig(n_symbols=2, minutes=20.0, seed=7, fat_finger_rate=0.02,
                                      oms_orders_per_min=120.0, oms_size_median=100.0)
                            ).tables().items():
        store.ingest(name, t)
    build(store)
    orders = order_rows(store)
    tm, x, y = fit_trees(orders)
    qty = orders.column("qty").to_numpy().astype(np.float64)
    lim = layer1.max_qty(tm, x, qty)
    store.ingest("fat_finger_limits", layer1.publish_rows(orders, lim, "gbdt-test"),
                 session=None)
    got = replay_fat_finger(store, orders, tmp_path)
    ids = orders.column("order_id").to_pylist()
    gate = qty > lim
    assert [got[i] for i in ids] == gate.tolist()
    assert gate.sum() >= 0.5 * y.sum()  # the errors are there, most of them caught
    trees = tm.flag(x)
    assert (gate != trees).mean() < 0.01  # only where the trees are not monotone in qty
