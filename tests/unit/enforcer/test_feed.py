"""Limits feed: per-symbol freshness from publisher heartbeats (real DuckDB file, fake clock)."""

from __future__ import annotations

import threading
from datetime import timedelta

from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from enforcer.feed import Heartbeat, judge
from tests.unit.enforcer.helpers import (
    SMALL_STATIC,
    T0,
    FakeClock,
    heartbeat_row,
    limits_row,
    order,
    publish,
    write_static,
)

S = 10**9
BOUND = 5 * S


def _make(tmp_path, store, **kw):
    path = write_static(tmp_path / "static.toml", SMALL_STATIC)
    clock = FakeClock()
    cfg = EnforcerConfig(static_limits_path=path, decision_log_path=tmp_path / "d.log", **kw)
    e = Enforcer(cfg, store, clock)
    e.on_quote("AAA", 99.9, 100.1, T0)
    e.on_quote("BBB", 99.9, 100.1, T0)
    return e, clock


def _beat(store, ts, sym="AAA", **kw):
    store.ingest("publisher_heartbeat", heartbeat_row(ts, sym, **kw), session=None)


def _alerts(e, kind):
    return [a["msg"] for a in e.state()["alerts"] if a["kind"] == kind]


def test_judge_when_at_the_bound_then_in_force_and_past_it_then_stale():
    hb = Heartbeat(T0, "p", "m1", T0, T0)
    assert judge(hb, T0 + BOUND, BOUND).in_force
    assert judge(hb, T0 + BOUND + 1, BOUND).why == "no heartbeat for 5.0 s"
    assert judge(hb._replace(market_ts=T0 + BOUND + 1), T0, BOUND).why == (
        "publisher 5.0 s behind the market")
    assert judge(None, T0, BOUND).why == "no heartbeat"


