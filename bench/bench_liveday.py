"""``adaptrisk live`` on a full simulated 6.5 h day of 3 symbols replayed at 10x (39 min of
wall time, issue 10): buckets skipped (goal 0) and how far the publisher is behind the market
(goal: never more than one bucket). "Behind" is judged against the replay clock at the wall
time each heartbeat was written (``published_ts``): the closed buckets it had not judged yet,
so a slow cycle counts, not only what the intake had handed over when the cycle began.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.bench_live import W, _model, _row, _runner, _session


def _day_run(d: Path, cfg) -> list[dict]:
    from tsdb.connect import connect

    src = _session(d, "day", 390, None, 6402)
    r = _runner(d, src, "dayrun.duckdb", cfg, pg=False)
    t = time.perf_counter()
    r.start()
    r.wait(3 * 3600)
    wall = time.perf_counter() - t
    feed = r.feed
    r.stop()
    with connect(f"duckdb::path={d / 'dayrun.duckdb'}") as s:
        per = s.query("SELECT f.sym, f.n AS feats, s.n AS scores, "
                      "(epoch_ns(f.last) - epoch_ns(f.first)) // 100000000 + 1 AS grid "
                      "FROM (SELECT sym, count(*) n, min(ts) first, max(ts) last FROM features "
                      "GROUP BY sym) f JOIN (SELECT sym, count(*) n FROM risk_scores "
                      "GROUP BY sym) s USING (sym)").to_pylist()
        hb = s.query("SELECT epoch_ns(ts) AS t, epoch_ns(published_ts) AS p "
                     "FROM publisher_heartbeat")
    t_hb = hb.column("t").to_numpy()
    clock = np.minimum(feed.event_at(hb.column("p").to_numpy()), feed.end_ns)
    behind = np.maximum((clock - t_hb) // W, 0)
    skipped = sum(p["grid"] - p["scores"] for p in per)
    return [
        _row("full 6.5 h day, 3 sym, 10x: buckets skipped", float(skipped), "buckets", "0",
             skipped == 0, f"{sum(p['scores'] for p in per):,} scored, wall {wall / 60:.1f} min"),
        _row("full 6.5 h day, 3 sym, 10x: publisher behind the market, max", float(behind.max()),
             "buckets", "<= 1", bool(behind.max() <= 1),
             f"p50 {np.median(behind):.0f}, p99 {np.percentile(behind, 99):.0f} buckets over "
             f"{len(behind):,} heartbeats"),
    ]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        return _day_run(d, _model(d))
