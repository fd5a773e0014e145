"""Replay judges staleness as the live daemon does: on the publisher's newest row.

The calibrator writes a risk_limits row only when a limit changes, so a tight limit that
holds for longer than the staleness bound must stay in force while rows keep arriving for
other symbols, and fall back to static only when the publisher has gone quiet.
"""

from __future__ import annotations

import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.replay import replay
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, limits_row, write_static

S = 10**9


def _setup(store, tmp_path, other_rows: list[int]):
    store.ingest("quotes", pa.table({
        "ts": pa.array([T0 - 1, T0 - 1], pa.timestamp("ns")), "sym": ["AAA", "BBB"],
        "bid": [99.9, 49.9], "ask": [100.1, 50.1], "bid_size": [1, 1], "ask_size": [1, 1]}),
        session=None)
    # one order for AAA 20 s after its tight limit was issued
    store.ingest("orders", pa.table({
        "ts": pa.array([T0 + 20 * S], pa.timestamp("ns")), "order_id": [1], "trader": ["t"],
        "strategy": ["s"], "sym": ["AAA"], "side": ["S"], "qty": [150], "price": [100.0],
        "order_type": ["LIMIT"]}), session=None)
    store.append_limits(limits_row(T0, max_order_qty=100))  # AAA, tight, never changes again
    for t in other_rows:  # the publisher keeps writing rows for another symbol
        row = limits_row(t, max_order_qty=400)
        store.append_limits(row.set_column(row.column_names.index("sym"), "sym", pa.array(["BBB"])))
    return EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", SMALL_STATIC))


def _decision(store):
    return store.query("SELECT verdict, reasons, limits_version FROM decisions").to_pylist()[0]


def test_replay_when_publisher_alive_then_old_unchanged_tight_row_stays_in_force(tmp_path, store):
    cfg = _setup(store, tmp_path, other_rows=[T0 + k * S for k in range(1, 20)])
    replay(store, cfg)
    d = _decision(store)
    assert d["verdict"] == "REJECT" and "MAX_QTY" in d["reasons"]


def test_replay_when_publisher_quiet_past_bound_then_static_limits(tmp_path, store):
    cfg = _setup(store, tmp_path, other_rows=[T0 + 1 * S])  # last row 19 s before the order
    replay(store, cfg)
    assert _decision(store)["verdict"] == "ACCEPT"  # static max qty of SMALL_STATIC allows 150
