"""Tag 8011 over a real FIX socket when a scoped kill switch (symbol, strategy, FIX session)
stops an order: the reject names the kill-switch state as the global kill's does, and an
order the kill does not cover keeps its own state."""

import pytest

from enforcer.commands import OperatorCommand
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import FixConfig
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all


@pytest.fixture
def acc(tmp_path):
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    a = FixAcceptor(enf, config=FixConfig(port=0), exchange_config=None)
    a.start()
    quote_all(a.gateway.on_quote)
    a.venue.drain()
    a.enf = enf  # the test's handle on the engine
    yield a
    a.stop()


def _order(c, cl, sym="AAPL", account="s1", price=95.0):  # below the bid: rests
    c.send("D", new_order_fields(cl_ord_id=cl, sym=sym, qty=1, price=price, account=account))
    return c.expect(b"8")


@pytest.mark.parametrize("scope", [{"sym": "AAPL"}, {"strategy": "s1"}, {"session": "OMS1"},
                                   {}])
def test_new_order_when_a_kill_covers_it_then_8011_names_the_kill_switch(acc, scope):
    with FixClient("127.0.0.1", acc.port, sender="OMS1") as c, \
            FixClient("127.0.0.1", acc.port, sender="OMS2") as other:
        c.logon()
        other.logon()
        assert _order(c, "a0").get(C.RISK_STATE) == b"Normal"
        acc.enf.operator(OperatorCommand(action="kill", who="t", why="test", **scope))
        m = _order(c, "a1")
        assert m.get(C.EXEC_TYPE) == b"8" and b"KILL_SWITCH" in m.get(C.TEXT)
        assert m.get(C.RISK_STATE) == b"RiskAlert_KillSwitch"
        if scope:  # an order of another symbol, strategy and session: not covered
            m = _order(other, "b1", sym="MSFT", account="s2", price=195.0)
            assert m.get(C.EXEC_TYPE) == b"0", m.get(C.TEXT)
            assert m.get(C.RISK_STATE) == b"Normal"
