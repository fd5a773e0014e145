"""Regression tests of the QuestDB backend on a real server (the session's ``questdb_conf``).

Each one pins a failure seen the first time the backend met QuestDB 9.4.4 (issue 13): small
integers bound as int2/int4 ("Invalid date"), three-line errors, the feature grid stopping at
the last quote, a feature batch past the ILP client's buffer limit, same-nanosecond quotes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import Store
from tsdb.errors import QuestDBStoreError, StoreErrorCode

pytestmark = pytest.mark.questdb
W = 100_000_000  # the 100 ms bucket


def test_latest_limits_when_since_none_or_small_int_then_bound_as_int8(questdb_store):
    """psycopg sends an int below 2**31 as int2/int4; QuestDB refused it against TIMESTAMP_NS."""
    questdb_store.append_limits(limits([(OPEN_NS + 10, "A", "*", 500)]))
    assert [r["max_order_qty"] for r in questdb_store.latest_limits().to_pylist()] == [500]
    assert questdb_store.latest_limits(since_ns=0).num_rows == 1
    assert questdb_store.latest_limits(since_ns=7).num_rows == 1
    assert questdb_store.query("SELECT count() AS n FROM risk_limits WHERE ts > $1",
                               [np.int32(3)]).to_pylist() == [{"n": 1}]


def test_data_days_when_since_zero_then_days_listed(questdb_store):
    questdb_store.ingest("trades", trades(3))
    days = questdb_store.query_file("features/data_days.sql", [0]).column("day").to_pylist()
    assert days == [OPEN_NS // 86_400_000_000_000]


def test_query_when_server_error_then_one_line_with_position(questdb_store):
    with pytest.raises(QuestDBStoreError) as e:
        questdb_store.query("SELECT nope FROM trades")
    msg = str(e.value)
    assert e.value.code is StoreErrorCode.QUERY and "\n" not in msg
    assert msg == "QuestDB: Invalid column: nope (line 1, column 8: SELECT nope FROM trades)"


def test_latest_heartbeats_when_two_publishers_then_newest_per_sym(questdb_store):
    ts = pa.array([OPEN_NS + 1, OPEN_NS + 2, OPEN_NS + 3], pa.timestamp("ns"))
    questdb_store.ingest("publisher_heartbeat", pa.table({
        "ts": ts, "sym": ["A", "A", "B"], "publisher": ["p1", "p2", "p1"],
        "model_version": ["v1", "v2", "v1"], "market_ts": ts,
        "published_ts": pa.array([OPEN_NS + 5, OPEN_NS + 6, OPEN_NS + 7], pa.timestamp("ns")),
    }), session=None)
    got = questdb_store.latest_heartbeats().to_pylist()
    assert [(r["sym"], r["publisher"], r["published_ts"].value if hasattr(r["published_ts"], "value")
             else r["published_ts"]) for r in got] == [("A", "p2", OPEN_NS + 6), ("B", "p1", OPEN_NS + 7)]
    assert [r["sym"] for r in questdb_store.latest_heartbeats(since_ns=OPEN_NS + 6).to_pylist()] == ["B"]


def test_ingest_when_batch_past_max_buf_size_then_flushed_in_parts(questdb_conf):
    """A day's features batch (113 MB) exceeded the client's 100 MiB buffer; ``max_buf_size``
    in the connection string sets the limit and a bigger batch goes in parts below it."""
    with Store.from_conf(questdb_conf + ";max_buf_size=65536") as s:
        s.query("TRUNCATE TABLE trades")
        n = 5000  # about 60 bytes a row: several parts
        assert s.ingest("trades", trades(n)) == n
        assert s.count("trades") == n
        assert s.query("SELECT count_distinct(trade_id) AS n FROM trades").to_pylist() == [{"n": n}]


def test_conf_when_max_buf_size_not_a_number_then_bad_conf(questdb_conf):
    with pytest.raises(QuestDBStoreError) as e:
        Store.from_conf(questdb_conf + ";max_buf_size=big")
    assert e.value.code is StoreErrorCode.BAD_CONF


def _quote_rows(rows):
    """rows of (ts offset ns, bid, ask) for symbol A."""
    return pa.table({
        "ts": pa.array([OPEN_NS + r[0] for r in rows], pa.timestamp("ns")), "sym": ["A"] * len(rows),
        "bid": pa.array([r[1] for r in rows], pa.float64()), "ask": [r[2] for r in rows],
        "bid_size": [1] * len(rows), "ask_size": [1] * len(rows),
    })


def _features(store, rows, t1_off):
    from features.config import FeatureConfig
    from features.dialect import market_state_call, run

    store.ingest("quotes", _quote_rows(rows))
    call = market_state_call("questdb", FeatureConfig(), t0=OPEN_NS, t1=OPEN_NS + t1_off, ref_sym="A")
    return run(store, call).to_pylist()


def test_market_state_when_last_quote_early_then_grid_runs_to_t1(questdb_store):
    """SAMPLE BY ... FILL without FROM/TO stopped the grid at the last quote."""
    got = _features(questdb_store, [(5, 10.0, 10.2)], 20 * W)
    assert [r["ts"] for r in got] == [OPEN_NS + k * W for k in range(1, 21)]
    assert {r["mid"] for r in got} == {10.1}


def test_market_state_when_first_second_then_quote_rate_over_elapsed_buckets(questdb_store):
    """quote_rate_1s divides by the part of the 1 s window inside the session (least(10, k))."""
    got = _features(questdb_store, [(5, 10.0, 10.2), (W + 5, 10.0, 10.3)], 12 * W)
    rates = [r["quote_rate_1s"] for r in got]
    assert rates[:3] == pytest.approx([1 / 0.1, 2 / 0.2, 2 / 0.3])
    assert rates[10:12] == pytest.approx([1 / 1.0, 0.0])  # then the first, the second left


def test_market_state_when_same_nanosecond_quotes_then_last_arrival_wins_everywhere(
        questdb_store, tmp_path):
    """Quotes stamped with the same nanosecond: the bucket's quote is the one that arrived
    last, on QuestDB, on DuckDB and in the numpy twin (LOBSTER has many such ties)."""
    from features.build import build
    from features.config import FeatureConfig
    from features.reference import market_state_ref

    rows = [(5, 10.0, 10.2), (7, 10.1, 10.5), (7, 10.0, 10.4), (7, 9.9, 10.1)]
    got = _features(questdb_store, rows, 2 * W)
    assert (got[0]["best_bid"], got[0]["best_ask"]) == (9.9, 10.1)
    empty = {"trades": pa.table({"ts": pa.array([], pa.timestamp("ns")), "sym": pa.array([], pa.string()),
                                 "price": pa.array([], pa.float64()), "size": pa.array([], pa.int64()),
                                 "side": pa.array([], pa.string()), "trade_id": pa.array([], pa.int64())})}
    book = pa.table({"ts": pa.array([], pa.timestamp("ns")), "sym": pa.array([], pa.string()),
                     "bid_sz": pa.array([], pa.list_(pa.int64(), 10)),
                     "ask_sz": pa.array([], pa.list_(pa.int64(), 10))})
    ref = market_state_ref(empty["trades"], _quote_rows(rows), book, t0=OPEN_NS, t1=OPEN_NS + 2 * W,
                           w=W, emit_after=OPEN_NS, ref_sym="A", n1s=10, n10s=100, n1m=600)
    assert (ref[0]["best_bid"], ref[0]["best_ask"]) == (9.9, 10.1)
    with Store.from_conf(f"duckdb::path={tmp_path / 'd.duckdb'}") as duck:
        duck.ingest("quotes", _quote_rows(rows))
        duck.ingest("quotes", _quote_rows([(2 * W + 1, 9.0, 9.5)]))  # completes bucket 2
        build(duck, FeatureConfig())
        first = duck.query("SELECT best_bid, best_ask FROM features ORDER BY ts LIMIT 1").to_pylist()
    assert first == [{"best_bid": 9.9, "best_ask": 10.1}]
