"""The read-only PG-wire endpoint with real parts: a DuckDB file written by a DuckDBStore,
a server on 127.0.0.1 port 0, and real clients (psycopg 3, psql when installed, pandas when
installed, and a raw socket for the bytes psycopg never sends)."""

from __future__ import annotations

import datetime as dt
import decimal
import shutil
import socket
import struct
import subprocess
import threading
import time

import psycopg
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import Store
from tsdb import pgwire_codec as wire
from tsdb.pgwire import PgWireServer

T0 = dt.datetime(2026, 6, 22, 13, 30)  # OPEN_NS as a naive UTC datetime
MS = dt.timedelta(milliseconds=1)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("pgwire") / "live.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        s.ingest("trades", trades(10, "AAA"))
        s.ingest("risk_limits", limits([(OPEN_NS, "AAA", "s1", 100), (OPEN_NS + 1, "BBB", "s1", 200)]))
        yield s


@pytest.fixture(scope="module")
def server(store):
    with PgWireServer(store, host="127.0.0.1", port=0) as srv:
        yield srv


def _dsn(srv: PgWireServer, **kw: str) -> str:
    extra = " ".join(f"{k}={v}" for k, v in kw.items())
    return f"host=127.0.0.1 port={srv.port} user=analyst dbname=live connect_timeout=10 {extra}"


@pytest.fixture
def conn(server):
    with psycopg.connect(_dsn(server), autocommit=True) as c:
        yield c


def _fingerprint(store) -> tuple:
    row = store.query("SELECT count(*) AS n, sum(trade_id) AS ids, max(price) AS px FROM trades")
    return tuple(row.to_pylist()[0].values())


# -- reads -----------------------------------------------------------------------------------
def test_select_when_simple_query_then_exact_values_and_python_types(conn):
    rows = conn.execute("SELECT ts, sym, price, size, side, trade_id FROM trades "
                        "ORDER BY trade_id LIMIT 2").fetchall()
    # trades(10): ts 1 ms apart from the open, price linspace(100, 101, 10), size 1..10
    assert rows == [(T0, "AAA", 100.0, 1, "B", 0), (T0 + MS, "AAA", 100 + 1 / 9, 2, "S", 1)]
    assert [type(v) for v in rows[0]] == [dt.datetime, str, float, float, str, int]  # size DOUBLE


def test_select_when_parameters_bound_server_side_then_rows_filtered(conn):
    cur = conn.execute("SELECT trade_id, size FROM trades WHERE sym = %s AND size >= %s "
                       "AND ts < %s ORDER BY trade_id", ["AAA", 8, T0 + 9 * MS])
    assert cur.fetchall() == [(7, 8), (8, 9)]
    assert cur._query.params is not None  # psycopg sent them apart from the SQL text


def test_select_when_client_cursor_binds_then_literals_quoted(conn):
    cur = psycopg.ClientCursor(conn)
    cur.execute("SELECT %s AS q, count(*) FROM risk_limits WHERE sym = %s", ["it's", "BBB"])
    assert cur.fetchall() == [("it's", 1)]


def test_select_when_prepared_after_five_runs_then_same_answers(conn):
    got = [conn.execute("SELECT max_order_qty FROM risk_limits WHERE sym = %s",
                        ["AAA" if i % 2 else "BBB"]).fetchone()[0] for i in range(8)]
    assert got == [200, 100] * 4


def test_select_when_types_mixed_then_postgres_types_and_nulls(conn):
    cur = conn.execute(
        "SELECT 1::SMALLINT, 2::INTEGER, 3::BIGINT, 0.5::REAL, 2.5::DOUBLE, 1.25::DECIMAL(10, 2), "
        "true, 'x', DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.5', "
        "TIMESTAMPTZ '2024-01-02 03:04:05+00', TIMESTAMP_NS '2024-01-02 03:04:05.123456789', "
        "INTERVAL '1 day 2 hours', '\\xAB'::BLOB, [1.5::DOUBLE, NULL], ['a b', 'c'], NULL::INTEGER")
    assert cur.fetchone() == (
        1, 2, 3, 0.5, 2.5, decimal.Decimal("1.25"), True, "x", dt.date(2024, 1, 2),
        dt.datetime(2024, 1, 2, 3, 4, 5, 500000), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456),  # nanoseconds truncated to microseconds
        dt.timedelta(days=1, hours=2), b"\xab", [1.5, None], ["a b", "c"], None)
    assert [d.type_code for d in cur.description] == [
        21, 23, 20, 700, 701, 1700, 16, 25, 1082, 1114, 1184, 1114, 1186, 17, 1022, 1009, 23]


