"""The stated guarantee on false HIGH alerts (``vae.conformal_high``, ``false_high_bound``):
the HIGH_ALERT level is a split-conformal quantile of 1-minute block maxima of held-out
normal held scores, so a new exchangeable block exceeds it with probability at most
(n + 1 - k) / (n + 1)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels.config import VAEConfig
from jaxmodels.vae import block_maxima, conformal_high, false_high_bound

CFG = VAEConfig()


def test_block_maxima_when_groups_have_partial_blocks_then_only_full_blocks_count():
    x = np.array([1, 5, 2, 3, 9, 0, 4, 7, 8], float)
    g = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    # group 0: blocks [1, 5] [2, 3], partial [9] left out; group 1: [0, 4] [7, 8]
    assert block_maxima(x, g, 2).tolist() == [5, 3, 4, 8]


def test_conformal_high_when_many_blocks_then_rank_meets_the_rate_by_hand():
    cfg = dataclasses.replace(CFG, episode_merge_s=0.1)  # 1-row blocks: the scores themselves
    x = np.arange(1, 3901, dtype=float)  # n = 3900 blocks, B = 234,000 blocks per day
    level, k, n = conformal_high(x, np.zeros(len(x), int), cfg)
    # alpha = 0.5 / 234,000; (n + 1)(1 - alpha) = 3900.99 -> k = n: the largest maximum
    assert (k, n, level) == (3900, 3900, 3900.0)
    assert false_high_bound(x, np.zeros(len(x), int), level, cfg) == 234_000 / 3901


def test_false_high_bound_when_level_is_lower_then_counts_exceeding_blocks():
    cfg = dataclasses.replace(CFG, episode_merge_s=0.1)
    x = np.arange(1, 10, dtype=float)
    assert false_high_bound(x, np.zeros(9, int), 6.5, cfg) == 234_000 * 4 / 10


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(20, 200))
def test_conformal_level_when_blocks_exchangeable_then_exceedance_within_bound(seed, n):
    # heavy-tailed scores; 2,000 repeats of (calibrate on n blocks, test one new block)
    cfg = dataclasses.replace(CFG, episode_merge_s=1.0, episodes_per_day=(2000.0, 1.0))
    rng = np.random.default_rng(seed)
    hits, bound = 0, None
    for _ in range(2000):
        x = rng.pareto(3.0, size=(n + 1) * 10)
        level, k, m = conformal_high(x[:n * 10], np.zeros(n * 10, int), cfg)
        hits += int(x[n * 10:].max() > level)
        bound = (m + 1 - k) / (m + 1)
    # binomial(2000, bound): 4 standard deviations of slack
    assert hits / 2000 <= bound + 4 * np.sqrt(bound * (1 - bound) / 2000)
