"""Trading calendars per symbol: sessions, holidays, half days, the CME break, 24/7."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.tsdb.helpers import trades
from tsdb import BatchRejected, Session, Store
from tsdb.calendars import calendar, inside, labels_for_days, session_of
from tsdb.config import NS_PER_DAY
from tsdb.instruments import Instrument, Instruments


def ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


def test_xnys_when_thanksgiving_and_black_friday_then_closed_then_half_day():
    # exchange_calendars XNYS: 2026-11-26 a holiday, 2026-11-27 closes 13:00 New York
    cal = calendar("XNYS")
    assert cal.bounds_ns(dt.date(2026, 11, 26)) is None
    assert cal.bounds_ns(dt.date(2026, 11, 27)) == (ns("2026-11-27T14:30"), ns("2026-11-27T18:00"))
    assert cal.bounds_ns(dt.date(2026, 11, 28)) is None  # Saturday


def test_cme_when_monday_label_then_opens_sunday_17_chicago_and_breaks_16_to_17():
    cal = calendar("CME")
    assert cal.bounds_ns(dt.date(2026, 11, 30)) == (ns("2026-11-29T23:00"), ns("2026-11-30T22:00"))
    ts = np.array([ns("2026-11-29T22:59"), ns("2026-11-29T23:00"), ns("2026-11-30T21:59"),
                   ns("2026-11-30T22:30"), ns("2026-11-30T23:01")])
    # before Sunday's open, open, in session, in the daily break, Tuesday's session
    assert inside(cal, ts).tolist() == [False, True, True, False, True]


def test_custom_overnight_session_when_open_after_close_then_opens_the_day_before():
    s = Session(tz="America/Chicago", open=dt.time(17), close=dt.time(16), days=(0, 1, 2, 3, 4))
    assert s.bounds_ns(dt.date(2026, 6, 22)) == (ns("2026-06-21T22:00"), ns("2026-06-22T21:00"))
    assert calendar({"tz": "America/Chicago", "open": "17:00", "close": "16:00"}) == s


def test_always_open_when_weekend_then_inside_and_sessions_are_utc_days():
    cal = calendar("24/7")
    sat = ns("2026-06-20T03:00")
    assert inside(cal, np.array([sat])).all()
    assert session_of(cal, sat) == (ns("2026-06-20"), ns("2026-06-21"))
    day = ns("2026-06-20") // NS_PER_DAY
    assert labels_for_days(cal, [day]) == [dt.date(2026, 6, 20)]


def test_labels_for_days_when_cme_data_on_sunday_evening_then_monday_session():
    day = ns("2026-11-29") // NS_PER_DAY  # Sunday (UTC): Monday's session opens at 23:00
    assert labels_for_days(calendar("CME"), [day]) == [dt.date(2026, 11, 30)]


def test_calendar_when_unknown_name_then_error_lists_names():
    with pytest.raises(ValueError, match="unknown trading calendar 'MOON'.*24/7"):
        calendar("MOON")


def test_ingest_when_instruments_mix_calendars_then_each_symbol_checked_on_its_own():
    sat = ns("2026-06-20T03:00")
    ins = Instruments(instruments=(Instrument(sym="BTCUSD", calendar="24/7"),))
    t = trades(5)
    syms = ["BTCUSD"] * 3 + ["AAA"] + ["BTCUSD"]
    batch = t.set_column(0, "ts", pa.array([sat] * 5, pa.timestamp("ns"))).set_column(
        1, "sym", pa.array(syms))
    with Store.from_conf("duckdb::path=:memory:", session=ins) as s:
        with pytest.raises(BatchRejected) as e:
            s.ingest("trades", batch)
        assert (e.value.row, e.value.column) == (3, "ts")
        assert "(AAA) is outside the trading session (09:30:00-16:00:00 America/New_York" in str(e.value)
        assert s.count("trades") == 0
        assert s.ingest("trades", batch.filter(pa.array([x != "AAA" for x in syms]))) == 4


def test_instruments_when_loaded_from_toml_then_calendars_per_symbol(tmp_path):
    (tmp_path / "i.toml").write_text(
        'default_calendar = "XNYS"\n'
        '[[instrument]]\nsym = "BTCUSD"\ncalendar = "24/7"\nlot_size = 1e-8\n'
        '[[instrument]]\nsym = "ES"\ncalendar = { tz = "America/Chicago", open = "17:00", '
        'close = "16:00" }\ntick_size = 0.25\n')
    ins = Instruments.load(tmp_path / "i.toml")
    assert ins.calendar_for("BTCUSD").name == "24/7"
    assert ins.calendar_for("ES").open == dt.time(17)
    assert ins.calendar_for("IBM").name == "XNYS"
    assert Instruments.from_dict(ins.to_dict()) == ins


def test_instruments_when_symbol_twice_then_error():
    with pytest.raises(ValueError, match="listed twice"):
        Instruments(instruments=(Instrument(sym="X"), Instrument(sym="X")))


def test_instruments_when_one_calendar_is_needed_then_it_acts_as_its_default():
    ins = Instruments(default=calendar("24/7"), instruments=(Instrument(sym="IBM"),))
    assert (ins.tz, ins.open, ins.name) == ("UTC", dt.time(0), "24/7")
    assert ins.bounds_ns(dt.date(2026, 6, 20)) == (ns("2026-06-20"), ns("2026-06-21"))


def test_ingest_when_listed_instrument_price_off_its_tick_at_row_6_then_row_and_value_named():
    ins = Instruments(default=calendar("24/7"),
                      instruments=(Instrument(sym="ES", calendar="24/7", tick_size=0.25),))
    t = trades(10, sym="ES")
    prices = [4500.25] * 10
    prices[6] = 4500.3
    with Store.from_conf("duckdb::path=:memory:", session=ins) as s:
        with pytest.raises(BatchRejected) as e:
            s.ingest("trades", t.set_column(2, "price", pa.array(prices)))
        assert (e.value.row, e.value.column) == (6, "price")
        assert "4500.3 is not a multiple of ES's tick_size 0.25" in str(e.value)
        assert s.count("trades") == 0
        prices[6] = 4500.5
        assert s.ingest("trades", t.set_column(2, "price", pa.array(prices))) == 10


def test_ingest_when_lot_size_100_and_size_150_then_rejected_and_unlisted_symbols_unchecked():
    ins = Instruments(default=calendar("24/7"),
                      instruments=(Instrument(sym="LOT", calendar="24/7", lot_size=100),))
    with Store.from_conf("duckdb::path=:memory:", session=ins) as s:
        lot = trades(3, sym="LOT").set_column(3, "size", pa.array([100, 150, 200]))
        with pytest.raises(BatchRejected, match="row 1, column 'size': 150 is not a multiple"):
            s.ingest("trades", lot)
        assert s.ingest("trades", trades(3, sym="OTHER")) == 3  # sizes 1, 2, 3: no grid


@pytest.mark.parametrize(("doc", "msg"), [
    ({"instrument": [{"sym": "BTCUSD", "lot": 0.001}]}, "unknown fields \\['lot'\\]"),
    ({"instrument": [{"calendar": "24/7"}]}, "without a sym"),
    ({"instrument": [{"sym": "BTCUSD", "lot_size": 0}]}, "must be > 0"),
    ({"instruments": []}, "unknown instruments fields"),
])
def test_instruments_when_config_is_bad_then_one_line_value_error(doc, msg):
    with pytest.raises(ValueError, match=msg) as e:
        Instruments.from_dict(doc)
    assert "\n" not in str(e.value)
