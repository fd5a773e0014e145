"""Data from other venues through every command, as a person runs them (real subprocesses):
the 24/7 tape of tests/data/crypto_24h (see its make_tape.py for what it is) and a CME-style
futures session across the daily break."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from features.build import build
from features.config import FeatureConfig
from tsdb import Store
from tsdb.calendars import calendar

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}
TAPE = pathlib.Path(__file__).resolve().parents[1] / "data" / "crypto_24h"
NS = 1_000_000_000


def run(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "adaptrisk", *args], capture_output=True,
                       text=True, env=ENV, timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def test_crypto_tape_when_default_calendar_then_refused_naming_row_value_and_way_out(tmp_path):
    db = str(tmp_path / "c.duckdb")
    p = run("ingest", "csv", "trades", str(TAPE / "trades.csv"), "--db", db, check=False)
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "row 0" in p.stderr and "2026-06-20T23:45:00.046261560 UTC (BTCUSD)" in p.stderr
    assert "09:30:00-16:00:00 America/New_York" in p.stderr and "--calendar" in p.stderr


def test_crypto_tape_when_24_7_then_ingest_features_and_scores_run_across_midnight(tmp_path):
    """The tape's sizes are fractional BTC (0.00411, ...) on the 1e-8 lot its instruments.toml
    declares: they land as they are, and the features' volumes add up to the prints'."""
    db = str(tmp_path / "c.duckdb")
    ins = str(TAPE / "instruments.toml")
    for table in ("trades", "quotes"):
        run("ingest", "csv", table, str(TAPE / f"{table}.csv"), "--db", db, "--instruments", ins)
    run("ingest", "csv", "orders", str(TAPE / "orders.csv"), "--db", db, "--calendar", "24/7")
    run("ingest", "parquet", "book", str(TAPE / "book.parquet"), "--db", db, "--instruments", ins)
    hint = run("features", "build", "--db", db).stdout  # the default calendar: says why nothing
    assert "0 rows added (nothing new)" in hint and "none of the 39,424 market data rows" in hint
    assert "--calendar" in hint
    out = run("features", "build", "--db", db, "--calendar", "24/7").stdout
    # 23:45-24:00 on Saturday's session, 00:00-00:15 on Sunday's: 15 min of 100 ms buckets each
    assert "18000 rows added (2026-06-20: 9000, 2026-06-21: 9000)" in out
    with Store.from_conf(f"duckdb::path={db}", session=None) as s:
        ts = s.query("SELECT epoch_ns(ts) AS t FROM features ORDER BY t").column("t").to_numpy()
    assert ts[0] == ns("2026-06-20T23:45:00.1") and ts[-1] == ns("2026-06-21T00:15:00")
    assert (np.diff(ts) == NS // 10).all()  # one bucket every 100 ms through midnight
    csv = pcsv.read_csv(TAPE / "trades.csv").column("size").to_numpy()
    with Store.from_conf(f"duckdb::path={db}", session=None) as s:
        stored = s.query("SELECT size FROM trades").column("size").to_numpy()
        vol = s.query("SELECT sum(volume) AS v, min(volume) AS lo FROM features "
                      "WHERE volume > 0").to_pylist()[0]
    assert (np.sort(stored) == np.sort(csv)).all() and (stored % 1 != 0).mean() > 0.9
    # every print is inside the 18,000 buckets (23:45:00.0 to 00:15:00): same total, to rounding
    assert vol["v"] == pytest.approx(csv.sum(), rel=1e-12) and 0 < vol["lo"] < 0.01
    out = run("demo", "--db", db, "--symbol", "BTCUSD", "--calendar", "24/7", "--reports",
              str(tmp_path / "rep"), "--run-id", "r").stdout
    # the report speaks the calendar's zone: a 24/7 tape in UTC, not New York
    assert "== BTCUSD in " in out and ": 23:45:00.100-00:15:00.000 UTC, mid " in out
    assert "New York" not in out
    with Store.from_conf(f"duckdb::path={db}", session=None) as s:
        got = s.query("SELECT count(*) AS n, epoch_ns(min(ts)) AS lo, epoch_ns(max(ts)) AS hi "
                      "FROM risk_scores").to_pylist()[0]
    # every bucket scored, both sides of midnight
    assert got == {"n": 18000, "lo": ns("2026-06-20T23:45:00.1"), "hi": ns("2026-06-21T00:15")}


def test_crypto_tape_when_a_size_is_off_the_satoshi_lot_then_refused_naming_row_and_value(
        tmp_path):
    lines = (TAPE / "trades.csv").read_text().splitlines()
    row = 115  # 0-based data row
    cells = lines[row + 1].split(",")
    cells[3] = "0.000000015"  # 1.5 satoshi
    lines[row + 1] = ",".join(cells)
    bad = tmp_path / "trades.csv"
    bad.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "c.duckdb")
    p = run("ingest", "csv", "trades", str(bad), "--db", db, "--instruments",
            str(TAPE / "instruments.toml"), check=False)
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "row 115, column 'size'" in p.stderr
    assert "1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08" in p.stderr


def test_futures_when_cme_calendar_then_buckets_stop_at_the_break_and_restart_after(tmp_path):
    """The tape's first 15 minutes moved to end at Monday's 16:00 Chicago close (21:00 UTC,
    CDT), the next 15 to start at Tuesday's 17:00 open: no bucket falls in the break."""
    cal = calendar("CME")
    trades = pcsv.read_csv(TAPE / "trades.csv")
    quotes = pcsv.read_csv(TAPE / "quotes.csv", convert_options=pcsv.ConvertOptions(
        column_types={"bid": pa.float64(), "ask": pa.float64()}))
    book = pq.read_table(TAPE / "book.parquet")
    mid = ns("2026-06-21T00:00")
    with Store.from_conf(f"duckdb::path={tmp_path / 'f.duckdb'}", session=cal) as s:
        for name, t in (("trades", trades), ("quotes", quotes), ("book", book)):
            t = t.set_column(0, "ts", t.column("ts").cast(pa.timestamp("ns")))
            x = t.column("ts").cast(pa.int64()).to_numpy()
            moved = np.where(x < mid, x - mid + ns("2026-06-22T21:00"),
                             x - mid + ns("2026-06-22T22:00"))
            s.ingest(name, t.set_column(0, "ts", pa.array(moved, pa.timestamp("ns"))))
        rep = build(s, FeatureConfig(session=cal))
        ts = s.query("SELECT epoch_ns(ts) AS t FROM features ORDER BY t").column("t").to_numpy()
    assert rep.days == {"2026-06-22": 9000, "2026-06-23": 9000}
    in_break = (ts > ns("2026-06-22T21:00")) & (ts <= ns("2026-06-22T22:00"))
    assert not in_break.any() and ts.max() == ns("2026-06-22T22:15")


