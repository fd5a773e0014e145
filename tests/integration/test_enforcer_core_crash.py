"""Crash recovery: a real enforcer process killed with SIGKILL mid-stream loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from enforcer.config import EnforcerConfig
from enforcer.decision_log import read_log
from enforcer.engine import Enforcer
from tsdb import Store

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from enforcer.commands import NewOrder
    from enforcer.config import EnforcerConfig
    from enforcer.engine import Enforcer
    from tsdb import Store
    d = Path(sys.argv[1])
    store = Store.from_conf(f"duckdb::path={d / 'db.duckdb'}")
    e = Enforcer(EnforcerConfig(decision_log_path=d / "d.log", breaker_rejects_per_s=0), store,
                 clock=lambda: 1_700_000_000_000_000_000)
    e.on_quote("AAA", 99.9, 100.1, 0)
    i = 0
    while True:  # until killed
        i += 1
        e.submit(NewOrder(order_id=i, ts=1_700_000_000_000_000_000 + i * 10_000_000,
                          trader="t", strategy="s" + str(i % 3), sym="AAA", side="BS"[i % 2],
                          qty=1 + i % 50, price=100.0, order_type="LIMIT"))
        if i % 97 == 0 and i < 1000:  # then an unflushed tail keeps growing
            e.flush()
        if i == 1500:
            print("ready", flush=True)
""")


def test_restart_when_process_sigkilled_mid_stream_then_no_decision_lost_or_duplicated(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], env=env,
                             stdout=subprocess.PIPE, cwd=ROOT)
    assert child.stdout.readline().strip() == b"ready"
    child.send_signal(signal.SIGKILL)
    child.wait()
    logged = [r for r in read_log(tmp_path / "d.log") if r[0] == "D"]
    store = Store.from_conf(f"duckdb::path={tmp_path / 'db.duckdb'}")
    with store:
        before = store.count("decisions")
        e = Enforcer(EnforcerConfig(decision_log_path=tmp_path / "d.log"), store)
        e.flush()
        ids = store.query("SELECT order_id FROM decisions ORDER BY seq").column(0).to_pylist()
        net = {}
        for r in logged:
            if r[11] == 0:
                k = (r[5], r[6])
                net[k] = net.get(k, 0) + (r[8] if r[7] == "B" else -r[8])
        e.stop()
    assert len(logged) >= 1500 and before == 970
    assert ids == [r[3] for r in logged]  # every logged decision exactly once, in order
    assert {k: p[1] - p[2] for k, p in e.book.pos.items()} == net
