"""Engine: limits polling on a real DuckDB file, fail safe, modes, operator, decision log."""

from __future__ import annotations

import warnings

import pytest

from enforcer.commands import CancelOrder, NewOrder, OperatorCommand
from enforcer.config import EnforcerConfig
from enforcer.decision_log import encode, read_log
from enforcer.engine import Enforcer, ab_dynamic
from enforcer.errors import DecisionLogError, TornRecordWarning
from tests.unit.enforcer.helpers import (
    SMALL_STATIC,
    T0,
    FakeClock,
    order,
    publish,
    write_static,
)


def _make(tmp_path, store=None, **kw):
    path = write_static(tmp_path / "static.toml", SMALL_STATIC)
    clock = FakeClock()
    cfg = EnforcerConfig(static_limits_path=path, decision_log_path=tmp_path / "d.log", **kw)
    e = Enforcer(cfg, store, clock)
    e.on_quote("AAA", 99.9, 100.1, T0)
    return e, clock


def test_poll_when_new_limits_row_then_dynamic_limits_in_force_and_clipped(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100, max_position=999_999)
    e.poll()
    assert e.state()["limits_source"] == "dynamic"
    lim = e.limits_for("AAA")["effective"]
    assert lim["max_order_qty"] == 100 and lim["max_position"] == 2000  # 999999 clipped
    d = e.submit(order(1, qty=150))
    assert d.reasons == ("MAX_QTY",) and d.static_verdict == "ACCEPT"
    assert d.risk_state == "RiskAlert_HighAnomaly"


