import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import BatchRejected, Session, Store, StoreError, StoreErrorCode, parse_conf

ALL_TABLES = {"trades", "quotes", "book", "orders", "features", "risk_scores", "risk_limits",
              "decisions", "labels_orders", "labels_events", "messages", "features_state", "drift_alerts",
              "publisher_heartbeat", "fat_finger_limits", "hedge_orders", "hedge_schedule",
              "impact_labels", "exec_advice", "audit", "limit_overrides", "review_labels"}


def test_parse_conf_when_well_formed_then_backend_and_keys():
    assert parse_conf("duckdb::path=data/x.duckdb;threads=2") == (
        "duckdb", {"path": "data/x.duckdb", "threads": "2"})


@pytest.mark.parametrize("conf", ["duckdb:path=x", "oracle::path=x", "duckdb::path", "duckdb::a=1;a=2"])
def test_from_conf_when_malformed_then_bad_conf_error(conf):
    with pytest.raises(StoreError) as e:
        Store.from_conf(conf)
    assert e.value.code is StoreErrorCode.BAD_CONF


def test_from_conf_when_unknown_key_then_error_names_it():
    with pytest.raises(StoreError, match="nope"):
        Store.from_conf("duckdb::path=:memory:;nope=1")


def test_apply_schema_when_run_twice_then_same_tables_and_rows_kept(store):
    store.ingest("trades", trades(5))
    assert set(store.tables()) == ALL_TABLES
    store.apply_schema()
    assert set(store.tables()) == ALL_TABLES
    assert store.count("trades") == 5


def test_ingest_when_valid_then_rows_round_trip_exactly(store):
    t = trades(10)
    assert store.ingest("trades", t) == 10
    back = store.query("SELECT * FROM trades ORDER BY trade_id")
    assert back.to_pylist() == t.to_pylist()


def test_ingest_when_file_reopened_then_rows_persist(tmp_path):
    path = tmp_path / "p.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        s.ingest("trades", trades(3))
    with Store.from_conf(f"duckdb::path={path}") as s:
        assert s.count("trades") == 3


def _with(t: pa.Table, col: str, values) -> pa.Table:
    i = t.column_names.index(col)
    return t.set_column(i, col, pa.array(values) if not isinstance(values, pa.Array) else values)


@pytest.mark.parametrize(
    ("col", "bad", "row", "reason"),
    [
        ("price", [100.0] * 6 + [float("nan")] + [100.0] * 3, 6, "NaN"),
        ("price", [100.0] * 3 + [float("inf")] + [100.0] * 6, 3, "infinite"),
        ("price", [100.0] * 8 + [-1.0, 100.0], 8, "> 0"),
        ("size", pa.array([5] * 4 + [0] + [5] * 5, pa.int64()), 4, "> 0"),
        ("side", ["B"] * 7 + ["X"] + ["S"] * 2, 7, "unknown value 'X'"),
        ("ts", pa.array([OPEN_NS] * 9 + [OPEN_NS - 3_600_000_000_000], pa.timestamp("ns")), 9, "outside the trading session"),
        ("ts", ["2026-06-22 13:30:00"] * 2 + ["not a time"] + ["2026-06-22 13:30:00"] * 7, 2, "unparseable"),
        ("price", ["100.0"] * 10, 0, "wrong type"),
        ("trade_id", pa.array([1.0, 2.0, 2.5] + [1.0] * 7), 2, "cannot convert"),
    ],
)
def test_ingest_when_batch_has_bad_row_then_rejected_whole_naming_row_and_column(store, col, bad, row, reason):
    store.ingest("trades", trades(4))
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", _with(trades(10), col, bad))
    assert (e.value.table, e.value.row, e.value.column) == ("trades", row, col)
    assert reason in str(e.value)
    assert "trades" in str(e.value) and f"row {row}" in str(e.value)
    assert store.count("trades") == 4  # unchanged


def test_ingest_when_column_missing_then_rejected_naming_column(store):
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", trades(3).drop_columns(["side"]))
    assert e.value.column == "side" and "missing column" in str(e.value)
    assert store.count("trades") == 0


def test_ingest_when_unknown_column_then_rejected(store):
    with pytest.raises(BatchRejected, match="unknown column"):
        store.ingest("trades", trades(3).append_column("extra", pa.array([1, 2, 3])))


def test_ingest_when_null_in_not_null_column_then_rejected(store):
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", _with(trades(3), "sym", ["A", None, "A"]))
    assert (e.value.row, e.value.column) == (1, "sym")


