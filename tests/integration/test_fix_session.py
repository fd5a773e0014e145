"""FIX session rules over a raw socket: kept sequence numbers, resends from the outbound
store, reports while disconnected, exactly one decision per ClOrdID, status requests,
replaces, venue expiries, logon security, session-level rejects, restart."""

import time

import pytest

from enforcer.decision_log import read_log
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import ExchangeSimConfig, FixConfig
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all


def _acceptor(enf, **cfg):
    sim = cfg.pop("sim", None)
    acc = FixAcceptor(enf, config=FixConfig(port=0, **cfg), exchange_config=sim)
    acc.start()
    quote_all(acc.gateway.on_quote)
    acc.venue.drain()
    return acc


@pytest.fixture
def enf(tmp_path):
    return make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")


@pytest.fixture
def acc(enf):
    a = _acceptor(enf)
    yield a
    a.stop()


def _connect(acc, seq=1, sender="OMS1", **logon):
    c = FixClient("127.0.0.1", acc.port, sender=sender, seq=seq)
    logon.setdefault("reset", False)
    c.logon(**logon)
    return c


def _gone(acc, c, sender="OMS1", timeout=5.0):
    """Close the client and wait until the acceptor has seen it go (one connection per
    session: a new Logon while the old one still counts is refused)."""
    c.close()
    deadline = time.monotonic() + timeout
    st = acc.session_for(sender)
    while st.connected and time.monotonic() < deadline:
        time.sleep(0.005)


def _order(c, cl, *, send_kw=None, **kw):
    kw.setdefault("sym", "AAPL")
    kw.setdefault("qty", 1)
    kw.setdefault("price", 95.0)  # below the bid: rests at the venue
    c.send("D", new_order_fields(cl_ord_id=cl, **kw), **(send_kw or {}))
    return c.expect(b"8")


def _decisions(tmp_path):
    return [r for r in read_log(tmp_path / "d.log") if r[0] == "D"]


def _drain(c, timeout=0.3):
    out = []
    while (m := c.recv(timeout)) is not None:
        out.append(m)
    return out


# -- sequence numbers belong to the session ------------------------------------------------

def test_logon_when_sequence_numbers_kept_then_both_sides_continue(acc):
    c = _connect(acc)
    _order(c, 1)
    c.send("5")
    c.expect(b"5")
    _gone(acc, c)
    c2 = _connect(acc, seq=c.seq)  # continue where we were: no reset
    assert _order(c2, 2).get(C.SEQ) == b"5"  # A=1, ER=2, Logout=3, A=4, ER=5
    c2.close()


def test_logon_when_seq_too_low_then_logout(acc):
    c = _connect(acc)
    _order(c, 1)
    _gone(acc, c)
    with FixClient("127.0.0.1", acc.port, sender="OMS1", seq=1) as c2:
        c2.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
        assert b"too low" in c2.expect(b"5").get(C.TEXT)
        assert c2.closed_by_peer()


def test_logon_when_seq_too_high_then_accepted_and_resend_requested(acc):
    c = _connect(acc)
    _gone(acc, c)
    with FixClient("127.0.0.1", acc.port, sender="OMS1", seq=7) as c2:
        c2.logon(reset=False)
        rr = c2.expect(b"2")
        assert (rr.get(C.BEGIN_SEQ_NO), rr.get(C.END_SEQ_NO)) == (b"2", b"0")
        c2.send("4", [(C.GAP_FILL, "Y"), (C.NEW_SEQ_NO, 8)], seq=2, poss_dup=True)
        assert _order(c2, 3).get(C.EXEC_TYPE) == b"0"


def test_logon_when_reset_flag_then_both_sides_restart_at_one(acc):
    c = _connect(acc)
    _order(c, 1)
    _gone(acc, c)
    with FixClient("127.0.0.1", acc.port, sender="OMS1") as c2:
        ack = c2.logon(reset=True)
        assert (ack.get(C.SEQ), ack.get(C.RESET_SEQ)) == (b"1", b"Y")


def test_logon_when_reset_on_logon_configured_then_seq_one_accepted(enf):
    acc = _acceptor(enf, reset_on_logon=True)
    try:
        c = _connect(acc)
        _order(c, 1)
        _gone(acc, c)
        c2 = _connect(acc, seq=1)
        assert c2.recv(0.2) is None  # no ResendRequest, no Logout
        c2.close()
    finally:
        acc.stop()


# -- resend from the outbound store ------------------------------------------------------

