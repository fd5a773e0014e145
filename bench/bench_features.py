"""Feature-query benchmarks (medians): one symbol-day of market state, and the incremental
update of the newest 100 ms bucket for 100 symbols.

Data: ``features.synthetic.synth_day`` (numpy; >= 5M book + quote + trade events for the day).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from features import build as fb
from features.config import FeatureConfig
from features.synthetic import synth_day
from tsdb import DEFAULT_SESSION, Store

DAY = dt.date(2026, 6, 22)
REPS = 5


def _median(fn, reps: int = REPS, before=None) -> float:
    """Median wall time of ``fn`` over ``reps`` runs, after one untimed warm-up run."""
    if before is not None:
        before()
    fn()
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _clear(store) -> None:
    store.query("DELETE FROM features")
    store.query("DELETE FROM features_state")


def _row(metric, value, unit, goal, met, note) -> dict:
    return {"bench": "features", "metric": metric, "value": float(value), "unit": unit,
            "goal": goal, "met": None if met is None else bool(met), "note": note}


def bench_day() -> list[dict]:
    open_ns, close_ns = DEFAULT_SESSION.bounds_ns(DAY)
    tables = synth_day(syms=["AAA"], start_ns=open_ns, seconds=23_400, quotes_per_s=110,
                       trades_per_s=105, seed=1)
    events = sum(t.num_rows for t in tables.values())
    cfg = FeatureConfig(ref_sym="AAA")
    with Store.from_conf("duckdb::path=:memory:", session=None) as store:
        for name, tbl in tables.items():
            store.ingest(name, tbl)
        rows = []

        def query():
            rows.append(fb.market_state(store, cfg, t0=open_ns, t1=close_ns, emit_after=open_ns,
                                        ref_sym="AAA").num_rows)

        q = _median(query)
        b = _median(lambda: fb.build(store, cfg),
                    before=lambda: _clear(store), reps=3)
    note = f"1 symbol, 6.5 h, {events:,} events, {rows[-1]:,} buckets"
    return [
        _row("market_state_symbol_day", q, "s", "<= 1.0 s", q <= 1.0, note + "; query only"),
        _row("build_symbol_day", b, "s", "", None, note + "; query + ingest into features"),
    ]


def bench_incremental() -> list[dict]:
    open_ns, _ = DEFAULT_SESSION.bounds_ns(DAY)
    syms = [f"S{i:03d}" for i in range(100)]
    tables = synth_day(syms=syms, start_ns=open_ns, seconds=180, quotes_per_s=20,
                       trades_per_s=10, seed=2)
    cfg = FeatureConfig(ref_sym="S000")
    w = cfg.bucket_ns
    t1 = open_ns + 1799 * w
    with Store.from_conf("duckdb::path=:memory:", session=None) as store:
        for name, tbl in tables.items():
            store.ingest(name, tbl)
        fb.build(store, cfg, until_ns=t1 - w)

        def step():
            fb.market_step(store, cfg, t1=t1, open_ns=open_ns, ref_sym="S000")

        q = _median(step, reps=15)
        t0 = t1 - (cfg.lookback_buckets + 1) * w
        full = _median(lambda: fb.market_state(store, cfg, t0=t0, t1=t1, emit_after=t1 - w,
                                               ref_sym="S000"), reps=5)

        def drop():
            store.query("DELETE FROM features WHERE ts = make_timestamp_ns($t)", {"t": t1})
            store.query("DELETE FROM features_state WHERE ts = make_timestamp_ns($t)", {"t": t1})

        reports = []
        b = _median(lambda: reports.append(fb.build(store, cfg, until_ns=t1)), before=drop,
                    reps=9)
        assert reports[-1].steps == 1 and reports[-1].rows == 100
    note = "100 symbols x 3 min stored; newest 100 ms bucket, 61 s look-back"
    return [
        _row("incremental_bucket_100_symbols", q * 1e3, "ms", "<= 20 ms", q <= 0.020,
             note + "; market_step.sql (stored state + the bucket's events)"),
        _row("incremental_bucket_full_query_100_symbols", full * 1e3, "ms", "", None,
             note + "; market_state.sql recomputing the 61 s look-back instead"),
        _row("incremental_build_100_symbols", b * 1e3, "ms", "", None,
             note + "; build(): watermark lookups + step + ingest of both tables"),
    ]


def run() -> list[dict]:
    return bench_day() + bench_incremental()  # ms rows are converted where they are made


if __name__ == "__main__":
    for r in run():
        print(r)
