"""The replay venue: fills at the touch against displayed size, resting orders fill when the
market crosses or trades through them, cancels and expiries release; checked against a
plain loop over the recorded market (the brute-force twin below) and by hand."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.replay_venue import Market, _min_table, first_at_or_below, plan

S = 10**9
NEVER = np.iinfo(np.int64).max


def _brute_first(vals, start, level, strict):
    for k in range(start, len(vals)):
        v = vals[k]
        if not math.isnan(v) and (v < level if strict else v <= level):
            return k
    return len(vals)


@settings(max_examples=60, deadline=None)
@given(vals=st.lists(st.one_of(st.integers(90, 110).map(float), st.just(math.nan)),
                     max_size=70),
       queries=st.lists(st.tuples(st.integers(0, 75), st.integers(88, 112)), min_size=1,
                        max_size=20),
       strict=st.booleans())
def test_first_at_or_below_when_random_series_then_equals_plain_scan(vals, queries, strict):
    v = np.array(vals, float)
    start = np.array([min(q[0], len(v)) for q in queries], np.int64)
    level = np.array([q[1] for q in queries], float)
    got = first_at_or_below(_min_table(v), start, level, strict)
    want = [_brute_first(vals, int(s), lv, strict) for s, lv in zip(start, level, strict=True)]
    assert got.tolist() == want


def _one(market: Market, *, ts, buy, qty, price, is_market=False, bid=99.0, ask=101.0,
         bid_size=0, ask_size=0, expire=None, extra=()):
    """Plan for one order (plus optional CANCEL rows `extra` = [(ts, order_id)])."""
    rows = [(ts, buy, qty, price, is_market, False, 7)] + \
        [(t, buy, qty, math.nan, False, True, oid) for t, oid in extra]
    n = len(rows)
    col = lambda i, dt: np.array([r[i] for r in rows], dt)  # noqa: E731
    return plan(col(0, np.int64), np.zeros(n, np.int64), col(1, bool), col(2, np.int64),
                col(3, float), col(4, bool), col(5, bool), np.full(n, bid), np.full(n, ask),
                np.full(n, bid_size, np.int64), np.full(n, ask_size, np.int64), {0: market},
                col(6, np.int64), np.zeros(n, np.int64), expire)


MKT = Market(quote_ts=np.array([0, 2 * S, 4 * S], np.int64), bid=np.array([99.0, 98.0, 97.0]),
             ask=np.array([101.0, 100.0, 99.5]), trade_ts=np.array([3 * S], np.int64),
             trade_px=np.array([98.5]))


def test_plan_when_buy_marketable_and_ask_size_known_then_fills_size_rest_rests():
    p = _one(MKT, ts=S, buy=True, qty=50, price=101.0, ask_size=20)
    assert (p.fill_now[0], p.release_now[0]) == (20, 0)
    # the 30 left rest at 101; the 2 s quote (ask 100) crosses them
    assert (p.event_ts[0], p.event_fill[0], p.event_release[0]) == (2 * S, 30, 0)


def test_plan_when_market_order_larger_than_touch_then_rest_cancelled_at_once():
    p = _one(MKT, ts=S, buy=False, qty=50, price=math.nan, is_market=True, bid_size=10)
    assert (p.fill_now[0], p.release_now[0], p.event_ts[0]) == (10, 40, -1)


def test_plan_when_passive_buy_then_fills_when_a_trade_prints_through_it():
    # buy 5 at 99.0: no quote ask <= 99 until 4 s (99.5 is not), the 3 s trade at 98.5 is
    p = _one(MKT, ts=S, buy=True, qty=5, price=99.0)
    assert (p.fill_now[0], p.event_ts[0], p.event_fill[0]) == (0, 3 * S, 5)


def test_plan_when_passive_and_expire_after_shorter_then_released_at_expiry():
    p = _one(MKT, ts=S, buy=True, qty=5, price=99.0, expire=S)
    assert (p.event_ts[0], p.event_fill[0], p.event_release[0]) == (2 * S, 0, 5)


def test_plan_when_never_crossed_then_day_order_expires_at_end_of_utc_day():
    p = _one(MKT, ts=S, buy=True, qty=5, price=90.0)
    assert (p.event_ts[0], p.event_release[0]) == (86_400 * S, 5)


def test_plan_when_cancel_row_before_fill_then_releases_the_rest_at_its_ts():
    p = _one(MKT, ts=S, buy=True, qty=5, price=99.0, extra=[(2 * S + 1, 7)])
    assert (p.event_ts[0], p.event_fill[0], p.event_release[0]) == (2 * S + 1, 0, 5)
    assert p.event_ts[1] == -1 and p.fill_now[1] == p.release_now[1] == 0  # the CANCEL row


def test_plan_when_cancel_row_after_fill_then_changes_nothing():
    p = _one(MKT, ts=S, buy=True, qty=5, price=99.0, extra=[(3 * S + 1, 7)])
    assert (p.event_ts[0], p.event_fill[0]) == (3 * S, 5)


def test_plan_when_cancel_names_no_id_then_newest_resting_order_of_same_owner():
    ts = np.array([S, 2 * S, 3 * S], np.int64)
    p = plan(ts, np.zeros(3, np.int64), np.ones(3, bool), np.array([5, 6, 6]),
             np.array([90.0, 91.0, math.nan]), np.zeros(3, bool), np.array([0, 0, 1], bool),
             np.full(3, 99.0), np.full(3, 101.0), np.zeros(3, np.int64),
             np.zeros(3, np.int64), {0: MKT}, np.array([1, 2, 3]), np.zeros(3, np.int64),
             None)
    assert p.event_ts.tolist() == [86_400 * S, 3 * S, -1]
    assert p.event_release.tolist() == [5, 6, 0]


def test_plan_when_newest_order_of_owner_already_filled_then_cancel_takes_older_resting():
    # row 0 rests at 90 (never crossed); row 1 buys at 99.0 and fills at the 3 s trade;
    # the 3.5 s CANCEL (no id of its own) finds row 1 done and cancels row 0
    ts = np.array([S, 2 * S, 3 * S + S // 2], np.int64)
    p = plan(ts, np.zeros(3, np.int64), np.ones(3, bool), np.array([5, 6, 5]),
             np.array([90.0, 99.0, math.nan]), np.zeros(3, bool), np.array([0, 0, 1], bool),
             np.full(3, 99.0), np.full(3, 101.0), np.zeros(3, np.int64),
             np.zeros(3, np.int64), {0: MKT}, np.array([1, 2, 9]), np.zeros(3, np.int64),
             None)
    assert p.event_ts.tolist() == [3 * S + S // 2, 3 * S, -1]
    assert (p.event_release.tolist(), p.event_fill.tolist()) == ([5, 0, 0], [0, 6, 0])


def _utc(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def test_session_ends_when_cme_evening_and_24_7_then_day_orders_expire_at_their_close():
    from enforcer.replay_venue import session_ends
    from tsdb.calendars import calendar

    cals = [calendar("CME"), calendar("24/7"), calendar(None)]
    ts = np.array([_utc("2026-11-30T23:30"), _utc("2026-12-01T03:00"),  # CME, one session
                   _utc("2026-12-01T23:59"), _utc("2026-12-01T15:00"),  # 24/7; XNYS
                   _utc("2026-12-01T22:00")], np.int64)  # XNYS after its close
    sym = np.array([0, 0, 1, 2, 2])
    got = session_ends(ts, sym, cals).tolist()
    cme_close = _utc("2026-12-01T22:00")  # 16:00 Chicago (CST, UTC-6) on Tuesday
    assert got[:2] == [cme_close, cme_close]  # not the UTC midnight 30 min after the first
    assert got[2] == _utc("2026-12-02T00:00")
    assert got[3] == _utc("2026-12-01T21:00")  # 16:00 New York (EST)
    assert got[4] == _utc("2026-12-02T00:00")  # between sessions: the end of its UTC day


def test_plan_when_day_end_given_then_resting_order_released_at_the_session_close():
    mkt = Market(quote_ts=np.array([0], np.int64), bid=np.array([99.0]), ask=np.array([101.0]),
                 trade_ts=np.zeros(0, np.int64), trade_px=np.zeros(0))
    ts = np.array([S, 2 * S], np.int64)
    vp = plan(ts, np.zeros(2, np.int64), np.array([True, True]), np.array([5, 5], np.int64),
              np.array([95.0, 95.0]), np.zeros(2, bool), np.zeros(2, bool), np.full(2, 99.0),
              np.full(2, 101.0), np.full(2, 10), np.full(2, 10), {0: mkt},
              np.array([1, 2], np.int64), np.zeros(2, np.int64), None,
              day_end=np.array([7 * S, 9 * S], np.int64))
    assert vp.event_ts.tolist() == [7 * S, 9 * S] and vp.event_release.tolist() == [5, 5]
