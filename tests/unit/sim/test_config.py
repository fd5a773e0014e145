"""SimConfig: validation at construction, round trip through a plain dict."""

import dataclasses
import datetime as dt
import json

import pytest

from sim import SCENARIOS, SimConfig, SimConfigError


def test_construct_when_defaults_then_valid_with_onset_at_60_percent():
    cfg = SimConfig()
    assert cfg.scenario == "normal" and cfg.minutes == 390.0
    assert cfg.onset_min == pytest.approx(234.0)
    assert cfg.fat_finger_rate == pytest.approx(1 / 2000)
    assert cfg.session_date == dt.date(2026, 6, 22)
    assert cfg.symbol_names == ("SIM00",)


@pytest.mark.parametrize(
    "kw",
    [
        {"scenario": "meltdown"},
        {"n_symbols": 0},
        {"n_symbols": 2.0},
        {"minutes": 0.0},
        {"minutes": 391.0},
        {"minutes": float("nan")},
        {"seed": -1},
        {"session_date": dt.date(2026, 6, 20)},  # a Saturday
        {"session_date": "2026-06-22"},
        {"fat_finger_rate": -0.01},
        {"stress_symbol": 1},
        {"onset_minute": 390.0},
        {"tick_size": 0.0},
        {"snapshot_interval_ns": 100},
        {"symbols": ("A", "B")},
        {"common_vol_share": 1.5},
        {"flow_imbalance": 0.5},
        {"price_min": 90.0},
        {"limit_rate": True},
    ],
)
def test_construct_when_invalid_value_then_value_error(kw):
    with pytest.raises(ValueError):
        SimConfig(**kw)


def test_construct_when_positional_argument_then_type_error():
    with pytest.raises(TypeError):
        SimConfig("normal")  # type: ignore[misc]


def test_setattr_when_frozen_then_error():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SimConfig().seed = 3  # type: ignore[misc]


def test_from_dict_when_unknown_key_then_config_error():
    with pytest.raises(SimConfigError, match="unknown SimConfig field"):
        SimConfig.from_dict({"scenario": "normal", "nsymbols": 3})


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_round_trip_when_through_json_then_equal(scenario):
    cfg = SimConfig(scenario=scenario, n_symbols=2, minutes=60.0, seed=11, onset_minute=30.0,
                    symbols=("AAA", "BBB"), session_date=dt.date(2026, 3, 9))
    back = SimConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg


def test_round_trip_when_defaults_then_optional_fields_stay_none():
    d = SimConfig().to_dict()
    assert "onset_minute" not in d and "symbols" not in d
    assert SimConfig.from_dict(d) == SimConfig()