def test_ingest_when_weekend_timestamp_then_outside_session(store):
    sat = OPEN_NS - 2 * 86_400_000_000_000  # 2026-06-20 is a Saturday
    with pytest.raises(BatchRejected, match="outside the trading session"):
        store.ingest("trades", _with(trades(1), "ts", pa.array([sat + 3_600_000_000_000], pa.timestamp("ns"))))


def test_ingest_when_session_check_disabled_then_any_time_accepted(store):
    night = _with(trades(1), "ts", pa.array([OPEN_NS - 10 * 3_600_000_000_000], pa.timestamp("ns")))
    assert store.ingest("trades", night, session=None) == 1


def test_ingest_when_custom_session_then_its_hours_apply(tmp_path):
    import datetime as dt

    s = Store.from_conf(f"duckdb::path={tmp_path / 's.duckdb'}",
                        session=Session(open=dt.time(10, 0), close=dt.time(11, 0)))
    with s, pytest.raises(BatchRejected):
        s.ingest("trades", trades(1))  # 09:30 is before a 10:00 open


def test_ingest_when_tz_aware_timestamps_then_stored_as_utc_ns(store):
    t = trades(2)
    aware = pa.array(t.column("ts").to_numpy().astype(np.int64), pa.timestamp("ns", "America/New_York"))
    store.ingest("trades", _with(t, "ts", aware))
    got = store.query("SELECT epoch_ns(ts) AS ns FROM trades ORDER BY ns").column("ns").to_pylist()
    assert got == list(t.column("ts").to_numpy().astype(np.int64))


def test_ingest_when_book_has_wrong_level_count_then_rejected(store):
    row = {"ts": pa.array([OPEN_NS], pa.timestamp("ns")), "sym": ["A"],
           "bid_px": pa.array([[99.0] * 9]), "bid_sz": pa.array([[1] * 10]),
           "ask_px": pa.array([[101.0] * 10]), "ask_sz": pa.array([[1] * 10])}
    with pytest.raises(BatchRejected) as e:
        store.ingest("book", pa.table(row))
    assert e.value.column == "bid_px" and "10 levels" in str(e.value)


def test_ingest_when_book_level_price_nan_then_rejected_with_row(store):
    px = [[101.0] * 10, [101.0] * 4 + [float("nan")] + [101.0] * 5]
    row = {"ts": pa.array([OPEN_NS, OPEN_NS], pa.timestamp("ns")), "sym": ["A", "A"],
           "bid_px": pa.array([[99.0] * 10] * 2), "bid_sz": pa.array([[1] * 10] * 2),
           "ask_px": pa.array(px), "ask_sz": pa.array([[1] * 10] * 2)}
    with pytest.raises(BatchRejected) as e:
        store.ingest("book", pa.table(row))
    assert (e.value.row, e.value.column) == (1, "ask_px")


def test_ingest_csv_when_bad_cell_then_row_and_column_named(store, tmp_path):
    good = "ts,sym,price,size,side,trade_id\n2026-06-22 13:30:00.000000001,A,10.5,3,B,1\n"
    (tmp_path / "ok.csv").write_text(good)
    assert store.ingest_csv("trades", tmp_path / "ok.csv") == 1
    (tmp_path / "bad.csv").write_text(good + "2026-06-22 13:30:01,A,abc,3,B,2\n")
    with pytest.raises(BatchRejected) as e:
        store.ingest_csv("trades", tmp_path / "bad.csv")
    assert (e.value.row, e.value.column) == (1, "price")
    assert store.count("trades") == 1


def test_ingest_parquet_when_valid_then_all_rows(store, tmp_path):
    pq.write_table(trades(7), tmp_path / "t.parquet")
    assert store.ingest_parquet("trades", tmp_path / "t.parquet") == 7


def test_ingest_when_unknown_table_then_error(store):
    with pytest.raises(StoreError) as e:
        store.ingest("nope", trades(1))
    assert e.value.code is StoreErrorCode.UNKNOWN_TABLE


def test_latest_limits_when_several_versions_then_latest_per_sym_strategy(store):
    store.append_limits(limits([(10, "A", "*", 500), (20, "A", "*", 50), (15, "A", "MM", 100),
                                (30, "B", "*", 300)]))
    got = {(r["sym"], r["strategy"]): r["max_order_qty"] for r in store.latest_limits().to_pylist()}
    assert got == {("A", "*"): 50, ("A", "MM"): 100, ("B", "*"): 300}