def test_resend_request_when_reports_sent_then_resent_with_possdup_and_orig_time(acc):
    c = _connect(acc)
    er = _order(c, 1)
    c.send("2", [(C.BEGIN_SEQ_NO, 1), (C.END_SEQ_NO, 0)])
    gf = c.expect(b"4")  # the Logon ack (seq 1) is a session message: gap-filled
    assert (gf.get(C.SEQ), gf.get(C.GAP_FILL), gf.get(C.NEW_SEQ_NO)) == (b"1", b"Y", b"2")
    again = c.expect(b"8")
    assert (again.get(C.SEQ), again.get(C.POSS_DUP)) == (b"2", b"Y")
    assert again.get(C.ORIG_SENDING_TIME) == er.get(C.SENDING_TIME)
    assert again.get(C.EXEC_ID) == er.get(C.EXEC_ID) and again.get(C.CL_ORD_ID) == b"1"
    c.close()


def test_fill_when_client_disconnected_then_delivered_by_resend_on_logon(acc, enf):
    c = _connect(acc)
    assert _order(c, 1, price=100.0).get(C.EXEC_TYPE) == b"0"  # rests (ask 101)
    _gone(acc, c)
    time.sleep(0.05)
    acc.gateway.on_quote("AAPL", 98.0, 99.5, time.time_ns())  # crosses: fills while away
    acc.venue.drain()
    c2 = _connect(acc, seq=c.seq)
    assert enf.book.net("default", "AAPL") == 1
    c2.send("2", [(C.BEGIN_SEQ_NO, 3), (C.END_SEQ_NO, 0)])  # ours ran past its expected 3
    fill = c2.expect(b"8")
    assert (fill.get(C.EXEC_TYPE), fill.get(C.POSS_DUP), fill.get(C.CL_ORD_ID)) == \
        (b"F", b"Y", b"1")
    c2.close()


# -- exactly one decision per ClOrdID ---------------------------------------------------------

def test_new_order_when_resent_possdup_then_original_decision_no_new_one(acc, tmp_path):
    c = _connect(acc)
    first = _order(c, 1, qty=5000)  # MAX_QTY
    again = _order(c, 1, qty=1, send_kw={"poss_dup": True})  # a resend at the next seq
    assert (first.get(C.EXEC_TYPE), again.get(C.EXEC_TYPE)) == (b"8", b"8")
    assert b"MAX_QTY" in again.get(C.TEXT) and again.get(C.ORDER_QTY) == b"5000"
    plain = _order(c, 1, qty=1)  # even without PossDupFlag: never decided twice
    assert plain.get(C.ORD_STATUS) == b"8"
    assert len(_decisions(tmp_path)) == 1
    c.close()


def test_new_order_when_resent_after_restart_then_original_decision(tmp_path):
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc = _acceptor(enf)
    c = _connect(acc)
    assert _order(c, "A-1").get(C.EXEC_TYPE) == b"0"
    seq = c.seq
    _gone(acc, c)
    acc.stop()
    enf.stop()
    enf2 = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc2 = _acceptor(enf2)
    try:
        c2 = _connect(acc2, seq=seq)
        again = _order(c2, "A-1", send_kw={"poss_dup": True})
        assert (again.get(C.EXEC_TYPE), again.get(C.ORD_STATUS)) == (b"0", b"0")
        assert len(_decisions(tmp_path)) == 1
        c2.send("H", [(C.CL_ORD_ID, "A-1"), (C.SYMBOL, "AAPL"), (C.SIDE, "1")])
        st = c2.expect(b"8")
        assert (st.get(C.EXEC_TYPE), st.get(C.ORD_STATUS), st.get(C.LEAVES_QTY)) == \
            (b"I", b"0", b"1")
        c2.close()
    finally:
        acc2.stop()


def test_cancel_when_two_sessions_reuse_a_clordid_then_only_its_own_exposure_released(acc, enf):
    c1, c2 = _connect(acc), _connect(acc, sender="OMS2")
    assert _order(c1, 7, qty=300).get(C.EXEC_TYPE) == b"0"  # both rest at the venue
    assert _order(c2, 7, qty=500).get(C.EXEC_TYPE) == b"0"
    c1.send("F", [(C.CL_ORD_ID, 8), (C.ORIG_CL_ORD_ID, 7), (C.SYMBOL, "AAPL"), (C.SIDE, "1"),
                  (C.TRANSACT_TIME, C.fix_time(time.time_ns()))])
    assert c1.expect(b"8").get(C.EXEC_TYPE) == b"4"
    assert enf.book.pos[("default", "AAPL")] == [0, 500, 0]  # OMS2's 500 still open
    c2.send("F", [(C.CL_ORD_ID, 8), (C.ORIG_CL_ORD_ID, 7), (C.SYMBOL, "AAPL"), (C.SIDE, "1"),
                  (C.TRANSACT_TIME, C.fix_time(time.time_ns()))])
    assert c2.expect(b"8").get(C.EXEC_TYPE) == b"4"
    assert enf.book.pos[("default", "AAPL")] == [0, 0, 0]
    c1.close()
    c2.close()


