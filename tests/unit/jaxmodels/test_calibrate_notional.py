"""The notional cap never binds before the quantity cap on a correctly priced order."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from jaxmodels.calibrate import dynamic_limits, sig_ceil
from jaxmodels.config import CalibConfig, StaticCaps


def test_sig_ceil_when_values_then_rounded_up_to_two_digits():
    assert list(sig_ceil(np.array([4980.0, 12450.0, 100.0, 0.0, 1.234]))) == [5000.0, 13000.0, 100.0, 0.0, 1.3]


@given(mid=st.floats(1.0, 2000.0), tier=st.integers(0, 3), depth=st.floats(1.0, 5000.0))
def test_dynamic_limits_when_order_at_qty_cap_and_mid_then_notional_allows_it(mid, tier, depth):
    caps = StaticCaps(max_order_qty=500, max_notional=1e12)
    m = {"depth5_bid": np.array([depth]), "depth5_ask": np.array([depth]), "mid": np.array([mid]),
         "rv_1m": np.array([1e-4]), "spread_bps": np.array([2.0]), "ret_10s": np.array([0.0])}
    lim = dynamic_limits(m, np.array([tier]), caps, CalibConfig())
    qty = lim["max_order_qty"][0]
    assert qty * mid <= lim["max_notional"][0]


def test_dynamic_limits_when_price_shifted_a_decimal_then_notional_stops_it():
    caps = StaticCaps(max_order_qty=500, max_notional=1e12)
    m = {"depth5_bid": np.array([1e4]), "depth5_ask": np.array([1e4]), "mid": np.array([40.0]),
         "rv_1m": np.array([1e-4]), "spread_bps": np.array([2.0]), "ret_10s": np.array([0.0])}
    lim = dynamic_limits(m, np.array([0]), caps, CalibConfig())
    assert lim["max_order_qty"][0] * 400.0 > lim["max_notional"][0]


def test_cool_down_when_critical_then_high_alert_tier_held_for_hold_seconds():
    from jaxmodels.calibrate import cool_down

    ts = np.arange(10, dtype=np.int64) * 10**9  # one bucket per second
    tier = np.array([0, 0, 3, 1, 0, 0, 0, 2, 0, 0], np.int8)
    # CRITICAL at 2 s holds HIGH_ALERT to 5 s; the HIGH_ALERT blip at 7 s starts no hold
    assert list(cool_down(ts, tier, 3.0)) == [0, 0, 3, 2, 2, 2, 0, 2, 0, 0]
    assert list(cool_down(ts, tier, 0.0)) == list(tier)
