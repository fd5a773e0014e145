"""The pre-formatted ExecutionReport body equals its plain twin through `codec.fields`."""

from hypothesis import given
from hypothesis import strategies as st

from enforcer.fix import codec as C
from enforcer.fix.reports import report_body, report_pairs

# text that can go out on the wire (UTF-8): what reaches a report is decoded from the wire or
# read from the store, never a lone surrogate (a '\ud800' made the encoder raise here)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x01"), max_size=12)
_n = st.integers(min_value=0, max_value=2**62)
_num = st.none() | st.integers(-10**9, 10**9) | st.floats(allow_nan=True, allow_infinity=True)


@given(oid=_n, cl=st.binary(min_size=1, max_size=20).filter(lambda b: b"\x01" not in b),
       exec_id=_n, exec_type=st.sampled_from(["0", "8", "F", "4", "C", "5", "I"]),
       status=st.sampled_from(["0", "1", "2", "4", "5", "8", "C"]),
       sym=st.none() | _text, side=st.sampled_from(["B", "S", "X", ""]), qty=_num,
       price=_num, last_qty=st.integers(0, 10**6), last_px=st.floats(0, 1e6),
       leaves=_n, cum=_n, avg=st.floats(0, 1e9), text=st.none() | _text,
       extra=st.lists(st.tuples(st.sampled_from([41, 103, 8011]),
                                st.none() | _text | st.integers(0, 99)), max_size=3),
       custom=st.none() | st.tuples(_text, _text, _text))
def test_report_body_when_any_fields_then_equals_plain_twin(
        oid, cl, exec_id, exec_type, status, sym, side, qty, price, last_qty, last_px, leaves,
        cum, avg, text, extra, custom):
    args = (oid, cl, exec_id, exec_type, status, sym, side, qty, price, last_qty, last_px,
            leaves, cum, avg, "20261130-21:58:00.000", text, extra, custom)
    assert report_body(*args) == C.fields(report_pairs(*args))
