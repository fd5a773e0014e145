"""Manual limit overrides (limit_overrides rows) honoured by the limits feed and the order
path: real DuckDB store, fake clock."""

from __future__ import annotations

import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, order, publish, write_static

S = 10**9


def override_row(ts, oid, *, value, sym="AAA", strategy="*", limit_name="max_order_qty",
                 status="active", direction="loosen", expires=T0 + 3600 * S) -> pa.Table:
    return pa.table({
        "ts": pa.array([ts], pa.timestamp("ns")), "override_id": [oid], "sym": [sym],
        "strategy": [strategy], "limit_name": [limit_name], "value": [float(value)],
        "direction": [direction], "status": [status],
        "expires_ts": pa.array([expires], pa.timestamp("ns")), "requested_by": ["alice"],
        "approved_by": ["bob"], "why": ["test"]})


def _write(e, store, row) -> None:
    """What the console does: append the row, tell the feed."""
    store.ingest("limit_overrides", row, session=None)
    e.feed.overrides_changed()


def _make(tmp_path, store):
    cfg = EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", SMALL_STATIC))
    clock = FakeClock()
    e = Enforcer(cfg, store, clock)
    e.on_quote("AAA", 99.9, 100.1, T0)
    return e, clock


def test_loosen_override_when_active_then_replaces_model_limit_up_to_static_cap(tmp_path, store):
    e, _ = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)  # the model tightened AAA to 100 lots (static 1000)
    e.poll()
    assert "MAX_QTY" in e.submit(order(1, qty=300)).reasons
    _write(e, store, override_row(T0, "o1", value=400))
    e.poll()
    assert e.submit(order(2, qty=300, price=100.01)).verdict == "ACCEPT"
    assert "MAX_QTY" in e.submit(order(3, qty=401, price=100.02)).reasons
    assert e.limits_for("AAA")["effective"]["version"].endswith("+o1")
    _write(e, store, override_row(T0 + 1, "o2", value=5000))
    e.poll()  # newer override past the static cap: capped at 1000
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 1000


def test_override_when_pending_or_expired_then_not_honoured(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    _write(e, store, override_row(T0, "o1", value=400, status="pending"))
    _write(e, store, override_row(T0, "o2", value=300, expires=T0 + S))
    e.poll()
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 300
    clock.advance(2 * S)
    publish(store, T0 + 2 * S, max_order_qty=100)
    e.poll()
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 100


def test_tighten_override_when_static_limits_only_then_static_verdict_tightened(tmp_path, store):
    e, _ = _make(tmp_path, store)  # no risk_limits rows: static limits for every symbol
    _write(e, store, override_row(T0, "o1", value=20, direction="tighten"))
    e.poll()
    d = e.submit(order(1, qty=21))
    assert "MAX_QTY" in d.reasons and d.static_verdict == "REJECT"
    assert e.limits_for("BBB")["effective"]["max_order_qty"] == 500  # other symbols alone


def test_strategy_override_when_active_then_only_that_strategy(tmp_path, store):
    e, _ = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    _write(e, store, override_row(T0, "o1", value=10, strategy="s2",
                                                 direction="tighten"))
    e.poll()
    assert "MAX_QTY" in e.submit(order(1, qty=11, strategy="s2")).reasons
    assert e.submit(order(2, qty=11, strategy="s1", price=100.01)).verdict == "ACCEPT"


def test_override_when_written_by_hand_in_sql_then_read_within_a_second(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    e.poll()
    store.ingest("limit_overrides", override_row(T0, "o1", value=400), session=None)
    e.poll()  # the feed was not told: not read yet
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 100
    clock.advance(S)
    e.poll()
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 400


def test_override_when_expiring_between_reads_then_dropped_at_the_next_poll(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    _write(e, store, override_row(T0, "o1", value=400, expires=T0 + S // 2))
    e.poll()
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 400
    clock.advance(S // 2 + 1)  # within the re-read interval: the expiry applied locally
    e.poll()
    assert e.limits_for("AAA")["effective"]["max_order_qty"] == 100
