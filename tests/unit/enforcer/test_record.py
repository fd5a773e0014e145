"""DecisionRecord: the fast form writes exactly what the general encoder writes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from enforcer.decision_log import _dumps
from enforcer.record import DecisionRecord, fast_body, plain

_text = st.text(max_size=12)
_int63 = st.integers(min_value=0, max_value=2**63 - 1)


@given(seq=_int63, ts=_int63, oid=_int63, trader=_text, strategy=_text, sym=_text,
       side=st.sampled_from(["B", "S"]), qty=st.integers(1, 10**9),
       price=st.none() | st.floats(min_value=1e-9, max_value=1e12),
       otype=st.sampled_from(["LIMIT", "MARKET"]), masks=st.tuples(_int63, _int63, _int63),
       version=_text, mode=st.sampled_from(["enforce", "shadow", "ab"]), rs=_text,
       key=st.none() | _text | st.builds("\x01".join, st.lists(_text, min_size=2,
                                                               max_size=2)),
       replaces=st.none() | _int63)
def test_fast_body_when_plain_fields_then_bytes_equal_encode_and_decode_round_trips(
        seq, ts, oid, trader, strategy, sym, side, qty, price, otype, masks, version, mode,
        rs, key, replaces):
    r = DecisionRecord(seq, ts, oid, trader, strategy, sym, side, qty, price, otype, *masks,
                       version, mode, rs, key, replaces)
    assert plain(trader, strategy, sym, version, key, oid, ts)
    fast = fast_body(seq, ts, oid, trader, strategy, sym, side, qty, price, otype, *masks,
                     version, mode, rs, key, replaces)
    assert fast == r.encode() == _dumps(["D", *r]).encode()
    assert DecisionRecord.decode(json.loads(fast)) == r


def test_decode_when_old_17_field_record_then_key_and_replaces_none():
    old = ["D", 1, 2, 3, "t", "s", "AAA", "B", 10, 100.0, "LIMIT", 0, 0, 0, "v", "enforce", "N"]
    r = DecisionRecord.decode(old)
    assert (r.seq, r.key, r.replaces) == (1, None, None)
    assert r.decision().verdict == "ACCEPT"
