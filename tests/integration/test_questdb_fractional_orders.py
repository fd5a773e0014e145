"""Fractional orders on QuestDB (issue 17, point 2): an orders table made by the older DDL
(qty LONG) is widened to DOUBLE on open with its rows kept, and a replay of 0.05 BTC
orders writes decisions with the same qty, as on DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pytest

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from tests.integration.test_fix_fractional import INSTRUMENTS, STATIC
from tests.integration.test_questdb_fractional import column_types
from tests.unit.tsdb.test_fractional_sizes import BTC, T0
from tsdb import Store

pytestmark = pytest.mark.questdb
OLD_ORDERS = ("CREATE TABLE orders (ts TIMESTAMP_NS, order_id LONG, trader SYMBOL, "
              "strategy SYMBOL, sym SYMBOL, side SYMBOL, qty LONG, price DOUBLE, "
              "order_type SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL "
              "DEDUP UPSERT KEYS(ts, order_id)")


def test_open_when_orders_has_the_old_long_qty_then_widened_and_fractional_replayed(
        questdb_conf, tmp_path):
    with Store.from_conf(questdb_conf, session=None) as s:
        for t in ("orders", "decisions", "quotes"):
            s.query(f"DROP TABLE IF EXISTS {t}")
        s.query(OLD_ORDERS)
        s.query("INSERT INTO orders VALUES ('2026-06-20T23:45:00.000000Z', 1, 't', 's', "
                "'BTCUSD', 'B', 3, 39000.0, 'LIMIT')")
    (tmp_path / "ins.toml").write_text(INSTRUMENTS)
    (tmp_path / "static.toml").write_text(STATIC)
    with Store.from_conf(questdb_conf, session=None) as s:  # applies the DDL, then migrates
        try:
            assert column_types(s, "orders")["qty"] == "DOUBLE"
            assert column_types(s, "decisions")["qty"] == "DOUBLE"
            assert s._migrate() == []
            s.ingest("quotes", pa.table({
                "ts": pa.array([T0 - 10**9], pa.timestamp("ns")), "sym": ["BTCUSD"],
                "bid": [40000.0], "ask": [40001.0], "bid_size": [0.5], "ask_size": [0.25]}),
                session=BTC)
            s.ingest("orders", pa.table({
                "ts": pa.array([T0 + 10**9, T0 + 2 * 10**9], pa.timestamp("ns")),
                "order_id": [2, 3], "trader": ["t", "t"], "strategy": ["s", "s"],
                "sym": ["BTCUSD"] * 2, "side": ["B", "B"], "qty": [0.05, 2.0],
                "price": [39000.0, 39000.0], "order_type": ["LIMIT"] * 2}), session=BTC)
            replay(s, EnforcerConfig(static_limits_path=tmp_path / "static.toml",
                                     instruments_path=tmp_path / "ins.toml"))
            rows = s.query("SELECT order_id, qty, verdict, reasons FROM decisions "
                           "ORDER BY order_id").to_pylist()
        finally:
            for t in ("orders", "decisions", "quotes"):
                s.query(f"TRUNCATE TABLE {t}")
    assert [(r["order_id"], r["qty"]) for r in rows] == [(1, 3.0), (2, 0.05), (3, 2.0)]
    # the static cap is 1.5 BTC: 3 and 2 BTC are above it, 0.05 BTC is not
    assert [r["verdict"] for r in rows] == ["REJECT", "ACCEPT", "REJECT"]
    assert "MAX_QTY" in rows[0]["reasons"] and "MAX_QTY" in rows[2]["reasons"]
