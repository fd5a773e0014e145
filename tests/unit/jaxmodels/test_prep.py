import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels.config import ModelsConfig, VAEConfig
from jaxmodels.errors import ModelError
from jaxmodels.prep import (
    alpha_from_half_life,
    apply_norm,
    ewma_grouped,
    ewma_init,
    ewma_series,
    ewma_update,
    fit_norm,
    online_standardise,
    pad_rows,
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.floats(0.01, 1.0))
def test_ewma_when_folding_update_then_matches_vectorised_twin(xs, alpha):
    state, ys = ewma_init(), []
    for x in xs:
        state, y = ewma_update(state, x, alpha)
        ys.append(y)
    np.testing.assert_allclose(ewma_series(np.array(xs), alpha), ys, rtol=1e-9, atol=1e-6)


def test_ewma_grouped_when_group_changes_then_restarts():
    x = np.array([1.0, 1.0, 9.0, 9.0])
    out = ewma_grouped(x, np.array([0, 0, 1, 1]), alpha_from_half_life(1.0))
    assert out[2] == 9.0  # first value of a new group is the value itself


def test_norm_when_applied_to_training_data_then_median_zero_and_missing_zero():
    rng = np.random.default_rng(0)
    x = rng.lognormal(2.0, 1.0, (5000, 2)).astype(np.float32)
    x[0, 1] = np.nan
    n = fit_norm(x, np.array([True, False]), np.array([False, False]))
    z = apply_norm(x, n, clip=30.0)
    assert abs(np.median(z[:, 0])) < 0.05 and z[0, 1] == 0.0
    assert np.isfinite(z).all() and z.dtype == np.float32


def test_pad_rows_when_not_a_multiple_then_pads_to_fixed_size():
    x, n = pad_rows(np.ones((5, 3), np.float32), 4)
    assert x.shape == (8, 3) and n == 5 and x[5:].sum() == 0


def test_online_standardise_when_level_shifts_then_rows_after_warmup_recentre():
    z = np.r_[np.zeros(2000), np.full(2000, 5.0)][:, None].astype(np.float32)
    z += np.random.default_rng(1).normal(0, 1, z.shape).astype(np.float32)
    out = online_standardise(z, np.zeros(len(z), int), half_life=200, warm=100)
    assert abs(out[-500:].mean()) < 0.5 < abs(z[-500:].mean())


def test_config_when_round_tripped_then_equal_and_unknown_fields_rejected():
    c = ModelsConfig(vae=VAEConfig(tier_quantiles=(0.9, 0.99, 0.999)))
    assert ModelsConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ModelError):
        VAEConfig.from_dict({"nope": 1})
    with pytest.raises(ModelError):
        VAEConfig(tier_quantiles=(0.99, 0.9, 0.999))
