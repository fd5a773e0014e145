import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels import gbdt
from jaxmodels.config import GBDTConfig

CFG = GBDTConfig(inputs=("a", "b", "c"), n_bins=32, depth=3, max_trees=40, infer_batch=1024,
                 target_fpr=0.01)


def _data(seed, n=4000):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, 0] > 1.5) | (x[:, 1] < -2.0)
    x[rng.random((n, 3)) < 0.02] = np.nan
    return x, y & np.isfinite(x[:, 0])


def test_fit_when_evaluated_on_a_fresh_draw_then_recovers_the_rule():
    x, y = _data(0)
    model, metrics = gbdt.fit(x, y, CFG)
    xt, yt = _data(1)
    flag = model.flag(xt)
    assert flag[yt].mean() > 0.9 and flag[~yt].mean() < 0.05
    assert 1 <= metrics["n_trees"] <= CFG.max_trees


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_predict_when_raw_thresholds_used_then_matches_binned_training_path(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 3)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    g = rng.normal(size=300).astype(np.float32)
    edges = gbdt.bin_edges(x, CFG.n_bins)
    xb = gbdt.apply_bins(x, edges)
    feat, sb, leaf, node = gbdt.fit_tree(xb, g, np.ones(300, np.float32), depth=3, n_bins=32,
                                         l2=1.0, min_hess=1e-3)
    model = gbdt._assemble([(np.asarray(feat), np.asarray(sb), np.asarray(leaf))], edges, 0.0,
                           CFG)
    np.testing.assert_allclose(model.logits(x), np.asarray(leaf)[np.asarray(node)], atol=1e-6)


def test_predict_when_second_batch_same_shape_then_no_recompile():
    x, y = _data(0, 2000)
    model, _ = gbdt.fit(x, y, CFG)
    model.logits(x[:10])
    size = gbdt.predict_logit._cache_size()
    out = model.logits(x[:500])
    assert gbdt.predict_logit._cache_size() == size and out.dtype == np.float32


def test_bin_edges_when_positives_are_in_the_far_tail_then_a_split_separates_them():
    v = np.r_[np.arange(1, 1001), [50_000.0] * 5][:, None].astype(np.float32)
    y = v[:, 0] > 10_000
    e = gbdt.bin_edges(v, 16, y)[0]
    assert np.any((e >= 1000) & (e < 50_000))
