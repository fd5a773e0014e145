"""What a QuestDB server would be sent, pinned exactly (no server needed).

ILP protocol v2 bytes are checkable by hand: a binary double is the field's ``=`` then ``=`` + type byte 16 +
the little-endian IEEE-754 value (``struct.pack('<d', x)``); integers carry an ``i`` suffix;
the designated timestamp ends the line in nanoseconds with an ``n`` suffix; arrays are
``==`` + type byte 14, element type 10 (double), rank, dims (uint32 LE) and the values.
"""

import struct

import numpy as np
import pyarrow as pa
import pytest

from features.config import FeatureConfig
from features.dialect import (
    Call,
    build_state_call,
    data_days_call,
    market_state_call,
    order_features_call,
)
from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import canonical
from tsdb.questdb_encode import encode, encode_chunks, from_pg, pg_placeholders, select_logical
from tsdb.questdb_store import ddl_statements, ilp_conf
from tsdb.validate import conform


def f64(x: float) -> bytes:
    return b"==\x10" + struct.pack("<d", x)


def arr(values) -> bytes:
    v = np.asarray(values, dtype="<f8")
    return b"==\x0e\x0a\x01" + struct.pack("<I", len(v)) + v.tobytes()


def test_encode_when_two_trades_then_exact_ilp_v2_bytes():
    got = bytes(encode("trades", conform("trades", trades(2), canonical.table_schema("trades"))))
    want = (
        b"trades,sym=AAA,side=B price" + f64(100.0) + b",size" + f64(1.0) + b",trade_id=0i "
        + str(OPEN_NS).encode() + b"n\n"
        + b"trades,sym=AAA,side=S price" + f64(101.0) + b",size" + f64(2.0) + b",trade_id=1i "
        + str(OPEN_NS + 1_000_000).encode() + b"n\n"
    )
    assert got == want


def test_encode_when_fractional_btc_size_then_a_double_field_not_an_integer():
    t = trades(1).set_column(3, "size", pa.array([0.05]))
    got = bytes(encode("trades", conform("trades", t, canonical.table_schema("trades"))))
    assert got == (b"trades,sym=AAA,side=B price" + f64(100.0) + b",size" + f64(0.05)
                   + b",trade_id=0i " + str(OPEN_NS).encode() + b"n\n")


def test_encode_when_limits_then_symbols_tagged_and_text_quoted():
    got = bytes(encode("risk_limits", conform("risk_limits", limits([(5, "GOOG", "*", 50)]),
                                              canonical.table_schema("risk_limits"))))
    want = (b"risk_limits,sym=GOOG,strategy=*,state=ACTIVE,model_version=static max_order_qty"
            + f64(50.0) + b",max_notional" + f64(1e6) + b",price_band_bps" + f64(500.0)
            + b",max_position" + f64(5000.0) + b","
            b"fat_finger_threshold" + f64(10.0) + b",reason=\"test\" 5n\n")
    assert got == want


def test_encode_when_book_row_then_levels_are_double_arrays_with_nan_for_empty():
    row = pa.table({"ts": pa.array([OPEN_NS], pa.timestamp("ns")), "sym": ["G"],
                    "bid_px": pa.array([[99.0, 98.0] + [None] * 8]), "bid_sz": pa.array([[5, 6] + [0] * 8]),
                    "ask_px": pa.array([[101.0] * 10]), "ask_sz": pa.array([[1] * 10])})
    got = bytes(encode("book", conform("book", row, canonical.table_schema("book"))))
    want = (b"book,sym=G bid_px" + arr([99.0, 98.0] + [np.nan] * 8) + b",bid_sz" + arr([5, 6] + [0] * 8)
            + b",ask_px" + arr([101.0] * 10) + b",ask_sz" + arr([1] * 10) + b" " + str(OPEN_NS).encode() + b"n\n")
    assert got == want


def test_encode_when_labels_events_then_start_ts_is_designated_and_end_ts_a_field():
    ev = pa.table({"sym": ["A"], "event": ["flash_crash"], "start_ts": pa.array([10], pa.timestamp("ns")),
                   "end_ts": pa.array([20], pa.timestamp("ns")), "detail": ["{}"]})
    got = bytes(encode("labels_events", conform("labels_events", ev, canonical.table_schema("labels_events"))))
    assert got == b'labels_events,sym=A,event=flash_crash end_ts=20n,detail="{}" 10n\n'


def test_ddl_when_read_then_every_table_has_designated_ts_day_partitions_and_wal():
    stmts = dict(ddl_statements())
    assert len(stmts) == len(canonical.tables())
    for name, sql in stmts.items():
        assert sql.startswith("CREATE TABLE IF NOT EXISTS"), name
        assert "PARTITION BY DAY WAL" in sql and "TIMESTAMP(" in sql, name
    assert stmts["070_risk_limits.sql"].endswith("DEDUP UPSERT KEYS(ts, sym, strategy)")
    assert stmts["097_publisher_heartbeat.sql"].endswith("DEDUP UPSERT KEYS(ts, sym, publisher)")
    assert "bid_px DOUBLE[]" in stmts["030_book.sql"]


