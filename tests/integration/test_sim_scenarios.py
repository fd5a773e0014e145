"""Scenario properties measured from the output: the flash crash story, volatile and
liquidity-withdrawal windows, and their event labels."""

import json

import numpy as np
import pyarrow.compute as pc
import pytest

from sim import SimConfig, simulate
from sim.measure import NS_PER_MIN, book_arrays, filled_mid, for_sym, minute_bars, window_counts

S = 1_000_000_000


def _crash(seed):
    cfg = SimConfig(scenario="flash_crash", n_symbols=2, minutes=60.0, seed=seed)
    return cfg, simulate(cfg)


@pytest.fixture(scope="module", params=[7, 11, 2026])
def crash(request):
    cfg, res = _crash(request.param)
    bk = book_arrays(res.book, "SIM00", res.open_ns)
    on = int(cfg.onset_min * 60 * S)
    return cfg, res, bk, on


def _at(bk, t_ns):
    return int(np.searchsorted(bk.ts_ns, t_ns))


def test_crash_when_onset_then_price_drops_about_2pct_within_60s_and_partly_recovers(crash):
    cfg, res, bk, on = crash
    mid = filled_mid(bk)
    pre = np.median(mid[_at(bk, on - 60 * S):_at(bk, on)])
    w = mid[_at(bk, on):_at(bk, on + 60 * S)]
    low = w.min()
    drop = 1 - low / pre
    assert 0.01 < drop < 0.05  # 'about 2 %': over seeds 1..30 the median is about 2 %
    after = mid[_at(bk, on + 180 * S)]  # end of the recovery phase
    assert after - low > 0.2 * (pre - low)  # part of the loss comes back...
    assert after < pre  # ...not all of it


def test_crash_when_onset_then_fall_takes_tens_of_seconds_to_its_trough(crash):
    """The seller's slices walk the price down: the trough (within 2 min of the onset) comes
    20-90 s after the onset (30-66 s on seeds 7, 11, 2026, 1-3), and the first 10 s carry
    under 60 % of the fall (about 40 % on those seeds), so a 2 s alert precedes the trough."""
    cfg, res, bk, on = crash
    mid = filled_mid(bk)
    pre = np.median(mid[_at(bk, on - 60 * S):_at(bk, on)])
    i0 = _at(bk, on)
    w = mid[i0:_at(bk, on + 120 * S)]
    t_low = (bk.ts_ns[i0 + int(np.argmin(w))] - on) / S
    assert 20 <= t_low <= 90
    first_10s = mid[i0:_at(bk, on + 10 * S)]
    assert pre - first_10s.min() < 0.6 * (pre - w.min())


def test_crash_when_onset_then_spread_in_ticks_at_least_triples(crash):
    cfg, res, bk, on = crash
    spread = np.rint((bk.ask_px[:, 0] - bk.bid_px[:, 0]) / cfg.tick_size)
    pre = np.nanmedian(spread[_at(bk, on - 300 * S):_at(bk, on)])
    during = np.nanmedian(spread[_at(bk, on):_at(bk, on + 30 * S)])
    assert during >= 3 * pre


def test_crash_when_onset_then_bid_top5_depth_drops(crash):
    cfg, res, bk, on = crash
    d5 = bk.bid_sz[:, :5].sum(1)
    pre = np.median(d5[_at(bk, on - 300 * S):_at(bk, on)])
    during = np.median(d5[_at(bk, on):_at(bk, on + 30 * S)])
    assert during < 0.5 * pre


def test_crash_when_onset_then_one_minute_realized_vol_at_least_doubles(crash):
    cfg, res, bk, on = crash
    bars = minute_bars(res.tables(), "SIM00", res.open_ns, cfg.tick_size)
    k = on // NS_PER_MIN
    assert bars.rv[k] >= 2 * np.median(bars.rv[k - 20:k])


