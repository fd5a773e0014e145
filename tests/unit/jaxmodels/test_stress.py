"""The stress statistics (``jaxmodels.stress``): values checkable by hand, chunk invariance
of the (init, update) pair, session restarts, the joint evidence and the split-conformal
calibration."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels import livestate as ls
from jaxmodels import stress
from jaxmodels.config import StressConfig

NS = 1_000_000_000
CFG = StressConfig(persist_buckets=1)


def _ctx(n: int, **over) -> dict[str, np.ndarray]:
    """A quiet one-symbol market of ``n`` buckets: mid 100, spread 2 bps, depth 100 lots."""
    ctx = {"mid": np.full(n, 100.0), "ret_1s": np.zeros(n), "ret_10s": np.zeros(n),
           "spread_bps": np.full(n, 2.0), "depth5_bid": np.full(n, 100.0),
           "depth5_ask": np.full(n, 100.0)}
    ctx.update({k: np.asarray(v, np.float64) for k, v in over.items()})
    return ctx


def _one(ctx, cfg=CFG, since=None) -> np.ndarray:
    n = len(ctx["mid"])
    since = np.arange(n, dtype=np.int64) * NS // 10 if since is None else since
    return stress.batch(np.zeros(n, np.int32), ctx, since, cfg)


def test_statistics_when_quiet_market_jumps_then_returns_in_floor_sigmas():
    r10 = np.zeros(50)
    r10[40] = -2e-4 * np.sqrt(10)  # a 10 s return of 10 x the 0.2 bps/sqrt(s) floor
    z = _one(_ctx(50, ret_10s=r10))
    j = stress.COMPONENTS.index("jump_10s")
    assert np.isclose(z[40, j], 10.0) and (np.delete(z[:, j], 40) == 0).all()


def test_statistics_when_returns_heavy_tailed_then_the_l4_yardstick_is_wider():
    rng = np.random.default_rng(0)
    gauss = rng.normal(0, 1e-4, 3000)
    jumpy = np.where(rng.random(3000) < 0.01, 1e-3, 0.0) * rng.choice([-1, 1], 3000)
    jumpy *= np.sqrt(np.mean(gauss ** 2) / np.mean(jumpy ** 2))  # the same L2 vol
    r10 = np.zeros(3000)
    r10[-1] = 1e-3
    j = stress.COMPONENTS.index("jump_10s")
    z_g = _one(_ctx(3000, ret_1s=gauss, ret_10s=r10))[-1, j]
    z_j = _one(_ctx(3000, ret_1s=jumpy, ret_10s=r10))[-1, j]
    assert z_j < 0.6 * z_g


def test_statistics_when_spread_triples_and_depth_falls_tenfold_then_log_ratios():
    sp, dp = np.full(50, 2.0), np.full(50, 100.0)
    sp[45], dp[45] = 6.0, 10.0
    z = _one(_ctx(50, spread_bps=sp, depth5_bid=dp))
    s, q = stress.COMPONENTS.index("spread"), stress.COMPONENTS.index("depth")
    # a constant book has no dispersion: the units are the 0.05 floor
    assert np.isclose(z[45, s], np.log(3.0) / 0.05)
    assert np.isclose(z[45, q], np.log(10.0) / 0.05)
    assert z[0, q] == 0  # the first bucket has no baseline: no evidence


def test_statistics_when_one_move_then_trend_is_one_whatever_its_size():
    t = stress.COMPONENTS.index("trend")
    for tick in (1e-5, 1e-3):
        mid = np.full(40, 100.0)
        mid[30:] = 100.0 * np.exp(tick)
        z = _one(_ctx(40, mid=mid))[:, t]
        assert (z[:30] == 0).all()  # no move yet: no evidence
        assert np.allclose(z[30:], 1.0)  # one move: |r| / sqrt(r^2), however far it decays


def test_statistics_when_moves_run_one_way_then_trend_grows_like_their_weighted_count():
    t = stress.COMPONENTS.index("trend")
    cfg = dataclasses.replace(CFG, trend_half_life_s=2.0)
    w = 0.5 ** (0.1 / 2.0)  # the weight's decay per 100 ms bucket
    up = 100.0 * np.exp(1e-4 * np.r_[np.zeros(20), np.arange(1, 11)])  # 10 one-way moves
    z = _one(_ctx(30, mid=up), cfg)[-1, t]
    i = np.arange(10)
    assert np.isclose(z, (w ** i).sum() / np.sqrt((w ** (2 * i)).sum()))
    saw = 100.0 * np.exp(1e-4 * np.r_[np.zeros(20), np.arange(10) % 2])  # up, down, up ...
    assert _one(_ctx(30, mid=saw), cfg)[-1, t] < 1.0 < z


def test_statistics_when_mid_missing_then_the_return_spans_the_gap():
    t = stress.COMPONENTS.index("trend")
    mid = np.full(30, 100.0)
    mid[20:] = 100.0 * np.exp(1e-4)
    mid[18:22] = np.nan  # the move happens while the mid is missing
    z = _one(_ctx(30, mid=mid))[:, t]
    assert (z[:22] == 0).all() and np.allclose(z[22:], 1.0)


def test_statistics_when_spread_disperses_then_in_units_of_its_rms_deviation():
    sp = np.where(np.arange(2000) % 2 == 0, 2.0, 2.0 * np.e ** 0.4)  # +-0.2 about the level
    sp[-1] = 2.0 * np.e ** 1.2  # 1.0 above the level: about 5 RMS deviations
    z = _one(_ctx(2000, spread_bps=sp))[-1, stress.COMPONENTS.index("spread")]
    assert 4.0 < z < 6.0


def test_statistics_when_one_book_side_is_empty_then_depth_counts_as_one_lot():
    dp = np.full(30, 100.0)
    dp[20] = np.nan
    z = _one(_ctx(30, depth5_bid=dp))
    assert np.isclose(z[20, stress.COMPONENTS.index("depth")], np.log(100.0) / 0.05)


def test_statistics_when_held_then_a_single_bucket_spike_is_not_enough():
    sp = np.full(60, 2.0)
    sp[30] = 20.0
    sp[40:45] = 20.0
    z = _one(_ctx(60, spread_bps=sp), dataclasses.replace(CFG, persist_buckets=3))
    s = z[:, stress.COMPONENTS.index("spread")]
    assert s[30] == 0 and s[31] == 0  # one bucket wide: held minimum 0
    assert s[42] > 2.0 and s[44] > 2.0  # three buckets wide: it holds


def test_update_when_new_session_then_baselines_start_afresh():
    a = _ctx(40, spread_bps=np.full(40, 2.0))
    b = _ctx(40, spread_bps=np.full(40, 8.0))  # the next day trades a wider spread
    both = {k: np.r_[a[k], b[k]] for k in a}
    since = np.r_[np.arange(40), np.arange(40)] * NS // 10
    z = _one(both, since=since)
    assert np.array_equal(z[40:], _one(b))  # as if the second session were alone


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 40))
def test_update_when_fed_in_random_chunks_then_bitwise_equal_to_one_panel(seed, n_chunks):
    rng = np.random.default_rng(seed)
    cfg = dataclasses.replace(CFG, persist_buckets=4, vol_half_life_s=5.0,
                              base_half_life_s=2.0, drift_half_life_s=1.0)
    n = 300
    code = np.repeat([0, 1], n)
    ctx = {"mid": 50 * np.exp(np.cumsum(rng.normal(0, 1e-4, 2 * n))),
           "ret_1s": rng.normal(0, 1e-4, 2 * n), "ret_10s": rng.normal(0, 3e-4, 2 * n),
           "spread_bps": rng.uniform(1, 5, 2 * n), "depth5_bid": rng.uniform(10, 500, 2 * n),
           "depth5_ask": rng.uniform(10, 500, 2 * n)}
    for k in ctx:
        ctx[k][rng.random(2 * n) < 0.03] = np.nan
    since = np.r_[np.arange(n), np.arange(150), np.arange(150)] * NS // 10  # a restart
    whole = stress.batch(code, ctx, since, cfg)
    state = stress.init(2, cfg)
    got = np.full_like(whole, np.nan)
    cuts = [np.sort(rng.integers(0, n + 1, n_chunks - 1)) for _ in range(2)]
    pieces = [np.split(np.arange(n) + c * n, cuts[c]) for c in range(2)]
    for i in range(n_chunks):
        idx = np.r_[pieces[0][i], pieces[1][i]]
        if not len(idx):
            continue
        pan = ls.Panel.of(code[idx])
        slots = np.unique(code[idx])
        sub = ls.take(state, slots)
        sub, z = stress.update(sub, {k: pan.spread(v[idx], np.nan) for k, v in ctx.items()},
                               pan.spread(since[idx], -1), pan.n, cfg)
        ls.put(state, slots, sub)
        got[idx] = pan.gather(z)
    assert np.array_equal(got, whole)


def test_fit_when_blocks_known_then_scale_from_even_minutes_level_and_bound_from_odd():
    cfg = StressConfig(block_s=1.0, bucket_s=0.1, episodes_per_day=0.5, max_bound_per_day=1e4)
    # 6 one-second blocks of one statistic (the others 0); A = blocks 0, 2, 4; B = 1, 3, 5
    peaks = [2.0, 1.0, 4.0, 3.0, 1.0, 6.0]
    held = np.zeros((60, len(stress.COMPONENTS)))
    held[:, 0] = np.repeat(peaks, 10)
    model, met = stress.fit(held, np.zeros(60, np.int32), np.ones(60, bool), cfg)
    assert model.scale[0] == 4.0  # the largest maximum of A
    assert model.joint_scale == 1.0  # the joint sum is the one statistic, scaled
    # B scaled: 0.25, 0.75, 1.5; 23,400 blocks a day make the rank n = 3: level 1.5
    assert model.level == 1.5 and model.rank == 3 and model.blocks == 3
    assert np.isclose(met["false_high_bound_per_day"], 23_400 * 1 / 4)
    assert np.isclose(model.thresholds["jump_10s"], 6.0)


def test_combined_when_statistics_rise_together_then_joint_evidence_passes_the_level():
    cfg = StressConfig(block_s=1.0, bucket_s=0.1, episodes_per_day=0.5, max_bound_per_day=1e4)
    c = len(stress.COMPONENTS)
    s, d = stress.COMPONENTS.index("spread"), stress.COMPONENTS.index("depth")
    # normal minutes: each statistic peaks at 1.0 alone, one block at a time
    held = np.zeros((10 * 2 * c, c))
    for j in range(c):
        held[20 * j:20 * j + 20, j] = 1.0
    model, _ = stress.fit(held, np.zeros(len(held), np.int32), np.ones(len(held), bool), cfg)
    assert np.allclose(model.scale, 1.0) and model.joint_scale == 1.0 and model.level == 1.0
    both = np.zeros((3, c))
    both[0, s] = both[1, s] = both[1, d] = 0.6  # spread alone; spread and depth together
    both[2, stress.COMPONENTS.index("trend")] = 1.5  # the trend alone, past its extreme
    assert np.allclose(model.combined(both), [0.6, 1.2, 1.5])
    assert model.tiers(model.combined(both)).tolist() == [0, stress.HIGH, stress.HIGH]
    alone = np.zeros((1, c))
    alone[0, stress.COMPONENTS.index("trend")] = 0.9
    assert model.combined(alone)[0] == 0.9  # the trend counts only through the joint sum
    assert stress.COMPONENTS.index("trend") not in [stress.COMPONENTS.index(x)
                                                    for x in stress.ALONE]


def test_fit_when_rows_not_eligible_then_they_never_enter_a_block():
    cfg = StressConfig(block_s=1.0, bucket_s=0.1, max_bound_per_day=1e5)
    held = np.zeros((40, len(stress.COMPONENTS)))
    held[:, 0] = 1.0
    held[5, 0] = 100.0  # an open bucket, left out
    ok = np.ones(40, bool)
    ok[:10] = False
    model, _ = stress.fit(held, np.zeros(40, np.int32), ok, cfg)
    assert model.scale[0] == 1.0 and model.level == 1.0


def test_tiers_when_above_level_and_critical_multiple_then_high_and_critical():
    m = stress.StressModel(config=StressConfig(critical_mult=2.0), scale=np.ones(5),
                           joint_scale=1.0, level=1.0, rank=1, blocks=1, bound_per_day=1.0)
    assert m.tiers(np.array([0.5, 1.0, 1.5, 2.0, 2.5])).tolist() == [0, 0, 2, 2, 3]


def test_model_when_round_tripped_through_json_then_equal():
    m = stress.StressModel(config=StressConfig(), scale=np.arange(1.0, 6.0), joint_scale=2.5,
                           level=1.25, rank=7, blocks=9, bound_per_day=0.4)
    back = stress.StressModel.from_dict(json.loads(json.dumps(m.to_dict())))
    assert back.config == m.config and np.array_equal(back.scale, m.scale)
    assert (back.joint_scale, back.level, back.rank, back.blocks, back.bound_per_day) == \
        (2.5, 1.25, 7, 9, 0.4)


def test_model_when_saved_with_other_statistics_then_one_line_error_naming_them():
    d = stress.StressModel(config=StressConfig(), scale=np.ones(5), joint_scale=1.0,
                           level=1.0, rank=1, blocks=1, bound_per_day=0.4).to_dict()
    d["components"] = ["jump_10s", "drift", "spread", "liquidity"]
    with pytest.raises(ValueError, match="liquidity.*retrain") as e:
        stress.StressModel.from_dict(d)
    assert "\n" not in str(e.value)


def test_fit_when_too_few_minutes_to_certify_the_bound_then_silent():
    cfg = StressConfig()  # 1-minute blocks: n_B >= 779 needed for 0.5 per symbol-day
    held = np.random.default_rng(0).random((600 * 40, len(stress.COMPONENTS)))
    model, met = stress.fit(held, np.zeros(len(held), np.int32), np.ones(len(held), bool), cfg)
    assert met["silent"] and model.level == np.inf and model.bound_per_day == 0.0
    assert np.isclose(met["certified_per_day"], 390 / 21)  # 20 odd minutes, rank n
    assert (model.tiers(model.combined(held * 1e6)) == 0).all()
