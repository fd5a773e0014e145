"""Recovery: `recover()` returns what it rebuilt; the engine applies it (real DuckDB file)."""

from __future__ import annotations

from enforcer import recovery
from enforcer.book import Book
from enforcer.commands import CancelOrder, Fill, OperatorCommand
from enforcer.config import EnforcerConfig
from enforcer.controls import OperatorState, apply_action, apply_trip
from enforcer.engine import Enforcer
from enforcer.orders import OrderLedger
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, order, publish, write_static

S = 10**9


def _make(tmp_path, store, clock):
    path = write_static(tmp_path / "static.toml", SMALL_STATIC)
    cfg = EnforcerConfig(static_limits_path=path, decision_log_path=tmp_path / "d.log",
                         breaker_rejects_per_s=3)
    e = Enforcer(cfg, store, clock)
    e.on_quote("AAA", 99.9, 100.1, T0)
    e.on_quote("BBB", 99.9, 100.1, T0)
    return e


def _digest(e: Enforcer) -> dict:
    """Everything the decision log is the source of truth for."""
    b = e.book
    b.refresh_medians()
    st = e.state()
    return {"pos": b.pos, "buckets": b.buckets, "dups": b.dups, "open": b.open_orders,
            "hist": {t: list(h) for t, h in b.hist.items()}, "medians": b.medians,
            "operator": e.controls.state, "audit": list(e.audit), "seq": st["log_seq"],
            "log_id": st["log_id"], "pending": e.sink.rows(),
            "counters": {k: st["counters"][k]
                         for k in ("orders", "accepted", "rejected", "cancels", "fills")}}


def _trade_a_while(e: Enforcer, store, clock: FakeClock) -> None:
    publish(store, T0, "BBB", state="HALTED")  # latches BBB
    e.poll()
    for i in range(1, 30):
        e.submit(order(i, T0 + i * 10**7, qty=10 + i, side="BS"[i % 2],
                       strategy=f"s{i % 3}", trader=f"t{i % 2}"))
        if i == 10:
            e.flush()  # the first ten decisions reach the table; the rest stay queued
    e.submit(CancelOrder(order_id=40, ts=T0 + S, trader="t1", strategy="s1", sym="AAA",
                         orig_order_id=1))
    e.on_fill(Fill(ts=T0 + S, sym="AAA", strategy="s2", side="B", qty=5, price=100.0))
    e.operator(OperatorCommand(action="halt", who="ops", why="news", sym="AAA"))
    e.operator(OperatorCommand(action="kill", who="ops", why="drill"))
    for i in range(41, 44):  # three rejects within one second: the breaker trips
        e.submit(order(i, T0 + 2 * S + i, qty=5000))
    e.operator(OperatorCommand(action="unkill", who="ops", why="drill over"))


def test_restart_when_crashed_then_engine_state_equals_state_before_the_crash(tmp_path, store):
    clock = FakeClock()
    e = _make(tmp_path, store, clock)
    _trade_a_while(e, store, clock)
    before = _digest(e)
    # the reject storm trips the breakers of the strategies that made it, not the global one
    assert before["operator"] == OperatorState(breaker=False, halted=frozenset({"AAA"}),
                                               latched=frozenset({"BBB"}),
                                               tripped=frozenset({"s1", "s2"}))
    assert before["counters"]["orders"] == 32 and len(before["pending"]) == 23
    e._log.close()  # crash: written to the log, never flushed, never stopped
    e2 = _make(tmp_path, store, clock)
    assert _digest(e2) == before
    assert e2.flush() == 23 and store.count("decisions") == 33


def test_recover_when_log_replayed_then_returns_what_it_rebuilt(tmp_path, store):
    clock = FakeClock()
    e = _make(tmp_path, store, clock)
    _trade_a_while(e, store, clock)
    e.stop()  # flushes everything
    book = Book(256, 20)
    rec = recovery.recover(tmp_path / "d.log", book, OrderLedger(),
                           rate=e.static.throttle_rate,
                           cap=e.static.throttle_burst * 10**9, store=store,
                           static_version=e.static.version)
    assert isinstance(rec, recovery.Recovered) and rec.book is book
    assert (rec.log_id, rec.seq) == (e.log_id, 33)
    assert rec.counters == {k: e.counters[k]
                            for k in ("orders", "accepted", "rejected", "cancels", "fills")}
    assert (rec.counters["orders"], rec.counters["cancels"], rec.counters["fills"]) == (32, 1, 1)
    assert rec.operator.tripped == {"s1", "s2"} and rec.operator.latched == {"BBB"}
    assert [a["action"] for a in rec.audit] == ["halt", "kill", "unkill"]
    assert rec.pending == ()  # everything is in the table already
    assert book.pos == e.book.pos


def test_recover_when_no_log_then_fresh_id_and_nothing_rebuilt(tmp_path):
    rec = recovery.recover(tmp_path / "none.log", Book(256, 20), OrderLedger(), rate=1, cap=1,
                           store=None,
                           static_version="v")
    assert rec.seq == 0 and len(rec.log_id) == 32 and rec.pending == ()
    assert rec.operator == OperatorState()


def test_operator_state_when_actions_applied_then_pure_and_as_documented():
    s0 = OperatorState()
    s = apply_action(apply_action(s0, "halt", "AAA"), "kill", None)
    s = apply_trip(apply_trip(s, "latch", "BBB"), "breaker", None)
    assert s0 == OperatorState()  # unchanged
    assert s.flags and s.blocked == {"AAA", "BBB"}
    assert apply_action(s, "resume", None).blocked == frozenset()
    assert apply_action(s, "reset_breaker", "BBB").latched == frozenset()
    assert not apply_action(s, "reset_breaker", None).breaker
