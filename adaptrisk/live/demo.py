"""The demo's live leg: the flash-crash session replayed through ``adaptrisk live`` at 10x.

The live process joins the session two minutes before the onset (everything before arrives
as one catch-up batch: features, scores and the scorer's trailing state are built from it in
the first cycle, as for a process started mid-session), then replays in event time at
``speed`` x. When the replay clock reaches the seller's 200-lot market sell, a FIX client
sends it over a real socket; the ExecutionReport's OrdStatus, tag 8011 and text are kept.
A listener on the enforcer records the max order size in force at every snapshot swap:
the limit as the live daemon saw it.
"""

from __future__ import annotations

import pathlib
import time

from adaptrisk.live.config import LiveConfig
from adaptrisk.live.runner import LiveRunner

NS = 1_000_000_000


def run(source_db: str, models_root: str, facts: dict, *, live_db: str, speed: float = 10.0,
        lead_s: float = 120.0, tail_s: float = 60.0, out=print) -> dict:
    """Replay ``source_db`` from ``lead_s`` before the onset to ``tail_s`` after it; send the
    large order of ``facts`` over FIX at its time. Returns the live facts."""
    from enforcer import fix_codec as C
    from enforcer.fix_client import FixClient, new_order_fields

    sym, onset = facts["sym"], int(facts["onset_ns"])
    big = facts.get("large_order") or {}
    for p in (pathlib.Path(live_db), pathlib.Path(live_db + ".wal"),
              pathlib.Path(live_db + ".decisions.log")):
        p.unlink(missing_ok=True)
    cfg = LiveConfig(db=live_db, feed=f"replay:{source_db}", speed=speed, fix_port=0,
                     http_port=0, pg_port=None, log=pathlib.Path(live_db + ".decisions.log"),
                     models_root=models_root, start_ns=onset - int(lead_s * NS))
    runner = LiveRunner(cfg)
    seen: list[tuple[int, int, float, str]] = []  # (heartbeat ts, wall, max qty, risk state)

    def record(snapshot, swapped_ns: int) -> None:
        t = snapshot.heartbeats.get(sym)
        if t is not None and snapshot.source == "dynamic":
            lim = snapshot.lookup(sym, "*")[0]
            seen.append((int(t), swapped_ns, float(lim.max_order_qty), lim.risk_state))

    t0 = time.perf_counter()
    ports = runner.start()
    runner.enforcer.add_listener(record)
    report = {}
    try:
        order_ts = int(big.get("ts", onset + 38 * NS))
        while runner.feed.now_ns() < order_ts:
            time.sleep(0.005)
        with FixClient("127.0.0.1", ports["fix"], sender="T_SELLER") as c:
            c.logon()
            c.send("D", new_order_fields(cl_ord_id="demo-200", sym=sym, side="S",
                                         qty=int(big.get("qty", 200))))
            rep = c.expect(b"8", timeout=10)
        report = {"ord_status": rep.get(C.ORD_STATUS).decode(),
                  "risk_state": (rep.get(C.RISK_STATE) or b"").decode(),
                  "text": (rep.get(C.TEXT) or b"").decode(),
                  "at_ns": runner.feed.now_ns()}
        while runner.feed.now_ns() < onset + int(tail_s * NS):
            time.sleep(0.05)
        status = runner.status()
    finally:
        runner.stop()
    lat = status.get("swap_latency_ms") or {}
    res = {"speed": speed, "joined_ns": onset - int(lead_s * NS), "order": report,
           "order_qty": int(big.get("qty", 200)), "swap_latency_ms": lat,
           "series": [(t, q, s) for t, _, q, s in seen], "wall_s": time.perf_counter() - t0}
    lines = [f"live at {speed:g}x: the seller's {res['order_qty']}-lot MARKET sell over FIX at "
        f"+{(report.get('at_ns', onset) - onset) / NS:.1f} s: "
        f"{'REJECTED' if report.get('ord_status') == '8' else 'status ' + str(report.get('ord_status'))}"
        f" 8011={report.get('risk_state')} ({report.get('text')})"]
    if lat:
        lines.append(f"bucket close -> limits in force in the live daemon: p50 "
                     f"{lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms over {lat['n']:,} buckets")
    qs = [q for t, q, _ in res["series"] if onset <= t <= onset + int(tail_s * NS)]
    if qs:
        lines.append(f"max order size in force in the live daemon during the crash: "
                     f"min {min(qs):g} lots (static {facts.get('static_max_qty')})")
    res["lines"] = lines
    for ln in lines:
        out(ln)
    return res
