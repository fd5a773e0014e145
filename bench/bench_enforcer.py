"""Enforcer benchmarks: single-order rule set, full submit(), batch path, limits latency.

Run: `python -m bench enforcer` (or `python bench/bench_enforcer.py`). Medians and p99.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from enforcer.batch import (  # noqa: E402
    NO_DUP,
    BatchState,
    lane_layout,
    pad_orders,
    pad_state,
    run_jit,
    run_seq_jit,
    stateless_jit,
)
from enforcer.batch_host import arrays_from_orders  # noqa: E402
from enforcer.commands import NewOrder  # noqa: E402
from enforcer.config import EnforcerConfig  # noqa: E402
from enforcer.engine import Enforcer  # noqa: E402
from enforcer.limits import Lim  # noqa: E402
from enforcer.rules import order_mask  # noqa: E402
from enforcer.throttle import COST  # noqa: E402

T0 = time.time_ns()


def _row(bench, metric, value, unit, goal, met, note=""):
    return {"bench": bench, "metric": metric, "value": float(value), "unit": unit,
            "goal": goal, "met": bool(met), "note": note}


def _pcts(ns: np.ndarray) -> tuple[float, float]:
    return float(np.median(ns)), float(np.percentile(ns, 99))


def bench_rules(n: int = 200_000) -> list[dict]:
    lim = Lim(1000, 1e7, 100.0, 10**6, 20.0, 0, False, "v", "Normal")
    pos, bucket = [0, 10, 5], [5 * COST, T0]
    out = np.empty(n, np.int64)
    pc = time.perf_counter_ns
    for i in range(n):
        t = pc()
        order_mask(lim, True, 10 + (i & 7), 100.0, 100.01, T0 + i, pos, bucket, None, 12.0,
                   500, 1000 * COST, 10**9, True)
        out[i] = pc() - t
    empty = np.empty(n, np.int64)
    for i in range(n):
        t = pc()
        empty[i] = pc() - t
    p50, p99 = _pcts(out)
    o50 = float(np.median(empty))
    note = f"timer overhead ~{o50:.0f} ns included; one fused call, all rules"
    return [_row("enforcer", "rules_single_p50", p50, "ns", "<= 1000 ns", p50 <= 1000, note),
            _row("enforcer", "rules_single_p99", p99, "ns", "<= 5000 ns", p99 <= 5000, note)]


def bench_submit(n: int = 50_000) -> list[dict]:
    with tempfile.TemporaryDirectory() as d:
        e = Enforcer(EnforcerConfig(decision_log_path=Path(d) / "d.log",
                                    breaker_rejects_per_s=0), None)
        e.on_quote("AAA", 99.9, 100.1, T0)
        orders = [NewOrder(order_id=i, ts=T0 + i * 10**7, trader="t", strategy=f"s{i % 8}",
                           sym="AAA", side="BS"[i % 2], qty=1 + i % 50, price=100.0,
                           order_type="LIMIT") for i in range(n)]
        out = np.empty(n, np.int64)
        pc = time.perf_counter_ns
        for i, o in enumerate(orders):
            t = pc()
            e.submit(o)
            out[i] = pc() - t
        e.stop()
    p50, p99 = _pcts(out)
    note = ("static+dynamic verdicts, state update, checksummed JSON record write(2) to the "
            "log (fsync=interval), no store")
    return [_row("enforcer", "submit_p50", p50, "ns", "<= 1000 ns (rule set goal)", p50 <= 1000,
                 note),
            _row("enforcer", "submit_p99", p99, "ns", "<= 5000 ns", p99 <= 5000, note)]


def bench_batch(n: int = 1 << 20, reps: int = 3, seq: bool = False) -> list[dict]:
    e = Enforcer(EnforcerConfig(breaker_rejects_per_s=0), None)
    e.on_quote("AAA", 99.9, 100.1, T0)
    e.on_quote("BBB", 49.9, 50.1, T0)
    base = [NewOrder(order_id=i, ts=T0 + i * 1000, trader=f"t{i % 4}", strategy=f"s{i % 64}",
                     sym="AB"[i % 2] * 3, side="BS"[i % 2], qty=1 + i % 50,
                     price=100.0 if i % 2 == 0 else 50.0, order_type="LIMIT")
            for i in range(4096)]
    cols, state = arrays_from_orders(base, e)
    cols = {k: np.resize(v, n) for k, v in cols.items()}
    cols["ts"] = T0 + np.arange(n, dtype=np.int64) * 1000
    cols["dkey"] = np.arange(n, dtype=np.int32) % 4096
    depth = state.dup_last.shape[1]
    state = state._replace(dup_last=np.full((4096, depth), NO_DUP, np.int64),
                           dup_head=np.zeros(4096, np.int64))
    t = time.perf_counter()
    o = pad_orders(cols)
    st = pad_state(state)
    lanes = lane_layout(cols["strat"], cols["group"], cols["dkey"], len(st.tokens),
                        len(o["qty"]))
    host_s = time.perf_counter() - t
    dummy = [np.concatenate([a, np.full((1, *a.shape[1:]), f, np.int64)])
             for a, f in zip(st, (0, 0, 0, 0, -1, NO_DUP, 0), strict=True)]
    rows = []
    with jax.enable_x64(True):
        oj = {k: jnp.asarray(v) for k, v in o.items()}
        sj = BatchState(*(jnp.asarray(a) for a in st))
        dj = BatchState(*(jnp.asarray(a) for a in dummy))
        lj = {k: jnp.asarray(v) for k, v in lanes.items()}
        args = (jnp.int32(0), jnp.int64(500), jnp.int64(1000 * COST), jnp.bool_(True))
        cases = [("batch_stateless_orders_per_s", lambda: stateless_jit(oj, args[0], args[3])),
                 ("batch_full_orders_per_s", lambda: run_jit(oj, lj, dj, *args)[0])]
        if seq:
            cases.append(("batch_full_sequential_orders_per_s",
                          lambda: run_seq_jit(oj, sj, *args)[0]))
        for name, fn in cases:
            fn().block_until_ready()
            ts = []
            for _ in range(reps):
                t = time.perf_counter()
                fn().block_until_ready()
                ts.append(time.perf_counter() - t)
            rate = n / float(np.median(ts))
            if "stateless" in name:
                what = "vectorised rules only (no position/throttle/duplicate)"
            elif "sequential" in name:
                what = "full rule set, one sequential lax.scan over all orders (old path)"
            else:
                what = (f"full rule set: stateless vectorised, stateful in one lax.scan of "
                        f"{lanes['idx'].shape[1]} strategy lanes x {lanes['idx'].shape[0]} "
                        f"steps; host lane layout (argsort) {host_s * 1e3:.0f} ms more, "
                        f"not included (end to end {n / (np.median(ts) + host_s):.3g}/s)")
            rows.append(_row("enforcer", name, rate, "orders/s", ">= 3e8 orders/s",
                             rate >= 3e8, f"{n} orders, 64 strategies, median of {reps}; "
                             + what))
    return rows


def limits_row(ts: int, *, max_order_qty: int):
    import pyarrow as pa
    return pa.table({
        "ts": pa.array([ts], pa.timestamp("ns")), "sym": ["AAA"], "strategy": ["*"],
        "max_order_qty": [max_order_qty], "max_notional": [5e4], "price_band_bps": [50.0],
        "max_position": [1000], "fat_finger_threshold": [5.0], "state": ["ACTIVE"],
        "reason": ["bench"], "model_version": ["bench"]})


def heartbeat_row(ts: int):
    """The publisher's heartbeat beside a limits row: judged up to ts, written now."""
    import pyarrow as pa
    t = pa.array([ts], pa.timestamp("ns"))
    return pa.table({"ts": t, "sym": ["AAA"], "publisher": ["bench"], "model_version": ["bench"],
                     "market_ts": t, "published_ts": pa.array([time.time_ns()], pa.timestamp("ns"))})


