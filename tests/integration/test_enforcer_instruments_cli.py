"""`--instruments` on `adaptrisk enforcer run` and `adaptrisk live` (issue 17, point 2): the
daemon as a real subprocess takes 0.05 BTC over FIX on the satoshi lot the file gives, and
a bad file is a one-line usage error before anything starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import duckdb
import httpx

from enforcer import fix_codec as C
from enforcer.fix_client import FixClient, new_order_fields
from tests.integration import daemon
from tests.integration.test_fix_fractional import INSTRUMENTS, STATIC

TOKEN = "cli-test-token-456"
ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu", "AR_TEST_TOKEN": TOKEN}
READY = re.compile(r"enforcer running fix=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+)")


def test_run_when_instruments_give_a_satoshi_lot_then_0_05_btc_accepted_and_stored(tmp_path):
    (tmp_path / "ins.toml").write_text(INSTRUMENTS)
    (tmp_path / "static.toml").write_text(STATIC)
    db = tmp_path / "e.duckdb"
    proc, m = daemon.start(["enforcer", "run", "--db", str(db), "--fix-port", "0",
                            "--http-port", "0", "--static-limits", str(tmp_path / "static.toml"),
                            "--instruments", str(tmp_path / "ins.toml"),
                            "--token-env", "AR_TEST_TOKEN", "--log", str(tmp_path / "d.log")],
                           READY, ENV, timeout=90)
    try:
        r = httpx.post(f"http://127.0.0.1:{m.group(2)}/quote", timeout=5,
                       json={"sym": "BTCUSD", "bid": 40000.0, "ask": 40001.0},
                       headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200
        with FixClient("127.0.0.1", int(m.group(1)), sender="DESK", timeout=10) as c:
            c.logon()
            c.send("D", new_order_fields(cl_ord_id=1, sym="BTCUSD", qty="0.05", price=39000.0))
            er = c.expect(b"8")
            c.send("D", new_order_fields(cl_ord_id=2, sym="BTCUSD", qty="0.000000015",
                                         price=39000.0))
            bad = c.expect(b"8")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert (er.get(C.EXEC_TYPE), er.get(C.ORDER_QTY)) == (b"0", b"0.05")
    assert bad.get(C.EXEC_TYPE) == b"8" and b"lot_size 1e-08" in bad.get(C.TEXT)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT order_id, qty, verdict FROM decisions ORDER BY order_id"
                           ).fetchall()
    finally:
        con.close()
    assert rows[0] == (1, 0.05, "ACCEPT") and rows[1][2] == "REJECT"


def test_run_and_live_when_instruments_file_missing_then_one_line_usage_error(tmp_path):
    for cmd in (["enforcer", "run"], ["live"]):
        p = subprocess.run([sys.executable, "-m", "adaptrisk", *cmd, "--db",
                            str(tmp_path / "e.duckdb"), "--instruments",
                            str(tmp_path / "none.toml"), "--fix-port", "0", "--http-port", "0"],
                           capture_output=True, text=True, env=ENV, timeout=120)
        assert p.returncode == 2, (cmd, p.stderr)
        assert "--instruments" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