def test_poll_when_publisher_dead_past_bound_then_static_with_alert_naming_sym(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    e.poll()
    assert e.submit(order(1, qty=150)).reasons == ("MAX_QTY",)
    clock.advance(BOUND)  # exactly the bound: still in force
    e.poll()
    assert e.state()["limits_source"] == "dynamic"
    clock.advance(2_200_000_000)
    e.poll()
    st = e.state()
    assert st["limits_source"] == "static"
    assert "AAA: no heartbeat for 7.2 s" in _alerts(e, "limits_static")[-1]
    assert st["freshness"]["AAA"] == {"heartbeat_ts": T0, "published_ts": T0, "age_s": 7.2,
                                      "lag_s": 0.0, "in_force": False,
                                      "why": "no heartbeat for 7.2 s"}
    d = e.submit(order(2, T0 + 7 * S, qty=150))
    assert d.verdict == "ACCEPT" and d.risk_state == "RiskAlert_StaleLimits"


def test_poll_when_publisher_behind_the_market_then_static(tmp_path, store):
    e, clock = _make(tmp_path, store)
    store.append_limits(limits_row(T0, max_order_qty=100))
    clock.advance(6_100_000_000)  # written just now, but judging a bucket 6.1 s old
    _beat(store, T0, market_ts=clock.t, published_ts=clock.t)
    e.poll()
    st = e.state()
    assert st["limits_source"] == "static"
    assert st["freshness"]["AAA"]["why"] == "publisher 6.1 s behind the market"
    assert any("AAA: publisher 6.1 s behind the market" in m
               for m in _alerts(e, "limits_static"))
    assert e.submit(order(1, clock.t, qty=150)).risk_state == "RiskAlert_StaleLimits"


def test_poll_when_fresh_heartbeat_and_hours_old_limits_row_then_dynamic_in_force(
        tmp_path, store):
    e, clock = _make(tmp_path, store)
    old = T0 - 3 * 3600 * S
    store.append_limits(limits_row(old, max_order_qty=100))
    _beat(store, T0)
    e.poll()
    d = e.submit(order(1, qty=150))
    assert d.reasons == ("MAX_QTY",) and d.limits_version == f"m1@{old}"
    assert e.limits_for("AAA")["in_force"] and e.limits_for("AAA")["heartbeat_ts"] == T0


def test_poll_when_one_symbols_publisher_dead_then_only_that_symbol_static(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, "AAA", max_order_qty=100)
    publish(store, T0, "BBB", max_order_qty=100)
    e.poll()
    clock.advance(6 * S)
    _beat(store, T0 + 6 * S, "AAA")  # AAA's publisher carries on; BBB's went quiet
    e.poll()
    st = e.state()
    assert st["limits_source"] == "dynamic" and st["stale_syms"] == ["BBB"]
    assert st["freshness"]["AAA"]["in_force"] and not st["freshness"]["BBB"]["in_force"]
    assert _alerts(e, "limits_static") == ["static limits for BBB: no heartbeat for 6.0 s"]
    a = e.submit(order(1, clock.t, sym="AAA", qty=150))
    b = e.submit(order(2, clock.t, sym="BBB", qty=150))
    assert a.reasons == ("MAX_QTY",) and a.risk_state == "RiskAlert_HighAnomaly"
    assert b.verdict == "ACCEPT" and b.risk_state == "RiskAlert_StaleLimits"
    assert b.limits_version == e.static.version
    _beat(store, T0 + 6 * S, "BBB")  # BBB's publisher is back
    e.poll()
    assert _alerts(e, "limits_dynamic")[-1] == "dynamic limits back in force for BBB"
    assert e.submit(order(3, clock.t + 1, sym="BBB", qty=151)).reasons == ("MAX_QTY",)


def test_poll_when_rows_but_never_a_heartbeat_then_that_symbol_stale(tmp_path, store):
    e, _ = _make(tmp_path, store)
    publish(store, T0, "AAA", max_order_qty=100)
    store.append_limits(limits_row(T0, "BBB", max_order_qty=100))
    e.poll()
    assert e.state()["stale_syms"] == ["BBB"]
    assert e.state()["freshness"]["BBB"]["why"] == "no heartbeat"
    assert e.submit(order(1, sym="BBB", qty=150)).verdict == "ACCEPT"


def test_listener_when_snapshot_swapped_then_called_with_it_and_heartbeat_ts(tmp_path, store):
    e, clock = _make(tmp_path, store)
    seen = []
    e.add_listener(lambda snap, ns: seen.append((snap, ns)))
    e.add_listener(lambda snap, ns: 1 / 0)  # a broken listener is alerted, not fatal
    publish(store, T0)
    clock.advance(3)
    e.poll()
    assert len(seen) == 1 and seen[0][0] is e.snapshot() and seen[0][1] == T0 + 3
    assert seen[0][0].heartbeats == {"AAA": T0}
    e.poll()  # nothing new: no swap, no call
    assert len(seen) == 1
    _beat(store, T0 + 100_000_000)  # the next bucket judged: a new snapshot
    e.poll()
    assert len(seen) == 2 and seen[1][0].heartbeats == {"AAA": T0 + 100_000_000}
    assert any("ZeroDivisionError" in m for m in _alerts(e, "listener_error"))


def test_wake_when_called_then_poll_thread_polls_at_once(tmp_path, store):
    class Spy:
        """The real store; says when a poll has read the heartbeats."""

        def __init__(self) -> None:
            self.read = threading.Event()

        def __getattr__(self, name):
            return getattr(store, name)

        def latest_heartbeats(self, since_ns=None):
            try:
                return store.latest_heartbeats(since_ns)
            finally:
                self.read.set()

    spy = Spy()
    e, clock = _make(tmp_path, spy, poll_interval=timedelta(hours=1))
    swapped = threading.Event()
    e.add_listener(lambda snap, ns: swapped.set() if "AAA" in snap.heartbeats else None)
    e.start()
    try:
        assert spy.read.wait(30)  # the first poll has read an empty store; the next: in 1 h
        publish(store, T0)
        e.wake()
        assert swapped.wait(30)  # well before the hour
        assert e.state()["limits_source"] == "dynamic"
    finally:
        e.stop()


def test_poll_when_called_from_two_threads_then_never_concurrent(tmp_path, store):
    class SlowStore:
        """Delegates to the real store; counts polls in flight."""

        def __init__(self) -> None:
            self.inside = self.most = 0
            self.gate = threading.Event()
            self.lock = threading.Lock()

        def latest_limits(self, since_ns=None):
            with self.lock:
                self.inside += 1
                self.most = max(self.most, self.inside)
            self.gate.wait(5)
            return store.latest_limits(since_ns)

        def latest_heartbeats(self, since_ns=None):
            with self.lock:
                self.inside -= 1
            return store.latest_heartbeats(since_ns)

    slow = SlowStore()
    e, _ = _make(tmp_path, slow)
    publish(store, T0)
    threads = [threading.Thread(target=e.feed.poll) for _ in range(2)]
    for t in threads:
        t.start()
    slow.gate.set()
    for t in threads:
        t.join()
    assert slow.most == 1 and e.state()["limits_source"] == "dynamic"


def test_wait_s_when_limits_in_force_expire_before_the_interval_then_poll_at_the_expiry(
        tmp_path, store):
    e, clock = _make(tmp_path, store)
    assert e.feed.wait_s(0.1) == 0.1  # nothing in force: the interval
    publish(store, T0, max_order_qty=100)
    _beat(store, T0, sym="BBB", published_ts=T0 + 2 * S)
    store.append_limits(limits_row(T0, sym="BBB", max_order_qty=100))
    e.poll()
    assert e.feed.wait_s(0.1) == 0.1  # AAA expires in 5 s
    clock.advance(BOUND - 40_000_000)  # AAA's heartbeat turns stale 40 ms from now
    assert abs(e.feed.wait_s(0.1) - 0.041) < 1e-9
    clock.advance(41_000_000)
    e.poll()  # the poll at that moment: AAA static, BBB (2 s younger) still in force
    assert e.snapshot().stale == frozenset({"AAA"})
    assert abs(e.feed.wait_s(10.0) - (2 * S - 1_000_000) / 1e9 - 0.001) < 1e-9
    clock.advance(3 * S)
    e.poll()
    assert e.state()["limits_source"] == "static"
    assert e.feed.wait_s(0.1) == 0.1  # nothing in force any more: no early wake-ups
