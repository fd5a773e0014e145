"""FIX round trip over loopback: NewOrderSingle in -> ExecutionReport (New/Rejected) out.

A paced client in a second process sends `RATE` orders/s for `SECONDS` s (defaults 10,000
and 60; env BENCH_FIX_RATE / BENCH_FIX_SECONDS override) to a `FixAcceptor` in front of a
real `Enforcer` (DuckDB store in a temp dir, decision log with fsync='interval', the
built-in exchange simulator downstream, so accepted orders also produce fills). Latency is
client-side: from the moment the order was written to the socket to the moment the
first ExecutionReport for it was read (p50/p99/p99.9/max), plus p99 from the *scheduled*
send time (free of coordinated omission: it includes the client falling behind). After
the run the daemon stops and flushes, and the order ids are compared one by one
(``account``): every order sent must have exactly one decision. An id answered on the wire
but absent from the decisions table is lost, an id with two rows is duplicated, and an id
sent but neither answered nor decided was never read by the daemon before the client gave up
(30 s after its last send): each is its own row with the goal 0.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import select
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

RATE = int(os.environ.get("BENCH_FIX_RATE", "10000"))
SECONDS = float(os.environ.get("BENCH_FIX_SECONDS", "60"))
FIRST_ID = 1_000_000
GOAL_US = 1000.0
LOW_RATE, LOW_SECONDS = 1000, 10.0  # a second, unsaturated point for context

STATIC = """
name = "bench-fix"
[defaults]
allow_unknown_symbols = false
reject_without_reference = true
max_order_qty = 10000
max_notional = 100_000_000.0
price_band_bps = 1000.0
max_position = 100_000_000
fat_finger_threshold = 1000.0
[throttle]
rate_per_s = 1000000
burst = 1000000
[symbols.AAPL]
[symbols.MSFT]
"""


def _client(port: int, rate: int, seconds: float, out) -> None:  # noqa: C901
    from enforcer import fix_codec as C
    from enforcer.fix_client import new_order_fields
    from enforcer.fix_parser import FixFramer

    n = int(rate * seconds)
    sent = np.zeros(n, np.int64)
    recv = np.zeros(n, np.int64)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    framer = FixFramer(max_message_bytes=1 << 16)
    hdr = {"sender": "BENCH", "target": "ADAPTRISK"}
    sock.sendall(C.encode("A", [(98, 0), (108, 30)], seq=1, ts_ns=time.time_ns(), **hdr))
    while not any(m.get(35) == b"A" for m in framer.feed(sock.recv(65536))):
        pass
    interval = 1e9 / rate
    t0 = time.perf_counter_ns() + 20_000_000
    i = got = extra = 0
    deadline = t0 + int(seconds * 1e9) + 30_000_000_000
    syms = ("AAPL", "MSFT")
    def drain(wait: float) -> None:
        nonlocal got, extra
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            return
        data = sock.recv(1 << 20)
        t = time.perf_counter_ns()
        for m in framer.feed(data):
            if hasattr(m, "code") or m.get(35) != b"8" or m.get(150) not in (b"0", b"8"):
                continue
            k = int(m.get(11)) - FIRST_ID
            if 0 <= k < n and recv[k] == 0:
                recv[k] = t
                got += 1
            else:
                extra += 1

    while got < n and time.perf_counter_ns() < deadline:
        now = time.perf_counter_ns()
        burst = 0
        while i < n and now >= t0 + i * interval and burst < 32:
            sym = syms[i & 1]
            px = (95.0 + (i % 1000) / 100) * (1 if sym == "AAPL" else 2)
            body = new_order_fields(cl_ord_id=FIRST_ID + i, sym=sym, side="BS"[(i >> 1) & 1],
                                    qty=1 + (i // 1000) % 97, price=round(px, 2))
            sock.sendall(C.encode("D", body, seq=i + 2, ts_ns=time.time_ns(), **hdr))
            sent[i] = time.perf_counter_ns()
            i += 1
            burst += 1
            now = sent[i - 1]
        due = (t0 + i * interval - time.perf_counter_ns()) / 1e9 if i < n else 0.5
        drain(max(0.0, due))
    sched = (t0 + np.arange(n) * interval).astype(np.int64)
    sock.sendall(C.encode("5", [], seq=i + 2, ts_ns=time.time_ns(), **hdr))
    sock.close()
    out.put({"sent": sent, "recv": recv, "sched": sched, "extra": extra, "n_sent": i})


def measure(rate: int = RATE, seconds: float = SECONDS) -> dict:
    from enforcer.config import EnforcerConfig
    from enforcer.engine import Enforcer
    from enforcer.fix_acceptor import FixAcceptor
    from enforcer.fix_config import FixConfig
    from tsdb import Store

    with tempfile.TemporaryDirectory() as tmp:
        limits = Path(tmp) / "static.toml"
        limits.write_text(STATIC)
        store = Store.from_conf(f"duckdb::path={Path(tmp) / 'bench.duckdb'}")
        enf = Enforcer(EnforcerConfig(static_limits_path=limits,
                                      decision_log_path=Path(tmp) / "decisions.log"), store)
        acc = FixAcceptor(enf, config=FixConfig(port=0))
        acc.start()
        now = time.time_ns()
        acc.gateway.on_quote("AAPL", 99.99, 100.01, now)
        acc.gateway.on_quote("MSFT", 199.98, 200.02, now)
        enf.start()
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        proc = ctx.Process(target=_client, args=(acc.port, rate, seconds, q), daemon=True)
        proc.start()
        res = q.get(timeout=seconds + 120)
        proc.join(30)
        acc.stop()
        enf.stop()
        ids = store.query_file("enforcer/decision_ids.sql",
                               [FIRST_ID, FIRST_ID + res["n_sent"] - 1])
        venue_fills = acc.gateway.counters["fills"]
        store.close()
    ok = res["recv"] > 0
    lat = (res["recv"][ok] - res["sent"][ok]) / 1e3
    lat_sched = (res["recv"][ok] - res["sched"][ok]) / 1e3
    span = float(res["sent"][res["n_sent"] - 1] - res["sent"][0]) / 1e9 if res["n_sent"] > 1 else 0
    return {"n": res["n_sent"], "answered": int(ok.sum()), "extra_reports": res["extra"],
            "rate": float(res["n_sent"] / span) if span else 0.0,
            "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99)),
            "p999": float(np.percentile(lat, 99.9)), "max": float(lat.max()),
            "p99_sched": float(np.percentile(lat_sched, 99)),
            "fills": venue_fills,
            "ids": account(FIRST_ID + np.arange(res["n_sent"]),
                           FIRST_ID + np.flatnonzero(ok[:res["n_sent"]]),
                           np.asarray(ids.column("order_id").to_numpy(), np.int64),
                           np.asarray(ids.column("n").to_numpy(), np.int64))}


def account(sent: np.ndarray, answered: np.ndarray, decided: np.ndarray,
            rows: np.ndarray) -> dict:
    """Compare order ids one by one. ``sent``: ids written to the socket; ``answered``: ids
    with an ExecutionReport read back; ``decided``: ids in the decisions table, ``rows[i]``
    rows for ``decided[i]``. Counts of ids: ``lost`` (answered, no decision row),
    ``duplicated`` (more than one row; ``extra_rows`` the rows beyond the first),
    ``never_read`` (sent, neither answered nor decided), ``decided_unanswered`` (a decision
    row but no report read back), ``unknown`` (decided but never sent)."""
    sent, answered, decided = (np.unique(np.asarray(a, np.int64)) for a in (sent, answered, decided))
    rows = np.asarray(rows, np.int64)
    has_row = np.isin(sent, decided)
    was_answered = np.isin(sent, answered)
    return {"sent": int(len(sent)), "answered": int(len(answered)), "decided": int(len(decided)),
            "decision_rows": int(rows.sum()),
            "lost": int(np.sum(~np.isin(answered, decided))),
            "duplicated": int(np.sum(rows > 1)), "extra_rows": int(np.sum(rows[rows > 1] - 1)),
            "never_read": int(np.sum(~has_row & ~was_answered)),
            "decided_unanswered": int(np.sum(has_row & ~was_answered)),
            "unknown": int(np.sum(~np.isin(decided, sent)))}


def id_rows(a: dict) -> list[dict]:
    """Lost, duplicated and never-decided orders as three rows, each with the goal 0."""
    note = (f"{a['sent']} sent, {a['answered']} answered, {a['decided']} ids with "
            f"{a['decision_rows']} decision rows; {a['decided_unanswered']} decided but not "
            f"answered before the client gave up, {a['unknown']} decided but never sent")
    row = {"bench": "fix", "unit": "orders", "goal": "0", "note": note}
    return [
        {**row, "metric": "decisions_lost", "value": float(a["lost"]), "met": a["lost"] == 0,
         "note": "answered on the wire, no decision row; " + note},
        {**row, "metric": "decisions_duplicated", "value": float(a["duplicated"]),
         "met": a["duplicated"] == 0,
         "note": f"ids with more than one decision row ({a['extra_rows']} extra rows); " + note},
        {**row, "metric": "orders_never_decided", "value": float(a["never_read"]),
         "met": a["never_read"] == 0,
         "note": "sent, neither answered nor decided: never read by the daemon; " + note},
    ]


def run() -> list[dict]:
    m = measure()
    a = m["ids"]
    sustained = bool(m["rate"] >= 0.99 * RATE)
    where = f"{RATE} orders/s for {SECONDS:g} s"
    note = (f"{m['n']} orders sent at {m['rate']:.0f}/s, {m['answered']} answered, "
            f"{m['fills']} venue fills; p99.9 {m['p999']:.0f} us, max {m['max']:.0f} us")
    low = measure(LOW_RATE, LOW_SECONDS)
    row = {"bench": "fix"}
    return [
        {**row, "metric": "round_trip_p50", "value": m["p50"], "unit": "us",
         "goal": "", "met": None, "note": note},
        {**row, "metric": "round_trip_p99", "value": m["p99"], "unit": "us",
         "goal": f"<= {GOAL_US:g} us at {where}", "met": m["p99"] <= GOAL_US and sustained,
         "note": note},
        {**row, "metric": "round_trip_p99_from_schedule", "value": m["p99_sched"], "unit": "us",
         "goal": f"<= {GOAL_US:g} us (includes client lag)", "met": m["p99_sched"] <= GOAL_US,
         "note": "latency from the paced send time: no coordinated omission"},
        {**row, "metric": "sustained_rate", "value": m["rate"], "unit": "orders/s",
         "goal": f">= {0.99 * RATE:.0f}", "met": sustained, "note": where},
        *id_rows(a),
        {**row, "metric": f"round_trip_p99_at_{LOW_RATE}_per_s", "value": low["p99"],
         "unit": "us", "goal": f"<= {GOAL_US:g} us (context: below saturation)",
         "met": low["p99"] <= GOAL_US,
         "note": f"p50 {low['p50']:.0f} us, p99.9 {low['p999']:.0f} us over {low['n']} orders"},
    ]


if __name__ == "__main__":
    for r in run():
        print(f"{r['metric']:<32} {r['value']:>12.1f} {r['unit']:<10} met={r['met']}  {r['note']}")
