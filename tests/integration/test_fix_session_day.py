"""The FIX session day over real sockets, driven by an injected clock (no sleeps): at
17:00 America/New_York each session's journal is archived and sequence numbers start at
1, the order ledger keeps only the orders still open, and a ClOrdID gets exactly one
decision within a day, across restarts."""

from datetime import UTC, datetime

import pytest

from enforcer.decision_log import read_log
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import FixConfig
from tests.unit.enforcer.helpers import FakeClock
from tests.unit.enforcer_fe.helpers import make_enforcer

# 16:58 in New York (EST, UTC-5) on 2026-11-30: session day 2026-11-30 until 22:00 UTC
T_DAY1 = int(datetime(2026, 11, 30, 21, 58, tzinfo=UTC).timestamp()) * 1_000_000_000
MINUTE = 60 * 1_000_000_000


def _start(tmp_path, clock):
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc = FixAcceptor(enf, config=FixConfig(port=0), clock=clock)
    acc.start()
    for sym, bid, ask in (("AAPL", 99.0, 101.0), ("MSFT", 199.0, 201.0)):
        acc.gateway.on_quote(sym, bid, ask, clock())
    acc.venue.drain()
    return enf, acc


def _stop(enf, acc):
    acc.stop()
    enf.stop()


def _connect(acc, seq=1):
    c = FixClient("127.0.0.1", acc.port, sender="OMS1", seq=seq)
    ack = c.logon(reset=False)
    return c, ack


def _order(c, cl, **kw):
    kw.setdefault("sym", "AAPL")
    kw.setdefault("qty", 1)
    kw.setdefault("price", 95.0)  # rests (bid 99 / ask 101)
    c.send("D", new_order_fields(cl_ord_id=cl, **kw))
    return c.expect(b"8")


def _gone(acc, c):
    c.close()
    st = acc.session_for("OMS1")
    for _ in range(2000):
        if not st.connected:
            return
        acc.venue.drain(0.005)


def _decided(tmp_path):
    return [r for r in read_log(tmp_path / "d.log") if r[0] == "D"]


@pytest.fixture
def clock():
    return FakeClock(T_DAY1)


def test_day_roll_when_17_new_york_passes_then_seq_one_archive_and_ledger_compacted(
        tmp_path, clock):
    enf, acc = _start(tmp_path, clock)
    try:
        c, _ = _connect(acc)
        assert _order(c, "open1").get(C.EXEC_TYPE) == b"0"  # rests: stays open overnight
        assert _order(c, "rej1", qty=5000).get(C.EXEC_TYPE) == b"8"  # MAX_QTY: done
        _gone(acc, c)
        assert acc.roll_session_day() is None  # 16:58: nothing due
        clock.advance(3 * MINUTE)  # 17:01 New York: the 2026-12-01 session day
        assert acc.roll_session_day() == "2026-12-01"
        assert acc.roll_session_day() is None  # once
        archived = list((tmp_path / "d.log.fix" / "archive").glob("*.2026-11-30.session"))
        assert len(archived) == 1 and b"35=D" not in archived[0].read_bytes()  # ours only
        assert b"open1" in archived[0].read_bytes()
        c2, ack = _connect(acc, seq=1)  # no ResetSeqNumFlag: a new day starts at 1
        assert (ack.get(C.MSG_TYPE), ack.get(C.SEQ)) == (b"A", b"1")
        again = _order(c2, "open1")  # still open: the same order, its original decision
        assert b"already decided" in again.get(C.TEXT)
        assert _order(c2, "rej1").get(C.EXEC_TYPE) == b"0"  # yesterday's, done: new order
        assert enf.order("OMS1\x01rej1").decision.verdict == "ACCEPT"
        assert len(_decided(tmp_path)) == 3
        seq = c2.seq
        _gone(acc, c2)
    finally:
        _stop(enf, acc)
    enf, acc = _start(tmp_path, clock)  # restart within the new day
    try:
        c3, ack = _connect(acc, seq=seq)
        assert ack.get(C.MSG_TYPE) == b"A"  # the day's numbers were kept
        assert b"already decided" in _order(c3, "rej1").get(C.TEXT)
        assert b"already decided" in _order(c3, "open1").get(C.TEXT)
        assert len(_decided(tmp_path)) == 3  # one decision per ClOrdID within a day
        c3.close()
    finally:
        _stop(enf, acc)


def test_day_roll_when_client_connected_then_logged_out_and_next_logon_at_one(tmp_path,
                                                                               clock):
    enf, acc = _start(tmp_path, clock)
    try:
        c, _ = _connect(acc)
        _order(c, 1)
        clock.advance(3 * MINUTE)
        assert acc.roll_session_day() == "2026-12-01"
        out = c.expect(b"5")
        assert out.get(C.TEXT) == b"end of session day"
        assert c.closed_by_peer()
        _gone(acc, c)
        c2, ack = _connect(acc, seq=1)
        assert (ack.get(C.MSG_TYPE), ack.get(C.SEQ)) == (b"A", b"1")
        c2.close()
    finally:
        _stop(enf, acc)


def test_day_roll_when_daemon_down_over_the_end_of_day_then_rolled_at_start(tmp_path,
                                                                           clock):
    enf, acc = _start(tmp_path, clock)
    c, _ = _connect(acc)
    _order(c, "x1", qty=5000)  # rejected: done
    _gone(acc, c)
    _stop(enf, acc)
    clock.advance((24 * 60 + 3) * MINUTE)  # next evening, 17:01: the 2026-12-02 day
    enf, acc = _start(tmp_path, clock)
    try:
        assert enf.session_day == "2026-12-02" and enf.order("OMS1\x01x1") is None
        assert acc.session_for("OMS1").store.next_in == 1
        c2, ack = _connect(acc, seq=1)
        assert ack.get(C.SEQ) == b"1"
        c2.close()
    finally:
        _stop(enf, acc)


def test_logon_when_new_day_and_client_still_on_yesterdays_numbers_then_logout(tmp_path,
                                                                            clock):
    enf, acc = _start(tmp_path, clock)
    try:
        c, _ = _connect(acc)
        _order(c, "y1", qty=5000)  # decided and done yesterday
        seq = c.seq
        _gone(acc, c)
        clock.advance(3 * MINUTE)
        acc.roll_session_day()
        with FixClient("127.0.0.1", acc.port, sender="OMS1", seq=seq) as c2:
            c2.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
            assert b"new session day 2026-12-01" in c2.expect(b"5").get(C.TEXT)
            assert c2.closed_by_peer()
        c3 = FixClient("127.0.0.1", acc.port, sender="OMS1", seq=seq)
        assert c3.logon(reset=True).get(C.SEQ) == b"1"  # or with ResetSeqNumFlag=Y
        c3.close()
        assert len(_decided(tmp_path)) == 1
    finally:
        _stop(enf, acc)
