"""`adaptrisk evaluate` counts valid calm orders blocked through the enforcer's fair replay
(issue 11): orders that never fill and are cancelled release their exposure, so a session
of resting orders is not blocked by MAX_POSITION as it was when every accepted order was
assumed filled; a HALTED row's blocks are counted apart from the limits' own. A real DuckDB
file, the enforcer's own static rule set (max_position 100,000 lots)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from adaptrisk import evaluate_replay as ev
from adaptrisk.limits import with_static_caps
from jaxmodels import calibrate
from jaxmodels import evaluate as jev
from jaxmodels.config import ModelsConfig
from sim.tables import SCHEMAS
from tsdb import Store

NS = 1_000_000_000
T0 = 1_782_135_000 * NS  # 2026-06-22 13:30 UTC, the XNYS open
N = 300  # 400-lot buys, one every 2 s: 120,000 lots, over the 100,000-lot max position
QTY = 400


def _table(name: str, cols: dict) -> pa.Table:
    sch = SCHEMAS[name]
    return pa.table({f.name: pa.array(cols[f.name]).cast(f.type) for f in sch}, schema=sch)


@pytest.fixture
def store(tmp_path):
    """Quotes 39.99 / 40.01 every second for 10 min; N resting buys at 39.00, each
    cancelled 1 s later (a CANCEL row with its order_id); no trade prints through."""
    qt = T0 + np.arange(0, 610) * NS
    ot = T0 + 5 * NS + np.arange(N) * 2 * NS
    ts = np.concatenate([ot, ot + NS])
    kind = ["LIMIT"] * N + ["CANCEL"] * N
    o = np.argsort(ts, kind="stable")
    oid = np.concatenate([np.arange(1, N + 1)] * 2)
    with Store.from_conf(f"duckdb::path={tmp_path / 's.duckdb'}") as st:
        st.ingest("quotes", _table("quotes", {
            "ts": qt.view("datetime64[ns]"), "sym": ["SIM00"] * len(qt),
            "bid": np.full(len(qt), 39.99), "ask": np.full(len(qt), 40.01),
            "bid_size": np.full(len(qt), 50), "ask_size": np.full(len(qt), 50)}))
        st.ingest("orders", _table("orders", {
            "ts": ts[o].view("datetime64[ns]"), "order_id": oid[o],
            "trader": ["T_A"] * 2 * N, "strategy": ["MM"] * 2 * N, "sym": ["SIM00"] * 2 * N,
            "side": ["B"] * 2 * N, "qty": np.full(2 * N, QTY)[o],
            "price": [39.0 if k == "LIMIT" else None for k in np.asarray(kind)[o]],
            "order_type": list(np.asarray(kind)[o])}))
        st.ingest("labels_orders", _table("labels_orders", {
            "order_id": np.arange(1, N + 1), "ts": ot.view("datetime64[ns]"),
            "sym": ["SIM00"] * N, "is_error": [False] * N, "error_kind": [""] * N}))
        yield st


def _heartbeats():
    t = T0 + np.arange(1, 6100) * (NS // 10)
    return calibrate.heartbeat_table(t, ["SIM00"] * len(t), publisher="test",
                                     model_version="m", market_ts=t, published_ts=0)


def _limits(state: str, at_ns: int) -> pa.Table:
    calib = with_static_caps(ModelsConfig()).calib
    rows = calibrate.static_rows(at_ns, ["SIM00"], calib, "test").to_pylist()
    for r in rows:
        r["state"], r["model_version"] = state, "m"
    return pa.Table.from_pylist(rows, schema=calibrate.static_rows(0, [], calib, "").schema)


def test_replay_calm_when_resting_orders_are_cancelled_then_no_position_block(store):
    # the old count assumed every accepted order filled: the 251st buy broke the 100,000-lot
    # max position and every later one was blocked
    caps = with_static_caps(ModelsConfig()).calib.caps
    cols = {"ts": np.arange(N), "sym": np.full(N, "SIM00", object),
            "strategy": np.full(N, "MM", object), "side": np.full(N, "B", object),
            "qty": np.full(N, float(QTY)), "price": np.full(N, 39.0),
            "ref_mid": np.full(N, 40.0), "qty_over_trader_median": np.ones(N)}
    assert jev.blocked(cols, jev.limits_in_force(cols, None, caps)).sum() == N - 250
    out = ev.replay_calm(store, _limits("ACTIVE", T0), _heartbeats(), [])
    assert out["valid_calm_orders"] == N
    assert out["blocked_calm"] == {"adaptive": 0, "static": 0}
    assert out["halted_calm"] == out["breaker_calm"] == {"adaptive": 0, "static": 0}


def test_replay_calm_when_halted_row_then_its_blocks_apart_from_the_limits(store):
    # HALTED from T0 + 305 s: orders at T0 + 5 s + 2 s * k, k >= 150, are latched
    out = ev.replay_calm(store, _limits("HALTED", T0 + 305 * NS), _heartbeats(), [])
    assert out["halted_calm"] == {"adaptive": N - 150, "static": 0}
    assert out["blocked_calm"] == {"adaptive": 0, "static": 0}


def test_replay_calm_when_orders_inside_a_stress_window_then_not_counted(store):
    evs = [{"sym": "SIM00", "event": "flash_crash", "start_ns": T0 + 305 * NS,
            "end_ns": T0 + 310 * NS}]
    out = ev.replay_calm(store, _limits("ACTIVE", T0), _heartbeats(), evs)
    # 1 min before to 5 min after: orders at 245 s .. 610 s are out (k = 120..299)
    assert out["valid_calm_orders"] == 120


def test_replay_calm_when_resting_orders_are_never_cancelled_then_position_blocks(store):
    # the same buys left resting (day orders): their open exposure counts, as live
    store.query("DELETE FROM orders WHERE order_type = 'CANCEL'")
    out = ev.replay_calm(store, _limits("ACTIVE", T0), _heartbeats(), [])
    assert out["blocked_calm"] == {"adaptive": N - 250, "static": N - 250}


def test_replay_calm_when_since_given_then_earlier_decisions_are_history_not_counted(store):
    # the first 100 buys (at 5 s, 7 s, ... 203 s) are a history day: replayed, not counted
    out = ev.replay_calm(store, _limits("ACTIVE", T0), _heartbeats(), [],
                         since_ns=T0 + 205 * NS)
    assert out["valid_calm_orders"] == N - 100
