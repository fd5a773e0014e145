"""Layer 1's per (sym, trader) max qty at the gate: the fused rule, the rules one by one and
the jit batch path agree; the replay's trader medians are causal and per order."""

from __future__ import annotations

import math
import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.baseline import TraderMedians
from enforcer.batch import stateless_batch
from enforcer.limits import Lim
from enforcer.reasons import Reason
from enforcer.rules import order_mask, rule_fat_finger, rules_mask
from enforcer.throttle import COST

B_FF = 1 << Reason.FAT_FINGER
max_qty = st.one_of(st.just(math.inf), st.integers(0, 3000).map(float))


def _lim(threshold: float) -> Lim:
    return Lim(10**9, 1e18, 1e9, 10**12, threshold, 0, False, "v", "Normal")


def test_fat_finger_when_over_layer1_max_qty_then_denied_even_without_history():
    lim = _lim(25.0)
    assert rule_fat_finger(lim, 101, 0.0, 100.0) == Reason.FAT_FINGER
    assert rule_fat_finger(lim, 100, 0.0, 100.0) is None
    assert rule_fat_finger(lim, 100, 0.0) is None  # no row: only the multiple of the median
    assert rule_fat_finger(lim, 100, 3.0, 500.0) == Reason.FAT_FINGER  # the static floor


@settings(max_examples=300, deadline=None)
@given(qty=st.integers(1, 3000), median=st.floats(0, 500), threshold=st.floats(0.5, 50),
       ff=max_qty, buy=st.booleans(), price=st.one_of(st.none(), st.floats(1, 200)))
def test_order_mask_when_random_layer1_max_qty_then_equals_single_rules(
        qty, median, threshold, ff, buy, price):
    args = (_lim(threshold), buy, qty, price, 100.0, 10**9, None, None, None, median, 10,
            5 * COST, 10**8, True, 1, ff)
    assert order_mask(*args) == rules_mask(*args)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 3000),
                               # XLA on CPU flushes subnormals to 0 (no median is one)
                               st.floats(0, 500, allow_subnormal=False),
                               st.floats(0.5, 50), max_qty), min_size=1, max_size=200))
def test_batch_when_random_layer1_max_qty_then_same_fat_finger_bits_as_single_path(rows):
    qty, med, thr, ff = (np.array(c) for c in zip(*rows, strict=True))
    n = len(qty)
    cols = {"known": np.ones(n, bool), "side": np.zeros(n, np.int8), "otype": np.zeros(n),
            "qty": qty, "price": np.full(n, 100.0), "mid": np.full(n, 100.0),
            "ts": np.arange(n), "median": med, "max_order_qty": np.full(n, 10**9),
            "max_notional": np.full(n, 1e18), "price_band_bps": np.full(n, 1e9),
            "max_position": np.full(n, 10**12), "fat_finger_threshold": thr,
            "fat_finger_max_qty": ff, "lstate": np.zeros(n, np.int8),
            "restricted": np.zeros(n, bool), "halted": np.zeros(n, bool),
            "group": np.zeros(n), "strat": np.zeros(n), "dkey": np.arange(n),
            "dup_n": np.ones(n), "dup_window": np.zeros(n)}
    got = stateless_batch(cols, flags=0, need_ref=True)
    want = [order_mask(_lim(t), True, int(q), 100.0, 100.0, 0, None, None, None, m, 10,
                       5 * COST, 0, True, 1, f) for q, m, t, f in rows]
    assert [int(g) & B_FF for g in got] == [w & B_FF for w in want]
    assert all(int(g) == w for g, w in zip(got, want, strict=True))


def test_batch_when_no_layer1_column_then_static_rule_alone():
    cols = {"known": np.ones(2, bool), "side": np.zeros(2, np.int8), "otype": np.zeros(2),
            "qty": np.array([10, 10**6]), "price": np.full(2, 100.0),
            "mid": np.full(2, 100.0), "ts": np.arange(2), "median": np.zeros(2),
            "max_order_qty": np.full(2, 10**9), "max_notional": np.full(2, 1e18),
            "price_band_bps": np.full(2, 1e9), "max_position": np.full(2, 10**12),
            "fat_finger_threshold": np.full(2, 25.0), "lstate": np.zeros(2, np.int8),
            "restricted": np.zeros(2, bool), "halted": np.zeros(2, bool),
            "group": np.zeros(2), "strat": np.zeros(2), "dkey": np.arange(2),
            "dup_n": np.ones(2), "dup_window": np.zeros(2)}
    assert list(stateless_batch(cols, flags=0, need_ref=True)) == [0, 0]


@settings(max_examples=60, deadline=None)
@given(orders=st.lists(st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.integers(-2, 60),
                                 st.booleans()), max_size=150),
       window=st.integers(1, 12), min_history=st.integers(1, 5), cut=st.integers(0, 150))
def test_trader_medians_when_random_flow_then_each_order_sees_only_its_previous_orders(
        orders, window, min_history, cut):
    trader = [o[0] for o in orders]
    qty = [o[1] for o in orders]
    ok = np.array([o[2] for o in orders], bool)
    tm = TraderMedians(window, min_history)
    cut = min(cut, len(orders))  # two batches: the history carries over
    got = np.concatenate([tm.before(trader[:cut], qty[:cut], ok[:cut]),
                          tm.before(trader[cut:], qty[cut:], ok[cut:])])
    for i, t in enumerate(trader):
        h = [q for j, (tt, q) in enumerate(zip(trader[:i], qty[:i], strict=True))
             if tt == t and ok[j] and q > 0][-window:]
        want = float(statistics.median(h)) if len(h) >= max(min_history, 1) else 0.0
        assert got[i] == want, (i, h)