def test_sim_when_24_7_mode_then_session_crosses_midnight_on_a_weekend(tmp_path):
    db = str(tmp_path / "s.duckdb")
    run("sim", "--db", db, "--date", "2026-06-20", "--open-utc", "23:55", "--minutes", "10",
        "--symbols", "1", "--calendar", "24/7")
    out = run("features", "build", "--db", db, "--calendar", "24/7").stdout
    assert "6000 rows added (2026-06-20: 3000, 2026-06-21: 3000)" in out  # 5 + 5 min of 100 ms
    p = run("sim", "--db", db, "--date", "2026-06-20", "--minutes", "10", check=False)
    assert p.returncode == 2 and "must be a weekday (or set open_utc_s)" in p.stderr


def test_sim_when_24_7_sessions_share_a_date_or_cross_midnight_then_refused_only_on_overlap(
        tmp_path):
    db = str(tmp_path / "s.duckdb")
    base = ("sim", "--db", db, "--minutes", "10", "--symbols", "1", "--calendar", "24/7")
    run(*base, "--date", "2026-06-21", "--open-utc", "00:03")
    run(*base, "--date", "2026-06-21", "--open-utc", "12:00")  # same date, no overlap
    p = run(*base, "--date", "2026-06-20", "--open-utc", "23:55", check=False)  # reaches 00:05
    assert p.returncode == 2 and p.stderr.count("\n") == 1
    assert "already holds market data or orders in 2026-06-20 23:55 to 2026-06-21 00:05 UTC" \
        in p.stderr  # its last minutes are the 00:03 session's first
    p = run(*base, "--date", "2026-06-21", "--open-utc", "12:05", check=False)
    assert p.returncode == 2 and "2026-06-21 12:05 to 2026-06-21 12:15 UTC" in p.stderr
