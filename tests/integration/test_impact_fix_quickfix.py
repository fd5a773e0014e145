"""Conformance of the advice tags (issue 15): a real QuickFIX initiator validating against
the stock FIX44.xml merged with `enforcer/fix/FIX44-adaptrisk-ext.xml` accepts an ack that
carries 8014-8017 and hands the values up (QuickFIX's defaults validate user-defined
fields: a tag the dictionary lacked would get the message refused)."""

from enforcer.advice import AdviceBoard
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.config import FixConfig
from enforcer.fix.dictionary import merge
from tests.integration.test_fix_conformance import Initiator, _free_port, _order, _spec
from tests.integration.test_impact_advice import advice
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all
from tests.unit.tsdb.helpers import OPEN_NS


def test_quickfix_when_given_our_dictionary_then_validates_acks_with_advice(store, tmp_path):
    store.ingest("exec_advice", advice([(OPEN_NS, "AAPL", "POV", 20, 120)]))
    board = AdviceBoard(store, min_interval_s=3600.0)
    board.poll()
    enf = make_enforcer(tmp_path)
    acc = FixAcceptor(enf, config=FixConfig(port=_free_port()), advice=board)
    acc.start()
    quote_all(acc.gateway.on_quote)
    try:
        dd = merge(_spec(), tmp_path / "FIX44-adaptrisk.xml")
        qf = Initiator(tmp_path / "qf", acc.port, sender="QFIXDD", dictionary=dd).start()
        _order(qf, "V-1")  # rests below the bid: one ack
        assert qf.app.wait(lambda: len(qf.app.reports("V-1")) == 1)
        ack = qf.app.reports("V-1")[0]
        assert ack[150] == "0" and ack[8011] == "Normal"
        assert (ack[8014], ack[8015], ack[8016], ack[8017]) == ("POV", "0.1", "20", "120")
        qf.stop()
    finally:
        acc.stop()
        enf.stop()
