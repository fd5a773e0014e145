"""`adaptrisk enforcer replay` (a real subprocess on a real DuckDB file): the venue's time in
force from the command line, blocks reported by cause, bad input as one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa

from tests.unit.enforcer.helpers import write_static
from tsdb import Store

S = 10**9
OPEN_NS = 1_782_135_000_000_000_000  # 2026-06-22 13:30 UTC
STATIC = """
name = "cli"
[defaults]
allow_unknown_symbols = true
max_order_qty = 1000
max_notional = 1e9
price_band_bps = 1000.0
max_position = 100
fat_finger_threshold = 1e9
"""


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu",
            "ADAPTRISK_JAX_CACHE": str(tmp_path / "jax")}


def _session(db) -> None:
    with Store.from_conf(f"duckdb::path={db}") as store:
        store.ingest("quotes", pa.table({
            "ts": pa.array([OPEN_NS], pa.timestamp("ns")), "sym": ["AAPL"], "bid": [99.0],
            "ask": [101.0], "bid_size": [100], "ask_size": [100]}))
        n = 4  # 60-lot passive buys 10 s apart: a second one breaches 100 lots while resting
        store.ingest("orders", pa.table({
            "ts": pa.array([OPEN_NS + (i + 1) * 10 * S for i in range(n)], pa.timestamp("ns")),
            "order_id": list(range(n)), "trader": ["t"] * n, "strategy": ["s"] * n,
            "sym": ["AAPL"] * n, "side": ["B"] * n, "qty": [60] * n, "price": [98.0] * n,
            "order_type": ["LIMIT"] * n}))


def _run(tmp_path, db, *extra):
    static = write_static(tmp_path / "s.toml", STATIC)
    return subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                           str(db), "--static-limits", str(static), *extra],
                          capture_output=True, text=True, env=_env(tmp_path), timeout=300)


def test_replay_cli_when_expire_after_given_then_resting_orders_release_exposure(tmp_path):
    db = tmp_path / "r.duckdb"
    _session(db)
    day = _run(tmp_path, db)
    assert day.returncode == 0, day.stderr
    assert "replayed 4 orders: 1 accepted, 3 rejected" in day.stdout
    assert "blocked by the limits 3, a HALTED row or latched symbol 0, a tripped circuit " \
           "breaker 0" in day.stdout
    ioc = _run(tmp_path, db, "--expire-after", "5")
    assert ioc.returncode == 0, ioc.stderr
    assert "replayed 4 orders: 4 accepted, 0 rejected" in ioc.stdout


def test_replay_cli_when_expire_after_not_positive_then_one_line_error_exit_2(tmp_path):
    db = tmp_path / "r.duckdb"
    _session(db)
    p = _run(tmp_path, db, "--expire-after", "0")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "--expire-after" in p.stderr


def test_replay_cli_when_static_limits_has_unknown_duplicate_key_then_one_line_exit_2(
        tmp_path):
    db = tmp_path / "r.duckdb"
    _session(db)
    bad = write_static(tmp_path / "bad.toml", STATIC + "[duplicate]\nmax_dupes = 3\n")
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                        str(db), "--static-limits", str(bad)], capture_output=True,
                       text=True, env=_env(tmp_path), timeout=300)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "max_dupes" in p.stderr
    with Store.from_conf(f"duckdb::path={db}") as store:
        assert store.count("decisions") == 0
