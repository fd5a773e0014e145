"""Replay judges freshness as the live daemon does: on the symbol's publisher heartbeat.

The calibrator writes a risk_limits row only when a limit changes and a heartbeat for
every bucket it judges, so a tight limit that holds for longer than the staleness bound
stays in force while the symbol's heartbeats keep coming, and an order after a heartbeat
gap longer than the bound is decided on the static rule set. Another symbol's heartbeats
do not keep a symbol's limits alive.
"""

from __future__ import annotations

import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from tests.unit.enforcer.helpers import (
    SMALL_STATIC,
    T0,
    heartbeat_row,
    limits_row,
    write_static,
)

S = 10**9
ORDER_TS = T0 + 20 * S


def _setup(store, tmp_path, heartbeats: list[tuple[int, str]]):
    store.ingest("quotes", pa.table({
        "ts": pa.array([T0 - 1, T0 - 1], pa.timestamp("ns")), "sym": ["AAA", "BBB"],
        "bid": [99.9, 49.9], "ask": [100.1, 50.1], "bid_size": [1, 1], "ask_size": [1, 1]}),
        session=None)
    # one order for AAA 20 s after its tight limit was issued
    store.ingest("orders", pa.table({
        "ts": pa.array([ORDER_TS], pa.timestamp("ns")), "order_id": [1], "trader": ["t"],
        "strategy": ["s"], "sym": ["AAA"], "side": ["S"], "qty": [150], "price": [100.0],
        "order_type": ["LIMIT"]}), session=None)
    store.append_limits(limits_row(T0, max_order_qty=100))  # AAA, tight, never changes again
    store.append_limits(limits_row(T0, "BBB", max_order_qty=400))
    for t, sym in heartbeats:
        store.ingest("publisher_heartbeat", heartbeat_row(t, sym), session=None)
    return EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", SMALL_STATIC))


def _decision(store):
    return store.query("SELECT verdict, reasons, limits_version, risk_state "
                       "FROM decisions").to_pylist()[0]


def test_replay_when_heartbeats_keep_coming_then_old_unchanged_tight_row_stays_in_force(
        tmp_path, store):
    cfg = _setup(store, tmp_path, [(T0 + k * S, "AAA") for k in range(0, 20)])
    replay(store, cfg)
    d = _decision(store)
    assert d["verdict"] == "REJECT" and "MAX_QTY" in d["reasons"]
    assert d["limits_version"] == f"m1@{T0}"


def test_replay_when_heartbeat_within_bound_then_dynamic_limits(tmp_path, store):
    cfg = _setup(store, tmp_path, [(T0, "AAA"), (ORDER_TS - 5 * S, "AAA")])  # 5 s = bound
    replay(store, cfg)
    assert _decision(store)["reasons"] == "MAX_QTY"


def test_replay_when_heartbeat_gap_longer_than_bound_then_static_limits(tmp_path, store):
    cfg = _setup(store, tmp_path, [(T0 + k * S, "AAA") for k in range(0, 15)])  # last 6 s ago
    replay(store, cfg)
    d = _decision(store)
    assert d["verdict"] == "ACCEPT"  # static max qty of SMALL_STATIC allows 150
    assert d["risk_state"] == "RiskAlert_StaleLimits" and d["limits_version"].startswith("static")


def test_replay_when_only_another_symbol_has_heartbeats_then_static_limits(tmp_path, store):
    cfg = _setup(store, tmp_path, [(T0 + k * S, "BBB") for k in range(0, 21)])
    replay(store, cfg)
    assert _decision(store)["verdict"] == "ACCEPT"


def test_replay_when_heartbeat_after_the_order_then_not_used(tmp_path, store):
    cfg = _setup(store, tmp_path, [(T0, "AAA"), (ORDER_TS + 1, "AAA")])
    replay(store, cfg)
    assert _decision(store)["verdict"] == "ACCEPT"