def test_poll_when_heartbeat_older_than_bound_then_static_with_alert(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    e.poll()
    clock.advance(6 * 10**9)
    e.poll()
    st = e.state()
    assert st["limits_source"] == "static"
    assert "AAA: no heartbeat for 6.0 s" in st["fallback_reason"]
    assert any(a["kind"] == "limits_static" for a in st["alerts"])
    assert e.submit(order(1, T0 + 6 * 10**9, qty=150)).verdict == "ACCEPT"


def test_poll_when_store_raises_then_static_limits_and_alert(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=100)
    e.poll()
    assert e.state()["limits_source"] == "dynamic"
    store.close()  # the store stops answering
    e.poll()
    st = e.state()
    assert st["limits_source"] == "static" and "store error" in st["fallback_reason"]
    assert st["counters"]["poll_errors"] == 1


def test_submit_when_halted_row_then_latched_until_operator_resets(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, state="HALTED")
    e.poll()
    publish(store, T0 + 1, state="ACTIVE")
    e.poll()
    assert e.submit(order(1)).reasons == ("STATE_HALTED",)
    e.operator(OperatorCommand(action="reset_breaker", who="ops", why="checked", sym="AAA"))
    assert e.submit(order(2)).verdict == "ACCEPT"
    assert e.state()["operator_log"][-1]["who"] == "ops"


def test_submit_when_kill_switch_then_rejected_until_unkill(tmp_path):
    e, _ = _make(tmp_path)
    e.operator(OperatorCommand(action="kill", who="ops", why="drill"))
    assert e.submit(order(1)).reasons == ("KILL_SWITCH",)
    e.operator(OperatorCommand(action="unkill", who="ops", why="drill over"))
    assert e.submit(order(2, T0 + 1, qty=11)).verdict == "ACCEPT"
    with pytest.raises(ValueError):
        e.operator(OperatorCommand(action="kill", who="", why="no name"))


def test_submit_when_rejects_exceed_breaker_then_trips_and_needs_operator(tmp_path):
    e, _ = _make(tmp_path, breaker_rejects_per_s=3)
    for i in range(3):
        e.submit(order(i, T0 + i, qty=5000))  # MAX_QTY
    assert e.submit(order(9, T0 + 9)).reasons == ("CIRCUIT_BREAKER",)
    e.operator(OperatorCommand(action="reset_breaker", who="ops", why="fat fingers fixed"))
    assert e.submit(order(10, T0 + 10)).verdict == "ACCEPT"


def test_submit_when_one_strategy_storms_rejects_then_only_its_breaker_trips(tmp_path):
    e, _ = _make(tmp_path, breaker_rejects_per_s=3)
    for i in range(5):
        e.submit(order(i, T0 + i, qty=5000, strategy="storm"))  # MAX_QTY
    assert e.controls.state.tripped == {"storm"} and not e.breaker
    assert e.submit(order(9, T0 + 9, strategy="storm")).reasons == ("CIRCUIT_BREAKER",)
    assert e.submit(order(10, T0 + 10, strategy="calm")).verdict == "ACCEPT"
    e.operator(OperatorCommand(action="reset_breaker", who="ops", why="checked",
                               strategy="storm"))
    assert e.submit(order(11, T0 + 11, strategy="storm")).verdict == "ACCEPT"


def _session_order(i, session, qty=10):
    return NewOrder(order_id=i, ts=T0 + i, trader="t1", strategy="s1", sym="AAA", side="B",
                    qty=qty, price=100.0 + i / 100, session=session)


def test_submit_when_one_session_storms_then_only_that_session_halted_and_survives_restart(
        tmp_path):
    e, _ = _make(tmp_path, breaker_rejects_per_s=3)  # one strategy, two FIX sessions
    for i in range(5):
        e.submit(_session_order(i, "OMS1", qty=5000))  # MAX_QTY
    assert e.controls.state.tripped_sessions == {"OMS1"} and e.controls.state.tripped == set()
    assert e.submit(_session_order(10, "OMS1")).reasons == ("CIRCUIT_BREAKER",)
    assert e.submit(_session_order(11, "OMS2")).verdict == "ACCEPT"  # same strategy: trades
    assert e.state()["breakers"] == [{"scope": "session", "name": "OMS1"}]
    e.stop()
    e2, _ = _make(tmp_path, breaker_rejects_per_s=3)
    assert e2.submit(_session_order(12, "OMS1")).reasons == ("CIRCUIT_BREAKER",)
    e2.operator(OperatorCommand(action="reset_breaker", who="ops", why="client fixed",
                                session="OMS1"))
    assert e2.submit(_session_order(13, "OMS1")).verdict == "ACCEPT"
    assert e2.state()["breakers"] == []


def test_submit_when_storm_spread_over_sessions_then_strategy_breaker_trips(tmp_path):
    e, _ = _make(tmp_path, breaker_rejects_per_s=3)
    for i in range(3):  # one reject each: no session reaches 3, the strategy does
        e.submit(_session_order(i, f"OMS{i}", qty=5000))
    assert e.controls.state.tripped == {"s1"} and e.controls.state.tripped_sessions == set()
    assert e.submit(_session_order(9, "OMS9")).reasons == ("CIRCUIT_BREAKER",)


@pytest.mark.parametrize(("who", "why"), [(" ", "x"), ("ops", "  "), ("\t", "\n")])
def test_operator_when_who_or_why_blank_then_refused(tmp_path, who, why):
    e, _ = _make(tmp_path)
    with pytest.raises(ValueError):
        e.operator(OperatorCommand(action="reset_breaker", who=who, why=why))


def test_submit_when_shadow_mode_then_static_enforced_and_dynamic_logged(tmp_path, store):
    e, _ = _make(tmp_path, store, mode="shadow")
    publish(store, T0, max_order_qty=100)
    e.poll()
    d = e.submit(order(1, qty=150))
    assert (d.verdict, d.dynamic_verdict, d.dynamic_reasons) == ("ACCEPT", "REJECT", ("MAX_QTY",))


def test_ab_dynamic_when_same_strategy_then_same_answer_and_share_respected():
    names = [f"strat{i}" for i in range(2000)]
    share = sum(ab_dynamic(n, 0.3) for n in names) / len(names)
    assert ab_dynamic("alpha", 0.5) == ab_dynamic("alpha", 0.5)
    assert 0.25 < share < 0.35


def test_submit_when_malformed_orders_then_rejected_with_reasons(tmp_path):
    e, _ = _make(tmp_path)
    assert e.submit(order(1, sym="NOPE")).reasons == ("UNKNOWN_SYMBOL",)
    assert e.submit(order(2, qty=0)).reasons == ("BAD_QTY",)
    assert e.submit(order(3, price=float("inf"))).reasons == ("BAD_PRICE",)
    assert e.submit(order(4, side="Q")).reasons == ("BAD_SIDE",)
    assert e.submit(order(5, qty="10")).reasons == ("BAD_QTY",)  # type: ignore[arg-type]


def test_submit_when_cancel_then_passes_and_releases_open_position(tmp_path):
    e, _ = _make(tmp_path)
    assert e.submit(order(1, qty=900)).verdict == "ACCEPT"
    assert e.submit(order(2, T0 + 1, qty=901)).verdict == "ACCEPT"
    assert e.submit(order(3, T0 + 2, qty=300)).reasons == ("MAX_POSITION",)  # 1801+300 > 2000
    e.operator(OperatorCommand(action="kill", who="ops", why="cancels still pass"))
    c = e.submit(CancelOrder(order_id=4, ts=T0 + 3, trader="t1", strategy="s1", sym="AAA",
                             orig_order_id=1))
    e.operator(OperatorCommand(action="unkill", who="ops", why="done"))
    assert c.verdict == "ACCEPT"
    assert e.submit(order(5, T0 + 4, qty=300)).verdict == "ACCEPT"


def test_check_when_dry_run_then_nothing_recorded(tmp_path):
    e, _ = _make(tmp_path)
    assert e.check(order(1, qty=10)).verdict == "ACCEPT"
    assert e.state()["log_seq"] == 0 and e.book.pos == {}


def test_read_log_when_torn_last_record_then_dropped_and_truncated(tmp_path):
    p = tmp_path / "x.log"
    p.write_bytes(encode(["O", 1, "kill", "a", "b", None]) + encode(["F", 2])[:-4])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        recs = list(read_log(p))
    assert recs == [["O", 1, "kill", "a", "b", None]]
    assert any(issubclass(x.category, TornRecordWarning) for x in w)
    assert p.read_bytes() == encode(["O", 1, "kill", "a", "b", None])


def test_read_log_when_damage_before_good_records_then_raises(tmp_path):
    p = tmp_path / "x.log"
    good = encode(["F", 2])
    p.write_bytes(good.replace(b"2", b"3") + good)
    with pytest.raises(DecisionLogError):
        list(read_log(p))


def test_restart_when_log_replayed_then_positions_and_pending_restored(tmp_path, store):
    e, _ = _make(tmp_path, store)
    e.submit(order(1, qty=900))
    e.flush()
    e.submit(order(2, T0 + 1, qty=901))
    e.operator(OperatorCommand(action="halt", who="ops", why="news", sym="BBB"))
    e._log.close()  # simulate a crash after the write, before the flush
    e2, _ = _make(tmp_path, store)
    assert e2.book.pos[("s1", "AAA")] == [0, 1801, 0]
    assert e2.state()["halted_syms"] == ["BBB"]
    assert e2.flush() == 1 and store.count("decisions") == 2


def test_log_when_fast_record_paths_then_bytes_equal_the_json_encoder(tmp_path):
    """The pre-formatted "D" record and `_body` write exactly what json would."""
    import json

    from enforcer.decision_log import _body, _dumps

    e, _ = _make(tmp_path, breaker_rejects_per_s=0)
    e.submit(order(1))
    e.submit(order(2, qty=7, side="S"))
    e.submit(order(3, price=None, order_type="MARKET"))
    e.submit(order(4, trader='q"t\\é\n', strategy="s\u2028"))
    e.submit(order(5, qty=-1, price=float("nan")))  # malformed: generic encoder
    e.submit(order(6, price=100.05))
    e.stop()
    lines = (tmp_path / "d.log").read_bytes().splitlines()
    assert len(lines) == 7  # header + 6
    for line in lines:
        body = line[9:]
        rec = json.loads(body)
        assert body == _dumps(rec).encode() == _body(rec).encode()
    for rec in ([1, None, 1e300, -0.0, "é", 5e-324], [True, 2], [{"a": 1}]):
        assert _body(rec) == _dumps(rec)


def test_log_when_held_then_written_on_release_or_by_another_thread_first(tmp_path):
    import threading

    from enforcer.decision_log import DecisionLog

    log = DecisionLog(tmp_path / "h.log", "never")
    log.hold()
    log.append(["F", 1])
    assert list(read_log(tmp_path / "h.log")) == []  # gathered, not written
    t = threading.Thread(target=log.append, args=(["F", 2],))  # another thread: in order
    t.start()
    t.join()
    assert list(read_log(tmp_path / "h.log")) == [["F", 1], ["F", 2]]
    log.append(["F", 3])
    log.close()  # what is gathered is not lost
    assert list(read_log(tmp_path / "h.log")) == [["F", 1], ["F", 2], ["F", 3]]