def test_latest_limits_when_watermark_given_then_only_newer_rows(store):
    store.append_limits(limits([(10, "A", "*", 500), (20, "A", "*", 50), (15, "B", "*", 7)]))
    got = store.latest_limits(since_ns=15).to_pylist()
    assert [(r["sym"], r["max_order_qty"]) for r in got] == [("A", 50)]
    assert store.latest_limits(since_ns=20).num_rows == 0


def test_latest_limits_when_same_ts_then_last_written_wins(store):
    store.append_limits(limits([(10, "A", "*", 500)]))
    store.append_limits(limits([(10, "A", "*", 42)]))
    assert store.latest_limits().column("max_order_qty").to_pylist() == [42]


def test_append_limits_when_state_unknown_then_rejected(store):
    bad = limits([(10, "A", "*", 5)])
    bad = bad.set_column(bad.column_names.index("state"), "state", pa.array(["OPEN"]))
    with pytest.raises(BatchRejected, match="state"):
        store.append_limits(bad)


def test_query_when_closed_then_closed_error(tmp_path):
    s = Store.from_conf("duckdb::path=:memory:")
    s.close()
    with pytest.raises(StoreError) as e:
        s.query("SELECT 1")
    assert e.value.code is StoreErrorCode.CLOSED


def test_ingest_when_batch_spans_days_then_each_row_checked_against_its_own_day(store):
    day = 86_400_000_000_000
    ok = [OPEN_NS, OPEN_NS + day + 3_600_000_000_000]  # Monday 09:30, Tuesday 10:30 New York
    assert store.ingest("trades", _with(trades(2), "ts", pa.array(ok, pa.timestamp("ns")))) == 2
    bad = ok + [OPEN_NS + day - 3_600_000_000_000]  # Tuesday 08:30: before Tuesday's open
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", _with(trades(3), "ts", pa.array(bad, pa.timestamp("ns"))))
    assert (e.value.row, e.value.column) == (2, "ts")


def test_ingest_when_one_timestamp_centuries_off_then_that_row_named(store):
    ts = [OPEN_NS] * 4 + [OPEN_NS - 250 * 366 * 86_400_000_000_000] + [OPEN_NS]  # ~1776
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", _with(trades(6), "ts", pa.array(ts, pa.timestamp("ns"))))
    assert (e.value.row, e.value.column) == (4, "ts")


def _heartbeats(rows: list[tuple]) -> pa.Table:
    """rows of (ts_ns, sym, published_ts_ns)."""
    ts = pa.array([r[0] for r in rows], pa.timestamp("ns"))
    return pa.table({"ts": ts, "sym": [r[1] for r in rows], "publisher": ["p"] * len(rows),
                     "model_version": ["m"] * len(rows), "market_ts": ts,
                     "published_ts": pa.array([r[2] for r in rows], pa.timestamp("ns"))})


def test_latest_heartbeats_when_several_rows_then_newest_ts_per_sym(store):
    store.ingest("publisher_heartbeat", _heartbeats([(10, "A", 100), (30, "A", 105),
                                                     (20, "A", 110), (5, "B", 90)]),
                 session=None)
    got = store.latest_heartbeats()
    assert got.column_names == store.table_schema("publisher_heartbeat").names
    assert got.column("sym").to_pylist() == ["A", "B"]
    assert got.column("ts").cast(pa.int64()).to_pylist() == [30, 5]


def test_latest_heartbeats_when_watermark_given_then_only_rows_published_after(store):
    store.ingest("publisher_heartbeat", _heartbeats([(10, "A", 100), (20, "A", 110),
                                                     (5, "B", 90)]), session=None)
    got = store.latest_heartbeats(since_ns=100)
    assert got.column("sym").to_pylist() == ["A"]
    assert got.column("published_ts").cast(pa.int64()).to_pylist() == [110]
    assert store.latest_heartbeats(since_ns=110).num_rows == 0


def test_connect_when_duckdb_conf_then_store_and_from_conf_is_the_same_call(tmp_path):
    from tsdb.connect import connect
    from tsdb.duckdb_store import DuckDBStore

    with connect(f"duckdb::path={tmp_path / 'c.duckdb'}") as s:
        assert isinstance(s, DuckDBStore) and "publisher_heartbeat" in s.tables()
    with pytest.raises(StoreError) as e:
        connect("nope::x=1")
    assert e.value.code is StoreErrorCode.BAD_CONF


def test_store_protocol_when_imported_then_no_backend_is_loaded():
    import subprocess
    import sys

    code = ("import sys, tsdb, tsdb.store; "
            "print(sorted(m for m in sys.modules if m.endswith('_store') and m != 'tsdb.store'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
