"""FIX framer: every framing error has its code; random and mutated input never raises."""

import simplefix
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcer import fix_codec as C
from enforcer.fix_parser import FixFramer, FixMsg, ParseError, decode_with_simplefix

BODY = [(C.CL_ORD_ID, "42"), (C.SYMBOL, "AAPL"), (C.SIDE, "1"), (C.ORDER_QTY, 100),
        (C.ORD_TYPE, "2"), (C.PRICE, "10.5")]


# header/trailer tags and simplefix's raw-data length/value tags (not used by this gateway)
NOT_PLAIN = {8, 9, 10, 35, *simplefix.FixParser().raw_len_tags,
             *simplefix.FixParser().raw_data_tags}


def wire(seq=1, body=BODY, msg_type="D") -> bytes:
    return C.encode(msg_type, body, sender="OMS", target="ADAPTRISK", seq=seq,
                    ts_ns=1_700_000_000_123_000_000)


def codes(items):
    return [i.code if isinstance(i, ParseError) else i.get(C.MSG_TYPE) for i in items]


def test_feed_when_valid_message_then_fields_match_simplefix_encoding():
    raw = wire()
    (msg,) = FixFramer().feed(raw)
    assert isinstance(msg, FixMsg)
    assert msg.get(C.SYMBOL) == b"AAPL" and msg.get(C.SEQ) == b"1"
    assert msg.get(C.SENDING_TIME) == b"20231114-22:13:20.123"
    ref = decode_with_simplefix(raw)
    assert [(int(t), v) for t, v in ref.pairs] == list(msg.pairs)


def test_feed_when_split_into_single_bytes_then_same_message():
    raw = wire() + wire(seq=2)
    f = FixFramer()
    got = [m for b in raw for m in f.feed(bytes([b]))]
    assert codes(got) == [b"D", b"D"] and f.buffered == 0


def test_feed_when_checksum_wrong_then_bad_checksum_and_next_message_parses():
    raw = wire()
    bad = raw[:-4] + (b"000" if raw[-4:-1] != b"000" else b"001") + b"\x01"
    got = FixFramer().feed(bad + wire(seq=2))
    assert codes(got) == ["BAD_CHECKSUM", b"D"]
    assert got[0].seq == 1


def test_feed_when_body_length_too_large_then_bad_body_length_without_waiting():
    raw = wire().replace(b"\x019=", b"\x019=9", 1)
    got = FixFramer().feed(raw)
    assert codes(got) == ["BAD_BODY_LENGTH"]


def test_feed_when_body_length_too_small_then_bad_body_length_and_resync():
    raw = wire()
    i = raw.index(b"\x019=") + 3
    j = raw.index(b"\x01", i)
    short = raw[:i] + str(int(raw[i:j]) - 5).encode() + raw[j:]
    got = FixFramer().feed(short + wire(seq=2))
    assert codes(got) == ["BAD_BODY_LENGTH", b"D"]


def test_feed_when_body_length_not_a_number_then_bad_body_length():
    raw = wire().replace(b"\x019=", b"\x019=x", 1)
    assert codes(FixFramer().feed(raw + wire(seq=2))) == ["BAD_BODY_LENGTH", b"D"]


def test_feed_when_garbage_before_message_then_one_garbage_error_then_message():
    got = FixFramer().feed(b"\xff\xfe hello" + wire())
    assert codes(got) == ["GARBAGE", b"D"]


def test_feed_when_message_exceeds_limit_then_oversized_and_later_message_parses():
    big = wire(body=BODY + [(C.TEXT, "x" * 500)])
    got = FixFramer(max_message_bytes=300).feed(big + wire(seq=2))
    assert codes(got) == ["OVERSIZED", b"D"]


def test_feed_when_no_checksum_within_limit_then_oversized():
    endless = wire()[:40] + b"58=" + b"y" * 400
    got = FixFramer(max_message_bytes=256).feed(endless)
    assert codes(got) == ["OVERSIZED"]


def test_feed_when_begin_string_is_fix42_then_bad_begin_string():
    raw = wire().replace(b"FIX.4.4", b"FIX.4.2", 1)
    assert codes(FixFramer().feed(raw)) == ["BAD_BEGIN_STRING"]


def _frame(body: bytes) -> bytes:
    head = b"8=FIX.4.4\x019=" + str(len(body)).encode() + b"\x01" + body
    return head + b"10=%03d\x01" % (sum(head) % 256)


def test_feed_when_field_has_no_equals_then_bad_field():
    got = FixFramer().feed(_frame(b"35=D\x0155AAPL\x01") + wire(seq=2))
    assert codes(got) == ["BAD_FIELD", b"D"]


def test_feed_when_value_empty_then_bad_field():
    assert codes(FixFramer().feed(_frame(b"35=D\x0155=\x01"))) == ["BAD_FIELD"]


def test_feed_when_tag_not_a_number_then_bad_field():
    assert codes(FixFramer().feed(_frame(b"35=D\x01x5=1\x01"))) == ["BAD_FIELD"]


def test_feed_when_message_cut_short_then_next_message_still_parses():
    raw = wire()
    got = FixFramer().feed(raw[: len(raw) - 20] + wire(seq=2))
    assert codes(got) == ["BAD_BODY_LENGTH", b"D"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=64))
def test_feed_when_random_bytes_then_never_raises_and_returns_known_items(data, chunk):
    f = FixFramer(max_message_bytes=512)
    out = []
    for i in range(0, len(data), chunk):
        out += f.feed(data[i:i + chunk])
    assert all(isinstance(x, FixMsg | ParseError) for x in out)
    assert f.buffered <= 512 + chunk


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_feed_when_valid_message_mutated_then_never_raises_and_good_tail_survives(data):
    raw = bytearray(wire())
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        elif raw:
            del raw[pos]
    f = FixFramer(max_message_bytes=1024)
    out = f.feed(bytes(raw))
    assert all(isinstance(x, FixMsg | ParseError) for x in out)
    # a valid message sent afterwards is still recognised: one bad frame never poisons the next
    tail = f.feed(wire(seq=99))
    assert any(isinstance(x, FixMsg) and x.get(C.SEQ) == b"99" for x in tail)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 9999).filter(lambda t: t not in NOT_PLAIN),
                          st.binary(min_size=1, max_size=20).filter(
                              lambda v: b"\x01" not in v)), max_size=12))
def test_decode_when_valid_frame_then_fast_path_agrees_with_simplefix(pairs):
    raw = wire(body=pairs)
    (msg,) = FixFramer(max_message_bytes=4096).feed(raw)
    ref = decode_with_simplefix(raw)
    assert isinstance(msg, FixMsg) and ref is not None
    assert [(int(t), v) for t, v in ref.pairs] == list(msg.pairs)