def test_reject_storm_when_one_session_storms_then_only_that_session_halted(tmp_path):
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log",
                        breaker_rejects_per_s=5)
    acc = _acceptor(enf)
    try:
        c1, c2 = _connect(acc), _connect(acc, sender="OMS2")  # same strategy (no Account)
        for i in range(6):
            assert b"MAX_QTY" in _order(c1, f"bad{i}", qty=5000).get(C.TEXT) or i == 5
        assert b"CIRCUIT_BREAKER" in _order(c1, "ok1").get(C.TEXT)
        assert _order(c2, "ok1").get(C.EXEC_TYPE) == b"0"  # the other client trades on
        assert enf.state()["breakers"] == [{"scope": "session", "name": "OMS1"}]
        c1.close()
        c2.close()
    finally:
        acc.stop()


# -- status, replace, venue expiry ---------------------------------------------------------

def test_order_status_request_when_unknown_then_rejected_status(acc):
    c = _connect(acc)
    c.send("H", [(C.CL_ORD_ID, "nope"), (C.SYMBOL, "AAPL"), (C.SIDE, "1")])
    st = c.expect(b"8")
    assert (st.get(C.EXEC_TYPE), st.get(C.ORD_STATUS), st.get(C.ORD_REJ_REASON)) == \
        (b"I", b"8", b"5")
    c.close()


def test_order_status_request_when_filled_then_cum_qty_and_avg_px(acc):
    c = _connect(acc)
    _order(c, 1, qty=3, price=102.0)
    assert c.expect(b"8").get(C.EXEC_TYPE) == b"F"
    c.send("H", [(C.CL_ORD_ID, 1), (C.SYMBOL, "AAPL"), (C.SIDE, "1")])
    st = c.expect(b"8")
    assert (st.get(C.ORD_STATUS), st.get(C.CUM_QTY), st.get(C.AVG_PX)) == \
        (b"2", b"3", b"101.0")
    c.close()


def _replace(c, cl, orig, qty, price=95.0):
    c.send("G", [(C.CL_ORD_ID, cl), (C.ORIG_CL_ORD_ID, orig), (C.SYMBOL, "AAPL"),
                 (C.SIDE, "1"), (C.ORDER_QTY, qty), (C.ORD_TYPE, "2"), (C.PRICE, price),
                 (C.TRANSACT_TIME, C.fix_time(time.time_ns()))])


def test_replace_when_within_limits_then_replaced_and_exposure_moves(acc, enf):
    c = _connect(acc)
    _order(c, 1, qty=100)
    _replace(c, 2, 1, 300)
    er = c.expect(b"8")
    assert (er.get(C.EXEC_TYPE), er.get(C.ORIG_CL_ORD_ID), er.get(C.ORDER_QTY)) == \
        (b"5", b"1", b"300")
    assert enf.book.pos[("default", "AAPL")] == [0, 300, 0]
    _replace(c, 3, 2, 1001)  # over max_order_qty 1000: refused, 300 stays
    rej = c.expect(b"9")
    assert (rej.get(C.CXL_REJ_RESPONSE_TO), rej.get(C.TEXT)) == (b"2", b"MAX_QTY")
    assert enf.book.pos[("default", "AAPL")] == [0, 300, 0]
    _replace(c, 4, 1, 5)  # 1 was replaced already
    assert c.expect(b"9").get(C.CXL_REJ_REASON) == b"1"
    c.close()