def test_select_when_several_statements_then_each_result_set(conn):
    cur = conn.execute("SELECT 1 AS a; SELECT 'b' AS b")
    assert cur.fetchall() == [(1,)]
    assert cur.nextset() and cur.fetchall() == [("b",)]


def test_set_when_client_setting_then_acknowledged(conn):
    assert conn.execute("SET application_name = 'notebook'").statusmessage == "SET"
    assert conn.execute("SET DateStyle TO ISO").statusmessage == "SET"


def test_read_sql_when_pandas_installed_then_dataframe(conn):
    pd = pytest.importorskip("pandas")
    with pytest.warns(UserWarning):  # pandas prefers SQLAlchemy; a DBAPI connection works
        df = pd.read_sql("SELECT sym, max_order_qty FROM risk_limits ORDER BY sym", conn)
    assert df.to_dict("list") == {"sym": ["AAA", "BBB"], "max_order_qty": [100, 200]}


def test_psql_when_installed_then_text_output_as_postgres_prints():
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed (optional client)")
    with Store.from_conf("duckdb::path=:memory:") as s, PgWireServer(s) as srv:
        s.ingest("trades", trades(3))
        r = subprocess.run(
            [psql, "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(srv.port), "-U", "a", "-d", "d",
             "-c", "SELECT min(ts), sum(size), true, 1.5::DOUBLE, NULL FROM trades",
             "-c", "DELETE FROM trades"],
            capture_output=True, text=True, timeout=30, env={"PGCONNECT_TIMEOUT": "10"})
    assert r.stdout == "2026-06-22 13:30:00|6|t|1.5|\n"
    assert "ERROR:  cannot execute DELETE over the read-only endpoint" in r.stderr


# -- refusals and errors ---------------------------------------------------------------------
@pytest.mark.parametrize("sql", [
    "INSERT INTO trades SELECT * FROM trades", "UPDATE trades SET size = 0", "DELETE FROM trades",
    "DROP TABLE trades", "CREATE TABLE x AS SELECT 1", "COPY trades TO '/tmp/pgwire_x.csv'",
    "ATTACH '/tmp/pgwire_x.duckdb' AS x", "INSTALL httpfs", "CHECKPOINT", "PRAGMA enable_profiling",
    "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM '/etc/hosts.csv'",
])
def test_write_when_statement_writes_or_reads_files_then_25006_and_table_unchanged(conn, store, sql):
    before = _fingerprint(store)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction) as exc:
        conn.execute(sql)
    assert exc.value.sqlstate == "25006"
    assert "\n" not in str(exc.value)
    assert _fingerprint(store) == before
    assert conn.execute("SELECT count(*) FROM trades").fetchone() == (before[0],)


def test_query_when_syntax_error_then_42601_and_connection_usable(conn):
    with pytest.raises(psycopg.errors.SyntaxError):
        conn.execute("SELEC 1")
    assert conn.execute("SELECT 2").fetchone() == (2,)


def test_query_when_table_missing_then_42P01(conn):
    with pytest.raises(psycopg.errors.UndefinedTable):
        conn.execute("SELECT * FROM no_such_table")


def test_query_when_error_inside_transaction_then_aborted_until_rollback(server):
    with psycopg.connect(_dsn(server)) as c:  # not autocommit: psycopg sends BEGIN
        assert c.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.errors.SyntaxError):
            c.execute("SELEC 1")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("SELECT 1")
        c.rollback()
        assert c.execute("SELECT 3").fetchone() == (3,)
        c.commit()


