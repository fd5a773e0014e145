import dataclasses

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
    size = model.block_scorer._cache_size()
    out = model.raw_scores(_data(2, 120))  # padded to the same 8 blocks of 16 rows
    assert model.block_scorer._cache_size() == size and out.shape == (120,)


def test_raw_scores_when_rows_are_scored_in_calls_of_any_size_then_bitwise_equal():
    x = _data(0, 3000)
    model, _ = vae.fit(x, np.zeros(len(x), int), CFG)
    whole = model.raw_scores(x)
    cuts = np.r_[0, np.sort(np.random.default_rng(3).choice(np.arange(1, 3000), 40, False)),
                 3000]
    parts = np.concatenate([model.raw_scores(x[a:b]) for a, b in zip(cuts[:-1], cuts[1:],
                                                                       strict=True)])
    assert np.array_equal(parts, whole)


def test_tiers_when_scores_cross_thresholds_then_tier_index_rises():
    m = vae.AnomalyModel(params={}, config=CFG, n_features=5, thresholds=np.array([1.0, 2.0, 3.0]))
    # each row its own series, so nothing needs to persist
    assert m.tiers(np.array([0.5, 1.5, 2.5, 3.5]), np.arange(4)).tolist() == [0, 1, 2, 3]


def test_tiers_when_score_spikes_for_one_bucket_then_persistence_holds_it_back():
    cfg = dataclasses.replace(CFG, persist_buckets=2)
    m = vae.AnomalyModel(params={}, config=cfg, n_features=5, thresholds=np.array([1.0, 2.0, 3.0]))
    # trailing min over 2 buckets: [0.5, 0.5, 0.5, 3.5, 3.5] -> one-bucket spike is ignored
    assert m.tiers(np.array([0.5, 3.5, 0.5, 3.5, 3.5])).tolist() == [0, 0, 0, 0, 3]


def test_episode_thresholds_when_exponential_tail_then_level_matches_target_rate():
    # 10 symbol-days of held-out scores: 0 everywhere except 100 episodes per day whose
    # peaks exceed u = 0 by an exponential of mean 1, so N(x) = 100 exp(-x) per day and the
    # level for 0.5 / day is ln(200) = 5.30 (for 0.05 / day ln(2000) = 7.60)
    rng = np.random.default_rng(0)
    n_days, per_day, row = 10, 100, 23_400 * 10
    x = np.zeros(n_days * row)
    pos = rng.choice(np.arange(0, len(x), 1000), size=n_days * per_day, replace=False)
    x[pos] = rng.exponential(1.0, len(pos)) + 1e-6
    cfg = dataclasses.replace(CFG, tier_quantiles=(0.5, 0.6, 0.7), persist_buckets=1,
                              episodes_per_day=(0.5, 0.05), episode_merge_s=1.0)
    thr = vae.episode_thresholds(x, np.zeros(len(x), int), cfg)
    assert thr[0] == 0.0
    assert abs(thr[1] - np.log(200)) < 0.15 and abs(thr[2] - np.log(2000)) < 0.15
