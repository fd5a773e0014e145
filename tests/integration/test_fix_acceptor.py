"""The FIX acceptor over a real socket, in front of a real engine and the built-in venue."""

import time

import pyarrow as pa
import pytest

from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import FixConfig
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all


@pytest.fixture
def enf(tmp_path):
    return make_enforcer(tmp_path)


@pytest.fixture
def acceptor(enf):
    acc = FixAcceptor(enf, config=FixConfig(port=0, max_message_bytes=1024))
    acc.start()
    quote_all(acc.gateway.on_quote)
    acc.venue.drain()
    yield acc
    acc.stop()


@pytest.fixture
def client(acceptor):
    with FixClient("127.0.0.1", acceptor.port, sender="OMS1", timeout=5.0) as c:
        c.logon()
        yield c


def order(c: FixClient, cl, **kw):
    kw.setdefault("sym", "AAPL")
    c.send("D", new_order_fields(cl_ord_id=cl, **kw))
    return c.expect(b"8")


def assert_still_serving(c: FixClient, cl):
    er = order(c, cl, qty=1, price=96.0 + cl % 97 / 100)  # non-marketable: rests
    assert er.get(C.EXEC_TYPE) == b"0", er


def wait_routed(acc, n: int, timeout: float = 5.0) -> None:
    """Until the venue has `n` messages (the ER goes out before the order is routed)."""
    deadline = time.monotonic() + timeout
    while acc.venue.received < n and time.monotonic() < deadline:
        acc.venue.drain()
        time.sleep(0.005)
    acc.venue.drain()


# -- session basics --------------------------------------------------------------------

def test_logon_when_valid_then_logon_ack_and_test_request_answered(client):
    client.send("1", [(C.TEST_REQ_ID, "ping-1")])
    hb = client.expect(b"0")
    assert hb.get(C.TEST_REQ_ID) == b"ping-1"


def test_connect_when_first_message_is_not_logon_then_logout_and_closed(acceptor):
    with FixClient("127.0.0.1", acceptor.port) as c:
        c.send("D", new_order_fields(cl_ord_id=1, sym="AAPL", price=100.0))
        assert c.expect(b"5").get(C.TEXT).startswith(b"first message must be")
        assert c.closed_by_peer()


def test_logout_when_requested_then_acknowledged_and_closed(client):
    client.send("5")
    client.expect(b"5")
    assert client.closed_by_peer()


# -- orders ----------------------------------------------------------------------------

def test_new_order_when_marketable_then_new_then_fill_and_position_updates(client, acceptor, enf):
    er = order(client, 11, side="B", qty=10, price=102.0, account="stratA")
    assert (er.get(C.EXEC_TYPE), er.get(C.ORD_STATUS)) == (b"0", b"0")
    assert er.get(C.RISK_STATE) == b"Normal" and er.get(C.CL_ORD_ID) == b"11"
    fill = client.expect(b"8")
    assert (fill.get(C.EXEC_TYPE), fill.get(C.ORD_STATUS)) == (b"F", b"2")
    assert (fill.get(C.LAST_QTY), fill.get(C.LAST_PX)) == (b"10", b"101.0")  # at the ask
    assert enf.book.net("stratA", "AAPL") == 10
    acceptor.venue.drain()
    assert acceptor.venue.risk_states_seen == {"Normal": 1}


def test_new_order_when_resting_then_cancel_answers_cancelled(client, acceptor):
    assert order(client, 21, qty=5, price=95.0).get(C.EXEC_TYPE) == b"0"
    client.send("F", [(C.CL_ORD_ID, 22), (C.ORIG_CL_ORD_ID, 21), (C.SYMBOL, "AAPL"),
                      (C.SIDE, "1")])
    er = client.expect(b"8")
    assert (er.get(C.EXEC_TYPE), er.get(C.ORIG_CL_ORD_ID)) == (b"4", b"21")
    acceptor.venue.drain()
    assert acceptor.venue.resting("AAPL") == 0


