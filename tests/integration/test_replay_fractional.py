"""Fractional orders through the replay (issue 17, point 2): orders.qty and decisions.qty are
venue units (0.018 BTC), the batch path decides on lot counts of each symbol's lot_size
(satoshis for the crypto tape), and a store made by the older BIGINT DDL of orders,
decisions and the limit tables is widened on open, its rows kept."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from tests.unit.enforcer.helpers import write_static
from tsdb import Store
from tsdb.instruments import Instruments

TAPE = pathlib.Path(__file__).resolve().parents[1] / "data" / "crypto_24h"
INSTRUMENTS = TAPE / "instruments.toml"
MAX_BTC = 0.02  # the static max order qty of BTCUSD, BTC

STATIC = f"""
name = "crypto"
[defaults]
allow_unknown_symbols = false
max_order_qty = 1000
max_notional = 1000000.0
price_band_bps = 500.0
max_position = 1000
fat_finger_threshold = 1000.0
[throttle]
rate_per_s = 100000
burst = 100000
[duplicate]
max_identical = 1000
[symbols.BTCUSD]
max_order_qty = {MAX_BTC}
max_position = 1000.0
"""


def _csv(name: str) -> pa.Table:
    """A tape CSV with its ISO 8601 'Z' timestamps as UTC ns."""
    t = pacsv.read_csv(TAPE / f"{name}.csv")
    return t.set_column(0, "ts", t.column("ts").cast(pa.int64()).cast(pa.timestamp("ns")))


def _tape_store(store, n_orders: int = 300) -> pa.Table:
    """The tape's quotes, and its first orders with qty in milli-BTC lots of a thousandth
    (18 -> 0.018 BTC): a whole number of satoshis each. Returns the orders written."""
    ins = Instruments.load(INSTRUMENTS)
    store.ingest("quotes", _csv("quotes"), session=ins)
    o = _csv("orders").slice(0, n_orders)
    qty = np.round(o.column("qty").to_numpy() * 0.001, 3)
    o = o.set_column(o.schema.get_field_index("qty"), "qty", pa.array(qty))
    store.ingest("orders", o, session=ins)
    return o


def test_replay_when_orders_are_fractional_btc_then_decided_in_satoshi_lots_and_qty_kept(
        tmp_path, store):
    o = _tape_store(store)
    # one order off the satoshi grid: ingest without the lot check, so the replay meets it
    bad = o.slice(0, 1).to_pydict()
    bad.update(order_id=[10**6], qty=[0.000000015])
    store.ingest("orders", pa.table(bad, schema=o.schema), session=None)
    cfg = EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", STATIC),
                         instruments_path=INSTRUMENTS, breaker_rejects_per_s=0)
    summary = replay(store, cfg)
    assert summary["orders"] == o.num_rows + 1
    got = store.query("SELECT d.order_id, d.qty, d.verdict, d.reasons, o.qty AS order_qty "
                      "FROM decisions d JOIN orders o USING (order_id) ORDER BY order_id"
                      ).to_pylist()
    assert len(got) == o.num_rows + 1
    assert all(r["qty"] == r["order_qty"] for r in got)  # venue units, as the order had it
    off = [r for r in got if r["order_id"] == 10**6]
    assert off[0]["qty"] == 0.000000015 and off[0]["reasons"] == "BAD_QTY"
    whole = [r for r in got if r["order_id"] != 10**6]
    assert not any("BAD_QTY" in r["reasons"] for r in whole)
    # MAX_QTY exactly for the orders above 0.02 BTC (2,000,000 satoshis), none at or below
    big = {r["order_id"] for r in whole if r["qty"] > MAX_BTC}
    assert big and {r["order_id"] for r in whole if "MAX_QTY" in r["reasons"]} == big
    assert any(r["verdict"] == "ACCEPT" for r in whole)
    # 0.02 BTC itself (a float 0.02 is 1999999.9999999998 satoshis) is not above the limit
    assert any(r["qty"] == MAX_BTC and "MAX_QTY" not in r["reasons"] for r in whole)


def test_replay_cli_when_instruments_given_then_lots_follow_the_file(tmp_path):
    db = tmp_path / "t.duckdb"
    with Store.from_conf(f"duckdb::path={db}", session=None) as s:
        _tape_store(s, n_orders=60)
    static = write_static(tmp_path / "s.toml", STATIC)
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYKX_UNLICENSED": "true"}

    def run(*extra):
        p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                            str(db), "--static-limits", str(static), "--json", *extra],
                           capture_output=True, text=True, env=env, timeout=300)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    with_lots = run("--instruments", str(INSTRUMENTS))
    assert with_lots["reasons"].get("BAD_QTY", 0) == 0
    without = run()  # lot 1: 0.018 BTC is no whole number of lots
    assert without["reasons"]["BAD_QTY"] == 60
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "enforcer", "replay", "--db",
                        str(db), "--instruments", str(tmp_path / "none.toml")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode != 0 and "--instruments" in p.stderr and len(p.stderr.splitlines()) == 1


# orders, decisions and the limit tables as the DDL made them before fractional orders
OLD_DDL = """
CREATE TABLE orders (ts TIMESTAMP_NS NOT NULL, order_id BIGINT NOT NULL, trader VARCHAR NOT NULL,
    strategy VARCHAR NOT NULL, sym VARCHAR NOT NULL, side VARCHAR NOT NULL,
    qty BIGINT NOT NULL, price DOUBLE, order_type VARCHAR NOT NULL);
