"""Single-order rules: fused form == the rules one by one; malformed input never raises."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.limits import Lim
from enforcer.reasons import Reason, mask_to_names, names_to_mask
from enforcer.rules import malformed_mask, order_mask, rules_mask
from enforcer.throttle import COST, init, update

lims = st.builds(
    Lim, st.integers(0, 2000), st.floats(0, 1e6), st.floats(0, 1000), st.integers(0, 5000),
    st.floats(0.5, 50), st.integers(0, 2), st.booleans(), st.just("v"), st.just("Normal"))
maybe_price = st.one_of(st.none(), st.floats(1, 200))


@settings(max_examples=300, deadline=None)
@given(lim=lims, buy=st.booleans(), qty=st.integers(1, 3000), price=maybe_price,
       mid=maybe_price, pos=st.one_of(st.none(), st.lists(st.integers(-3000, 3000),
                                                           min_size=3, max_size=3)),
       bucket=st.one_of(st.none(), st.tuples(st.integers(0, 5 * COST),
                                             st.integers(-1, 10**9)).map(list)),
       dup=st.one_of(st.none(), st.lists(st.integers(0, 2 * 10**9), max_size=5).map(sorted)),
       median=st.floats(0, 500), need_ref=st.booleans(), dup_n=st.integers(1, 5))
def test_order_mask_when_random_inputs_then_equals_or_of_single_rules(
        lim, buy, qty, price, mid, pos, bucket, dup, median, need_ref, dup_n):
    args = (lim, buy, qty, price, mid, 10**9, pos, bucket, dup, median, 10, 5 * COST, 10**8,
            need_ref, dup_n)
    assert order_mask(*args) == rules_mask(*args)


@given(side=st.one_of(st.text(max_size=2), st.none(), st.integers()),
       qty=st.one_of(st.integers(), st.floats(allow_nan=True), st.none(), st.text()),
       price=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(), st.text()),
       order_type=st.one_of(st.sampled_from(["LIMIT", "MARKET", "IOC"]), st.none()))
def test_malformed_mask_when_garbage_fields_then_answers_without_raising(
        side, qty, price, order_type):
    m = malformed_mask(True, side, qty, price, order_type)
    assert isinstance(m, int)
    bad_qty = not (type(qty) is int and qty > 0)
    assert bool(m & (1 << Reason.BAD_QTY)) == bad_qty


def test_malformed_mask_when_nan_price_and_bad_side_then_both_reasons():
    m = malformed_mask(True, "X", 10, math.nan, "LIMIT")
    assert mask_to_names(m) == ("BAD_PRICE", "BAD_SIDE")


def test_order_mask_when_reducing_and_order_flips_position_then_state_reducing():
    lim = Lim(1000, 1e9, 1e4, 10**6, 100.0, 1, False, "v", "Normal")
    pos = [50, 0, 0]  # long 50
    sell_30 = order_mask(lim, False, 30, 100.0, 100.0, 0, pos, None, None, 0.0, 10, COST, 0, True)
    sell_80 = order_mask(lim, False, 80, 100.0, 100.0, 0, pos, None, None, 0.0, 10, COST, 0, True)
    buy_1 = order_mask(lim, True, 1, 100.0, 100.0, 0, pos, None, None, 0.0, 10, COST, 0, True)
    assert sell_30 == 0
    assert mask_to_names(sell_80) == ("STATE_REDUCING",)
    assert mask_to_names(buy_1) == ("STATE_REDUCING",)


def test_token_bucket_when_burst_used_then_refills_at_rate():
    s = init(2)
    s, ok1 = update(s, 0, 10, 2, accepted=True)
    s, ok2 = update(s, 0, 10, 2, accepted=True)
    s, ok3 = update(s, 0, 10, 2, accepted=True)  # bucket empty
    _, ok4 = update(s, 100_000_000, 10, 2, accepted=True)  # 0.1 s at 10/s = 1 token
    assert (ok1, ok2, ok3, ok4) == (True, True, False, True)


def test_names_to_mask_when_round_trip_then_identity():
    names = ("MAX_QTY", "THROTTLE", "DUPLICATE")
    assert mask_to_names(names_to_mask(names)) == names


def test_duplicate_when_n_identical_within_window_then_only_the_next_one_rejected():
    """10 identical accepted orders 0.1 s apart (vn.py's default count of 10): an 11th within
    1 s of the first is DUPLICATE; once the oldest has left the window, it passes."""
    from enforcer.rules import rule_duplicate

    recent = [i * 10**8 for i in range(10)]  # accepted at 0.0 .. 0.9 s
    assert rule_duplicate(recent[:9], 10**9 - 1, 10**9, 10) is None  # only 9 so far
    assert rule_duplicate(recent, 10**9, 10**9, 10) == Reason.DUPLICATE  # 0.0 s is in
    assert rule_duplicate(recent, 10**9 + 1, 10**9, 10) is None  # 0.0 s has left
    assert rule_duplicate(recent, 10**9 + 1, 10**9, 1) == Reason.DUPLICATE  # old rule
