"""One conformance suite for every Store backend: same inputs, same rows, same limits, same
rejections. DuckDB always runs; QuestDB when QUESTDB_ADDR (and QUESTDB_PG) point at a server;
kdb+ when KDB_HOST and KDB_PORT do. Otherwise each is skipped with that reason.

Server legs truncate the adaptrisk tables first: point them at a scratch instance.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import BatchRejected, Store

TABLES = ("trades", "quotes", "book", "orders", "risk_limits")


def _conf(backend: str, tmp_path) -> str:
    if backend == "duckdb":
        return f"duckdb::path={tmp_path / 'c.duckdb'}"
    if backend == "questdb":
        addr = os.environ.get("QUESTDB_ADDR")
        if not addr:
            pytest.skip("QuestDB leg: set QUESTDB_ADDR=HOST:9000 (and QUESTDB_PG=HOST:8812) to run it")
        pg = os.environ.get("QUESTDB_PG")
        return f"questdb::addr={addr}" + (f";pg={pg}" if pg else "")
    host, port = os.environ.get("KDB_HOST"), os.environ.get("KDB_PORT")
    if not (host and port):
        pytest.skip("kdb+ leg: set KDB_HOST and KDB_PORT to a q process (q -p PORT) to run it")
    return f"kdb::host={host};port={port}"


_TRUNCATE = {"questdb": "TRUNCATE TABLE {t}", "kdb": "delete from `{t}"}


@pytest.fixture(params=["duckdb", "questdb", "kdb"])
def backend_store(request, tmp_path):
    s = Store.from_conf(_conf(request.param, tmp_path))
    if request.param in _TRUNCATE:
        for t in TABLES:
            s.query(_TRUNCATE[request.param].format(t=t))
    yield request.param, s
    s.close()


def _eventually(fn, want, timeout=10.0):
    """QuestDB's WAL tables become visible shortly after the ILP acknowledgement."""
    deadline = time.monotonic() + timeout
    got = fn()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = fn()
    return got


def _quotes() -> pa.Table:
    return pa.table({
        "ts": pa.array(OPEN_NS + np.arange(3, dtype=np.int64), pa.timestamp("ns")),
        "sym": ["A", "A", "B"], "bid": pa.array([99.5, None, 10.0]), "ask": [100.5, 100.0, 10.1],
        "bid_size": [3, 0, 7], "ask_size": [4, 5, 8],
    })


def _book() -> pa.Table:
    return pa.table({
        "ts": pa.array([OPEN_NS], pa.timestamp("ns")), "sym": ["A"],
        "bid_px": pa.array([[99.0, 98.5] + [None] * 8]), "bid_sz": pa.array([[5, 6] + [0] * 8]),
        "ask_px": pa.array([[100.0 + i for i in range(10)]]), "ask_sz": pa.array([[1] * 10]),
    })


def _orders() -> pa.Table:
    return pa.table({
        "ts": pa.array(OPEN_NS + np.arange(2, dtype=np.int64), pa.timestamp("ns")),
        "order_id": [1, 2], "trader": ["T1", "T2"], "strategy": ["MM", "EXEC"], "sym": ["A", "A"],
        "side": ["B", "S"], "qty": [10, 200], "price": pa.array([99.0, None]),
        "order_type": ["LIMIT", "MARKET"],
    })


def _rows(store, table, order_by):
    sql = {"duckdb": f"SELECT * FROM {table} ORDER BY {order_by}",
           "questdb": f"SELECT * FROM {table} ORDER BY {order_by}",
           "q": f"`{order_by} xasc select from {table}"}[store.dialect]
    out = store.query(sql).cast(store.table_schema(table)) if store.dialect != "duckdb" else store.query(sql)
    return out.to_pylist()


@pytest.mark.parametrize(("table", "make", "order_by"), [
    ("trades", lambda: trades(6), "trade_id"), ("quotes", _quotes, "ts"), ("book", _book, "ts"),
    ("orders", _orders, "order_id"),
])
def test_ingest_when_same_batch_then_same_rows_back(backend_store, table, make, order_by):
    _, store = backend_store
    batch = make()
    assert store.ingest(table, batch) == batch.num_rows
    assert _eventually(lambda: store.count(table), batch.num_rows) == batch.num_rows
    want = store.table_schema(table)
    expected = batch.cast(want) if batch.schema != want else batch
    assert _rows(store, table, order_by) == expected.to_pylist()


def test_latest_limits_when_versions_then_same_rows_in_force(backend_store):
    _, store = backend_store
    store.append_limits(limits([(OPEN_NS + 10, "A", "*", 500), (OPEN_NS + 20, "A", "*", 50),
                                (OPEN_NS + 15, "A", "MM", 100), (OPEN_NS + 30, "B", "*", 300)]))
    _eventually(lambda: store.count("risk_limits"), 4)
    got = {(r["sym"], r["strategy"]): r["max_order_qty"] for r in store.latest_limits().to_pylist()}
    assert got == {("A", "*"): 50, ("A", "MM"): 100, ("B", "*"): 300}
    newer = store.latest_limits(since_ns=OPEN_NS + 20).to_pylist()
    assert [(r["sym"], r["max_order_qty"]) for r in newer] == [("B", 300)]


def test_ingest_when_bad_batch_then_same_rejection_and_table_unchanged(backend_store):
    _, store = backend_store
    store.ingest("trades", trades(3))
    _eventually(lambda: store.count("trades"), 3)
    bad = trades(5)
    bad = bad.set_column(2, "price", pa.array([1.0, 2.0, 3.0, float("nan"), 5.0]))
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", bad)
    assert (e.value.table, e.value.row, e.value.column) == ("trades", 3, "price")
    assert store.count("trades") == 3
