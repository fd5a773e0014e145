"""Hedge orders go through the enforcer like every other order: a real Enforcer on a real
DuckDB file with real risk_limits and heartbeat rows; REDUCING passes the hedges that take
the strategy's position toward zero and blocks the others, HALTED blocks all, a limit
blocks an order over it; each decision is stored with its hedge order."""

from __future__ import annotations

import pyarrow as pa
import pytest

from adaptrisk import hedging
from enforcer.commands import Fill
from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from jaxmodels.hedge import baselines
from jaxmodels.hedge.config import HedgeConfig
from tsdb.connect import connect

NOW = 1_780_000_000_000_000_000
SYM, STRAT = "HEDGEX", "HEDGE"


def _limits(store, state: str, max_order_qty: int = 500) -> None:
    store.append_limits(pa.table({
        "ts": pa.array([NOW - 10**9], pa.timestamp("ns")), "sym": [SYM], "strategy": ["*"],
        "max_order_qty": [max_order_qty], "max_notional": [1e6], "price_band_bps": [500.0],
        "max_position": [10_000], "fat_finger_threshold": [25.0], "state": [state],
        "reason": [f"test {state}"], "model_version": ["test-limits"]}))
    store.ingest("publisher_heartbeat", pa.table({
        "ts": pa.array([NOW - 10**8], pa.timestamp("ns")), "sym": [SYM], "publisher": ["test"],
        "model_version": ["test-limits"], "market_ts": pa.array([NOW], pa.timestamp("ns")),
        "published_ts": pa.array([NOW], pa.timestamp("ns"))}), session=None)


@pytest.fixture
def gate(tmp_path):
    store = connect(f"duckdb::path={tmp_path / 'h.duckdb'}")
    enf = Enforcer(EnforcerConfig(decision_log_path=tmp_path / "d.log"), store=store,
                   clock=lambda: NOW)
    yield store, enf
    enf.stop()
    store.close()


def _run(store, enf, position: int, seed: int = 1):
    enf.poll()
    if position:
        enf.on_fill(Fill(ts=NOW - 10**9, sym=SYM, strategy=STRAT,
                         side="B" if position > 0 else "S", qty=abs(position), price=100.0))
    book = hedging.Book(sym=SYM, spot=100.0, options=HedgeConfig().book, position=position)
    spec = hedging.RunSpec(strategy=STRAT, first_order_id=5_000, start_ts=NOW, seed=seed)
    orders, sched, summary = hedging.run_schedule(enf, HedgeConfig(), baselines.bs_delta, 0.0,
                                                  book, spec)
    enf.flush()
    hedging.write(store, orders, sched)
    return orders.to_pylist(), sched.to_pylist(), summary


def test_run_when_reducing_then_reducing_hedges_pass_and_increasing_ones_are_blocked(gate):
    store, enf = gate
    _limits(store, "REDUCING")
    orders, sched, _ = _run(store, enf, position=-50)  # short 50 against a long call
    passed = [o for o in orders if o["verdict"] == "ACCEPT"]
    blocked = [o for o in orders if o["verdict"] == "REJECT"]
    assert passed and blocked
    for o in passed:  # a buy while short, never past flat
        assert o["side"] == "B" and o["position_before"] < 0 and o["qty"] <= -o["position_before"]
    for o in blocked:
        assert o["reasons"] == "STATE_REDUCING" and o["risk_state"] == "RiskAlert_Reducing"
        assert o["side"] == "S" or o["qty"] > -o["position_before"]
    # the schedule follows what the gate let through: a blocked order leaves the position
    for row in sched:
        if row["verdict"] == "REJECT":
            assert row["trade_qty"] == 0 and row["cost"] == 0.0
    got = store.query("SELECT order_id, verdict, reasons FROM decisions "
                      "WHERE order_id >= 5000 ORDER BY order_id").to_pylist()
    want = [{"order_id": o["order_id"], "verdict": o["verdict"], "reasons": o["reasons"]}
            for o in orders]
    assert got == want
    assert store.count("hedge_orders") == len(orders) and store.count("hedge_schedule") == 50


def test_run_when_halted_then_every_hedge_order_is_blocked_and_position_unchanged(gate):
    store, enf = gate
    _limits(store, "HALTED")
    orders, sched, summary = _run(store, enf, position=-20)
    assert orders and all(o["verdict"] == "REJECT" and "STATE_HALTED" in o["reasons"]
                          for o in orders)
    assert {r["position"] for r in sched} == {-20} and summary["total_cost"] == 0.0


def test_run_when_active_with_small_max_order_qty_then_larger_hedges_blocked_by_the_limit(gate):
    store, enf = gate
    _limits(store, "ACTIVE", max_order_qty=5)
    orders, _, _ = _run(store, enf, position=0)
    assert orders[0]["qty"] > 5 and orders[0]["verdict"] == "REJECT"
    assert orders[0]["reasons"] == "MAX_QTY" and orders[0]["limits_version"].startswith("test-limits")
    small = [o for o in orders if o["qty"] <= 5]
    assert small and all(o["verdict"] == "ACCEPT" for o in small)
