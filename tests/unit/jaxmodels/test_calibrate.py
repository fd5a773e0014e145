import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels import calibrate
from jaxmodels.config import CalibConfig, StaticCaps

CAPS = StaticCaps(max_order_qty=500, max_notional=100_000.0, price_band_bps=500.0,
                  max_position=5000, fat_finger_threshold=25.0)
CFG = CalibConfig(caps=CAPS)


def _market(n, depth=300.0, rv=2e-4, mid=40.0, ret=0.0):
    return {"depth5_bid": np.full(n, depth), "depth5_ask": np.full(n, depth),
            "mid": np.full(n, mid), "rv_1m": np.full(n, rv), "spread_bps": np.full(n, 2.5),
            "ret_10s": np.full(n, ret)}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3), st.floats(0, 1e6), st.floats(0, 1.0), st.floats(0.01, 1e4))
def test_dynamic_limits_when_any_market_state_then_never_looser_than_static_caps(t, depth, rv, mid):
    lim = calibrate.dynamic_limits(_market(1, depth, rv, mid), np.array([t]), CAPS, CFG)
    assert lim["max_order_qty"][0] <= CAPS.max_order_qty
    assert lim["max_notional"][0] <= CAPS.max_notional
    assert lim["price_band_bps"][0] <= CAPS.price_band_bps
    assert lim["max_position"][0] <= CAPS.max_position
    assert 0 < lim["fat_finger_threshold"][0] <= CAPS.fat_finger_threshold


def test_dynamic_limits_when_high_alert_then_max_qty_is_a_tenth_of_normal():
    lim = calibrate.dynamic_limits(_market(2, depth=1e6), np.array([0, 2]), CAPS, CFG)
    assert lim["max_order_qty"].tolist() == [500, 50]


def test_dynamic_limits_when_book_thin_then_depth_binds_only_from_the_depth_tier():
    # a 5-lot top-5 book: 20 x depth = 100 lots; below HIGH_ALERT the desk's own cap, tier
    # scaled (ELEVATED: 0.5 x 500 = 250, on the 1-2-5 grid 200)
    tiers = np.array([0, 1, 2, 3])
    lim = calibrate.dynamic_limits(_market(4, depth=5.0), tiers, CAPS, CFG)
    assert lim["max_order_qty"].tolist() == [500, 200, 50, 10]
    early = CalibConfig(caps=CAPS, depth_tier="ELEVATED")
    lim = calibrate.dynamic_limits(_market(4, depth=5.0), tiers, CAPS, early)
    assert lim["max_order_qty"].tolist() == [500, 100, 50, 10]
    every = CalibConfig(caps=CAPS, depth_tier="NORMAL")
    lim = calibrate.dynamic_limits(_market(4, depth=5.0), tiers, CAPS, every)
    assert lim["max_order_qty"].tolist() == [100, 100, 50, 10]


def test_calib_config_when_depth_tier_unknown_then_refused_naming_the_tiers():
    with pytest.raises(ValueError, match="depth_tier"):
        CalibConfig(depth_tier="CALM")


def test_calibrate_symbol_when_tier_flickers_then_rows_only_on_changes_and_breaker_latches():
    n = 300
    tier = np.zeros(n, np.int8)
    tier[100:103] = 2
    tier[200:202] = 3
    m = _market(n)
    m["ret_10s"][201] = -0.05  # -500 bps in 10 s under CRITICAL: circuit breaker
    tbl = calibrate.calibrate_symbol(np.arange(n) * 100_000_000, "X", m, tier, np.zeros(n),
                                     CFG, model_version="v", loosen_after=20)
    states = tbl.column("state").to_pylist()
    assert tbl.num_rows < 10 and states[0] == "ACTIVE" and states[-1] == "HALTED"
    assert all(q <= 500 for q in tbl.column("max_order_qty").to_pylist())


def test_static_rows_when_no_model_then_caps_and_static_version():
    tbl = calibrate.static_rows(5, ["A", "B"], CFG, "no model")
    assert tbl.column("max_order_qty").to_pylist() == [500, 500]
    assert set(tbl.column("model_version").to_pylist()) == {"static"}


def test_static_rows_when_caps_in_fractional_venue_units_then_written_unrounded():
    # a BTC desk's static caps (venue units, issue 17): 1.5 BTC per order, 2.5 BTC position
    caps = StaticCaps(max_order_qty=1.5, max_notional=1e6, price_band_bps=500.0,
                      max_position=2.5, fat_finger_threshold=25.0)
    tbl = calibrate.static_rows(5, ["BTCUSD"], CalibConfig(caps=caps), "no model")
    assert tbl.column("max_order_qty").to_pylist() == [1.5]  # was cut to 1 (int64)
    assert tbl.column("max_position").to_pylist() == [2.5]
