"""Ingest throughput into DuckDB from Arrow (validated, one transaction) and LOBSTER import.

Baseline for the wrapper's cost: DuckDB's own ``INSERT INTO t SELECT * FROM arrow_table``
of the same rows with no validation.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np
import pyarrow as pa

from bench import GOOG

N = 10_000_000


def _trades(n: int) -> pa.Table:
    t0 = int(np.datetime64("2026-06-22T13:30:00", "ns").astype(np.int64))
    rng = np.random.default_rng(0)
    return pa.table({
        "ts": pa.array(t0 + np.sort(rng.integers(0, 6 * 3600 * 10**9, n)), pa.timestamp("ns")),
        "sym": pa.array(np.array(["AAA", "BBB", "CCC", "DDD"])[rng.integers(0, 4, n)]),
        "price": 100 + rng.standard_normal(n).cumsum() * 0.001,
        "size": rng.integers(1, 500, n),
        "side": pa.array(np.array(["B", "S"])[rng.integers(0, 2, n)]),
        "trade_id": np.arange(n, dtype=np.int64),
    })


def run() -> list[dict]:
    from tsdb import Store
    from tsdb.lobster import import_lobster

    tbl = _trades(N)
    ours, raw = [], []
    with tempfile.TemporaryDirectory() as d:
        for i in range(3):
            with Store.from_conf(f"duckdb::path={d}/a{i}.duckdb") as s:
                t = time.perf_counter()
                s.ingest("trades", tbl)
                ours.append(N / (time.perf_counter() - t))
            with Store.from_conf(f"duckdb::path={d}/b{i}.duckdb") as s:
                con = s.connection
                t = time.perf_counter()
                con.register("x", tbl)
                con.execute("INSERT INTO trades SELECT * FROM x")
                raw.append(N / (time.perf_counter() - t))
        lob = []
        if GOOG.exists():
            for i in range(3):
                with Store.from_conf(f"duckdb::path={d}/l{i}.duckdb") as s:
                    t = time.perf_counter()
                    summ = import_lobster(s, GOOG)
                    dt_ = time.perf_counter() - t
                    n_lob = summ.messages + summ.trades + summ.quotes + summ.book
                    lob.append(n_lob / dt_)
    m_ours, m_raw = statistics.median(ours), statistics.median(raw)
    out = [
        {"bench": "store", "metric": "ingest trades from Arrow, validated (10M rows x 6 cols)",
         "value": m_ours / 1e6, "unit": "M rows/s", "goal": ">= 5 M rows/s", "met": m_ours >= 5e6,
         "note": f"DuckDB's own unvalidated insert of the same rows: {m_raw / 1e6:.2f} M rows/s"},
    ]
    if lob:
        m = statistics.median(lob)
        out.append({"bench": "store", "metric": "LOBSTER import, GOOG 2012-06-21 (unzip+parse+ingest)",
                    "value": m / 1e6, "unit": "M rows/s", "goal": "", "met": None,
                    "note": f"{n_lob:,} rows written to messages+trades+quotes+book per run"})
    return out + ts_parse_rows()


def ts_parse_rows(n: int = 1_000_000) -> list[dict]:
    """Text timestamps (CSV input) -> UTC ns by ``tsdb.timestamps.parse_text``, per form,
    beside Arrow's bare cast of naive text (the old path, which read no other form). Issue
    17's goal: reading the forms people have does not slow ingest down."""
    import pyarrow.compute as pc

    from tsdb.timestamps import TimeFormat, parse_text

    t0 = int(np.datetime64("2026-06-22T13:30:00", "ns").astype(np.int64))
    ts = pa.array(t0 + np.sort(np.random.default_rng(0).integers(0, 6 * 3600 * 10**9, n)),
                  pa.timestamp("ns"))
    naive = pc.strftime(ts, "%Y-%m-%d %H:%M:%S")
    forms = {
        "naive, UTC": (naive, TimeFormat()),
        "naive, --tz America/New_York": (naive, TimeFormat(tz="America/New_York")),
        "ISO 8601 with Z": (pc.binary_join_element_wise(naive, "Z", ""), TimeFormat()),
        "integer epoch ns": (ts.cast(pa.int64()).cast(pa.string()), TimeFormat()),
    }

    def best(f) -> float:
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            f()
            runs.append(time.perf_counter() - t)
        return n / min(runs)

    bare = best(lambda: pc.cast(naive, pa.timestamp("ns")))
    return [{"bench": "store", "metric": f"text timestamps parsed, {name} (1M rows)",
             "value": best(lambda a=a, f=f: parse_text("t", "ts", pa.chunked_array([a]), f)) / 1e6,
             "unit": "M rows/s", "goal": "", "met": None,
             "note": f"Arrow's bare cast of naive text: {bare / 1e6:.1f} M rows/s"}
            for name, (a, f) in forms.items()]
