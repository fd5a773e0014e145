"""The execution advice on the order path over FIX (issue 15): an accepted order's ack
carries the exec_advice row in force for its symbol (8014-8017), read from the advice
board's last poll of a real DuckDB file -- no query and no model call per order -- on a
real FIX socket; never on rejects, never for a standard_only counterparty."""

import time

import pytest

from enforcer.advice import AdviceBoard
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import FixConfig
from tests.integration.test_impact_advice import advice
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all
from tests.unit.tsdb.helpers import OPEN_NS

S = 10**9
ADVICE_TAGS = (C.ADVISED_ALGO, C.ADVISED_PARTICIPATION, C.ADVISED_CLIP_QTY, C.IMPACT_MAX_QTY)


@pytest.fixture
def daemon(store, tmp_path):
    store.ingest("exec_advice", advice([(OPEN_NS, "AAPL", "TWAP", 50, 200),
                                        (OPEN_NS + S, "AAPL", "POV", 20, 120)]))
    board = AdviceBoard(store, min_interval_s=3600.0)
    board.poll()
    enf = make_enforcer(tmp_path)
    acc = FixAcceptor(enf, config=FixConfig(port=0, standard_only=frozenset({"STD"})),
                      advice=board)
    acc.start()
    quote_all(acc.gateway.on_quote)
    yield acc, board
    acc.stop()


def _client(acc, sender):
    c = FixClient("127.0.0.1", acc.port, sender=sender)
    c.logon(reset=True)
    return c


def _ack(c, cl, **kw):
    kw.setdefault("sym", "AAPL")
    kw.setdefault("qty", 1)
    kw.setdefault("price", 95.0)  # below the bid: rests, the ack is the only report
    c.send("D", new_order_fields(cl_ord_id=cl, **kw))
    return c.expect(b"8")


def _advice(m) -> tuple:
    return tuple(m.get(t) for t in ADVICE_TAGS)


def test_accepted_order_when_advice_in_force_then_ack_carries_8014_to_8017(daemon):
    acc, _ = daemon
    with _client(acc, "OMS1") as c:
        m = _ack(c, "A-1")
    assert m.get(C.EXEC_TYPE) == b"0" and m.get(C.RISK_STATE) == b"Normal"
    assert _advice(m) == (b"POV", b"0.1", b"20", b"120")  # the newest AAPL row


def test_ack_when_symbol_has_no_advice_or_order_rejected_then_no_advice_tags(daemon):
    acc, _ = daemon
    with _client(acc, "OMS1") as c:
        assert _advice(_ack(c, "M-1", sym="MSFT", price=195.0)) == (None,) * 4
        rej = _ack(c, "R-1", qty=5000)  # MAX_QTY
    assert rej.get(C.EXEC_TYPE) == b"8" and _advice(rej) == (None,) * 4


def test_ack_when_counterparty_standard_only_then_no_custom_tags_at_all(daemon):
    acc, _ = daemon
    with _client(acc, "STD") as c:
        m = _ack(c, "S-1")
    assert m.get(C.EXEC_TYPE) == b"0"
    assert _advice(m) == (None,) * 4 and m.get(C.RISK_STATE) is None


def test_ack_when_new_advice_appended_then_carried_only_after_the_next_poll(daemon, store):
    acc, board = daemon
    store.ingest("exec_advice", advice([(OPEN_NS + 2 * S, "AAPL", "VWAP", 30, 90)]))
    with _client(acc, "OMS1") as c:
        assert _advice(_ack(c, "P-1"))[0] == b"POV"  # the order path never polls
        board.poll()
        assert _advice(_ack(c, "P-2")) == (b"VWAP", b"0.1", b"30", b"90")


def test_board_when_started_then_thread_polls_and_stop_joins_it(store):
    board = AdviceBoard(store, min_interval_s=0.01)
    board.start()
    try:
        store.ingest("exec_advice", advice([(OPEN_NS, "MSFT", "VWAP", 10, 40)]))

        deadline = time.monotonic() + 5.0
        while not board.fix_fields("MSFT") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert dict(board.fix_fields("MSFT"))[C.ADVISED_ALGO] == "VWAP"
    finally:
        board.stop()
    assert board._thread is None