CREATE TABLE risk_limits (ts TIMESTAMP_NS NOT NULL, sym VARCHAR NOT NULL,
    strategy VARCHAR NOT NULL, max_order_qty BIGINT NOT NULL, max_notional DOUBLE NOT NULL,
    price_band_bps DOUBLE NOT NULL, max_position BIGINT NOT NULL,
    fat_finger_threshold DOUBLE NOT NULL, state VARCHAR NOT NULL, reason VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL);
CREATE TABLE fat_finger_limits (ts TIMESTAMP_NS NOT NULL, sym VARCHAR NOT NULL,
    trader VARCHAR NOT NULL, fat_finger_max_qty BIGINT NOT NULL, model_version VARCHAR NOT NULL);
INSERT INTO orders VALUES (make_timestamp_ns(1782085500000000000), 7, 't', 's', 'BTCUSD', 'B',
    3, 40.0, 'LIMIT');
INSERT INTO risk_limits VALUES (make_timestamp_ns(1782085500000000000), 'BTCUSD', '*', 50,
    1e6, 100.0, 80, 10.0, 'ACTIVE', 'r', 'm1');
"""


def _types(path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT table_name || '.' || column_name, data_type "
                       "FROM information_schema.columns").fetchall()
    con.close()
    return dict(rows)


def test_open_when_store_has_the_old_bigint_order_and_limit_qty_then_widened_rows_kept(
        tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD_DDL)
    con.close()
    assert _types(path)["orders.qty"] == "BIGINT"
    with Store.from_conf(f"duckdb::path={path}", session=None) as s:
        assert s._migrate() == []  # done on open
        assert s.query("SELECT qty FROM orders").column("qty").to_pylist() == [3.0]
        lim = s.query("SELECT max_order_qty, max_position FROM risk_limits").to_pylist()
        assert lim == [{"max_order_qty": 50.0, "max_position": 80.0}]
    types = _types(path)
    for col in ("orders.qty", "decisions.qty", "risk_limits.max_order_qty",
                "risk_limits.max_position", "fat_finger_limits.fat_finger_max_qty",
                "exec_advice.clip_qty", "exec_advice.impact_max_qty", "exec_advice.parent_qty"):
        assert types[col] == "DOUBLE", col
    assert types["orders.order_id"] == "BIGINT"  # not a quantity: left alone
