"""The batch causal trader medians (`enforcer.replay_median`) against their per-order
twin (`enforcer.baseline.TraderMedians`), which the replay used before."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.baseline import TraderMedians
from enforcer.replay_median import causal_medians


def test_causal_medians_when_window_full_then_oldest_leaves_and_even_count_averages():
    # trader 0: 10, 30, 20 (window 2 keeps the last two); trader 1 interleaved: 100
    trader = np.array([0, 0, 1, 0, 0, 1])
    qty = np.array([10, 30, 100, 20, 5, 7])
    got = causal_medians(trader, qty, np.ones(6, bool), window=2, min_history=1)
    # before each order: -, [10], -, [10, 30] -> 20, [30, 20] -> 25, [100]
    assert got.tolist() == [0.0, 10.0, 0.0, 20.0, 25.0, 100.0]


def test_causal_medians_when_not_ok_or_nonpositive_then_order_joins_no_history():
    trader = np.array([3, 3, 3, 3])
    qty = np.array([40, 0, 50, 9])
    ok = np.array([True, True, False, True])
    got = causal_medians(trader, qty, ok, window=8, min_history=2)
    assert got.tolist() == [0.0, 0.0, 0.0, 0.0]  # only the 40 ever joined


@settings(max_examples=200, deadline=None)
@given(orders=st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 80), st.booleans()),
                       max_size=300),
       window=st.integers(1, 16), min_history=st.integers(1, 6))
def test_causal_medians_when_random_flow_then_equal_to_python_twin(orders, window, min_history):
    trader = np.array([o[0] for o in orders], np.int64)
    qty = np.array([o[1] for o in orders], np.int64)
    ok = np.array([o[2] for o in orders], bool)
    want = TraderMedians(window, min_history).before(trader.tolist(), qty.tolist(), ok)
    got = causal_medians(trader, qty, ok, window, min_history)
    np.testing.assert_array_equal(got, want)
