"""``adaptrisk live`` goals (issue 10), measured in one live process on simulated sessions.

1. Bucket close -> its limits in force: from the wall time at which the replay clock passes a
   bucket's end to the enforcer's snapshot swap that carries that bucket's heartbeat, per
   bucket, over a 3-symbol flash-crash session replayed at 10x (goal p50 <= 150 ms,
   p99 <= 300 ms).
2. While the daemon runs: an analyst's ``SELECT count(*) FROM trades`` over PG wire from
   another process (goal p50 <= 50 ms), and the enforcer's single-order check p50 against
   its idle value in the same run, before the replay starts (goal ratio <= 1.2).
3. Publisher paused: seconds until static limits are in force (goal: within the 5 s
   staleness bound), and back to adaptive after resume.
4. Issue 11: during stress, with the publisher healthy (not paused), the share of orders
   decided on the static fallback (goal <= 1 %): one-lot MARKET orders sent over FIX, round
   robin over the three symbols, from 30 s before the crash onset to 60 s after it (market
   time), each execution report's 8011 risk state read; 'RiskAlert_StaleLimits' is the
   engine's answer when the symbol's model row is not fresh (no heartbeat within the
   staleness bound) and the static rule set decides.

The full 6.5 h day replayed at 10x is ``bench_liveday`` (39 min of wall time).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

W = 100_000_000
NS = 1_000_000_000
ONSET_MIN = 10.0  # the crash session's onset, minutes after its first event
STRESS_S = (30, 60)  # stress window: seconds of market time before / after the onset
ORDER_GAP_S = 0.02  # wall time between stress orders (one in flight at a time)
STALE = b"RiskAlert_StaleLimits"
TRAIN = [("normal", 61, 20, None, 0.01), ("flash_crash", 62, 20, 10.0, 0.01)]
SMALL = {"vae": {"epochs": 3, "hidden": 32, "holdout_block": 600, "online_warm": 300,
                 "online_half_life": 3000.0}}
ANALYST = """
import sys, time, psycopg
port, n = int(sys.argv[1]), int(sys.argv[2])
out = []
with psycopg.connect(f"host=127.0.0.1 port={port} user=analyst dbname=live", autocommit=True) as c:
    for _ in range(n):
        t = time.perf_counter(); c.execute("SELECT count(*) FROM trades").fetchone()
        out.append((time.perf_counter() - t) * 1e3); time.sleep(0.05)
print(" ".join(f"{x:.3f}" for x in out))
"""


def _row(metric, value, unit, goal, met, note=""):
    return {"bench": "live", "metric": metric, "value": value, "unit": unit, "goal": goal,
            "met": met, "note": note}


def _model(d: Path):
    from adaptrisk import evalstore
    from jaxmodels import training
    from jaxmodels.config import ModelsConfig
    from jaxmodels.registry import Registry
    from tsdb.connect import connect

    cfg = ModelsConfig.from_dict(SMALL)
    reg = Registry(str(d / "models"))
    with connect(f"duckdb::path={d / 'train.duckdb'}") as s:
        evalstore.build(s, TRAIN, n_symbols=3, out=lambda *_: None)
        ids = training.train_and_register(s, reg, cfg, since=-(2**62), until=2**62)
    reg.promote(ids["vae"])
    return cfg


def _session(d: Path, name: str, minutes: float, onset: float | None, seed: int) -> Path:
    from sim import SimConfig, simulate
    from tsdb.connect import connect

    scen = "flash_crash" if onset is not None else "normal"
    t = simulate(SimConfig(scenario=scen, n_symbols=3, minutes=minutes, seed=seed,
                           onset_minute=onset, fat_finger_rate=0.0)).tables()
    p = d / f"{name}.duckdb"
    with connect(f"duckdb::path={p}") as s:
        for k in ("trades", "quotes", "book"):
            s.ingest(k, t[k])
    return p


def _runner(d: Path, src: Path, db: str, cfg, pg: bool):
    from adaptrisk.live.config import LiveConfig
    from adaptrisk.live.runner import LiveRunner

    lc = LiveConfig(db=str(d / db), feed=f"replay:{src}", speed=10.0, fix_port=0,
                    http_port=0, pg_port=0 if pg else None, log=d / f"{db}.log",
                    models_root=str(d / "models"), exit_at_end=True)
    return LiveRunner(lc, models=cfg)


def _check_p50(enf, n: int = 3000) -> float:
    from enforcer.commands import NewOrder

    ts = []
    for i in range(n):
        o = NewOrder(order_id=10**9 + i, ts=time.time_ns(), trader="T1", strategy="S1",
                     sym="SIM00", side="B", qty=10, price=None, order_type="MARKET")
        t = time.perf_counter_ns()
        enf.check(o)
        ts.append(time.perf_counter_ns() - t)
        if i % 100 == 99:
            time.sleep(0.002)
    return statistics.median(ts) / 1e3


def _stress_orders(r, out: list) -> None:
    """Send one-lot MARKET orders over FIX during the stress window (see the module doc),
    one at a time; append (market ns, sym, 8011 bytes, 8012 bytes) per execution report."""
    from enforcer.fix import codec as C
    from enforcer.fix.client import FixClient, new_order_fields

    onset = r.feed.start_ns + int(ONSET_MIN * 60 * NS)
    lo, hi = onset - STRESS_S[0] * NS, onset + STRESS_S[1] * NS
    while r.feed.now_ns() < lo and not r.finished.is_set():
        time.sleep(0.01)
    with FixClient("127.0.0.1", r.ports["fix"], sender="T_STRESS") as c:
        c.logon()
        i = 0
        while r.feed.now_ns() < hi and not r.finished.is_set():
            sym = f"SIM{i % 3:02d}"
            c.send("D", new_order_fields(cl_ord_id=f"stress-{i}", sym=sym, side="BS"[i // 3 % 2],
                                         qty=1))
            rep = c.expect(b"8", timeout=10)
            out.append((r.feed.now_ns(), sym, rep.get(C.RISK_STATE) or b"",
                        rep.get(C.LIMITS_VERSION) or b""))
            i += 1
            time.sleep(ORDER_GAP_S)


def stress_fallback_row(sent: list) -> dict:
    """The issue-11 row from `_stress_orders`' reports: share decided on the static fallback."""
    states = Counter(s.decode() for _, _, s, _ in sent)
    n, stale = len(sent), sum(1 for _, _, s, _ in sent if s == STALE)
    share = 100.0 * stale / n if n else float("nan")
    kinds = ", ".join(f"{k or '(none)'} {v}" for k, v in states.most_common())
    return _row("orders decided on the static fallback during stress, publisher healthy", share,
                "%", "<= 1", bool(n) and share <= 1.0,
                f"{stale} of {n} one-lot FIX orders from {STRESS_S[0]} s before to "
                f"{STRESS_S[1]} s after the crash onset (3 sym, 10x); 8011 states: {kinds}")


