"""`adaptrisk live --feed push` owns its DuckDB file; other processes use the store through it.

A real `adaptrisk live` subprocess holds the file's lock. This process (and `adaptrisk sql`
as another subprocess) opens the same `duckdb::path=FILE` and gets the live process's store
over HTTP: reads exact (ns timestamps), pushed batches validated there and rejected whole,
writes through the query endpoint refused, and a pushed quote moves the live market clock.
"""

import datetime as dt
import os
import re
import subprocess
import sys
import time

import httpx
import pyarrow as pa
import pytest

from tests.integration.daemon import start
from tsdb.connect import connect
from tsdb.errors import BatchRejected, StoreError

TOKEN = "live-store-token-1"
ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu", "AR_LIVE_TOKEN": TOKEN}
READY = re.compile(r"live running fix=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+)")
T0 = int(dt.datetime(2026, 6, 22, 14, 0, tzinfo=dt.UTC).timestamp()) * 10**9  # 10:00 New York


def start_live(tmp_path, *extra):
    proc, m = start(["live", "--db", str(tmp_path / "live.duckdb"), "--feed", "push",
                     "--fix-port", "0", "--http-port", "0", "--pg-port", "-1", "--token-env",
                     "AR_LIVE_TOKEN", "--root", str(tmp_path / "models"), *extra], READY, ENV)
    return proc, int(m.group(1)), int(m.group(2))


@pytest.fixture
def live(tmp_path, monkeypatch):
    monkeypatch.setenv("AR_LIVE_TOKEN", TOKEN)  # clients find it by the name in live.json
    proc, fix, http = start_live(tmp_path)
    yield tmp_path / "live.duckdb", http
    proc.terminate()
    proc.wait(30)


def trades(n, start=T0, price=10.0):
    return pa.table({"ts": pa.array([start + i * 1_000_000 for i in range(n)], pa.timestamp("ns")),
                     "sym": ["AAA"] * n, "price": [price] * n, "size": [100] * n,
                     "side": ["B"] * n, "trade_id": list(range(n))})


def test_connect_when_live_owns_file_then_store_is_reached_through_it(live):
    path, _ = live
    with connect(f"duckdb::path={path}") as store:
        assert type(store).__name__ == "RemoteStore"
        assert "publisher_heartbeat" in store.tables()
        assert store.ingest("trades", trades(5)) == 5
        got = store.query("SELECT ts, price FROM trades ORDER BY ts")
        assert got.column("ts").type == pa.timestamp("ns")
        assert got.column("ts").cast(pa.int64()).to_pylist() == [T0 + i * 10**6 for i in range(5)]
        assert store.query("SELECT count(*) AS n FROM trades WHERE price > $p",
                           {"p": 5.0}).column("n")[0].as_py() == 5
        assert store.count("trades") == 5


def test_ingest_when_batch_has_a_bad_row_then_rejected_whole_and_nothing_written(live):
    path, _ = live
    bad = trades(4)
    bad = bad.set_column(2, "price", pa.array([10.0, 10.0, -1.0, 10.0]))
    with connect(f"duckdb::path={path}") as store:
        with pytest.raises(BatchRejected) as e:
            store.ingest("trades", bad)
        assert "row 2" in str(e.value) and "price" in str(e.value)
        assert "\n" not in str(e.value)
        assert store.count("trades") == 0


def test_query_when_statement_writes_then_refused_and_table_unchanged(live):
    path, _ = live
    with connect(f"duckdb::path={path}") as store:
        store.ingest("trades", trades(3))
        for sql in ("DELETE FROM trades", "DROP TABLE trades",
                    "INSERT INTO trades SELECT * FROM trades", "COPY trades TO 'x.csv'"):
            with pytest.raises(StoreError, match="read-only"):
                store.query(sql)
        assert store.count("trades") == 3


def test_push_when_token_missing_then_401_and_nothing_written(live):
    path, http = live
    from tsdb.remote import to_ipc

    r = httpx.post(f"http://127.0.0.1:{http}/store/ingest/trades", content=to_ipc(trades(2)),
                   timeout=10)
    assert r.status_code == 401
    with connect(f"duckdb::path={path}") as store:
        assert store.count("trades") == 0


def test_sql_command_when_live_owns_file_then_answers_unchanged(live):
    path, _ = live
    with connect(f"duckdb::path={path}") as store:
        store.ingest("trades", trades(7))
    out = subprocess.run([sys.executable, "-m", "adaptrisk", "sql",
                          "SELECT count(*) AS n FROM trades", "--db", str(path)],
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^\s*7\s*$", out.stdout, re.M), out.stdout


def test_push_when_quotes_arrive_then_market_clock_moves_and_heartbeats_follow(live):
    path, http = live
    n = 40  # 4 s of quotes, one every 100 ms
    q = pa.table({"ts": pa.array([T0 + i * 100_000_000 for i in range(n)], pa.timestamp("ns")),
                  "sym": ["AAA"] * n, "bid": [10.0] * n, "ask": [10.02] * n,
                  "bid_size": [100] * n, "ask_size": [100] * n})
    with connect(f"duckdb::path={path}") as store:
        store.ingest("quotes", q)
        deadline = time.monotonic() + 30
        hb = None
        while time.monotonic() < deadline:
            st = httpx.get(f"http://127.0.0.1:{http}/live", timeout=5).json()
            hb = store.query("SELECT epoch_ns(max(ts)) AS t, epoch_ns(max(market_ts)) AS m "
                             "FROM publisher_heartbeat").to_pylist()[0]
            if hb["m"] == T0 + (n - 1) * 100_000_000:
                break
            time.sleep(0.2)
        assert st["market_ns"] == T0 + (n - 1) * 100_000_000, st["errors"]
        assert hb["m"] == T0 + (n - 1) * 100_000_000
        assert hb["t"] is not None and hb["m"] - hb["t"] < 200_000_000


def test_connect_when_file_locked_without_live_process_then_one_line_error(tmp_path):
    import duckdb

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb,sys; c=duckdb.connect({str(path)!r}); "
                               "print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV)
    try:
        assert holder.stdout.readline().strip() == b"held"
        with pytest.raises(StoreError) as e:
            connect(f"duckdb::path={path}")
        assert "lock" in str(e.value).lower() and "\n" not in str(e.value)
    finally:
        holder.stdin.close()
        holder.wait(10)
    duckdb.connect(str(path)).close()


@pytest.mark.parametrize("args,why", [
    (["--feed", "replay:/nonexistent/session.duckdb"], "replay source not found"),
    (["--feed", "replay:SELF"], "another file than --db"),
    (["--feed", "push", "--speed", "0"], "speed must be > 0"),
    (["--feed", "push", "--role", "intake"], "use --role all"),
    (["--feed", "kafka:topic"], "feed must be 'push' or 'replay:PATH'"),
])
def test_live_when_arguments_bad_then_one_line_error_exit_2_and_no_store(tmp_path, args, why):
    db = tmp_path / "live.duckdb"
    if args[1] == "replay:SELF":
        db.touch()
        args = ["--feed", f"replay:{db}"]
    out = subprocess.run([sys.executable, "-m", "adaptrisk", "live", "--db", str(db),
                          "--fix-port", "0", "--http-port", "0", "--pg-port", "-1", *args],
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("adaptrisk live: error:") and why in out.stderr, out.stderr
    assert out.stderr.count("\n") == 1
    assert not (tmp_path / "live.duckdb.live.json").exists()
    assert db.exists() == (args[1] == f"replay:{db}")  # no store created by a refused run