def test_ddl_when_compared_to_logical_schema_then_same_columns_in_same_order():
    import re

    for name, sql in ddl_statements():
        table = re.search(r"EXISTS (\w+)", sql).group(1)
        body = sql[sql.index("(") + 1: sql.index(") TIMESTAMP")]
        cols = [c.split()[0] for c in body.replace("\n", " ").split(",")]
        assert cols == canonical.table_schema(table).names, name


def test_ilp_conf_when_user_given_then_http_v2_with_credentials():
    assert ilp_conf({"addr": "h:9000", "user": "u", "password": "p"}) == (
        "http::addr=h:9000;protocol_version=2;username=u;password=p;")


def test_latest_limits_sql_when_read_then_filter_before_latest_on_per_sym_strategy():
    from tsdb.store import SQL_ROOT

    sql = (SQL_ROOT / "questdb/queries/latest_limits.sql").read_text()
    body = " ".join(ln for ln in sql.splitlines() if not ln.startswith("--"))
    assert "WHERE ts > $1 LATEST ON ts PARTITION BY sym, strategy" in " ".join(body.split())


def test_latest_heartbeats_sql_when_read_then_watermark_on_published_ts_latest_per_sym():
    sql = _sql("queries/latest_heartbeats.sql")
    body = " ".join(" ".join(ln for ln in sql.splitlines() if not ln.startswith("--")).split())
    assert body == (
        "SELECT ts::LONG AS ts, sym, publisher, model_version, market_ts::LONG AS market_ts, "
        "published_ts::LONG AS published_ts FROM publisher_heartbeat WHERE published_ts > $1 "
        "LATEST ON ts PARTITION BY sym ORDER BY sym;")
    got, args = pg_placeholders(sql, [7])
    assert args == [7] and got.count("%s") == 1


def test_encode_when_heartbeat_then_names_are_symbols_and_times_ns_fields():
    ts = pa.array([5], pa.timestamp("ns"))
    row = pa.table({"ts": ts, "sym": ["GOOG"], "publisher": ["live:h:1"],
                    "model_version": ["static"], "market_ts": pa.array([7], pa.timestamp("ns")),
                    "published_ts": pa.array([9], pa.timestamp("ns"))})
    got = bytes(encode("publisher_heartbeat", conform(
        "publisher_heartbeat", row, canonical.table_schema("publisher_heartbeat"))))
    assert got == (b"publisher_heartbeat,sym=GOOG,publisher=live:h:1,model_version=static "
                   b"market_ts=7n,published_ts=9n 5n\n")


def test_pg_placeholders_when_repeated_and_out_of_order_then_args_in_psycopg_order():
    assert pg_placeholders("a = $2 AND b = $1 OR c = $2", ["x", "y"]) == (
        "a = %s AND b = %s OR c = %s", ["y", "x", "y"])


def test_pg_placeholders_when_percent_in_sql_then_doubled():
    assert pg_placeholders("SELECT 7 % 2, x FROM t WHERE s LIKE 'a%' AND v > $1", [3]) == (
        "SELECT 7 %% 2, x FROM t WHERE s LIKE 'a%%' AND v > %s", [3])


def test_pg_placeholders_when_dollar_in_literal_name_or_comment_then_left_alone():
    sql = "-- $1 is t0\nSELECT '$1', \"c$2\", 'it''s $1' FROM t WHERE ts > $10"
    assert pg_placeholders(sql, list(range(1, 11))) == (
        "-- $1 is t0\nSELECT '$1', \"c$2\", 'it''s $1' FROM t WHERE ts > %s", [10])


def test_pg_placeholders_when_ints_then_bound_as_int8_and_bools_left_alone():
    """psycopg sends a Python int below 2**31 as int2/int4, which QuestDB refuses against a
    TIMESTAMP_NS column ("Invalid date"): every integer goes as int8."""
    _, args = pg_placeholders("SELECT $1, $2, $3, $4", [7, np.int32(8), True, "x"])
    assert [type(a).__name__ for a in args] == ["Int8", "Int8", "bool", "str"]
    assert args == [7, 8, True, "x"]


def test_one_line_error_when_psycopg_three_lines_then_message_line_column_text():
    from tsdb.questdb_encode import one_line_error

    text = "Invalid date\nLINE 8: WHERE ts > $1\n                   ^"
    assert one_line_error(text) == "Invalid date (line 8, column 12: WHERE ts > $1)"
    assert one_line_error("plain\nsecond") == "plain second"


def test_encode_chunks_when_past_max_bytes_then_parts_below_it_with_every_row():
    batch = conform("trades", trades(100), canonical.table_schema("trades"))
    whole = bytes(encode("trades", batch))
    parts = [bytes(b) for b in encode_chunks("trades", batch, 1000)]
    assert len(parts) > 1 and all(len(p) <= 1000 for p in parts)
    assert b"".join(parts) == whole


