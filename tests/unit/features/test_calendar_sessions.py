"""Feature-side session logic on other calendars: session plans, late starts, q open offsets."""

import datetime as dt

import numpy as np

from features.build import data_start, session_plan
from features.config import FeatureConfig
from features.dialect import open_utc_ns
from tsdb.calendars import calendar
from tsdb.config import NS_PER_DAY
from tsdb.instruments import Instrument, Instruments

W = 100_000_000


def ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def test_open_utc_ns_when_holiday_then_the_session_day_before():
    # XNYS is shut on Thanksgiving 2026-11-26: the open of Wednesday, 14:30 UTC
    cfg = FeatureConfig(session=calendar("XNYS"))
    assert open_utc_ns(cfg, dt.date(2026, 11, 26)) == 14 * 3600 * 10**9 + 30 * 60 * 10**9
    assert open_utc_ns(FeatureConfig(), dt.date(2026, 6, 20)) == 13 * 3600 * 10**9 + 30 * 60 * 10**9


def test_data_start_when_long_session_then_bucket_before_first_event_else_open():
    o, c = ns("2026-06-20"), ns("2026-06-21")
    assert data_start(o, c, W, ns("2026-06-20T23:45:00.05")) == ns("2026-06-20T23:45")
    assert data_start(o, c, W, None) == o
    ny = calendar("nyse-hours").bounds_ns(dt.date(2026, 6, 22))  # 6.5 h: always the open
    assert data_start(*ny, W, ny[0] + 3600 * 10**9) == ny[0]


def test_session_plan_when_two_calendars_then_each_symbol_on_its_own():
    ins = Instruments(instruments=(Instrument(sym="BTCUSD", calendar="24/7"),))
    days = [ns("2026-06-20") // NS_PER_DAY, ns("2026-06-22") // NS_PER_DAY]  # Sat, Mon
    plan = list(session_plan(FeatureConfig(session=ins), days))
    ny = [(label, m) for label, _, m in plan if not m("BTCUSD")]
    crypto = [(label, m) for label, _, m in plan if m("BTCUSD")]
    assert [label for label, _ in ny] == [dt.date(2026, 6, 22)]  # no Saturday session
    assert [label for label, _ in crypto] == [dt.date(2026, 6, 20), dt.date(2026, 6, 22)]
    assert ny[0][1]("IBM") and not crypto[0][1]("IBM")


def test_feature_config_when_calendar_or_instruments_then_round_trips_through_dict():
    ins = Instruments(default=calendar("XNYS"),
                      instruments=(Instrument(sym="ES", calendar="CME", tick_size=0.25),))
    for session in (calendar("24/7"), calendar("CME"), ins,
                    calendar({"tz": "Europe/London", "open": "08:00", "close": "16:30"})):
        cfg = FeatureConfig(session=session)
        assert FeatureConfig.from_dict(cfg.to_dict()) == cfg
