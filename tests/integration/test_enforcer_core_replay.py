"""Replay: orders table -> SQL ASOF joins -> batch path -> decisions, counted by hand."""

from __future__ import annotations

import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, heartbeat_row, limits_row, write_static


def test_replay_when_limits_change_midway_then_orders_judged_by_row_in_force(tmp_path, store):
    n = 10
    ts = [T0 + i * 10**8 for i in range(n)]  # 10 orders, 0.1 s apart
    store.ingest("quotes", pa.table({
        "ts": pa.array([T0 - 1], pa.timestamp("ns")), "sym": ["AAA"], "bid": [99.9],
        "ask": [100.1], "bid_size": [1], "ask_size": [1]}), session=None)
    store.ingest("orders", pa.table({
        "ts": pa.array(ts, pa.timestamp("ns")), "order_id": list(range(n)),
        "trader": ["t"] * n, "strategy": [f"s{i}" for i in range(n)], "sym": ["AAA"] * n,
        "side": ["B"] * n, "qty": [150] * n, "price": [100.0] * n,
        "order_type": ["LIMIT"] * n}), session=None)
    store.append_limits(limits_row(ts[5], max_order_qty=100))  # from the 6th order on
    for t in ts:  # the publisher judges every bucket (0.1 s), whether or not a limit changes
        store.ingest("publisher_heartbeat", heartbeat_row(t), session=None)
    cfg = EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", SMALL_STATIC))
    out = replay(store, cfg)
    got = store.query("SELECT order_id, verdict, reasons, static_verdict FROM decisions "
                      "WHERE mode = 'replay' ORDER BY order_id").to_pylist()
    assert out["orders"] == n and out["rejected"] == 5
    assert [r["verdict"] for r in got] == ["ACCEPT"] * 5 + ["REJECT"] * 5
    assert {r["reasons"] for r in got[5:]} == {"MAX_QTY"}
    assert {r["static_verdict"] for r in got} == {"ACCEPT"}