def test_crash_when_onset_then_trade_to_order_ratio_falls(crash):
    cfg, res, bk, on = crash

    def ratio(a, b):  # trades per top-of-book update, as the features table defines it
        n_t = window_counts(res.trades, "SIM00", res.open_ns, a, b)
        return n_t / window_counts(res.quotes, "SIM00", res.open_ns, a, b)

    assert ratio(on, on + 60 * S) < 0.8 * ratio(on - 600 * S, on)


def test_crash_when_seller_then_100_lot_clips_and_one_200_lot_market_sell_hit_the_book(crash):
    cfg, res, bk, on = crash
    od = res.orders.filter(pc.equal(res.orders["trader"], "T_SELLER")).to_pydict()
    assert set(od["strategy"]) == {"EXEC_SELL"} and set(od["sym"]) == {"SIM00"}
    assert set(od["order_type"]) == {"MARKET"} and set(od["side"]) == {"S"}
    assert all(p is None for p in od["price"])
    qty = np.array(od["qty"])
    seller = res.orders.filter(pc.equal(res.orders["trader"], "T_SELLER"))
    t = np.asarray(seller["ts"].cast("int64").to_numpy()) - res.open_ns
    assert (qty == 100).sum() >= 8 and (qty == 200).sum() == 1
    big = t[qty == 200][0] - on
    assert 20 * S <= big <= 60 * S
    tr = for_sym(res.trades, "SIM00")
    t_ts = np.asarray(tr["ts"].cast("int64").to_numpy()) - res.open_ns
    side = np.asarray(tr["side"].to_pylist())
    size = tr["size"].to_numpy()
    for ti, qi in zip(t, qty, strict=True):
        hit = (t_ts == ti) & (side == "S")
        assert 0 < size[hit].sum() <= qi


def test_crash_when_labels_then_events_cover_the_story(crash):
    cfg, res, bk, on = crash
    ev = res.labels_events.to_pydict()
    assert ev["event"] == ["flash_crash", "aggressive_seller", "large_order"]
    assert set(ev["sym"]) == {"SIM00"}
    start = np.asarray(res.labels_events["start_ts"].cast("int64").to_numpy())
    assert start[0] - res.open_ns == on
    assert json.loads(ev["detail"][2])["qty"] == 200


def test_volatile_when_window_then_realized_vol_rises_and_labelled():
    cfg = SimConfig(scenario="volatile", n_symbols=1, minutes=90.0, seed=3)
    res = simulate(cfg)
    bars = minute_bars(res.tables(), "SIM00", res.open_ns, cfg.tick_size)
    k = int(cfg.onset_min)
    during = np.median(bars.rv[k:k + int(cfg.stress_minutes)])
    assert during > 1.5 * np.median(bars.rv[k - 20:k])
    assert res.labels_events["event"].to_pylist() == ["high_volatility"]


def test_liquidity_withdrawal_when_window_then_depth_thins_spread_widens_and_labelled():
    cfg = SimConfig(scenario="liquidity_withdrawal", n_symbols=1, minutes=90.0, seed=3)
    res = simulate(cfg)
    bars = minute_bars(res.tables(), "SIM00", res.open_ns, cfg.tick_size)
    k = int(cfg.onset_min)
    w = slice(k + 1, k + int(cfg.stress_minutes))
    assert np.median(bars.depth5_bid[w]) < 0.6 * np.median(bars.depth5_bid[k - 20:k])
    assert np.median(bars.spread_ticks[w]) > 1.5 * np.median(bars.spread_ticks[k - 20:k])
    assert res.labels_events["event"].to_pylist() == ["liquidity_withdrawal"]


def test_normal_when_simulated_then_no_event_labels_and_no_seller():
    res = simulate(SimConfig(scenario="normal", n_symbols=2, minutes=10.0, seed=1))
    assert res.labels_events.num_rows == 0
    assert "T_SELLER" not in set(res.orders["trader"].to_pylist())
