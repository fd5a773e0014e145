"""The board's model over a real engine and DuckDB store: limits static against adaptive
with the reason, position and open lots, and the sparkline geometry."""

import pyarrow as pa

from enforcer.commands import Fill
from enforcer.console.board import Board, spark
from tests.unit.enforcer.helpers import T0, FakeClock, publish
from tests.unit.enforcer.test_overrides import _make, override_row

S = 10**9


def test_spark_when_many_points_then_at_most_one_per_two_pixels_within_the_box():
    pts = [(T0 + i * S // 10, float(i % 7)) for i in range(6000)]
    xy = [tuple(map(float, p.split(","))) for p in spark(pts, T0, T0 + 600 * S).split()]
    assert len(xy) <= 60
    assert all(0 <= x <= 120 and 0 <= y <= 22 for x, y in xy)
    assert spark([], T0, T0 + S) == ""


def test_rows_when_model_row_and_override_then_static_vs_adaptive_with_reason(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    e.poll()
    b = Board(e, store, clock, 600 * S)
    row = next(r for r in b.rows() if r["sym"] == "AAA")
    assert ("max_order_qty", "1,000", "100", True) in row["limits"]
    assert row["reason"] == "test (m1)"
    store.ingest("limit_overrides", override_row(T0, "o9", value=400), session=None)
    e.feed.overrides_changed()
    e.poll()
    row = next(r for r in b.rows() if r["sym"] == "AAA")
    assert ("max_order_qty", "1,000", "400", True) in row["limits"]
    assert row["reason"] == "override max_order_qty=400 (o9)"


def test_rows_when_fill_and_scores_then_position_tier_and_version_bump(tmp_path, store):
    e, clock = _make(tmp_path, store)
    b = Board(e, store, FakeClock(), 600 * S)
    e.on_fill(Fill(ts=T0, sym="AAA", strategy="s1", side="B", qty=30, price=100.0))
    store.ingest("risk_scores", pa.table({
        "ts": pa.array([T0], pa.timestamp("ns")), "sym": ["AAA"], "anomaly_score": [2.5],
        "tier": ["HIGH_ALERT"], "model_version": ["v"]}), session=None)
    v = b.version
    b.refresh()
    assert b.version > v
    rows = {(r["sym"], r["strategy"]): r for r in b.rows()}
    assert rows[("AAA", "*")]["position"] == 30 and rows[("AAA", "s1")]["position"] == 30
    assert rows[("AAA", "*")]["tier"] == "HIGH_ALERT" and rows[("AAA", "*")]["score"] == "2.50"
    v = b.version
    b.refresh()
    assert b.version == v  # nothing new: no push
