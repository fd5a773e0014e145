"""The impact network (issue 15): monotone in size on a grid, ordered quantiles, one
compilation per shape, registry round trip. Training here is tiny (the bench measures)."""

import dataclasses

import jax
import numpy as np
import pytest

from jaxmodels.impact import persist
from jaxmodels.impact.config import ImpactConfig
from jaxmodels.impact.data import ImpactRows
from jaxmodels.impact.model import ImpactNet, pinball
from jaxmodels.impact.synthetic import power_law_rows
from jaxmodels.impact.train import conformal_widen, fit, make_train_step, new_state, predictor
from jaxmodels.registry import Registry

TINY = ImpactConfig(steps=60, batch=256, eval_every=30, hidden=8, mono_hidden=4)
GRID = np.geomspace(1, 20_000, 200)


@pytest.fixture(scope="module")
def trained():
    return fit(power_law_rows(3000, seed=1), TINY)


def _on_grid(model, r: ImpactRows, i: int) -> np.ndarray:
    one = r.take(np.full(len(GRID), i))
    return model.predict(one, qty=GRID)


def test_predict_when_size_grows_on_grid_then_every_quantile_non_decreasing(trained):
    model, _ = trained
    r = power_law_rows(50, seed=9)
    for i in range(len(r)):
        q = _on_grid(model, r, i)
        assert (np.diff(q, axis=0) >= -1e-5 * np.abs(q[1:]).max()).all()


@pytest.mark.parametrize("seed", range(5))
def test_net_when_random_params_then_monotone_in_each_size_input(seed):
    net = ImpactNet(hidden=8, mono_hidden=4)
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
    c = jax.random.normal(k2, (40, 7))
    s = jax.random.normal(k3, (1, 3))
    params = net.init(k1, s, c[:1])["params"]
    for j in range(3):
        steps = np.zeros((60, 3), np.float32)
        steps[:, j] = np.linspace(-4, 4, 60)
        for row in c[:5]:
            out = np.asarray(net.apply({"params": params}, steps, np.tile(row, (60, 1))))
            assert (np.diff(out, axis=0) >= -1e-6).all()


def test_predict_when_any_row_then_q10_le_q50_le_q90(trained):
    model, _ = trained
    q = model.predict(power_law_rows(500, seed=7))
    assert (q[:, 0] <= q[:, 1]).all() and (q[:, 1] <= q[:, 2]).all()


def test_train_step_when_called_twice_with_same_shapes_then_compiles_once():
    r = power_law_rows(300, seed=2)
    model, _ = fit(r, TINY)
    step = make_train_step(model.net, 64)
    s, c, half = model.arrays(r)
    data = {"s": s, "c": c, "half": half, "y": r.y.astype(np.float32)}
    data = jax.tree_util.tree_map(jax.numpy.asarray, data)  # as fit passes them
    params = model.net.init(jax.random.PRNGKey(0), data["s"][:1], data["c"][:1])["params"]
    st = new_state(model.net, params, TINY)
    st, _ = step(st, data, jax.random.PRNGKey(0))
    size = step._cache_size()
    st, _ = step(st, data, jax.random.PRNGKey(1))
    assert step._cache_size() == size == 1


def test_predict_when_second_batch_same_shape_then_no_recompile(trained):
    model, _ = trained
    a, b = power_law_rows(100, seed=5), power_law_rows(100, seed=6)
    model.predict(a)
    p = predictor(model.net)
    size = p._cache_size()
    model.predict(b)
    assert p._cache_size() == size


def test_persist_when_saved_and_loaded_then_same_predictions(trained, tmp_path):
    model, metrics = trained
    reg = Registry(tmp_path)
    mid = persist.save(reg, model, metrics)
    again = persist.load(reg, mid)
    r = power_law_rows(64, seed=8)
    assert np.allclose(again.predict(r), model.predict(r), atol=1e-6)
    assert reg.manifest(mid)["kind"] == "impact" and again.widen == model.widen


def test_pinball_when_hand_example_then_mean_of_quantile_losses():
    pred = np.array([[0.0, 1.0, 2.0]], np.float32)
    # y = 1.5: 0.1 x 1.5, 0.5 x 0.5, (0.9 - 1) x (1.5 - 2) = 0.15, 0.25, 0.05
    assert float(pinball(pred, np.array([1.5], np.float32))) == pytest.approx(0.15)


def test_conformal_widen_when_scaled_then_kth_smallest_score_in_scale_units():
    q = np.zeros((4, 3))
    q[:, 2] = 1.0
    y = np.array([2.0, 3.0, 0.5, -1.0])  # scores 1, 2, -0.5, 1 in bps
    # ceil(5 x 0.8) = 4th smallest of (1, 2, -0.5, 1) / scale 2 -> (-0.25, 0.5, 0.5, 1.0)
    assert conformal_widen(q, y, np.full(4, 2.0)) == 1.0


def test_widen_rows_when_half_sigma_then_widen_times_scale_over_half_spread(trained):
    model, _ = trained
    r = power_law_rows(3, seed=4)
    r = dataclasses.replace(r, spread_bps=np.array([4.0, 4.0, 2.0]),
                            sigma_bps=np.array([2.0, 0.0, 1.0]))
    m = dataclasses.replace(model, widen=0.5)
    assert np.allclose(m.widen_rows(r), [1.0, 0.5, 1.0])  # 0.5 x (2+2)/2, (2+0)/2, (1+1)/1
    half = dataclasses.replace(m, config=dataclasses.replace(m.config, interval_scale="half"))
    assert np.allclose(half.widen_rows(r), [0.5, 0.5, 0.5])


def test_fit_when_widened_then_interval_covers_at_least_80_percent_of_its_holdout_rows():
    r = power_law_rows(3000, seed=3)
    model, met = fit(r, TINY)
    ho = r.take(np.arange(int(len(r) * (1 - TINY.holdout_share)), len(r)))
    q = model.predict(ho)  # the rows that set the widening: >= 80 % by construction
    cov = ((q[:, 0] <= ho.y + 1e-4) & (ho.y <= q[:, 2] + 1e-4)).mean()
    assert 0.8 <= cov <= 0.85 and met["widen"] == model.widen


def test_config_of_when_manifest_predates_interval_scale_then_half(trained):
    model, _ = trained
    saved = model.config.to_dict()
    assert persist.config_of(saved).interval_scale == "half_sigma"
    del saved["interval_scale"]
    assert persist.config_of(saved) == dataclasses.replace(model.config, interval_scale="half")
