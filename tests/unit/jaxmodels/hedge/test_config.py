"""Hedger configuration: JSON round trip, unknown fields and bad values rejected."""

from __future__ import annotations

import json

import pytest

from jaxmodels.errors import ModelError
from jaxmodels.hedge.config import AgentConfig, BookConfig, HedgeConfig, heston_config


def test_hedge_config_when_round_tripped_through_json_then_equal():
    cfg = heston_config(train_steps=7)
    assert HedgeConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_hedge_config_when_unknown_field_then_model_error():
    with pytest.raises(ModelError, match="unknown fields"):
        HedgeConfig.from_dict({"agent": {"kapa": 0.1}})


@pytest.mark.parametrize("build", [lambda: AgentConfig(objective="sharpe"),
                                   lambda: AgentConfig(cvar_level=1.0),
                                   lambda: BookConfig(qty=(1.0, 2.0))])
def test_configs_when_bad_values_then_model_error(build):
    with pytest.raises(ModelError):
        build()


def test_market_config_when_kolm_ritter_defaults_then_50_decisions():
    assert HedgeConfig().market.n_steps == 50
