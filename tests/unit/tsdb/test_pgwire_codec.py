"""PG-wire encoding without sockets: message bytes, text values, parameters, statement plans.

Expected bytes are checkable by hand from the protocol's message formats (PostgreSQL docs,
"Message Formats"); expected text values are what PostgreSQL 15 prints for the same value
(``SELECT 100::float8`` prints ``100``, ``'2024-01-02 03:04:05.5'::timestamp`` prints
``2024-01-02 03:04:05.5``, ``'-1 day -2 hours'::interval`` prints ``-1 days -02:00:00``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import struct
import uuid

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsdb import pgwire_codec as wire
from tsdb import pgwire_types as pgt
from tsdb.pgwire_guard import Refused, plan


# -- backend messages ------------------------------------------------------------------------
def test_encode_when_ready_for_query_then_type_length_status():
    assert wire.ready_for_query("I") == b"Z\x00\x00\x00\x05I"
    assert wire.ready_for_query("E") == b"Z\x00\x00\x00\x05E"


def test_encode_when_command_complete_then_tag_zero_terminated():
    assert wire.command_complete("SELECT 1") == b"C\x00\x00\x00\x0dSELECT 1\x00"


def test_encode_when_data_row_has_null_then_length_minus_one():
    assert wire.data_row([b"1", None, b""]) == (
        b"D\x00\x00\x00\x13" b"\x00\x03" b"\x00\x00\x00\x011" b"\xff\xff\xff\xff" b"\x00\x00\x00\x00"
    )


def test_encode_when_row_description_then_fields_with_oid_typlen_text_format():
    got = wire.row_description([("n", pgt.INT8), ("s", pgt.TEXT)])
    field_n = b"n\x00" + struct.pack("!ihihih", 0, 0, 20, 8, -1, 0)
    field_s = b"s\x00" + struct.pack("!ihihih", 0, 0, 25, -1, -1, 0)
    payload = b"\x00\x02" + field_n + field_s
    assert got == b"T" + struct.pack("!i", len(payload) + 4) + payload


def test_encode_when_error_has_several_lines_then_first_line_with_sqlstate():
    got = wire.error_response("25006", "read only\nLINE 1: INSERT ...")
    payload = b"SERROR\x00VERROR\x00C25006\x00Mread only\x00\x00"
    assert got == b"E" + struct.pack("!i", len(payload) + 4) + payload


def test_encode_when_startup_answers_then_exact_bytes():
    assert wire.authentication_ok() == b"R\x00\x00\x00\x08\x00\x00\x00\x00"
    assert wire.authentication_cleartext() == b"R\x00\x00\x00\x08\x00\x00\x00\x03"
    assert wire.parameter_status("a", "b") == b"S\x00\x00\x00\x08a\x00b\x00"
    assert wire.backend_key_data(7, 9) == b"K\x00\x00\x00\x0c\x00\x00\x00\x07\x00\x00\x00\x09"
    assert wire.parameter_description([25, 20]) == b"t\x00\x00\x00\x0e\x00\x02\x00\x00\x00\x19\x00\x00\x00\x14"


# -- frontend messages -------------------------------------------------------------------
def test_decode_when_startup_packet_then_params():
    body = struct.pack("!i", wire.PROTOCOL_V3) + b"user\x00ana\x00database\x00x\x00\x00"
    assert wire.decode_startup(body) == wire.Startup(wire.PROTOCOL_V3, {"user": "ana", "database": "x"})
    assert wire.decode_startup(struct.pack("!i", wire.SSL_REQUEST)) == wire.SSLRequest()
    assert wire.decode_startup(struct.pack("!iii", wire.CANCEL_REQUEST, 3, 4)) == wire.CancelRequest(3, 4)


def test_decode_when_startup_length_absurd_then_protocol_error():
    with pytest.raises(wire.ProtocolError):
        wire.startup_length(struct.pack("!i", 3))
    with pytest.raises(wire.ProtocolError):
        wire.startup_length(struct.pack("!i", 1 << 30))


def test_decode_when_message_over_limit_then_protocol_error():
    assert wire.message_length(b"Q\x00\x00\x00\x09", 100) == (b"Q", 5)
    with pytest.raises(wire.ProtocolError, match="exceeds"):
        wire.message_length(b"Q\x7f\x00\x00\x00", 1 << 20)
    with pytest.raises(wire.ProtocolError):
        wire.message_length(b"Q\x00\x00\x00\x02", 100)


def test_decode_when_parse_bind_execute_then_fields():
    parse = b"s1\x00SELECT $1\x00" + struct.pack("!hi", 1, 25)
    assert wire.decode_message(b"P", parse) == wire.Parse("s1", "SELECT $1", (25,))
    bind = (b"\x00s1\x00" + struct.pack("!hh", 1, 0) + struct.pack("!h", 2)
            + struct.pack("!i", 1) + b"X" + struct.pack("!i", -1) + struct.pack("!h", 0))
    assert wire.decode_message(b"B", bind) == wire.Bind("", "s1", (0,), (b"X", None), ())
    assert wire.decode_message(b"E", b"\x00" + struct.pack("!i", 5)) == wire.Execute("", 5)
    assert wire.decode_message(b"D", b"Pp\x00") == wire.Describe("P", "p")
    assert wire.decode_message(b"S", b"") == wire.Sync()


@pytest.mark.parametrize("kind,payload", [
    (b"Q", b"SELECT 1"),  # no terminating zero
    (b"B", b"\x00s\x00\x00\x01"),  # truncated format count
    (b"B", b"\x00\x00\x00\x00\x00\x01\x7f\xff\xff\xff"),  # parameter longer than the message
    (b"D", b"Xname\x00"),  # neither S nor P
    (b"S", b"junk"),  # trailing bytes
    (b"Q", b"\xff\xfe\x00"),  # not UTF-8
    (b"!", b""),  # unknown type
])
def test_decode_when_malformed_then_protocol_error(kind, payload):
    with pytest.raises(wire.ProtocolError):
        wire.decode_message(kind, payload)


@given(st.sampled_from(list(b"QPBDECpSHX!")), st.binary(max_size=64))
def test_decode_when_random_bytes_then_message_or_protocol_error_only(kind, payload):
    try:
        wire.decode_message(bytes([kind]), payload)
    except wire.ProtocolError:
        pass


# -- types and values ----------------------------------------------------------------------
@pytest.mark.parametrize("duck,oid", [
    ("BOOLEAN", 16), ("SMALLINT", 21), ("INTEGER", 23), ("BIGINT", 20), ("HUGEINT", 1700),
    ("DECIMAL(18,3)", 1700), ("FLOAT", 700), ("DOUBLE", 701), ("VARCHAR", 25), ("BLOB", 17),
    ("DATE", 1082), ("TIMESTAMP", 1114), ("TIMESTAMP_NS", 1114),
    ("TIMESTAMP WITH TIME ZONE", 1184), ("INTERVAL", 1186), ("UUID", 2950),
    ("DOUBLE[]", 1022), ("DOUBLE[10]", 1022), ("VARCHAR[]", 1009), ("INTEGER[][]", 25),
    ("STRUCT(x INTEGER)", 25), ("ENUM('a', 'b')", 25),
])
def test_map_when_duckdb_type_then_postgres_oid(duck, oid):
    assert pgt.pg_oid(duck) == oid


@pytest.mark.parametrize("oid,value,text", [
    (pgt.BOOL, True, "t"), (pgt.BOOL, False, "f"),
    (pgt.INT8, -42, "-42"),
    (pgt.FLOAT8, 100.0, "100"), (pgt.FLOAT8, 0.1, "0.1"), (pgt.FLOAT8, float("inf"), "Infinity"),
    (pgt.FLOAT8, float("nan"), "NaN"), (pgt.FLOAT4, 0.10000000149011612, "0.1"),
    (pgt.NUMERIC, decimal.Decimal("1.500"), "1.500"), (pgt.NUMERIC, 2**70, str(2**70)),
    (pgt.DATE, dt.date(2024, 1, 2), "2024-01-02"),
    (pgt.TIMESTAMP, dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
    (pgt.TIMESTAMP, dt.datetime(2024, 1, 2, 3, 4, 5, 500000), "2024-01-02 03:04:05.5"),
    (pgt.TIMESTAMP, dt.datetime(2024, 1, 2, 3, 4, 5, 123456), "2024-01-02 03:04:05.123456"),
    (pgt.TIMESTAMPTZ, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2024-01-02 03:04:05+00"),
    (pgt.TIMESTAMPTZ, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
     "2024-01-02 03:04:05+05:30"),
    (pgt.TIME, dt.time(12, 0, 1, 250000), "12:00:01.25"),
    (pgt.INTERVAL, dt.timedelta(days=1, hours=2), "1 day 02:00:00"),
    (pgt.INTERVAL, dt.timedelta(days=3), "3 days"),
    (pgt.INTERVAL, dt.timedelta(seconds=1.5), "00:00:01.5"),
    (pgt.INTERVAL, -dt.timedelta(days=1, hours=2), "-1 days -02:00:00"),
    (pgt.BYTEA, b"\xab\x01", "\\xab01"),
    (1022, [1.5, None, 2.0], "{1.5,NULL,2}"),
    (1009, ["a b", "c", "", 'q"', "null"], '{"a b",c,"","q\\"","null"}'),
    (1115, [dt.datetime(2024, 1, 2)], '{"2024-01-02 00:00:00"}'),
    (pgt.TEXT, {"x": 1}, "{'x': 1}"),
    (pgt.UUID, uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
])
def test_print_when_value_then_postgres_text(oid, value, text):
    assert pgt.text_out(oid)(value) == text


def test_encode_when_row_has_null_then_same_bytes_as_data_row_of_printed_cells():
    enc = wire.data_row_encoder([pgt.text_out(o) for o in (pgt.INT8, pgt.TEXT, pgt.BOOL, pgt.TEXT)])
    assert enc((1, None, True, "é")) == wire.data_row([b"1", None, b"t", "é".encode()])


@given(st.lists(st.one_of(st.none(), st.integers(), st.text()), min_size=1, max_size=8))
def test_encode_when_random_row_then_same_bytes_as_data_row(row):
    enc = wire.data_row_encoder([str] * len(row))
    assert enc(tuple(row)) == wire.data_row([None if v is None else str(v).encode() for v in row])


@pytest.mark.parametrize("oid,binary,raw,value", [
    (pgt.INT8, False, b"42", 42), (pgt.INT4, True, struct.pack("!i", -7), -7),
    (pgt.FLOAT8, True, struct.pack("!d", 1.5), 1.5), (pgt.BOOL, False, b"t", True),
    (pgt.NUMERIC, False, b"1.25", decimal.Decimal("1.25")), (0, False, b"AAA", "AAA"),
    (pgt.TEXT, True, "é".encode(), "é"), (pgt.BYTEA, True, b"\x00\x01", b"\x00\x01"),
    (pgt.BYTEA, False, b"\\x0001", b"\x00\x01"),
    (pgt.TIMESTAMPTZ, False, b"2024-01-02 03:04:05+00", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
    (pgt.TIMESTAMP, True, struct.pack("!q", 86_400_000_000), dt.datetime(2000, 1, 2)),
    (pgt.DATE, True, struct.pack("!i", -1), dt.date(1999, 12, 31)),
    (pgt.INT8, False, None, None),
])
def test_decode_when_bind_parameter_then_python_value(oid, binary, raw, value):
    assert pgt.decode_param(oid, binary, raw) == value


def test_decode_when_parameter_bad_then_value_error():
    with pytest.raises(ValueError):
        pgt.decode_param(pgt.INT8, False, b"x")
    with pytest.raises(ValueError):
        pgt.decode_param(pgt.INT8, True, b"\x00")
    with pytest.raises(ValueError):
        pgt.decode_param(pgt.NUMERIC, True, b"\x00\x00")


# -- which statements run ------------------------------------------------------------------
@pytest.fixture(scope="module")
def parser():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    yield con
    con.close()


@pytest.mark.parametrize("sql,actions", [
    ("SELECT 1; SELECT 2", ["query", "query"]),
    ("WITH x AS (SELECT 1) SELECT * FROM x", ["query"]),
    ("SHOW TABLES", ["query"]), ("DESCRIBE t", ["query"]), ("EXPLAIN SELECT * FROM t", ["query"]),
    ("SELECT * FROM range(3)", ["query"]), ("SELECT * FROM duckdb_tables()", ["query"]),
    ("SET application_name = 'psql'", ["set"]), ("SET DateStyle = ISO", ["set"]),
    ("BEGIN", ["begin"]), ("START TRANSACTION", ["begin"]), ("COMMIT", ["commit"]),
    ("END", ["commit"]), ("ROLLBACK", ["rollback"]), ("", []), ("-- only a comment", []),
])
def test_plan_when_read_statement_then_runs(parser, sql, actions):
    assert [s.action for s in plan(parser, sql)] == actions


@pytest.mark.parametrize("sql", [
    "INSERT INTO t VALUES (1)", "UPDATE t SET a = 2", "DELETE FROM t", "CREATE TABLE u (a INT)",
    "DROP TABLE t", "ALTER TABLE t ADD COLUMN b INT", "COPY t TO '/tmp/x.csv'",
    "ATTACH '/tmp/x.duckdb'", "DETACH x", "INSTALL httpfs", "LOAD httpfs", "CHECKPOINT",
    "PRAGMA enable_profiling", "EXPORT DATABASE '/tmp/x'", "VACUUM", "USE memory",
    "CALL pragma_version()", "SELECT 1; DELETE FROM t", "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
    "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_parquet('x.parquet')",
    "SELECT * FROM glob('/*')", "SELECT * FROM 'data.csv'", "SELECT * FROM read_text('/etc/hosts')",
    "WITH x AS (SELECT * FROM read_json('x.json')) SELECT * FROM x",
    "SELECT * FROM t WHERE a IN (SELECT 1 FROM read_csv('x'))", "SELECT * FROM query('SELECT 1')",
])
def test_plan_when_write_or_file_access_then_refused_25006(parser, sql):
    with pytest.raises(Refused) as exc:
        plan(parser, sql)
    assert exc.value.code == "25006"
    assert "\n" not in str(exc.value)


def test_plan_when_parameters_then_counted(parser):
    (step,) = plan(parser, "SELECT * FROM t WHERE a = $1 OR a = $2")
    assert step.n_params == 2


def test_plan_when_syntax_error_then_parser_exception(parser):
    with pytest.raises(duckdb.ParserException):
        plan(parser, "SELEC 1")
