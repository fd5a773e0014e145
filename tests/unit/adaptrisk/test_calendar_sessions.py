"""Sessions that cross UTC midnight (issue 17, point 1): the live publisher's warm-up and
the evaluation's symbol-day follow each symbol's trading calendar, not the UTC date.
Expected times are read off the CME Globex hours (17:00-16:00 Chicago; UTC-5 in June) and
the XNYS hours (09:30-16:00 New York; UTC-4 in June) by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np

from adaptrisk import evaluate_alerts as ev
from adaptrisk.live.publisher import session_open
from jaxmodels.data import MarketRows
from tsdb.calendars import calendar
from tsdb.instruments import Instrument, Instruments

NS = 1_000_000_000


def ns(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()) * NS


def test_session_open_when_cme_bucket_after_utc_midnight_then_the_evening_open_before():
    # Tue 2026-06-23 00:30 UTC is Mon 19:30 Chicago: the session labelled Tue opened Mon
    # 17:00 Chicago = 22:00 UTC (here the UTC date happens to be the label)
    assert session_open(calendar("CME"), {"ES": ns("2026-06-23T00:30")}) == \
        ns("2026-06-22T22:00")


def test_session_open_when_cme_bucket_before_utc_midnight_then_that_evening_open():
    # Mon 23:30 UTC (18:30 Chicago) belongs to Tuesday's session, opened Mon 22:00 UTC; the
    # UTC date (Mon) would give Monday's session, opened Sunday 22:00 UTC (a day too early)
    assert session_open(calendar("CME"), {"ES": ns("2026-06-22T23:30")}) == \
        ns("2026-06-22T22:00")


def test_session_open_when_symbols_follow_several_calendars_then_the_earliest_open():
    ins = Instruments(default=calendar("XNYS"),
                      instruments=(Instrument(sym="ES", calendar="CME"),
                                   Instrument(sym="BTC", calendar="24/7")))
    judged = {"AAPL": ns("2026-06-22T15:00"), "ES": ns("2026-06-22T23:30"),
              "BTC": ns("2026-06-23T00:10")}
    assert session_open(ins, judged) == ns("2026-06-22T13:30")  # XNYS opened first
    assert session_open(ins, {"ES": judged["ES"], "BTC": judged["BTC"]}) == \
        ns("2026-06-22T22:00")


def _rows(sym: str, t0: int, hours: float) -> MarketRows:
    ts = t0 + np.arange(int(hours * 36_000), dtype=np.int64) * (NS // 10)
    n = len(ts)
    return MarketRows(ts, np.full(n, sym, object), np.zeros(n, np.int32), [sym],
                      np.zeros((n, 1), np.float32), {})


def test_false_alerts_when_24h_market_then_a_symbol_day_is_24h_and_6_5h_reported_apart():
    # 12 h of a 24/7 symbol across UTC midnight with one false episode: half a symbol-day
    rows = _rows("BTC", ns("2026-06-20T18:00"), 12.0)
    alert = np.zeros(len(rows.ts), bool)
    alert[1000:1010] = True
    out = ev.false_alerts(rows, alert, np.zeros_like(alert), np.ones_like(alert),
                          calendar("24/7"))
    assert out["normal_symbol_days"] == 0.5
    assert out["false_high_per_symbol_day"]["adaptive"] == 2.0
    assert abs(out["normal_6_5h_days"] - 12 / 6.5) < 1e-9
    assert abs(out["false_high_per_6_5h"]["adaptive"] - 6.5 / 12) < 1e-9


def test_false_alerts_when_xnys_then_symbol_day_and_6_5h_agree():
    rows = _rows("AAPL", ns("2026-06-22T13:30"), 3.25)
    out = ev.false_alerts(rows, np.zeros(len(rows.ts), bool), np.zeros(len(rows.ts), bool),
                          np.ones(len(rows.ts), bool), calendar("XNYS"))
    assert out["normal_symbol_days"] == out["normal_6_5h_days"] == 0.5
