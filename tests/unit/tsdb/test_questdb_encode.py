"""What a QuestDB server would be sent, pinned exactly (no server needed).

ILP protocol v2 bytes are checkable by hand: a binary double is the field's ``=`` then ``=`` + type byte 16 +
the little-endian IEEE-754 value (``struct.pack('<d', x)``); integers carry an ``i`` suffix;
the designated timestamp ends the line in nanoseconds with an ``n`` suffix; arrays are
``==`` + type byte 14, element type 10 (double), rank, dims (uint32 LE) and the values.
"""

import struct

import numpy as np
import pyarrow as pa

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import canonical
from tsdb.questdb_encode import encode
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
        b"trades,sym=AAA,side=B price" + f64(100.0) + b",size=1i,trade_id=0i " + str(OPEN_NS).encode() + b"n\n"
        + b"trades,sym=AAA,side=S price" + f64(101.0) + b",size=2i,trade_id=1i "
        + str(OPEN_NS + 1_000_000).encode() + b"n\n"
    )
    assert got == want


def test_encode_when_limits_then_symbols_tagged_and_text_quoted():
    got = bytes(encode("risk_limits", conform("risk_limits", limits([(5, "GOOG", "*", 50)]),
                                              canonical.table_schema("risk_limits"))))
    want = (b"risk_limits,sym=GOOG,strategy=*,state=ACTIVE,model_version=static max_order_qty=50i,"
            b"max_notional" + f64(1e6) + b",price_band_bps" + f64(500.0) + b",max_position=5000i,"
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
    assert "WHERE ts > %(since)s LATEST ON ts PARTITION BY sym, strategy" in " ".join(body.split())
