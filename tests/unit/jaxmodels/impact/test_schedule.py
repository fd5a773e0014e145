"""Schedules and the book walk, checked by hand (issue 15)."""

import numpy as np
import pytest

from jaxmodels.impact import schedule as S


def test_walk_book_when_order_takes_two_levels_then_vwap_by_hand():
    px, sz = np.array([10.01, 10.02, np.nan]), np.array([30, 40, 0])
    avg, filled = S.walk_book(50, px, sz)
    assert avg == pytest.approx((30 * 10.01 + 20 * 10.02) / 50) and filled == 50


def test_walk_book_when_order_exceeds_book_then_rest_at_last_price():
    avg, filled = S.walk_book(100, np.array([10.0, 9.99]), np.array([30, 20]))
    assert filled == 50 and avg == pytest.approx((30 * 10.0 + 70 * 9.99) / 100)


def test_pov_when_volume_short_then_rest_swept_at_horizon():
    kids = S.pov(100, np.array([50.0, 50.0, 50.0]), cap=0.2, first=40.0)
    assert kids.tolist() == [8.0, 10.0, 10.0, 72.0] and kids.sum() == 100


def test_twap_and_vwap_when_parent_then_children_sum_to_it():
    assert S.twap(90, 3).tolist() == [30.0, 30.0, 30.0]
    assert S.vwap(90, np.array([1.0, 2.0, 0.0])).tolist() == [30.0, 60.0, 0.0]
    assert S.vwap(90, np.zeros(3)).tolist() == [30.0, 30.0, 30.0]
    assert S.schedule_cost(np.array([30.0, 60.0]), np.array([1.0, 4.0])) == pytest.approx(3.0)


def test_choose_when_cap_binds_then_schedule_within_cap_preferred():
    from jaxmodels.impact import advice
    from jaxmodels.impact.config import AdviceConfig, ImpactConfig
    from jaxmodels.impact.synthetic import power_law_rows
    from jaxmodels.impact.train import fit

    model, _ = fit(power_law_rows(500, seed=1), ImpactConfig(steps=20, batch=64, hidden=4,
                                                             mono_hidden=2))
    r = power_law_rows(2, seed=2)
    cfg = AdviceConfig(min_parent_qty=600, parent_share=0.0, horizon_s=60.0, child_every_s=10.0)
    free = advice.choose(model, r, np.full(6, 50.0), cfg)
    tight = advice.choose(model, r, np.full(6, 50.0), cfg, max_child=100)
    assert tight["clip_qty"] <= 100  # TWAP's 100-lot children fit; POV's sweep may not
    assert free["predicted_cost_bps"] <= tight["predicted_cost_bps"] + 1e-9
    none = advice.choose(model, r, np.full(6, 50.0), cfg, max_child=1)
    assert none["clip_qty"] == 100 and none["algo"] in ("TWAP", "VWAP")  # the gentlest
