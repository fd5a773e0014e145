"""One conformance suite for every Store backend: same inputs, same rows, same limits, same
rejections. DuckDB always runs; QuestDB on the session's server (``questdb_conf`` in
tests/conftest.py: one started from ../shared/questdb, or QUESTDB_ADDR/QUESTDB_PG); kdb+ when
KDB_HOST and KDB_PORT point at a q process. Otherwise a leg is skipped with that reason.

Server legs truncate the adaptrisk tables first: point them at a scratch instance.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import BatchRejected, Store, canonical

TABLES = ("trades", "quotes", "book", "orders", "risk_limits", "features", "features_state")


def _conf(backend: str, tmp_path, request) -> str:
    if backend == "duckdb":
        return f"duckdb::path={tmp_path / 'c.duckdb'}"
    if backend == "questdb":
        return request.getfixturevalue("questdb_conf")
    host, port = os.environ.get("KDB_HOST"), os.environ.get("KDB_PORT")
    if not (host and port):
        pytest.skip("kdb+ leg: set KDB_HOST and KDB_PORT to a q process (q -p PORT) to run it")
    return f"kdb::host={host};port={port}"


_TRUNCATE = {"questdb": "TRUNCATE TABLE {t}", "kdb": "delete from `{t}"}


@pytest.fixture(params=["duckdb", "questdb", "kdb"])
def backend_store(request, tmp_path):
    s = Store.from_conf(_conf(request.param, tmp_path, request))
    if request.param in _TRUNCATE:
        for t in (canonical.tables() if request.param == "questdb" else TABLES):
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
    """Rows in the logical schema: server legs read back through the store's ``read_table``
    (QuestDB: ts as LONG ns, NaN -> NULL, array sizes -> BIGINT; kdb+: q nulls -> NULL)."""
    return sorted(_table(store, table).to_pylist(), key=lambda r: r[order_by])


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


FEATURE_TOL = {"rel": 1e-9, "abs": 1e-12}  # floats; counts, flags and timestamps exact


def test_build_features_when_same_market_then_rows_match_numpy_reference(backend_store):
    """The features leg: a 20 s two-symbol market, built on the backend, equals the numpy twin
    (``features.reference``) within FEATURE_TOL."""
    from features.build import build
    from features.config import FeatureConfig
    from features.reference import market_state_ref
    from features.synthetic import synth_day

    _, store = backend_store
    cfg = FeatureConfig()
    day = synth_day(syms=["AAA", "BBB"], start_ns=OPEN_NS, seconds=20, quotes_per_s=20,
                    trades_per_s=5, seed=3)
    for name, tbl in day.items():
        store.ingest(name, tbl)
    _eventually(lambda: store.count("book"), day["book"].num_rows)
    rep = build(store, cfg)
    assert rep.rows > 0
    _eventually(lambda: store.count("features"), rep.rows)
    got = _table(store, "features")
    t1 = max(got.column("ts").cast(pa.int64()).to_pylist())
    want = market_state_ref(day["trades"], day["quotes"], day["book"], t0=OPEN_NS, t1=t1,
                            w=cfg.bucket_ns, emit_after=OPEN_NS, ref_sym="AAA", n1s=cfg.n1s,
                            n10s=cfg.n10s, n1m=cfg.n1m)
    rows = sorted(got.to_pylist(), key=lambda r: (r["ts"], r["sym"]))
    assert len(rows) == len(want) == rep.rows
    for g, w in zip(rows, want, strict=True):
        for col in got.column_names:
            gv = g[col] if col != "ts" else pa.scalar(g[col], pa.timestamp("ns")).value
            assert gv == (pytest.approx(w[col], **FEATURE_TOL) if isinstance(w[col], float)
                          else w[col]), (col, g["sym"], g["ts"])
    assert build(store, cfg).rows == 0  # a second build adds nothing


def _table(store, table):
    if store.dialect == "duckdb":
        return store.query(f"SELECT * FROM {table}")
    return store.read_table(table)