def test_cancel_when_order_unknown_then_cancel_reject(client):
    client.send("F", [(C.CL_ORD_ID, 32), (C.ORIG_CL_ORD_ID, 999), (C.SYMBOL, "AAPL"),
                      (C.SIDE, "1")])
    rej = client.expect(b"9")
    assert rej.get(C.CXL_REJ_REASON) == b"1"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"sym": "ZZZZ", "price": 100.0}, b"UNKNOWN_SYMBOL"),
    ({"qty": 0, "price": 100.0}, b"BAD_QTY"),
    ({"qty": -5, "price": 100.0}, b"BAD_QTY"),
    ({"qty": "2.5", "price": 100.0}, b"BAD_QTY"),
    ({"price": "NaN"}, b"BAD_PRICE"),
    ({"price": "inf"}, b"BAD_PRICE"),
    ({"price": "-Infinity"}, b"BAD_PRICE"),
    ({"side": "7", "price": 100.0}, b"BAD_SIDE"),
])
def test_new_order_when_malformed_then_rejected_with_reason_and_session_survives(
        client, acceptor, fields, reason):
    er = order(client, 41, **fields)
    assert (er.get(C.EXEC_TYPE), er.get(C.ORD_STATUS)) == (b"8", b"8")
    assert reason in er.get(C.TEXT).split(b",")
    assert_still_serving(client, 42)
    wait_routed(acceptor, 1)
    assert acceptor.venue.received == 1  # only the good order went downstream


def test_new_order_when_qty_not_a_number_then_session_reject_data_format(client):
    client.send("D", new_order_fields(cl_ord_id=51, sym="AAPL", qty="ten", price=100.0))
    rej = client.expect(b"3")
    assert (rej.get(C.SESSION_REJECT_REASON), rej.get(C.REF_TAG)) == (b"6", b"38")
    assert_still_serving(client, 52)


def test_new_order_when_required_tag_missing_then_session_reject_names_it(client):
    body = [f for f in new_order_fields(cl_ord_id=61, sym="AAPL", price=100.0)
            if f[0] != C.SYMBOL]
    client.send("D", body)
    rej = client.expect(b"3")
    assert (rej.get(C.SESSION_REJECT_REASON), rej.get(C.REF_TAG)) == (b"1", b"55")
    assert_still_serving(client, 62)


def test_message_when_fix44_type_unsupported_then_business_reject(client):
    client.send("V", [(262, 71)])  # MarketDataRequest: FIX 4.4, not ours
    rej = client.expect(b"j")
    assert rej.get(C.BUSINESS_REJECT_REASON) == b"3"
    assert_still_serving(client, 72)


# -- malformed wire input --------------------------------------------------------------

def _reject_text(c: FixClient) -> bytes:
    rej = c.expect(b"3")
    return rej.get(C.TEXT)


def test_frame_when_checksum_wrong_then_reject_and_same_seq_accepted_after(client):
    raw = client.encode("D", new_order_fields(cl_ord_id=81, sym="AAPL", qty=1, price=95.0))
    bad = raw[:-4] + (b"000" if raw[-4:-1] != b"000" else b"001") + b"\x01"
    client.send_raw(bad)
    assert _reject_text(client).startswith(b"BAD_CHECKSUM")
    client.send_raw(raw)  # the garbled frame did not consume its MsgSeqNum
    assert client.expect(b"8").get(C.EXEC_TYPE) == b"0"


def test_frame_when_body_length_wrong_then_reject_and_connection_survives(client):
    raw = client.encode("D", new_order_fields(cl_ord_id=91, sym="AAPL", qty=1, price=95.0))
    i = raw.index(b"\x019=") + 3
    j = raw.index(b"\x01", i)
    client.send_raw(raw[:i] + str(int(raw[i:j]) + 7).encode() + raw[j:])
    assert _reject_text(client).startswith(b"BAD_BODY_LENGTH")
    client.send_raw(raw)
    assert client.expect(b"8").get(C.EXEC_TYPE) == b"0"