# -- the extended protocol, byte by byte -----------------------------------------------------
class _Raw:
    """A bare protocol client: sends frontend bytes, reads backend messages."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.rfile = self.sock.makefile("rb")

    def send(self, kind: bytes, payload: bytes = b"") -> None:
        self.sock.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)

    def startup(self) -> list[tuple[bytes, bytes]]:
        body = struct.pack("!i", wire.PROTOCOL_V3) + b"user\x00raw\x00\x00"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        return self.until_ready()

    def read(self) -> tuple[bytes, bytes]:
        head = self.rfile.read(5)
        if len(head) < 5:
            return b"", b""
        n = struct.unpack("!i", head[1:])[0]
        return head[:1], self.rfile.read(n - 4)

    def until_ready(self) -> list[tuple[bytes, bytes]]:
        out = []
        while True:
            kind, payload = self.read()
            out.append((kind, payload))
            if kind in (b"Z", b""):
                return out

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def test_execute_when_row_limit_then_portal_suspended_and_resumed(server):
    raw = _Raw(server.port)
    raw.startup()
    raw.send(b"P", b"\x00SELECT * FROM range(5)\x00\x00\x00")
    raw.send(b"B", b"\x00\x00\x00\x00\x00\x00\x00\x00")
    for limit in (2, 2, 0):
        raw.send(b"E", b"\x00" + struct.pack("!i", limit))
    raw.send(b"S")
    got = raw.until_ready()
    raw.close()
    assert [k for k, _ in got] == [b"1", b"2", b"D", b"D", b"s", b"D", b"D", b"s", b"D", b"C", b"Z"]
    assert got[-2][1] == b"SELECT 1\x00" and got[-1][1] == b"I"


def test_parse_when_error_then_messages_skipped_until_sync_and_session_usable(server):
    raw = _Raw(server.port)
    raw.startup()
    raw.send(b"P", b"\x00SELEC 1\x00\x00\x00")
    raw.send(b"B", b"\x00\x00\x00\x00\x00\x00\x00\x00")
    raw.send(b"E", b"\x00\x00\x00\x00\x00")
    raw.send(b"S")
    got = raw.until_ready()
    assert [k for k, _ in got] == [b"E", b"Z"] and b"C42601\x00" in got[0][1]
    raw.send(b"Q", b"SELECT 41 + 1\x00")
    got = raw.until_ready()
    raw.close()
    assert [k for k, _ in got] == [b"T", b"D", b"C", b"Z"]
    assert got[1][1] == b"\x00\x01\x00\x00\x00\x0242"


def test_describe_when_statement_has_parameter_then_types_without_running(server):
    raw = _Raw(server.port)
    raw.startup()
    raw.send(b"P", b"s1\x00SELECT $1::INTEGER + 1 AS n\x00\x00\x00")
    raw.send(b"D", b"Ss1\x00")
    raw.send(b"S")
    got = raw.until_ready()
    raw.close()
    assert [k for k, _ in got] == [b"1", b"t", b"T", b"Z"]
    assert got[1][1] == b"\x00\x01\x00\x00\x00\x19"  # one parameter, unknown -> text
    assert got[2][1].startswith(b"\x00\x01n\x00") and struct.unpack("!i", got[2][1][10:14]) == (23,)


# -- robustness ------------------------------------------------------------------------------
@pytest.mark.parametrize("junk", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # not a startup packet
    b"\x00\x00\x00\x08\x04\xd2\x16",  # startup cut short, then the client leaves
    struct.pack("!ii", 1 << 30, wire.PROTOCOL_V3),  # absurd startup length
    b"startup+\x7f\xff\xff\xffQ",  # after a valid startup: a message claiming 2 GiB
    b"startup+!\x00\x00\x00\x04",  # after a valid startup: an unknown message type
    b"startup+B\x00\x00\x00\x09\x00\x00\x00\x01\x7f",  # a Bind that does not decode
])
def test_connect_when_garbage_bytes_then_that_connection_closed_and_others_served(server, junk):
    with psycopg.connect(_dsn(server), autocommit=True) as other:
        raw = _Raw(server.port)
        if junk.startswith(b"startup+"):
            raw.startup()
            junk = junk.removeprefix(b"startup+")
        raw.sock.sendall(junk)
        raw.sock.shutdown(socket.SHUT_WR)
        answers = raw.until_ready()
        raw.close()
        assert answers[-1] == (b"", b"")  # the server closed it
        if answers[0][0] == b"E":
            assert b"SFATAL\x00" in answers[0][1] and b"C08P01\x00" in answers[0][1]
        assert other.execute("SELECT count(*) FROM risk_limits").fetchone() == (2,)
    with psycopg.connect(_dsn(server), autocommit=True) as fresh:
        assert fresh.execute("SELECT 1").fetchone() == (1,)


def test_clients_when_concurrent_then_each_gets_its_own_answer(server):
    answers: dict[int, list[int]] = {}

    def client(k: int) -> None:
        with psycopg.connect(_dsn(server), autocommit=True) as c:
            answers[k] = [c.execute("SELECT count(*) FROM trades WHERE size <= %s", [k]).fetchone()[0]
                          for _ in range(20)]

    threads = [threading.Thread(target=client, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert answers == {k: [k] * 20 for k in range(1, 9)}


def test_connect_when_over_the_cap_then_53300_and_later_clients_served(store):
    with PgWireServer(store, max_connections=2) as srv:
        a = psycopg.connect(_dsn(srv), autocommit=True)
        b = psycopg.connect(_dsn(srv), autocommit=True)
        with pytest.raises(psycopg.OperationalError, match="too many clients"):
            psycopg.connect(_dsn(srv))
        a.close()
        deadline = time.monotonic() + 10
        while srv.connections > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        with psycopg.connect(_dsn(srv), autocommit=True) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)
        b.close()


def test_connect_when_password_set_then_wrong_refused_28P01_right_accepted(store):
    with PgWireServer(store, password="s3cret") as srv:
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(_dsn(srv, password="nope"))
        with psycopg.connect(_dsn(srv, password="s3cret"), autocommit=True) as c:
            assert c.execute("SELECT 1").fetchone() == (1,)


# -- beside the writer -----------------------------------------------------------------------
def test_ingest_when_long_analyst_query_runs_then_not_blocked_and_rows_seen_after(server, store):
    n_before = store.count("trades")
    analyst = psycopg.connect(_dsn(server), autocommit=True)
    outcome: dict[str, object] = {}

    def long_query() -> None:
        try:  # minutes of work unless cancelled
            analyst.execute("SELECT sum(range) FROM range(1000000000000)").fetchall()
        except psycopg.Error as exc:
            outcome["error"] = exc

    reader = threading.Thread(target=long_query)
    reader.start()
    time.sleep(0.5)
    assert reader.is_alive()
    t = time.perf_counter()
    written = store.ingest("trades", trades(1000, "ZZZ"))
    ingest_s = time.perf_counter() - t
    still_running = reader.is_alive()
    analyst.cancel_safe()
    reader.join(30)
    assert written == 1000 and still_running and ingest_s < 5.0
    assert isinstance(outcome.get("error"), psycopg.errors.QueryCanceled)
    assert analyst.execute("SELECT count(*) FROM trades WHERE sym = 'ZZZ'").fetchone() == (1000,)
    assert analyst.execute("SELECT count(*) FROM trades").fetchone() == (n_before + 1000,)
    analyst.close()


def test_stop_when_query_running_then_cancelled_and_stop_returns(store):
    srv = PgWireServer(store)
    srv.start()
    analyst = psycopg.connect(_dsn(srv), autocommit=True)
    failed: list[BaseException] = []

    def long_query() -> None:
        try:
            analyst.execute("SELECT sum(range) FROM range(1000000000000)").fetchall()
        except psycopg.Error as exc:
            failed.append(exc)

    reader = threading.Thread(target=long_query)
    reader.start()
    time.sleep(0.5)
    t = time.perf_counter()
    srv.stop()
    stop_s = time.perf_counter() - t
    reader.join(10)
    analyst.close()
    assert stop_s < 5.0 and not reader.is_alive() and len(failed) == 1
    assert srv.connections == 0
