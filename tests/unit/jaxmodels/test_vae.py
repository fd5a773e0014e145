import jax
import numpy as np

from jaxmodels import vae
from jaxmodels.config import VAEConfig

CFG = VAEConfig(hidden=16, latent=3, batch_size=256, epochs=3, score_batch=512,
                holdout_block=200, ewma_half_life=2.0)


def _data(seed, n=6000, f=5):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    mix = np.random.default_rng(99).normal(size=(2, f))  # same structure in every draw
    return (z @ mix + 0.1 * rng.normal(size=(n, f))).astype(np.float32)


def test_train_step_when_called_twice_with_same_shapes_then_compiles_once():
    state = vae.init_state(CFG, 5, jax.random.PRNGKey(0))
    batch = {"x": _data(0, 256), "mask": np.ones(256, np.float32)}
    state, m1 = vae.train_step(state, batch, jax.random.PRNGKey(1))
    before = vae.train_step._cache_size()
    state, m2 = vae.train_step(state, {"x": _data(1, 256), "mask": batch["mask"]},
                               jax.random.PRNGKey(2))
    assert vae.train_step._cache_size() == before
    assert m2["loss"].dtype == np.float32


def test_fit_when_scoring_unseen_rows_off_the_training_structure_then_they_score_higher():
    x = _data(0)
    model, metrics = vae.fit(x, np.zeros(len(x), int), CFG)
    fresh = _data(7, 500)
    off = fresh + np.random.default_rng(8).normal(0, 3, fresh.shape).astype(np.float32)
    assert np.median(model.raw_scores(off)) > 5 * np.median(model.raw_scores(fresh))
    thr = model.thresholds
    assert np.all(np.diff(thr) > 0) and metrics["holdout_rows"] > 0


def test_scorer_when_second_batch_has_same_shape_then_no_recompile():
    x = _data(0, 3000)
    model, _ = vae.fit(x, np.zeros(len(x), int), CFG)
    model.raw_scores(_data(1, 100))
    size = model.scorer._cache_size()
    out = model.raw_scores(_data(2, 300))  # padded to the same batch size
    assert model.scorer._cache_size() == size and out.shape == (300,)


def test_tiers_when_scores_cross_thresholds_then_tier_index_rises():
    m = vae.AnomalyModel(params={}, config=CFG, n_features=5, thresholds=np.array([1.0, 2.0, 3.0]))
    assert m.tiers(np.array([0.5, 1.5, 2.5, 3.5])).tolist() == [0, 1, 2, 3]
