"""`adaptrisk enforcer run` as a real process: orders over FIX, SIGKILL, restart, count.

The decision log is the source of truth: every order the daemon answered before it was
killed must be in the `decisions` table exactly once after a restart and a clean stop.
"""

import os
import re
import signal
import subprocess
import sys
import time

import duckdb
import httpx
import pytest

from enforcer import fix_codec as C
from enforcer.fix_client import FixClient, new_order_fields
from tests.integration import daemon
from tests.unit.enforcer_fe.helpers import static_limits

TOKEN = "cli-test-token-123"
ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu", "AR_TEST_TOKEN": TOKEN}
READY = re.compile(r"enforcer running fix=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+)")


def start(tmp_path, *extra):
    proc, m = daemon.start(["enforcer", "run", "--db", str(tmp_path / "e.duckdb"),
                            "--mode", "enforce", "--fix-port", "0", "--http-port", "0",
                            "--static-limits", str(static_limits(tmp_path)),
                            "--token-env", "AR_TEST_TOKEN",
                            "--log", str(tmp_path / "decisions.log"), *extra],
                           READY, ENV, timeout=90)
    return proc, int(m.group(1)), int(m.group(2))


def quote(http_port):
    r = httpx.post(f"http://127.0.0.1:{http_port}/quote", timeout=5,
                   json={"sym": "AAPL", "bid": 99.0, "ask": 101.0},
                   headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200


def send_orders(fix_port, ids, sender):
    """One NewOrderSingle per id (every 5th one malformed); returns ids answered."""
    answered = []
    with FixClient("127.0.0.1", fix_port, sender=sender, timeout=10) as c:
        c.logon()
        for i in ids:
            qty = 0 if i % 5 == 0 else 1 + i % 7
            c.send("D", new_order_fields(cl_ord_id=i, sym="AAPL", side="BS"[i % 2], qty=qty,
                                         price=round(98.0 + (i % 300) / 100, 2)))
        deadline = time.monotonic() + 30
        while len(answered) < len(ids) and time.monotonic() < deadline:
            m = c.recv(timeout=1.0)
            if m is not None and not hasattr(m, "code") and m.get(C.MSG_TYPE) == b"8" \
                    and m.get(C.EXEC_TYPE) in (b"0", b"8"):
                answered.append(int(m.get(C.CL_ORD_ID)))
    return answered


def decision_counts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT order_id, count(*) FROM decisions GROUP BY order_id").fetchall()
    finally:
        con.close()
    return dict(rows)


@pytest.mark.slow
def test_run_when_killed_and_restarted_then_no_decision_lost_or_duplicated(tmp_path):
    proc, fix_port, http_port = start(tmp_path)
    try:
        quote(http_port)
        first = list(range(1, 301))
        answered = send_orders(fix_port, first, "OMS1")
        assert sorted(answered) == first
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    proc, fix_port, http_port = start(tmp_path)
    try:
        quote(http_port)
        second = list(range(1001, 1101))
        assert sorted(send_orders(fix_port, second, "OMS2")) == second
        state = httpx.get(f"http://127.0.0.1:{http_port}/state", timeout=5).json()
        assert state["counters"]["orders"] >= len(second)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"pending=0" in out
    counts = decision_counts(tmp_path / "e.duckdb")
    assert set(counts) == set(first) | set(second)  # none lost, none invented
    assert set(counts.values()) == {1}  # none written twice


def test_run_when_token_env_missing_then_usage_error_exit_2(tmp_path):
    env = {k: v for k, v in ENV.items() if k != "AR_TEST_TOKEN"}
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "run", "--db",
                        str(tmp_path / "e.duckdb"), "--token-env", "AR_TEST_TOKEN",
                        "--fix-port", "0", "--http-port", "0"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 2
    assert p.stderr.startswith("adaptrisk enforcer: error: --token-env AR_TEST_TOKEN")


def test_replay_when_orders_table_filled_then_decisions_written_and_summary_printed(tmp_path):
    import pyarrow as pa

    from tsdb import Store

    db = tmp_path / "r.duckdb"
    open_ns = 1_782_135_000_000_000_000  # 2026-06-22 13:30 UTC, inside the NY session
    with Store.from_conf(f"duckdb::path={db}") as store:
        store.ingest("quotes", pa.table({
            "ts": pa.array([open_ns], pa.timestamp("ns")), "sym": ["AAPL"], "bid": [99.0],
            "ask": [101.0], "bid_size": [100], "ask_size": [100]}))
        n = 6
        store.ingest("orders", pa.table({
            "ts": pa.array([open_ns + (i + 1) * 1_000_000 for i in range(n)],
                           pa.timestamp("ns")),
            "order_id": list(range(1, n + 1)), "trader": ["t1"] * n, "strategy": ["s1"] * n,
            "sym": ["AAPL"] * 5 + ["ZZZZ"], "side": ["B"] * n, "qty": [1, 2, 3, 5000, 4, 1],
            "price": [100.0, 100.5, 99.5, 100.0, 100.2, 100.0], "order_type": ["LIMIT"] * n}))
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                        str(db), "--static-limits", str(static_limits(tmp_path))],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "replayed 6 orders: 4 accepted, 2 rejected" in p.stdout
    counts = decision_counts(db)
    assert counts == {i: 1 for i in range(1, 7)}


def test_run_when_fix_config_names_senders_then_only_they_log_on(tmp_path):
    (tmp_path / "fix.toml").write_text('allowed_senders = ["ALICE"]\n'
                                       'standard_only = ["ALICE"]\n')
    proc, fix_port, _ = start(tmp_path, "--fix-config", str(tmp_path / "fix.toml"))
    try:
        with FixClient("127.0.0.1", fix_port, sender="ALICE", timeout=10) as c:
            assert c.logon().get(C.MSG_TYPE) == b"A"
        with FixClient("127.0.0.1", fix_port, sender="MALLORY", timeout=10) as c:
            c.send("A", [(98, "0"), (108, 30)])
            m = c.recv(timeout=5)
            assert m is None or m.get(C.MSG_TYPE) == b"5"  # a Logout, never a Logon
            assert c.closed_by_peer()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


@pytest.mark.parametrize("text,why", [("allowed_senders = [\n", "fix.toml"),
                                       ("no_such_field = 1\n", "unknown field")])
def test_run_when_fix_config_bad_then_one_line_error_exit_2_and_nothing_started(tmp_path, text,
                                                                                 why):
    (tmp_path / "fix.toml").write_text(text)
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "run", "--db",
                        str(tmp_path / "e.duckdb"), "--fix-config", str(tmp_path / "fix.toml"),
                        "--fix-port", "0", "--http-port", "0"],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert p.returncode == 2
    assert p.stderr.startswith("adaptrisk enforcer: error: --fix-config") and why in p.stderr
    assert p.stderr.count("\n") == 1
    assert not (tmp_path / "e.duckdb").exists()
