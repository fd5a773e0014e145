"""Per-symbol tail calibration of the tier thresholds (``vae.symbol_thresholds``)."""

import dataclasses

import numpy as np

from jaxmodels.config import VAEConfig
from jaxmodels.vae import episode_thresholds, held_score, symbol_thresholds

CFG = VAEConfig(tail_window=6000, tail_warm=600, tail_block=600)


def _series(rng, n, heavy):
    """AR(1)-smoothed positive scores; ``heavy`` adds rare large bursts (a real stock's tail)."""
    x = rng.gamma(2.0, 1.0, n)
    if heavy:
        burst = rng.random(n) < 0.003
        x[burst] += rng.pareto(1.5, burst.sum()) * 30.0
    out = np.empty(n)
    acc = x[0]
    for i, v in enumerate(x):
        acc = 0.8 * acc + 0.2 * v
        out[i] = acc
    return held_score(out, np.zeros(n, np.int32), 2)


def _train_thr(rng):
    s = _series(rng, 40_000, heavy=False)
    return episode_thresholds(s, np.zeros(len(s), np.int32), CFG)


def test_never_below_training_and_off_when_window_zero():
    rng = np.random.default_rng(0)
    thr = _train_thr(rng)
    h = np.r_[_series(rng, 20_000, False), _series(rng, 20_000, True)]
    g = np.r_[np.zeros(20_000, np.int32), np.ones(20_000, np.int32)]
    out = symbol_thresholds(h, g, thr, CFG)
    assert out.shape == (len(h), 3)
    assert (out >= thr - 1e-12).all()
    assert (np.diff(out, axis=1) > 0).all()
    off = symbol_thresholds(h, g, thr, dataclasses.replace(CFG, tail_window=0))
    assert (off == thr).all()
    # warm-up: the first tail_warm rows of each symbol use the training thresholds
    assert (out[:CFG.tail_warm] == thr).all() and (out[20_000:20_000 + CFG.tail_warm] == thr).all()


def test_heavier_tail_raises_thresholds_and_cuts_crossings():
    rng = np.random.default_rng(1)
    thr = _train_thr(rng)
    calm, heavy = _series(rng, 30_000, False), _series(rng, 30_000, True)
    z = np.zeros(30_000, np.int32)
    t_calm, t_heavy = symbol_thresholds(calm, z, thr, CFG), symbol_thresholds(heavy, z, thr, CFG)
    assert np.median(t_heavy[:, 1]) > np.median(t_calm[:, 1])
    # the calm symbol (same distribution as training) keeps thresholds near the training ones
    assert np.median(t_calm[:, 1]) < 1.5 * thr[1]
    w = CFG.tail_warm
    assert (heavy[w:] > t_heavy[w:, 1]).sum() < (heavy[w:] > thr[1]).sum()


def test_past_only_and_a_sudden_break_still_crosses():
    rng = np.random.default_rng(2)
    thr = _train_thr(rng)
    h = _series(rng, 20_000, False)
    z = np.zeros(len(h), np.int32)
    base = symbol_thresholds(h, z, thr, CFG)
    k = 15_000
    broken = h.copy()
    broken[k:] += 10 * thr[2]  # a crash: far beyond anything in the past
    out = symbol_thresholds(broken, z, thr, CFG)
    np.testing.assert_array_equal(out[:k], base[:k])
    # the rows up to the next refresh are judged against the calm past
    nxt = -(-k // CFG.tail_block) * CFG.tail_block
    assert (broken[k:nxt] > out[k:nxt, 2]).all()