def test_pg_placeholders_when_mapping_then_names_bound_like_duckdb_files():
    assert pg_placeholders("a > $since AND b <= $until OR c = $since", {"since": 1, "until": 2}) == (
        "a > %s AND b <= %s OR c = %s", [1, 2, 1])
    with pytest.raises(ValueError, match=r"\$nope"):
        pg_placeholders("SELECT $nope", {"since": 1})


def test_pg_placeholders_when_index_beyond_args_then_value_error():
    with pytest.raises(ValueError, match=r"\$3 in the query but 2 argument"):
        pg_placeholders("SELECT $3", [1, 2])


def test_latest_limits_sql_when_translated_then_one_placeholder_bound_to_since():
    sql, args = pg_placeholders(_sql("queries/latest_limits.sql"), [123])
    assert args == [123] and "WHERE ts > %s" in sql and sql.count("%s") == 1


def test_market_state_call_when_questdb_then_file_and_args_in_psycopg_order():
    call = market_state_call("questdb", FeatureConfig(), t0=OPEN_NS, t1=OPEN_NS + 10**9, ref_sym="A")
    assert (call.text, call.args) == ("features/market_state.sql", [OPEN_NS, OPEN_NS + 10**9, "A"])
    sql, args = pg_placeholders(_sql(call.text), call.args)
    body = "\n".join(ln.split("--")[0] for ln in _sql(call.text).splitlines())
    import re

    order = [int(n) for n in re.findall(r"\$(\d+)", body)]
    assert args == [call.args[n - 1] for n in order] and order.count(3) == 1
    assert all(type(a).__name__ == "Int8" for a in args if a != "A")  # 64-bit binds
    assert "FROM trades WHERE ts >= %s - 100000000 AND ts < %s" in sql
    assert "$" not in sql.split("WITH", 1)[1]


def test_order_features_call_when_questdb_then_duckdb_names_bound_by_name():
    from features.orders import order_params

    cfg = FeatureConfig()
    call = order_features_call("questdb", cfg, since_ns=5, until_ns=9)
    assert call.args == order_params(cfg, since_ns=5, until_ns=9)
    sql, args = pg_placeholders(_sql(call.text), call.args)
    assert [int(a) for a in args[:2]] == [9, cfg.trader_history]
    assert all(type(a).__name__ == "Int8" for a in args if isinstance(a, int))  # 64-bit binds
    assert "WHERE ts >= dateadd('m', -20, %s::TIMESTAMP_NS) AND ts <= %s" in sql


def test_build_calls_when_questdb_then_days_and_state_files_with_long_ns():
    assert data_days_call("questdb", 7) == Call("features/data_days.sql", [7])
    assert build_state_call("questdb", 1, 2) == Call("features/build_state.sql",
                                                     {"open": 1, "close": 2})
    assert pg_placeholders(_sql("features/build_state.sql"), {"open": 1, "close": 2})[1] == [1, 2] * 4
    assert pg_placeholders(_sql("features/data_days.sql"), [7])[1] == [7] * 3


def test_market_state_call_when_questdb_and_not_100ms_then_value_error():
    with pytest.raises(ValueError, match="100 ms"):
        market_state_call("questdb", FeatureConfig(bucket_ns=50_000_000), t0=0, t1=1, ref_sym="A")


def test_select_logical_when_risk_limits_then_ts_as_long_ns():
    assert select_logical("risk_limits", canonical.table_schema("risk_limits")) == (
        "SELECT ts::LONG AS ts, sym, strategy, max_order_qty, max_notional, price_band_bps, "
        "max_position, fat_finger_threshold, state, reason, model_version FROM risk_limits")


def test_from_pg_when_book_row_then_nan_levels_null_sizes_bigint_ts_ns():
    nan = float("nan")
    got = from_pg({"ts": [OPEN_NS + 7], "sym": ["G"], "bid_px": [[99.0, nan] + [nan] * 8],
                   "bid_sz": [[5.0, 0.0] + [0.0] * 8], "ask_px": [[101.0] * 10],
                   "ask_sz": [[1.0] * 10]}, canonical.table_schema("book"))
    assert got.schema == canonical.table_schema("book")
    assert got.to_pylist() == [{
        "ts": pa.scalar(OPEN_NS + 7, pa.timestamp("ns")).as_py(), "sym": "G",
        "bid_px": [99.0] + [None] * 9, "bid_sz": [5, 0] + [0] * 8, "ask_px": [101.0] * 10,
        "ask_sz": [1] * 10}]
    assert got.column("ts").cast(pa.int64()).to_pylist() == [OPEN_NS + 7]


def test_from_pg_when_nan_double_then_null():
    got = from_pg({"ts": [1], "sym": ["A"], "bid": [nan := float("nan")], "ask": [1.5],
                   "bid_size": [0], "ask_size": [3]}, canonical.table_schema("quotes"))
    assert nan != nan and got.column("bid").to_pylist() == [None]
    assert got.column("ask").to_pylist() == [1.5]


def _sql(relpath: str) -> str:
    from tsdb.store import SQL_ROOT

    return (SQL_ROOT / "questdb" / relpath).read_text()
