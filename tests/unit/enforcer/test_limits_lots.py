"""The limits snapshot holds limits stated in venue units (static TOML, risk_limits,
fat_finger_limits, overrides) in whole lots of each symbol's lot, floored (issue 17)."""

from __future__ import annotations

from enforcer.config import StaticLimits
from enforcer.limits import ACTIVE, DynRow, LimitsSnapshot
from enforcer.lots import Lots
from enforcer.overrides import Override
from tsdb.instruments import Instrument, Instruments

LOTS = Lots(Instruments(instruments=(Instrument(sym="BTCUSD", lot_size=1e-8),
                                     Instrument(sym="ETHUSD", lot_size=0.001))))
STATIC = StaticLimits.from_dict({
    "defaults": {"allow_unknown_symbols": True, "max_order_qty": 1000,
                 "max_notional": 1e6, "price_band_bps": 500.0, "max_position": 5000,
                 "fat_finger_threshold": 25.0},
    "symbols": {"BTCUSD": {"max_order_qty": 1.5, "max_position": 10.0}, "AAA": {}}})


def test_snapshot_when_static_limits_in_btc_then_held_in_satoshi_lots():
    snap = LimitsSnapshot(STATIC, {}, source="static", lots=LOTS)
    btc, _ = snap.lookup("BTCUSD", "s")
    assert (btc.max_order_qty, btc.max_position) == (150_000_000, 1_000_000_000)
    assert btc.max_notional == 1e6 / 1e-8  # the rules' notional is lots x price
    aaa, _ = snap.lookup("AAA", "s")  # lot 1: as stated
    assert (aaa.max_order_qty, aaa.max_position, aaa.max_notional) == (1000, 5000, 1e6)
    # an unlisted symbol with its own lot takes the defaults in its lots, not in units
    eth, _ = snap.lookup("ETHUSD", "s")
    assert eth.max_order_qty == 1_000_000 and snap.arrays["max_order_qty"].dtype.kind == "i"


def test_snapshot_when_model_row_between_lots_then_floored_and_clipped_to_static():
    rows = {("BTCUSD", "*"): DynRow(1, 0.123456789, 5e5, 100.0, 20.0, 10.0, ACTIVE, "r",
                                    "m1")}
    snap = LimitsSnapshot(STATIC, rows, source="dynamic", lots=LOTS,
                          fat_finger={("BTCUSD", "t1"): 0.0500000049})
    lim, _ = snap.lookup("BTCUSD", "s")
    assert lim.max_order_qty == 12_345_678  # never above the 0.123456789 BTC stated
    assert lim.max_position == 1_000_000_000  # 20 BTC clipped to the static 10 BTC
    assert lim.max_notional == 5e5 / 1e-8
    assert snap.fat_finger_max_qty[("BTCUSD", "t1")] == 5_000_000.0


def test_snapshot_when_override_in_btc_then_applied_in_lots_and_capped_at_static():
    ovr = (Override("o1", "BTCUSD", "*", "max_order_qty", 0.1, 1, 2**62),
           Override("o2", "BTCUSD", "s2", "max_order_qty", 3.0, 2, 2**62))
    snap = LimitsSnapshot(STATIC, {}, source="static", lots=LOTS, overrides=ovr)
    assert snap.lookup("BTCUSD", "s")[0].max_order_qty == 10_000_000
    assert snap.lookup("BTCUSD", "s2")[0].max_order_qty == 150_000_000  # the 1.5 BTC cap


def test_describe_when_limits_held_in_lots_then_people_see_venue_units():
    snap = LimitsSnapshot(STATIC, {}, source="static", lots=LOTS)
    d = snap.describe("BTCUSD")["effective"]
    assert (d["max_order_qty"], d["max_position"], d["max_notional"]) == (1.5, 10, 1e6)
    assert snap.describe("AAA")["effective"]["max_order_qty"] == 1000
