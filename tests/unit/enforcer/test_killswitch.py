"""Scoped kill switches: the pure check, the operator state and a real engine."""

from hypothesis import given
from hypothesis import strategies as st

from enforcer.commands import NewOrder, OperatorCommand
from enforcer.controls import OperatorState, apply_action
from enforcer.killswitch import kill_bit, reduces
from enforcer.rules import B_KILL
from tests.unit.enforcer_fe.helpers import make_enforcer


def order(i, sym="AAPL", strategy="s1", side="B", qty=10, session=None):
    return NewOrder(order_id=i, ts=1_000_000_000 + i, trader="t", strategy=strategy, sym=sym,
                    side=side, qty=qty, price=100.0, session=session)


def op(action, **kw):
    return OperatorCommand(action=action, who="alice", why="test", **kw)


def test_kill_bit_when_scope_matches_then_kill_else_zero():
    kills = frozenset({("symbol", "AAPL", False)})
    assert kill_bit(kills, "AAPL", "s1", None, True, 10, None) == B_KILL
    assert kill_bit(kills, "MSFT", "s1", None, True, 10, None) == 0
    kills = frozenset({("session", "CLI1", False)})
    assert kill_bit(kills, "AAPL", "s1", "CLI1", True, 10, None) == B_KILL
    assert kill_bit(kills, "AAPL", "s1", "CLI2", True, 10, None) == 0


def test_reduce_only_kill_when_order_reduces_long_then_passes():
    kills = frozenset({("strategy", "s1", True)})
    long_100 = [100, 0, 0]
    assert kill_bit(kills, "AAPL", "s1", None, False, 60, long_100) == 0  # sell 60 of 100
    assert kill_bit(kills, "AAPL", "s1", None, False, 160, long_100) == B_KILL  # flips short
    assert kill_bit(kills, "AAPL", "s1", None, True, 10, long_100) == B_KILL  # adds
    assert kill_bit(kills, "AAPL", "s1", None, False, 60, [100, 0, 50]) == B_KILL  # 50 selling


@given(st.integers(-1000, 1000), st.integers(0, 500), st.integers(0, 500),
       st.booleans(), st.integers(1, 2000))
def test_reduces_when_true_then_worst_case_position_shrinks(filled, ob, os_, buy, qty):
    if reduces(buy, qty, [filled, ob, os_]):
        worst = filled + ob + qty if buy else filled - os_ - qty
        assert abs(worst) <= abs(filled) and worst * filled >= 0


def test_apply_action_when_scoped_kill_then_global_flag_untouched_and_unkill_clears():
    s = apply_action(OperatorState(), "kill", "AAPL")
    assert not s.kill and s.kills == {("symbol", "AAPL", False)}
    s = apply_action(s, "kill", None, reduce_only=True)
    assert not s.kill and ("global", "", True) in s.kills
    s = apply_action(s, "unkill", "AAPL")
    assert s.kills == {("global", "", True)}
    s = apply_action(apply_action(s, "kill", None), "unkill", None)
    assert not s.kill and not s.kills


def test_engine_when_symbol_killed_then_that_symbol_rejected_and_log_replays_it(tmp_path):
    log = tmp_path / "d.log"
    enf = make_enforcer(tmp_path, decision_log_path=log)
    for sym, mid in (("AAPL", 100.0), ("MSFT", 200.0)):
        enf.on_quote(sym, mid - 1, mid + 1, 0)
    enf.operator(op("kill", sym="AAPL"))
    assert "KILL_SWITCH" in enf.submit(order(1)).reasons
    assert "KILL_SWITCH" not in enf.submit(order(2, sym="MSFT", qty=5)).reasons
    enf.stop()
    again = make_enforcer(tmp_path, decision_log_path=log)
    assert again.state()["kills"] == [{"scope": "symbol", "name": "AAPL", "reduce_only": False}]
    again.stop()


def test_engine_when_reduce_only_strategy_kill_then_only_reducing_sell_passes(tmp_path):
    enf = make_enforcer(tmp_path)
    enf.on_quote("AAPL", 99.0, 101.0, 0)
    from enforcer.commands import Fill
    enf.on_fill(Fill(ts=1, sym="AAPL", strategy="s1", side="B", qty=100, price=100.0))
    enf.operator(op("kill", strategy="s1", reduce_only=True))
    assert "KILL_SWITCH" in enf.submit(order(1, side="B")).reasons
    assert enf.submit(order(2, side="S", qty=40)).verdict == "ACCEPT"
    assert "KILL_SWITCH" in enf.submit(order(3, side="S", qty=80)).reasons  # 40 + 80 > 100
    assert enf.submit(order(4, strategy="s2")).verdict == "ACCEPT"