def test_frame_when_oversized_then_reject_and_connection_survives(client):
    big = new_order_fields(cl_ord_id=101, sym="AAPL", qty=1, price=95.0) + [(C.TEXT, "x" * 2000)]
    client.send_raw(client.encode("D", big, seq=client.seq))
    assert _reject_text(client).startswith(b"OVERSIZED")
    assert_still_serving(client, 102)


def test_bytes_when_garbage_then_reject_and_other_connections_unaffected(client, acceptor):
    with FixClient("127.0.0.1", acceptor.port, sender="OMS2") as other:
        other.logon()
        client.send_raw(b"\x00\xffGET / HTTP/1.1\r\n\r\n" + bytes(range(256)))
        assert _reject_text(client).startswith(b"GARBAGE")
        assert_still_serving(other, 111)
        assert_still_serving(client, 112)


def test_seq_when_gap_then_resend_request_and_gap_fill_recovers(client):
    expected = client.seq
    client.seq += 3
    client.send("D", new_order_fields(cl_ord_id=121, sym="AAPL", qty=1, price=95.0))
    rr = client.expect(b"2")
    assert (rr.get(C.BEGIN_SEQ_NO), rr.get(C.END_SEQ_NO)) == (str(expected).encode(), b"0")
    client.send("4", [(C.GAP_FILL, "Y"), (C.NEW_SEQ_NO, client.seq)], seq=expected,
                poss_dup=True)
    assert_still_serving(client, 122)


def test_seq_when_too_low_then_logout_closed_and_acceptor_still_accepts(client, acceptor):
    client.send("0", seq=1)
    assert b"too low" in client.expect(b"5").get(C.TEXT)
    assert client.closed_by_peer()
    with FixClient("127.0.0.1", acceptor.port, sender="OMS3") as c:
        c.logon()
        assert_still_serving(c, 131)


def test_resend_request_when_received_then_gap_fill_to_next_seq(client):
    client.send("2", [(C.BEGIN_SEQ_NO, 1), (C.END_SEQ_NO, 0)])
    gf = client.expect(b"4")
    assert (gf.get(C.GAP_FILL), gf.get(C.POSS_DUP), gf.get(C.SEQ)) == (b"Y", b"Y", b"1")
    assert int(gf.get(C.NEW_SEQ_NO)) == 2  # only the Logon ack was sent before


# -- risk state to downstream ------------------------------------------------------------

def test_new_order_when_model_tightened_limits_then_8011_high_anomaly_downstream(tmp_path):
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={tmp_path / 'x.duckdb'}") as store:
        now = time.time_ns()
        store.append_limits(pa.table({
            "ts": pa.array([now], pa.timestamp("ns")), "sym": ["AAPL"],
            "strategy": ["*"], "max_order_qty": [500], "max_notional": [1e6],
            "price_band_bps": [500.0], "max_position": [5000], "fat_finger_threshold": [25.0],
            "state": ["ACTIVE"], "reason": ["test"], "model_version": ["m1"]}))
        ts = pa.array([now], pa.timestamp("ns"))  # the publisher's heartbeat, on time
        store.ingest("publisher_heartbeat", pa.table({
            "ts": ts, "sym": ["AAPL"], "publisher": ["test"], "model_version": ["m1"],
            "market_ts": ts, "published_ts": ts}), session=None)
        enf = make_enforcer(tmp_path, store=store)
        enf.poll()
        with FixAcceptor(enf, config=FixConfig(port=0)) as acc:
            quote_all(acc.gateway.on_quote)
            with FixClient("127.0.0.1", acc.port, sender="OMS1") as c:
                c.logon()
                er = order(c, 141, qty=10, price=102.0)
                assert er.get(C.RISK_STATE) == b"RiskAlert_HighAnomaly"
                assert c.expect(b"8").get(C.EXEC_TYPE) == b"F"
                assert order(c, 142, qty=600, price=102.0).get(C.TEXT) == b"MAX_QTY"
            acc.venue.drain()
            assert acc.venue.risk_states_seen == {"RiskAlert_HighAnomaly": 1}
