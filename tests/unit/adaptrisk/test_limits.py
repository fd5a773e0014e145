"""One limits contract: the calibrator's caps come from the enforcer's strict static rule
set, under the names of the ``risk_limits`` columns."""

from __future__ import annotations

import dataclasses

import pytest

from adaptrisk.common import models_config
from adaptrisk.errors import UsageError
from adaptrisk.limits import CAP_FIELDS, with_static_caps
from enforcer.config import SymLimits
from jaxmodels import calibrate
from jaxmodels.config import ModelsConfig
from tsdb import Store

RULES = """
name = "t"
[defaults]
allow_unknown_symbols = true
max_order_qty = 300
max_notional = 1_000_000.0
price_band_bps = 400.0
max_position = 50_000
fat_finger_threshold = 12.0
[symbols.GOOG]
max_order_qty = 40
"""


def test_names_when_ddl_enforcer_and_calibrator_compared_then_one_name_per_limit(tmp_path):
    with Store.from_conf(f"duckdb::path={tmp_path / 's.duckdb'}") as s:
        cols = set(s.query("SELECT * FROM risk_limits LIMIT 0").column_names)
    assert set(CAP_FIELDS) == {f.name for f in dataclasses.fields(SymLimits)}
    assert set(CAP_FIELDS) <= cols
    assert set(CAP_FIELDS) == set(calibrate.FIELDS)


def test_with_static_caps_when_file_given_then_calibrator_clips_to_its_caps(tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text(RULES)
    cfg = with_static_caps(ModelsConfig(), f)
    assert cfg.calib.caps.max_order_qty == 300 and cfg.calib.caps.fat_finger_threshold == 12.0
    goog = calibrate.caps_for(cfg.calib, "GOOG")
    assert goog.max_order_qty == 40 and goog.max_notional == 1_000_000.0  # inherits defaults
    assert calibrate.caps_for(cfg.calib, "AAPL") == cfg.calib.caps
    rows = calibrate.static_rows(0, ["GOOG", "AAPL"], cfg.calib, "static").to_pylist()
    assert [r["max_order_qty"] for r in rows] == [40, 300]


def test_with_static_caps_when_model_caps_tighter_then_they_stay(tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text(RULES)
    own = ModelsConfig()
    own = dataclasses.replace(own, calib=dataclasses.replace(
        own.calib, caps=dataclasses.replace(own.calib.caps, max_position=1_000)))
    assert with_static_caps(own, f).calib.caps.max_position == 1_000


def test_with_static_caps_when_desk_caps_above_the_model_defaults_then_the_desk_s_apply(
        tmp_path):
    # a block desk: 100,000 lots per order, 10 M position (the built-in model defaults are
    # 10,000 and 100,000: they stand in only when no rule set is handed over)
    f = tmp_path / "rules.toml"
    f.write_text(RULES.replace("max_order_qty = 300", "max_order_qty = 100_000")
                 .replace("max_position = 50_000", "max_position = 10_000_000")
                 .replace("max_notional = 1_000_000.0", "max_notional = 50_000_000.0"))
    caps = with_static_caps(ModelsConfig(), f).calib.caps
    assert (caps.max_order_qty, caps.max_position, caps.max_notional) == (
        100_000, 10_000_000, 50_000_000.0)


def test_with_static_caps_when_round_tripped_then_symbol_caps_survive(tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text(RULES)
    cfg = with_static_caps(ModelsConfig(), f)
    assert ModelsConfig.from_dict(cfg.to_dict()) == cfg


def test_models_config_when_static_file_has_unknown_key_then_one_line_usage_error(tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text(RULES.replace("fat_finger_threshold", "fat_finger_multiple"))
    with pytest.raises(UsageError, match="unknown field") as e:
        models_config(None, f)
    assert "\n" not in str(e.value)
    with pytest.raises(UsageError, match="not found"):
        models_config(None, tmp_path / "missing.toml")


def test_with_static_caps_when_btc_caps_and_satoshi_lot_then_limits_tighten_below_one_btc(
        tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text(RULES + "[symbols.BTCUSD]\nmax_order_qty = 1.5\nmax_position = 20.0\n")
    ins = tmp_path / "instruments.toml"
    ins.write_text('[[instrument]]\nsym = "BTCUSD"\ncalendar = "24/7"\nlot_size = 0.00000001\n'
                   '[[instrument]]\nsym = "ETHUSD"\ncalendar = "24/7"\nlot_size = 0.001\n')
    cfg = models_config(None, f, ins)
    btc, eth = (calibrate.caps_for(cfg.calib, s) for s in ("BTCUSD", "ETHUSD"))
    assert btc.max_order_qty == 1.5 and btc.lot_size == 1e-8  # not cut to 1 by an int cast
    assert eth.max_order_qty == 300 and eth.lot_size == 0.001  # defaults, its own lot
    assert calibrate.caps_for(cfg.calib, "GOOG").lot_size == 1.0
    market = {"depth5_bid": [3.0] * 4, "depth5_ask": [3.0] * 4, "mid": [60_000.0] * 4,
              "rv_1m": [2e-4] * 4, "spread_bps": [1.0] * 4, "ret_10s": [0.0] * 4}
    lim = calibrate.dynamic_limits(market, [0, 1, 2, 3], btc, cfg.calib)
    # 1.5 BTC x the tier multipliers (1, 0.5, 0.1, 0.02) on the 1-2-5 grid, at least one lot:
    # with whole-unit floors the HIGH and CRITICAL limits stayed at 1 BTC
    assert lim["max_order_qty"].tolist() == [1.0, 0.5, 0.1, 0.02]
    with pytest.raises(UsageError, match="instruments file not found"):
        models_config(None, f, tmp_path / "nope.toml")


def test_models_config_when_instruments_file_malformed_then_one_line_usage_error(tmp_path):
    bad = tmp_path / "instruments.toml"
    bad.write_text('[[instrument]]\nsym = "BTCUSD"\nlot_size = -1\n')
    with pytest.raises(UsageError, match="instruments: BTCUSD: lot_size and tick_size must be > 0"):
        models_config(None, None, bad)
    bad.write_text('[[instrument]]\nsym = "BTCUSD"\nlot = 0.1\n')  # unknown field
    with pytest.raises(UsageError, match="^instruments: "):
        models_config(None, None, bad)