def publish(store, ts: int, *, max_order_qty: int) -> None:
    """What a limits publisher writes: the row, then the symbol's heartbeat."""
    store.append_limits(limits_row(ts, max_order_qty=max_order_qty))
    store.ingest("publisher_heartbeat", heartbeat_row(ts), session=None)


def bench_limits_latency(n: int = 8) -> list[dict]:
    from tsdb import Store

    lat = []
    with tempfile.TemporaryDirectory() as d:
        store = Store.from_conf(f"duckdb::path={Path(d) / 'b.duckdb'}")
        # The store's FIRST append_limits costs ~0.3 s on its own (table/arrow set-up in
        # tsdb, before the row exists for anyone to read): a one-off cost of the writer,
        # not of the enforcer. Pay it before timing, and let the poll thread finish its
        # first poll, so each sample is "row committed -> in force" plus one normal append.
        t = time.perf_counter()
        publish(store, time.time_ns(), max_order_qty=99)
        first_append_ms = (time.perf_counter() - t) * 1e3
        e = Enforcer(EnforcerConfig(), store)
        e.start()
        while e.counters["polls"] < 1:
            time.sleep(0.001)
        for i in range(n):
            t = time.time_ns()
            publish(store, t, max_order_qty=100 + i)
            while e.limits_for("AAA").get("dynamic", {}).get("max_order_qty") != 100 + i:
                time.sleep(0.001)
            lat.append((time.time_ns() - t) / 1e6)
            time.sleep(0.037 * (i % 3))  # land rows at different points of the poll cycle
        e.stop()
        store.close()
    p50, worst = float(np.median(lat)), float(np.max(lat))
    note = (f"real poll thread, DuckDB file, poll 100 ms; {n} rows, each with its heartbeat; "
            f"worst {worst:.1f} ms; "
            f"store warmed first (its first append_limits took {first_append_ms:.0f} ms)")
    return [_row("enforcer", "limits_in_force_p50", p50, "ms", "<= 150 ms", p50 <= 150, note),
            _row("enforcer", "limits_in_force_max", worst, "ms", "<= 150 ms", worst <= 150, note)]


def run() -> list[dict]:
    return bench_rules() + bench_submit() + bench_batch() + bench_limits_latency()


if __name__ == "__main__":
    for f in (bench_rules, bench_submit, bench_batch, bench_limits_latency):
        t = time.perf_counter()
        rows = f()
        print(f"# {f.__name__}: {time.perf_counter() - t:.1f} s")
        for r in rows:
            print(f"{r['metric']:32s} {r['value']:>14.1f} {r['unit']:9s} met={r['met']}  {r['note']}")
