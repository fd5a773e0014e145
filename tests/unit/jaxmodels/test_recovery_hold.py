"""Hysteresis tied to the market (``calibrate.recovery_hold``): after a HIGH_ALERT the
limits tier stays at HIGH_ALERT until spread, depth and vol are back near their values at
the last NORMAL bucket, not when the score merely calms down."""

from __future__ import annotations

import dataclasses

import numpy as np

from jaxmodels.calibrate import episode_floor, recovered, recovery_hold
from jaxmodels.config import CalibConfig

CFG = CalibConfig(recover_ratio=1.5, recover_max_s=10.0)
NS = 1_000_000_000


def _market(spread, depth, rv):
    d = np.asarray(depth, float)
    return {"spread_bps": np.asarray(spread, float), "depth5_bid": d, "depth5_ask": d + 5,
            "rv_1m": np.asarray(rv, float)}


def test_recovered_when_each_input_off_by_more_than_the_ratio_then_false_by_hand():
    ref = np.array([[2.0, 100.0, 1e-3]] * 5)
    now = np.array([[3.0, 100.0, 1e-3], [3.1, 100.0, 1e-3], [2.0, 66.0, 1e-3],
                    [2.0, 100.0, 1.6e-3], [np.nan, 100.0, 1e-3]])
    assert recovered(now, ref, 1.5).tolist() == [True, False, False, False, True]


def test_hold_when_score_calms_but_spread_still_wide_then_tier_stays_high():
    ts = np.arange(8) * NS
    tier = np.array([0, 2, 0, 0, 0, 0, 0, 0], np.int8)  # the score calms at once
    spread = [2, 6, 6, 6, 2.5, 2, 6, 6]  # the spread recovers at row 4
    m = _market(spread, [100] * 8, [1e-3] * 8)
    out = recovery_hold(ts, tier, tier, m, CFG)
    # held from the alert until the first recovered bucket below HIGH (row 4), then free
    assert out.tolist() == [0, 2, 2, 2, 0, 0, 0, 0]


def test_hold_when_market_never_recovers_then_released_after_recover_max_s():
    ts = np.arange(15) * NS
    tier = np.array([0, 3] + [0] * 13, np.int8)
    m = _market([2] + [9] * 14, [100] * 15, [1e-3] * 15)
    out = recovery_hold(ts, tier, tier, m, CFG)
    # the episode's highest tier (CRITICAL) holds, until 10 s after the last alert
    assert out.tolist() == [0, 3] + [3] * 10 + [0] * 3


def test_hold_when_critical_then_high_then_recovered_then_new_alert_peak_restarts():
    ts = np.arange(9) * NS
    tier = np.array([0, 3, 2, 0, 0, 2, 0, 0, 0], np.int8)
    spread = [2, 9, 9, 9, 2, 9, 9, 2, 2]  # recovered at row 4, again at row 7
    m = _market(spread, [100] * 9, [1e-3] * 9)
    out = recovery_hold(ts, tier, tier, m, CFG)
    assert out.tolist() == [0, 3, 3, 3, 0, 2, 2, 0, 0]


def test_hold_when_turned_off_then_limit_tier_unchanged():
    ts = np.arange(4) * NS
    tier = np.array([0, 2, 0, 0], np.int8)
    m = _market([2, 9, 9, 9], [100] * 4, [1e-3] * 4)
    off = dataclasses.replace(CFG, recover_max_s=0.0)
    assert recovery_hold(ts, tier, tier, m, off).tolist() == [0, 2, 0, 0]


def test_episode_floor_when_book_refills_during_an_alert_then_limits_only_tighten():
    vals = np.array([[500.0], [50.0], [1.0], [20.0], [200.0], [300.0], [400.0]])
    on = np.array([False, True, True, True, True, False, True])
    out, cur, was_on = episode_floor(vals, on, np.array([np.inf]), False)
    # within the run (rows 1-4) the running minimum; free outside; a new run starts afresh
    assert out[:, 0].tolist() == [500.0, 50.0, 1.0, 1.0, 1.0, 300.0, 400.0]
    assert cur.tolist() == [400.0] and was_on


def test_episode_floor_when_fed_in_two_parts_then_same_as_in_one():
    rng = np.random.default_rng(3)
    vals = rng.uniform(1, 100, (40, 2))
    on = rng.random(40) < 0.7
    whole, _, _ = episode_floor(vals, on, np.full(2, np.inf), False)
    a, cur, w = episode_floor(vals[:17], on[:17], np.full(2, np.inf), False)
    b, _, _ = episode_floor(vals[17:], on[17:], cur, w)
    assert np.array_equal(np.r_[a, b], whole)
