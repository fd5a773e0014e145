"""``MarketModel.score_detail``'s high ratio: the evidence in units of the HIGH_ALERT level,
above 1 exactly where the tier is at least HIGH_ALERT (the VAE's per-symbol level or the
stress statistics'), 0 in the open's warm-up."""

from __future__ import annotations

import dataclasses

import numpy as np

from jaxmodels.model import since_session_start
from tests.unit.jaxmodels.livemarket import market, model


def test_score_detail_when_scored_then_ratio_above_one_exactly_where_high():
    rows = market(seed=3)
    mm = model(rows, seed=3)
    raw, sm, tier, ratio = mm.score_detail(rows)
    r0, s0, t0 = mm.score(rows)
    assert np.array_equal(tier, t0) and np.array_equal(sm, s0) and np.array_equal(raw, r0)
    assert (tier >= 2).any() and (tier < 2).any()
    assert np.array_equal(ratio > 1.0, tier >= 2)
    warm = since_session_start(rows) < mm.anomaly.config.open_warmup_s * 1e9
    assert warm.any() and (ratio[warm] == 0.0).all()


def test_score_detail_when_stress_silent_then_the_vae_alone_sets_the_ratio():
    rows = market(seed=4)
    mm = model(rows, seed=4)
    silent = dataclasses.replace(mm, stress=dataclasses.replace(mm.stress, level=float("inf")))
    _, _, tier, ratio = silent.score_detail(rows)
    assert np.isfinite(ratio).all()
    assert np.array_equal(ratio > 1.0, tier >= 2)
