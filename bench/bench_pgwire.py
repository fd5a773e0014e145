"""Analyst query latency over the read-only PG-wire endpoint beside a live writer.

A DuckDB store holds ~1M trades; a writer thread appends a 1,000-row batch every 100 ms
through ``store.ingest`` (validated, one transaction each) while an analyst runs
``SELECT count(*) FROM trades`` over psycopg 3 against ``tsdb.pgwire.PgWireServer``.
Reported: the query's p50 and p99 round trip, and the writer's slowest batch while the
analyst was querying (a reader must not hold the writer up).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time

import numpy as np
import pyarrow as pa

N = 1_000_000
BATCH = 1_000
QUERIES = 300
OPEN_NS = int(np.datetime64("2026-06-22T13:30:00", "ns").astype(np.int64))  # 09:30 New York


def _trades(n: int, first_id: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "ts": pa.array(OPEN_NS + np.sort(rng.integers(0, 6 * 3600 * 10**9, n)), pa.timestamp("ns")),
        "sym": pa.array(np.array(["AAA", "BBB", "CCC", "DDD"])[rng.integers(0, 4, n)]),
        "price": 100 + rng.standard_normal(n).cumsum() * 0.001,
        "size": rng.integers(1, 500, n),
        "side": pa.array(np.array(["B", "S"])[rng.integers(0, 2, n)]),
        "trade_id": np.arange(first_id, first_id + n, dtype=np.int64),
    })


def _writer(store, stop: threading.Event, batch_s: list[float]) -> None:
    i = 0
    while not stop.is_set():
        t = time.perf_counter()
        store.ingest("trades", _trades(BATCH, N + i * BATCH, seed=i + 1))
        batch_s.append(time.perf_counter() - t)
        i += 1
        stop.wait(max(0.0, 0.1 - (time.perf_counter() - t)))


def run() -> list[dict]:
    import psycopg

    from tsdb import Store
    from tsdb.pgwire import PgWireServer

    with tempfile.TemporaryDirectory() as d, Store.from_conf(f"duckdb::path={d}/live.duckdb") as store:
        store.ingest("trades", _trades(N, 0, seed=0))
        with PgWireServer(store, host="127.0.0.1", port=0) as srv, psycopg.connect(
            f"host=127.0.0.1 port={srv.port} user=bench dbname=live", autocommit=True
        ) as con:
            for _ in range(10):  # warm-up: connection, first plans
                con.execute("SELECT count(*) FROM trades").fetchone()
            stop, batch_s = threading.Event(), []
            writer = threading.Thread(target=_writer, args=(store, stop, batch_s), daemon=True)
            writer.start()
            lat, counts = [], []
            for _ in range(QUERIES):
                t = time.perf_counter()
                counts.append(con.execute("SELECT count(*) FROM trades").fetchone()[0])
                lat.append(time.perf_counter() - t)
                time.sleep(0.01)
            stop.set()
            writer.join(10)
    ms = np.array(lat) * 1e3
    p50, p99 = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
    grew = counts[-1] - counts[0]
    note = (f"{QUERIES} queries over psycopg 3 with ~{N / 1e6:.0f}M trades while a writer appended "
            f"{len(batch_s)} batches of {BATCH} rows every 100 ms (the count grew by {grew:,}); "
            f"writer batch median {statistics.median(batch_s) * 1e3:.1f} ms, "
            f"max {max(batch_s) * 1e3:.1f} ms")
    return [
        {"bench": "pgwire", "metric": "SELECT count(*) FROM trades over PG wire, p50",
         "value": p50, "unit": "ms", "goal": "<= 50 ms", "met": p50 <= 50.0, "note": note},
        {"bench": "pgwire", "metric": "SELECT count(*) FROM trades over PG wire, p99",
         "value": p99, "unit": "ms", "goal": "", "met": None,
         "note": "same run as the p50 row"},
    ]
