"""Layer 1's demonstrated sizes, end to end on a real DuckDB file: a trader who has sent a
block size often enough may send it again (its next block passes the FAT_FINGER rule of the
enforcer's replay, reading only fat_finger_limits), while a single earlier slip does not
raise its own bar (the same size again is still FAT_FINGER)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from features.build import build
from jaxmodels import layer1
from jaxmodels.data import order_rows
from sim import SimConfig, simulate
from tests.integration.test_layer1_gate import S, fit_trees, replay_fat_finger

BLOCK, SLIP, N = 2000, 1500, 300  # lots: 20x and 15x a median of 100; orders per trader


def _trader_orders(sim_orders: pa.Table) -> tuple[pa.Table, dict]:
    """Two traders in the simulated symbol, N orders each around a 100-lot median: T_BLOCK
    sends a 2000-lot block every 20th order; T_SLIP sends one 1500-lot slip at order 150 and
    the same size again at order 200. Returns the rows and {name: order ids}."""
    rng = np.random.default_rng(3)
    sym = sim_orders.column("sym")[0].as_py()
    ts = sim_orders.column("ts").cast(pa.int64()).to_numpy()
    t = np.linspace(ts.min() + 60 * S, ts.max(), N).astype(np.int64)
    rows, ids = [], {"block": [], "slip": [], "again": []}
    for j, name in enumerate(("T_BLOCK", "T_SLIP")):
        q = np.clip(np.rint(100 * np.exp(0.5 * rng.standard_normal(N))), 1, 400).astype(int)
        for i in range(N):
            oid = 10**9 + j * N + i
            if name == "T_BLOCK" and i % 20 == 19:
                q[i] = BLOCK
                ids["block"].append(oid)
            if name == "T_SLIP" and i in (150, 200):
                q[i] = SLIP
                ids["slip" if i == 150 else "again"].append(oid)
            rows.append((int(t[i]) + j, oid, name, sym, int(q[i])))
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
        "order_id": pa.array([r[1] for r in rows], pa.int64()),
        "trader": [r[2] for r in rows], "strategy": ["X"] * n, "sym": [r[3] for r in rows],
        "side": ["B"] * n, "qty": pa.array([r[4] for r in rows], pa.int64()),
        "price": pa.nulls(n, pa.float64()), "order_type": ["MARKET"] * n}), ids


def test_gate_when_trader_has_sent_blocks_then_next_block_passes_and_one_slip_raises_no_bar(
        tmp_path, store):
    tables = simulate(SimConfig(n_symbols=1, minutes=20.0, seed=17, fat_finger_rate=0.02,
                                oms_orders_per_min=120.0, oms_size_median=100.0)).tables()
    for name, t in tables.items():
        store.ingest(name, t)
    mine, ids = _trader_orders(tables["orders"])
    store.ingest("orders", mine)
    build(store)
    orders = order_rows(store)
    tm, x, _ = fit_trees(orders)  # the two traders' orders are unlabelled: not trained on
    assert layer1.publish_store(store, tm, "gbdt-test", since=-(2**62), until=2**62) > 0
    ff = replay_fat_finger(store, orders, tmp_path)
    k = layer1.Demonstrated().k
    # the first k blocks demonstrate the size; every later one passes ...
    assert [ff[i] for i in ids["block"][k:]] == [False] * (len(ids["block"]) - k)
    # ... where the trees' max qty alone would block it (the gate before demonstrated sizes)
    oid = orders.column("order_id").to_numpy()
    later = np.isin(oid, ids["block"][k:])
    qty = orders.column("qty").to_numpy().astype(np.float64)
    assert (qty[later] > layer1.max_qty(tm, x[later], qty[later])).all()
    # one slip does not demonstrate its size: the same size again is still FAT_FINGER
    assert ff[ids["slip"][0]] and ff[ids["again"][0]]
