"""A grid scenario's own static rule set: the enforcer's default file with its [defaults]
overridden, checked by the enforcer's strict loader when the grid is read."""

from __future__ import annotations

import pytest

from adaptrisk.evaluate import Grid, GridScenario
from enforcer.config import DEFAULT_STATIC_LIMITS, StaticLimits


def test_static_limits_when_overrides_then_defaults_changed_and_rest_kept(tmp_path):
    scen = GridScenario(name="blocks", kind="calm", sim={},
                        static={"max_order_qty": 100000, "max_position": 1e7})
    got = StaticLimits.load(scen.static_limits(tmp_path))
    base = StaticLimits.load(DEFAULT_STATIC_LIMITS)
    assert got.defaults.max_order_qty == 100000 and got.defaults.max_position == 1e7
    assert got.defaults.price_band_bps == base.defaults.price_band_bps
    assert got.throttle_rate == base.throttle_rate
    plain = GridScenario(name="plain", kind="calm", sim={})
    assert plain.static_limits(tmp_path) == DEFAULT_STATIC_LIMITS


@pytest.mark.parametrize("static, msg", [({"max_qty": 5}, r"not in the enforcer's \[defaults\]"),
                                         ({"max_order_qty": -1}, "static:")])
def test_grid_scenario_when_bad_static_then_refused_when_read(static, msg):
    with pytest.raises(ValueError, match=msg):
        GridScenario(name="x", kind="calm", sim={}, static=static)


def test_issue11_grid_when_loaded_then_populations_have_their_desks_caps():
    g = {s.name: s for s in Grid.load("sim/grids/issue11.toml").scenarios}
    assert g["calm_day_block_traders"].static["max_order_qty"] == 50 * 2000
    assert g["volatile_day_clip_algos"].static["max_order_qty"] == 50 * 200
    assert g["calm_day_small_traders"].static is None  # 500 lots = 50 x 10, the default
