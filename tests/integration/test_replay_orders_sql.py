"""`sql/duckdb/enforcer/replay_orders.sql`: one row per order, whatever the joined tables
hold (the ASOF joins run on the order keys and meet again on rowid)."""

from __future__ import annotations

import pyarrow as pa

from tests.unit.enforcer.helpers import T0, heartbeat_row, limits_row

S = 10**9
LO, HI = -(2**63) + 1, 2**63 - 1


def _orders(store, ts: list[int]) -> None:
    n = len(ts)
    store.ingest("orders", pa.table({
        "ts": pa.array(ts, pa.timestamp("ns")), "order_id": list(range(1, n + 1)),
        "trader": ["t"] * n, "strategy": ["s"] * n, "sym": ["AAA"] * n, "side": ["B"] * n,
        "qty": [10] * n, "price": [100.0] * n, "order_type": ["LIMIT"] * n}), session=None)


def test_replay_orders_when_two_publishers_beat_at_one_ts_then_one_row_per_order(store):
    _orders(store, [T0 + 2 * S, T0 + 4 * S])
    for who in ("p1", "p2"):
        store.ingest("publisher_heartbeat", heartbeat_row(T0 + S, publisher=who), session=None)
        store.ingest("publisher_heartbeat", heartbeat_row(T0 + 3 * S, publisher=who),
                     session=None)
    store.append_limits(limits_row(T0, max_order_qty=100))
    rows = store.query_file("enforcer/replay_orders.sql", [LO, HI]).to_pylist()
    assert [r["order_id"] for r in rows] == [1, 2]
    assert [r["heartbeat_ts"] for r in rows] == [T0 + S, T0 + 3 * S]
    assert [r["max_order_qty"] for r in rows] == [100, 100]
    assert [r["mid"] for r in rows] == [None, None]  # no quote at all


def test_replay_orders_when_window_given_then_only_its_orders_in_time_order(store):
    _orders(store, [T0 + 3 * S, T0 + S, T0 + 2 * S, T0 + 5 * S])
    rows = store.query_file("enforcer/replay_orders.sql", [T0 + S, T0 + 5 * S]).to_pylist()
    assert [(r["ts"], r["order_id"]) for r in rows] == [
        (T0 + S, 2), (T0 + 2 * S, 3), (T0 + 3 * S, 1)]
    assert all(r["heartbeat_ts"] is None and r["limits_ts"] is None for r in rows)
