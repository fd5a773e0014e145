"""Ingest throughput into DuckDB from Arrow (validated, one transaction) and LOBSTER import.

Baseline for the wrapper's cost: DuckDB's own ``INSERT INTO t SELECT * FROM arrow_table``
of the same rows with no validation.
"""

from __future__ import annotations

import pathlib
import statistics
import tempfile
import time

import numpy as np
import pyarrow as pa

N = 10_000_000
GOOG = pathlib.Path(__file__).resolve().parents[2] / "shared/data/lobster/LOBSTER_SampleFile_GOOG_2012-06-21_10.zip"


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
    return out