def stress_run() -> list[dict]:
    """Only the static-fallback row: model, crash session at 10x, stress orders over FIX."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cfg = _model(d)
        src = _session(d, "crash", 20, ONSET_MIN, 6401)
        r = _runner(d, src, "live.duckdb", cfg, pg=False)
        r.start()
        sent: list = []
        try:
            _stress_orders(r, sent)
        finally:
            r.stop()
        return [stress_fallback_row(sent)]


def _session_run(d: Path, cfg) -> list[dict]:
    src = _session(d, "crash", 20, ONSET_MIN, 6401)
    r = _runner(d, src, "live.duckdb", cfg, pg=True)
    r.start()
    sent: list = []
    stress = threading.Thread(target=_stress_orders, args=(r, sent), daemon=True)
    stress.start()
    idle = _check_p50(r.enforcer)  # before the first bucket: the loop has nothing to do yet
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(r.ports["pg"]), "400"],
                               stdout=subprocess.PIPE, text=True)
    busy = []
    while not r.finished.is_set() and len(busy) < 20:
        time.sleep(2.0)
        busy.append(_check_p50(r.enforcer, 1000))
    while not r.finished.is_set() and r.feed.now_ns() < r.feed.end_ns - 120 * 10**9:
        time.sleep(0.5)  # the crash (minute 10) is behind; pause with 2 min left
    lat = np.asarray(r.latency_ms, float)  # before the pause: its backlog is not a latency
    # publisher pause -> static; resume -> adaptive
    r.paused.set()
    t0 = time.monotonic()
    fall = back = None
    while time.monotonic() - t0 < 15:
        if r.enforcer.limits_for("SIM00")["effective"]["risk_state"] == "RiskAlert_StaleLimits":
            fall = time.monotonic() - t0
            break
        time.sleep(0.02)
    r.paused.clear()
    t1 = time.monotonic()
    while time.monotonic() - t1 < 15:
        if r.enforcer.limits_for("SIM00")["effective"]["risk_state"] != "RiskAlert_StaleLimits":
            back = time.monotonic() - t1
            break
        time.sleep(0.02)
    r.wait(900)
    stress.join(60)
    q = [float(x) for x in analyst.communicate(timeout=600)[0].split()]
    r.stop()
    busy_p50 = statistics.median(busy) if busy else float("nan")
    return [
        _row("bucket close -> limits in force p50 (3 sym, 10x)", float(np.percentile(lat, 50)),
             "ms", "<= 150", bool(np.percentile(lat, 50) <= 150), f"{len(lat)} buckets"),
        _row("bucket close -> limits in force p99 (3 sym, 10x)", float(np.percentile(lat, 99)),
             "ms", "<= 300", bool(np.percentile(lat, 99) <= 300)),
        _row("analyst SELECT count(*) over PG wire p50, daemon running",
             statistics.median(q), "ms", "<= 50", statistics.median(q) <= 50,
             f"p99 {np.percentile(q, 99):.1f} ms, {len(q)} queries"),
        _row("single-order check p50 while live / idle", busy_p50 / idle, "x", "<= 1.2",
             busy_p50 / idle <= 1.2, f"idle {idle:.2f} us, live {busy_p50:.2f} us"),
        _row("publisher paused -> static limits in force", fall, "s", "<= 5.1 (bound 5 s + one poll)",
             fall is not None and fall <= 5.1, "staleness bound 5 s, poll every 100 ms"),
        _row("publisher resumed -> adaptive limits back", back, "s", "", None),
        stress_fallback_row(sent),
    ]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        return _session_run(d, _model(d))