def test_replace_when_original_fills_first_at_the_venue_then_refused_no_overfill(acc, enf):
    c = _connect(acc)
    _order(c, 1, qty=10)  # rests at 95 (bid 99 / ask 101)
    gate = acc.venue.pause()
    acc.venue.on_quote("AAPL", 93.0, 94.0, time.time_ns())  # queued at the venue first:
    _replace(c, 2, 1, 20)  # ... so the original fills at 94 before the replace arrives
    deadline = time.monotonic() + 5
    while enf.order("OMS1\x012") is None and time.monotonic() < deadline:
        time.sleep(0.002)  # the engine decided the replace (accepted: the original is open)
    assert enf.order("OMS1\x012").decision.verdict == "ACCEPT"
    gate.set()
    fill = c.expect(b"8")
    assert (fill.get(C.EXEC_TYPE), fill.get(C.CL_ORD_ID), fill.get(C.LAST_QTY)) == \
        (b"F", b"1", b"10")
    rej = c.expect(b"9")
    assert (rej.get(C.CL_ORD_ID), rej.get(C.CXL_REJ_RESPONSE_TO), rej.get(C.CXL_REJ_REASON)) \
        == (b"2", b"2", b"0")
    acc.venue.drain()
    assert enf.book.pos[("default", "AAPL")] == [10, 0, 0]  # 10 filled, never 30
    assert acc.venue.resting("AAPL") == 0
    c.send("H", [(C.CL_ORD_ID, 2), (C.SYMBOL, "AAPL"), (C.SIDE, "1")])
    assert c.expect(b"8").get(C.ORD_STATUS) == b"8"
    c.close()


def test_replace_when_original_filled_before_the_replace_then_refused_too_late(acc, enf):
    c = _connect(acc)
    _order(c, 1, qty=10, price=102.0)  # marketable: fills at once
    assert c.expect(b"8").get(C.EXEC_TYPE) == b"F"
    _replace(c, 2, 1, 20)
    rej = c.expect(b"9")
    assert (rej.get(C.CL_ORD_ID), rej.get(C.CXL_REJ_REASON)) == (b"2", b"0")
    assert enf.book.pos[("default", "AAPL")] == [10, 0, 0]
    c.close()


def test_replace_when_venue_replaces_then_one_order_rests_with_the_new_qty(acc, enf):
    c = _connect(acc)
    _order(c, 1, qty=10)
    _replace(c, 2, 1, 20, price=96.0)
    er = c.expect(b"8")
    assert (er.get(C.EXEC_TYPE), er.get(C.LEAVES_QTY), er.get(C.ORIG_CL_ORD_ID)) == \
        (b"5", b"20", b"1")
    acc.venue.drain()
    assert acc.venue.resting("AAPL") == 1 and enf.book.pos[("default", "AAPL")] == [0, 20, 0]
    acc.gateway.on_quote("AAPL", 94.0, 95.5, time.time_ns())  # crosses the 96 bid only
    fill = c.expect(b"8")
    assert (fill.get(C.CL_ORD_ID), fill.get(C.LAST_QTY), fill.get(C.CUM_QTY)) == \
        (b"2", b"20", b"20")
    assert enf.book.pos[("default", "AAPL")] == [20, 0, 0]
    c.close()


def test_venue_expiry_when_order_expires_then_client_told_and_exposure_released(enf):
    acc = _acceptor(enf, sim=ExchangeSimConfig(max_resting=1))
    try:
        c = _connect(acc)
        _order(c, 1, qty=900)
        _order(c, 2, qty=900, price=95.5)  # the venue keeps one resting: 1 expires
        exp = c.expect(b"8")
        assert (exp.get(C.EXEC_TYPE), exp.get(C.ORD_STATUS), exp.get(C.CL_ORD_ID)) == \
            (b"C", b"C", b"1")
        assert enf.book.pos[("default", "AAPL")] == [0, 900, 0]
        c.close()
    finally:
        acc.stop()


# -- logon security and one connection per session ----------------------------------------

def test_logon_when_sender_not_configured_then_logout(enf):
    acc = _acceptor(enf, allowed_senders=frozenset({"OMS1"}))
    try:
        with FixClient("127.0.0.1", acc.port, sender="EVIL") as c:
            c.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
            assert b"not allowed" in c.expect(b"5").get(C.TEXT)
            assert c.closed_by_peer()
    finally:
        acc.stop()


def test_logon_when_password_wrong_then_logout_and_right_then_accepted(enf):
    acc = _acceptor(enf, allowed_senders=frozenset({"OMS1"}),
                    passwords={"OMS1": "s3cret-pw"})
    try:
        with FixClient("127.0.0.1", acc.port, sender="OMS1") as c:
            c.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30), (C.PASSWORD, "guess")])
            assert b"Password" in c.expect(b"5").get(C.TEXT)
        with FixClient("127.0.0.1", acc.port, sender="OMS1") as c:
            c.logon(password="s3cret-pw")
        assert "s3cret" not in repr(acc.config)
    finally:
        acc.stop()


