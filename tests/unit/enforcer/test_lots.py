"""`enforcer.lots`: venue units <-> lot counts at the enforcer's edges (issue 17)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enforcer.lots import QTY_MAX, Lots, lot_decimals
from tsdb.instruments import Instrument, Instruments

LOT_SIZES = (1e-8, 1e-6, 0.001, 0.01, 0.1, 0.25, 0.5, 5.0, 100.0)


def lots_of(**by_sym: float) -> Lots:
    return Lots(Instruments(instruments=tuple(Instrument(sym=s, lot_size=v)
                                              for s, v in by_sym.items())))


@settings(max_examples=300, deadline=None)
@given(lot=st.sampled_from(LOT_SIZES) | st.builds(lambda m, e: m * 10.0**e,
                                                   st.integers(1, 9), st.integers(-8, 2)),
       n=st.integers(0, 10**14))
def test_round_trip_when_random_lot_and_count_then_venue_units_come_back_to_the_count(lot, n):
    """count -> venue units -> count is the identity; the venue text has no float noise
    (at most the lot's decimals)."""
    lots = lots_of(X=lot)
    v = lots.to_venue("X", n)
    assert lots.to_lots("X", v) == n
    dec = lot_decimals(lot)
    assert v == round(v, dec)
    assert lots.floor_lots("X", v) == n  # a maximum on the grid is kept whole


def test_to_venue_when_satoshi_lot_then_text_as_a_person_writes_it():
    lots = lots_of(BTCUSD=1e-8)
    assert repr(lots.to_venue("BTCUSD", 5_000_000)) == "0.05"
    assert lots.to_venue("BTCUSD", 100_000_000) == 1 and type(lots.to_venue("BTCUSD", 0)) is int
    assert lots.to_lots("BTCUSD", 0.05) == 5_000_000
    assert lots.to_lots("BTCUSD", 0.07) == 7_000_000  # 7000000.000000001 in binary floats


def test_to_lots_when_off_the_lot_then_not_an_int_and_the_reason_names_the_lot():
    lots = lots_of(BTCUSD=1e-8)
    q = lots.to_lots("BTCUSD", 0.000000015)
    assert type(q) is float and math.isclose(q, 1.5)
    assert lots.why_bad("BTCUSD", 0.000000015) == (
        "qty 1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08")
    assert lots.why_bad("BTCUSD", 0.05) is None
    assert type(lots.to_lots("BTCUSD", float("nan"))) is float
    assert lots.why_bad("BTCUSD", float("nan")) is None  # not a number: BAD_QTY says it


def test_lot_one_when_symbol_not_listed_then_every_conversion_is_the_identity():
    lots = lots_of(BTCUSD=1e-8)
    assert lots.to_lots("AAA", 7) == 7 and lots.to_lots("AAA", 7.0) == 7
    assert type(lots.to_lots("AAA", 7.0)) is int
    assert lots.to_lots("AAA", 0.5) == 0.5 and lots.to_venue("AAA", 12) == 12
    assert lots.floor_lots("AAA", 500) == 500 and lots.notional_cap("AAA", 1e6) == 1e6
    assert lots.why_bad("AAA", 0.5) is None  # BAD_QTY's own text says it for lot 1
    assert Lots().lot("BTCUSD") == 1.0


def test_floor_lots_when_limit_between_lots_then_rounded_down_and_capped():
    lots = lots_of(X=0.25, BTCUSD=1e-8)
    assert lots.floor_lots("X", 0.6) == 2  # 0.5 units: never above the stated maximum
    assert lots.floor_lots("BTCUSD", 0.1) == 10_000_000
    assert lots.floor_lots("BTCUSD", 2.0**62) == QTY_MAX  # the "unbounded" sentinel stays
    assert lots.notional_cap("BTCUSD", 1000.0) == 1000.0 / 1e-8


def test_columns_when_mixed_rows_then_match_the_single_value_rules():
    lots = lots_of(BTCUSD=1e-8, X=0.25)
    qty = np.array([0.05, 0.000000015, 0.75, 0.6, np.nan, 3.0])
    lot = np.array([1e-8, 1e-8, 0.25, 0.25, 0.25, 1.0])
    syms = ["BTCUSD", "BTCUSD", "X", "X", "X", "AAA"]
    got = Lots.to_lots_column(qty, lot)
    want = [lots.to_lots(s, float(q)) for s, q in zip(syms, qty, strict=True)]
    assert got.tolist() == [w if type(w) is int else 0 for w in want] == [
        5_000_000, 0, 3, 0, 0, 3]
    assert Lots.floor_column(qty, lot).tolist() == [5_000_000, 1, 3, 2, 0, 3]
