"""The issue-11 scenario grid's additions to the simulator: a liquidity vacuum that thins
the book before the price moves, a slow grind, a news-like jump that recovers, onsets in
the first minutes, and trader populations (size medians 10-2,000 lots, clip algos,
blocks)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim import SimConfig, SimConfigError, simulate
from sim.scenarios import VACUUM_LEAD_S

NS = 1_000_000_000


def _book(res, sym="SIM00"):
    b = res.tables()["book"]
    m = np.asarray(b.column("sym").to_pylist()) == sym
    ts = b.column("ts").cast("int64").to_numpy()[m]
    bid = np.stack(b.column("bid_sz").to_numpy(zero_copy_only=False))[m, :5].sum(1)
    ask = np.stack(b.column("ask_sz").to_numpy(zero_copy_only=False))[m, :5].sum(1)
    bp = np.stack(b.column("bid_px").to_numpy(zero_copy_only=False))[m, 0]
    ap = np.stack(b.column("ask_px").to_numpy(zero_copy_only=False))[m, 0]
    return ts - ts[0], np.fmin(bid, ask), (bp + ap) / 2


def test_vacuum_when_onset_in_first_minutes_then_depth_thins_before_the_price_falls():
    res = simulate(SimConfig(scenario="liquidity_vacuum", minutes=6.0, onset_minute=3.0,
                             seed=4))
    t, depth, mid = _book(res)
    on = 180 * NS
    before = (t > on - 60 * NS) & (t < on)
    lead = (t > on + 2 * NS) & (t < on + VACUUM_LEAD_S * NS)
    assert np.nanmedian(depth[lead]) < 0.6 * np.nanmedian(depth[before])
    p0 = np.nanmedian(mid[before])
    assert np.nanmax(np.abs(mid[lead] / p0 - 1)) < 0.005  # no price move yet
    after = (t > on + VACUUM_LEAD_S * NS) & (t < on + 90 * NS)
    assert np.nanmin(mid[after]) < p0 * 0.993  # then it drops
    ev = res.tables()["labels_events"].to_pylist()
    assert ev[0]["event"] == "liquidity_vacuum"


def test_grind_when_simulated_then_a_slow_drift_down_without_a_jump():
    res = simulate(SimConfig(scenario="grind", minutes=40.0, onset_minute=10.0,
                             stress_minutes=25.0, seed=3))
    t, _, mid = _book(res)
    on, end = 600 * NS, 2100 * NS
    p0 = np.nanmedian(mid[(t > on - 30 * NS) & (t < on)])
    p1 = np.nanmedian(mid[(t > end - 30 * NS) & (t < end)])
    assert p1 < p0 * 0.997
    w = (t >= on) & (t <= end)
    step = np.abs(np.diff(mid[w][::10]) / p0)  # 1-s moves
    assert np.nanmax(step) < 0.005


def test_news_jump_when_simulated_then_the_sweep_is_not_a_firm_order():
    res = simulate(SimConfig(scenario="news_jump", minutes=8.0, onset_minute=4.0, seed=9))
    ev = res.tables()["labels_events"].to_pylist()
    assert [e["event"] for e in ev] == ["news_jump"]
    assert "T_SELLER" not in set(res.tables()["orders"].column("trader").to_pylist())


@pytest.mark.parametrize("median", [10.0, 2000.0])
def test_population_when_size_median_set_then_the_orders_median_follows(median):
    res = simulate(SimConfig(minutes=20.0, seed=2, oms_size_median=median,
                             fat_finger_rate=0.0))
    q = res.tables()["orders"].column("qty").to_numpy()
    assert 0.5 * median <= np.median(q) <= 2.0 * median


def test_population_when_clip_share_then_one_trader_sends_identical_clips():
    res = simulate(SimConfig(minutes=20.0, seed=2, oms_size_median=200.0,
                             oms_clip_share=0.3, fat_finger_rate=0.0))
    o = res.tables()["orders"]
    tr = np.asarray(o.column("trader").to_pylist())
    q = o.column("qty").to_numpy()[tr == "T_EXEC1"]
    vals, counts = np.unique(q, return_counts=True)
    assert counts.max() > 0.6 * len(q)


def test_population_when_defaults_then_tables_unchanged_by_the_new_fields():
    a = simulate(SimConfig(minutes=5.0, seed=1)).tables()["orders"]
    b = simulate(SimConfig(minutes=5.0, seed=1, oms_clip_share=0.0,
                           oms_block_share=0.0)).tables()["orders"]
    assert a.equals(b)


def test_config_when_population_out_of_range_then_rejected():
    with pytest.raises(SimConfigError):
        SimConfig(oms_size_median=0.5)
    with pytest.raises(SimConfigError):
        SimConfig(oms_clip_share=0.9)
    cfg = SimConfig(oms_size_median=2000.0, oms_block_share=0.02)
    assert SimConfig.from_dict(cfg.to_dict()) == cfg


def test_config_when_24_7_mode_then_a_session_up_to_24h_else_6_5h():
    cfg = SimConfig(minutes=1440.0, open_utc_s=43_200.0, session_date=dt.date(2026, 6, 20))
    assert SimConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(SimConfigError, match="1440 with open_utc_s"):
        SimConfig(minutes=400.0)
    with pytest.raises(SimConfigError, match="minutes"):
        SimConfig(minutes=1441.0, open_utc_s=0.0)


def test_u_shape_when_24h_session_then_bounded_and_unchanged_for_6_5h():
    from sim.latent import u_shape

    t = np.arange(0, 86_401, 60.0)
    day = u_shape(SimConfig(minutes=1440.0, open_utc_s=0.0), t)
    assert np.isfinite(day).all() and day.max() <= 1.0 + 3.0 + 3.0  # the close term was
    # exp((m - 390) / 20) past the 6.5 h close: 1e28 at minute 1,700
    assert day[-1] > 3.5 and abs(day[720] - 1.0) < 1e-6  # the close at the session's end
    short = u_shape(SimConfig(), t[:391])
    assert short[-1] == 1.0 + 3.0 * np.exp(-390 / 20) + 3.0  # a 6.5 h day as before


def test_crash_when_24h_market_in_asian_hours_then_the_onset_after_utc_midnight():
    res = simulate(SimConfig(scenario="flash_crash", minutes=8.0, onset_minute=4.0, seed=5,
                             session_date=dt.date(2026, 6, 21), open_utc_s=3_600.0,
                             u_open_amp=0.0, u_close_amp=0.0))
    ev = [e for e in res.tables()["labels_events"].to_pylist() if e["event"] == "flash_crash"]
    on = ev[0]["start_ts"]
    assert (on.year, on.month, on.day, on.hour, on.minute) == (2026, 6, 21, 1, 4)
