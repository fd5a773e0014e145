"""`enforcer replay` of one symbol-hour: read rows, decide, write decisions (issue 11 goal:
<= 1 s end to end for ~72,000 orders).

A simulated 1-symbol, 60-minute session (seed 7, OMS flow scaled to ~72,000 orders, with its
quotes and trades for the replay venue) in a fresh DuckDB file per timed run, twice: with no
model limits (every order on the static rule set) and with a publisher (a heartbeat every
100 ms, a risk_limits row every 10 s whose max_order_qty alternates, so the dynamic limits
are in force and change). Two figures per case:

* `adaptrisk enforcer replay` as a subprocess, wall time from start to exit (Python and JAX
  start-up included), the compiled kernels taken from the on-disk cache a first run filled;
* `enforcer.replay.replay()` in a process that has replayed once already (how the evaluation
  grid calls it): query, venue, batch path, decisions written.

Run: `python -m bench replay`, or `run()` from Python to see the numbers without writing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

GOAL_S = 1.0
ORDERS_PER_MIN = 612.0  # x the U-shape of the first hour: ~72,000 orders in 60 minutes
ROOT = Path(__file__).resolve().parents[1]


def _row(metric, value, unit, goal, met, note=""):
    return {"bench": "replay", "metric": metric, "value": float(value), "unit": unit,
            "goal": goal, "met": bool(met), "note": note}


def make_session(path: Path, *, publisher: bool) -> int:
    """Simulate the session into DuckDB at `path`; returns the number of orders."""
    from sim import SimConfig, simulate
    from tsdb import Store

    tabs = simulate(SimConfig(n_symbols=1, minutes=60.0, seed=7,
                              oms_orders_per_min=ORDERS_PER_MIN)).tables()
    with Store.from_conf(f"duckdb::path={path}") as st:
        for name, t in tabs.items():
            st.ingest(name, t)
        if publisher:
            _publish(st, tabs["orders"])
    return tabs["orders"].num_rows


def _publish(st, orders: pa.Table) -> None:
    ts = orders.column("ts").cast(pa.int64()).to_numpy()
    sym = orders.column("sym")[0].as_py()
    hb = np.arange(int(ts.min()) - 10**9, int(ts.max()) + 10**8, 10**8, dtype=np.int64)
    t = pa.array(hb).view(pa.timestamp("ns"))
    n = len(hb)
    st.ingest("publisher_heartbeat", pa.table({
        "ts": t, "sym": [sym] * n, "publisher": ["bench"] * n, "model_version": ["bench"] * n,
        "market_ts": t, "published_ts": t}), session=None)
    lt = hb[::100]
    k = len(lt)
    st.append_limits(pa.table({
        "ts": pa.array(lt).view(pa.timestamp("ns")), "sym": [sym] * k, "strategy": ["*"] * k,
        "max_order_qty": np.where(np.arange(k) % 7 == 3, 50, 300),
        "max_notional": [1e6] * k, "price_band_bps": [100.0] * k, "max_position": [20_000] * k,
        "fat_finger_threshold": [8.0] * k, "state": ["ACTIVE"] * k, "reason": ["bench"] * k,
        "model_version": ["bench"] * k}))


def _cli(db: Path, cache: Path) -> float:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYKX_UNLICENSED": "true",
           "ADAPTRISK_JAX_CACHE": str(cache)}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                        str(db), "--json"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=600)
    dt = time.perf_counter() - t
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1])
    return dt


def _in_process(db: Path) -> tuple[float, dict]:
    from enforcer.config import EnforcerConfig
    from enforcer.replay import replay
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={db}") as st:
        t = time.perf_counter()
        out = replay(st, EnforcerConfig())
        return time.perf_counter() - t, out


def bench_case(name: str, publisher: bool, reps: int = 3) -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src, db, cache = d / "src.duckdb", d / "run.duckdb", d / "jax"
        n = make_session(src, publisher=publisher)

        def fresh() -> Path:
            shutil.copy(src, db)
            return db

        _cli(fresh(), cache)  # fills the on-disk kernel cache
        cli = statistics.median(_cli(fresh(), cache) for _ in range(reps))
        _in_process(fresh())  # compile in this process
        runs = [_in_process(fresh()) for _ in range(reps)]
        warm = statistics.median(r[0] for r in runs)
        out = runs[0][1]
    what = (f"{n} orders, 1 symbol x 60 min, {'publisher: limits in force' if publisher else 'no model limits: static rule set'}; "
            f"accepted {out['accepted']}, rejected {out['rejected']} (static alone "
            f"{out['static_rejected']}), venue filled {out['venue']['filled_lots']} lots; "
            f"median of {reps}")
    return [
        _row(f"replay_{name}_cli_s", cli, "s", "<= 1 s", cli <= GOAL_S,
             f"`adaptrisk enforcer replay` subprocess wall, start-up included, kernels from "
             f"the disk cache ({n / cli:.3g} decisions/s); {what}"),
        _row(f"replay_{name}_in_process_s", warm, "s", "<= 1 s", warm <= GOAL_S,
             f"replay() in a warm process: read rows, venue, decide, write decisions "
             f"({n / warm:.3g} decisions/s); {what}"),
    ]


def run() -> list[dict]:
    return bench_case("static", publisher=False) + bench_case("dynamic", publisher=True)


if __name__ == "__main__":
    for r in run():
        print(f"{r['metric']:30s} {r['value']:8.3f} {r['unit']} met={r['met']}  {r['note']}")
