"""The fast FIX encoder is byte-for-byte simplefix's encoder (its twin)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.fix import codec as C
from enforcer.fix.parser import FixFramer, FixMsg

values = st.one_of(
    st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
            max_size=12),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(11, 9999).filter(lambda t: t != 35), values), max_size=15),
       st.sampled_from(["8", "D", "3", "A"]), st.integers(1, 10**9),
       st.integers(0, 4_000_000_000_000_000_000), st.booleans())
def test_encode_when_any_body_then_equals_simplefix_and_parses_back(body, mt, seq, ts, dup):
    kw = dict(sender="ADAPTRISK", target="OMS1", seq=seq, ts_ns=ts, poss_dup=dup,
              orig_sending_time=b"20231114-22:13:20.123" if dup else None)
    fast = C.encode(mt, body, **kw)
    assert fast == C.encode_simplefix(mt, body, **kw)
    assert C.encode(mt, C.fields(body), **kw) == fast  # the pre-encoded body path
    (msg,) = FixFramer(max_message_bytes=1 << 16).feed(fast)
    assert isinstance(msg, FixMsg) and msg.get(C.SEQ) == str(seq).encode()


def test_fix_time_when_known_instant_then_fix_utc_timestamp():
    assert C.fix_time(1_700_000_000_123_456_789) == "20231114-22:13:20.123"
    assert C.fix_time(1_700_000_001_000_000_000) == "20231114-22:13:21.000"