def test_logon_when_session_already_connected_then_second_refused(acc):
    c = _connect(acc)
    with FixClient("127.0.0.1", acc.port, sender="OMS1", seq=c.seq) as c2:
        c2.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
        assert b"already logged on" in c2.expect(b"5").get(C.TEXT)
    assert _order(c, 1).get(C.EXEC_TYPE) == b"0"  # the first one is untouched
    c.close()


# -- session-level rejects ---------------------------------------------------------------

def test_message_when_msgtype_unknown_then_session_reject_11(acc):
    c = _connect(acc)
    c.send("ZZ", [(C.TEXT, "what")])
    rej = c.expect(b"3")
    assert (rej.get(C.SESSION_REJECT_REASON), rej.get(C.REF_MSG_TYPE)) == (b"11", b"ZZ")
    assert _order(c, 1).get(C.EXEC_TYPE) == b"0"
    c.close()


def test_message_when_possdup_without_orig_sending_time_then_reject_1(acc):
    c = _connect(acc)
    raw = C.encode("D", new_order_fields(cl_ord_id=1, sym="AAPL", price=95.0), sender="OMS1",
                   target="ADAPTRISK", seq=c.seq, ts_ns=time.time_ns(), poss_dup=True)
    c.seq += 1
    c.send_raw(raw)
    rej = c.expect(b"3")
    assert (rej.get(C.SESSION_REJECT_REASON), rej.get(C.REF_TAG)) == (b"1", b"122")
    c.close()


def test_message_when_compids_wrong_then_reject_9(acc):
    c = _connect(acc)
    raw = C.encode("0", [], sender="OMS1", target="SOMEONE", seq=c.seq, ts_ns=time.time_ns())
    c.seq += 1
    c.send_raw(raw)
    assert c.expect(b"3").get(C.SESSION_REJECT_REASON) == b"9"
    c.close()


def test_resend_request_when_fields_missing_then_reject_1(acc):
    c = _connect(acc)
    c.send("2", [(C.BEGIN_SEQ_NO, 1)])
    assert c.expect(b"3").get(C.SESSION_REJECT_REASON) == b"1"
    c.close()


def test_sequence_reset_when_lowering_then_reject_5(acc):
    c = _connect(acc)
    c.send("4", [(C.NEW_SEQ_NO, 1)])
    assert c.expect(b"3").get(C.SESSION_REJECT_REASON) == b"5"
    c.close()


def test_logon_when_already_logged_on_then_reject_5(acc):
    c = _connect(acc)
    c.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
    assert c.expect(b"3").get(C.SESSION_REJECT_REASON) == b"5"
    c.close()


def test_new_order_when_price_not_a_number_then_reject_6(acc):
    c = _connect(acc)
    c.send("D", new_order_fields(cl_ord_id=1, sym="AAPL", price="abc"))
    rej = c.expect(b"3")
    assert (rej.get(C.SESSION_REJECT_REASON), rej.get(C.REF_TAG)) == (b"6", b"44")
    c.close()


def test_cancel_when_resent_possdup_then_not_decided_again(acc, tmp_path):
    c = _connect(acc)
    _order(c, 1)
    cxl = [(C.CL_ORD_ID, 2), (C.ORIG_CL_ORD_ID, 1), (C.SYMBOL, "AAPL"), (C.SIDE, "1")]
    c.send("F", cxl)
    assert c.expect(b"8").get(C.EXEC_TYPE) == b"4"
    c.send("F", cxl, poss_dup=True)
    again = c.expect(b"8")
    assert (again.get(C.EXEC_TYPE), again.get(C.ORIG_CL_ORD_ID)) == (b"4", b"1")
    assert len([r for r in read_log(tmp_path / "d.log") if r[0] == "X"]) == 1
    c.close()


def test_restart_when_order_was_resting_then_back_at_the_venue_and_fills(tmp_path):
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc = _acceptor(enf)
    c = _connect(acc)
    assert _order(c, "R-1", qty=4, price=100.0).get(C.EXEC_TYPE) == b"0"  # rests
    seq = c.seq
    c.close()
    acc.stop()
    enf.stop()
    enf2 = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc2 = _acceptor(enf2)  # quotes 99/101: still resting
    try:
        c2 = _connect(acc2, seq=seq)
        acc2.gateway.on_quote("AAPL", 98.0, 99.5, time.time_ns())
        fill = c2.expect(b"8")
        assert (fill.get(C.EXEC_TYPE), fill.get(C.CL_ORD_ID), fill.get(C.CUM_QTY)) == \
            (b"F", b"R-1", b"4")
        assert enf2.book.pos[("default", "AAPL")] == [4, 0, 0]
        c2.close()
    finally:
        acc2.stop()
