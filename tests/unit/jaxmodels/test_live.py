"""Parity of the live scorer with its batch twin (``MarketModel.score`` + ``limits_for``).

Tolerance: none. The VAE scores each row in blocks of ``score_block`` rows whatever the
call size, and every stateful step (online standardiser, EWMA, trailing minima and maxima,
tail refreshes, session start, cool-down, breaker latch, change filter) carries the exact
operands of the batch computation across chunks, so the smoothed scores are compared with
``array_equal`` and the limits rows field by field."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels import calibrate, vae
from jaxmodels.errors import ModelError
from jaxmodels.live import LiveScorer
from jaxmodels.model import since_session_start
from tests.unit.jaxmodels.livemarket import (
    CALIB,
    LOOSEN,
    batch,
    chunks,
    market,
    model,
    sort_limits,
)


@functools.lru_cache(maxsize=1)
def _case():
    rows = market(0)
    mm = model(rows)
    return rows, mm, *batch(mm, rows)


def _stepped(mm, rows, parts: list[np.ndarray], **kw):
    sc = LiveScorer(mm, CALIB, "v1", loosen_after=LOOSEN, **kw)
    sm = np.full(len(rows.ts), np.nan)
    tier = np.full(len(rows.ts), -1, np.int64)
    lims, scores = [], []
    for idx in parts:
        out = sc.step(rows.take(idx))
        sm[idx], tier[idx] = out.smoothed, out.tier
        lims.append(out.limits)
        scores.append(out.scores)
    return sc, sm, tier, pa.concat_tables(lims), pa.concat_tables(scores)


def _recovery_hold_changes(rows, tier) -> int:
    """Rows whose limit tier the market-tied hysteresis raises, over all symbols."""
    n = 0
    for c in range(len(rows.syms)):
        m = rows.code == c
        ts, t = rows.ts[m], tier[m]
        cool = calibrate.cool_down(ts, t, CALIB.alert_hold_s)
        ctx = {k: v[m] for k, v in rows.ctx.items()}
        n += int((calibrate.recovery_hold(ts, t, cool, ctx, CALIB) != cool).sum())
    return n


def _floor_changes(rows, tier) -> int:
    """Limit values the alert-run running minimum (``calibrate.episode_floor``) lowers."""
    n = 0
    for c, sym in enumerate(rows.syms):
        m = rows.code == c
        ts, t = rows.ts[m], tier[m]
        ctx = {k: v[m] for k, v in rows.ctx.items()}
        used = calibrate.recovery_hold(ts, t, calibrate.cool_down(ts, t, CALIB.alert_hold_s),
                                       ctx, CALIB)
        dyn = calibrate.dynamic_limits(ctx, used, calibrate.caps_for(CALIB, sym), CALIB)
        vals = np.stack([dyn[k] for k in calibrate.FIELDS], axis=1)
        out, _, _ = calibrate.episode_floor(vals, used >= 2, np.full(vals.shape[1], np.inf),
                                            False)
        n += int((out != vals).sum())
    return n


def test_market_when_built_then_it_exercises_every_stateful_branch():
    rows, mm, sm, tier, lim = _case()
    cfg = mm.anomaly.config
    held = mm.anomaly.held(sm, rows.code)
    thr = mm.anomaly.symbol_thresholds(held, rows.code)
    no_own = vae.symbol_thresholds(held, rows.code, mm.anomaly.thresholds,
                                   dataclasses.replace(cfg, tail_gate=1e9))
    assert (thr > mm.anomaly.thresholds).any()  # trailing tail stretches some thresholds
    assert (thr != no_own).any()  # and the own-tail fit is used on the heavy-tailed symbol
    unbounded = vae.symbol_thresholds(held, rows.code, mm.anomaly.thresholds,
                                      dataclasses.replace(cfg, tail_max_stretch=1e9))
    assert (thr != unbounded).any()  # the bounded stretch binds
    assert (thr <= mm.anomaly.thresholds * cfg.tail_max_stretch).all()
    since = since_session_start(rows)
    skip = since < cfg.tail_skip_open_s * 1e9
    assert skip.sum() > 2 * 100 and (~skip).sum() > 0  # warm-up rows at both session starts
    assert (mm.anomaly.symbol_thresholds(held, rows.code, ~skip) != thr).any()
    hold = _recovery_hold_changes(rows, tier)
    assert hold > 0  # the market-tied hysteresis keeps some limit tiers up
    assert _floor_changes(rows, tier) > 0  # and limits only tighten within an alert run
    assert set(tier.tolist()) == {0, 1, 2, 3}
    states = set(lim.column("state").to_pylist())
    assert states == {"ACTIVE", "REDUCING", "HALTED"}
    assert (np.diff(rows.ts)[rows.code[1:] == 0] > 3_600_000_000_000).any()  # a new session
    st_tier = mm.stress_tiers(rows)
    vae_only = dataclasses.replace(mm, stress=None).score(rows)[2]
    assert set(st_tier.tolist()) == {0, 2, 3}  # the stress statistics reach both tiers
    assert (tier > vae_only).any()  # and raise the combined tier on some rows


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 300))
def test_step_when_rows_arrive_in_random_chunks_then_bitwise_equal_to_batch(seed, n_chunks):
    rows, mm, sm, tier, lim = _case()
    parts = chunks(rows, np.random.default_rng(seed), n_chunks)
    _, lsm, ltier, llim, scores = _stepped(mm, rows, parts)
    assert np.array_equal(lsm, sm)
    assert np.array_equal(ltier, tier)
    assert sort_limits(llim) == sort_limits(lim)
    assert scores.num_rows == len(rows.ts)


def test_step_when_one_bucket_at_a_time_then_same_scores_tiers_and_limits_rows():
    rows, mm, sm, tier, lim = _case()
    pos = np.concatenate([np.arange((rows.code == c).sum()) for c in range(len(rows.syms))])
    parts = [np.flatnonzero(pos == b) for b in range(pos.max() + 1)]
    _, lsm, ltier, llim, _ = _stepped(mm, rows, parts)
    assert np.array_equal(lsm, sm) and np.array_equal(ltier, tier)
    assert sort_limits(llim) == sort_limits(lim)


def test_step_when_whole_range_in_one_chunk_then_rows_in_the_batch_order():
    rows, mm, sm, tier, lim = _case()
    _, _, _, llim, scores = _stepped(mm, rows, [np.arange(len(rows.ts))])
    assert llim.to_pylist() == lim.to_pylist()
    assert scores.column("anomaly_score").to_numpy().tolist() == sm.tolist()


def test_warm_when_history_then_step_emits_the_batch_rows_after_it():
    rows, mm, sm, tier, lim = _case()
    cut = rows.ts[0] + 450 * 100_000_000
    old, new = np.flatnonzero(rows.ts <= cut), np.flatnonzero(rows.ts > cut)
    before = lim.filter(pa.compute.less_equal(lim.column("ts").cast(pa.int64()), cut))
    in_force = {r["sym"]: r for r in before.to_pylist() if r["strategy"] == "*"}
    sc = LiveScorer(mm, CALIB, "v1", loosen_after=LOOSEN)
    sc.warm(rows.take(old), in_force=in_force)
    out = sc.step(rows.take(new))
    after = lim.filter(pa.compute.greater(lim.column("ts").cast(pa.int64()), cut))
    assert np.array_equal(out.smoothed, sm[new]) and np.array_equal(out.tier, tier[new])
    assert sort_limits(out.limits) == sort_limits(after)
    assert sc.last_ts() == {s: int(rows.ts[rows.code == i].max())
                            for i, s in enumerate(rows.syms)}


def test_warm_when_nothing_in_force_then_first_step_issues_every_symbol():
    rows, mm, *_ = _case()
    sc = LiveScorer(mm, CALIB, "v1", loosen_after=LOOSEN)
    t = rows.ts[0] + 10 * 10**9  # 10 s of history, then 1 s
    sc.warm(rows.take(rows.ts <= t))
    out = sc.step(rows.take((rows.ts > t) & (rows.ts <= t + 10**9)))
    assert sorted(set(out.limits.column("sym").to_pylist())) == rows.syms


@pytest.mark.parametrize("state", ["ACTIVE", "HALTED"])
def test_step_when_a_row_is_in_force_then_same_rows_as_batch_with_in_force(state):
    rows, mm, sm, tier, lim = _case()
    first = {r["sym"]: r for r in reversed(lim.to_pylist()) if r["strategy"] == "*"}
    in_force = {s: {**r, "state": state} for s, r in first.items() if s != "CCC"}
    _, _, want = batch(mm, rows, in_force)
    assert want.num_rows != lim.num_rows  # in force: the first rows are not re-issued
    rng = np.random.default_rng(5)
    _, _, _, llim, _ = _stepped(mm, rows, chunks(rows, rng, 40), in_force=in_force)
    assert sort_limits(llim) == sort_limits(want)
    if state == "HALTED":
        assert {r["state"] for r in llim.to_pylist() if r["sym"] != "CCC"} == {"HALTED"}


def test_step_when_small_steps_of_varying_size_then_scorer_compiles_no_new_shape():
    rows, mm, *_ = _case()
    sc = LiveScorer(mm, CALIB, "v1", loosen_after=LOOSEN)
    pos = np.concatenate([np.arange((rows.code == c).sum()) for c in range(len(rows.syms))])
    sc.step(rows.take(pos < 1))
    size = mm.anomaly.block_scorer._cache_size()
    b = 1
    for k in [1, 3, 5, 2, 4, 1, 5] * 3:  # 1-5 buckets x 3 symbols: at most 15 rows, one block
        sc.step(rows.take((pos >= b) & (pos < b + k)))
        b += k
    assert mm.anomaly.block_scorer._cache_size() == size


def test_step_when_bucket_not_newer_than_the_last_stepped_then_model_error():
    rows, mm, *_ = _case()
    sc = LiveScorer(mm, CALIB, "v1", loosen_after=LOOSEN)
    first = rows.ts <= rows.ts[0] + 10**10
    sc.step(rows.take(first))
    with pytest.raises(ModelError, match="AAA"):
        sc.step(rows.take(first & (rows.code == 0)))


def test_step_when_no_rows_then_empty_tables_with_the_store_columns():
    rows, mm, *_ = _case()
    out = LiveScorer(mm, CALIB, "v1").step(rows.take(np.zeros(len(rows.ts), bool)))
    assert out.scores.num_rows == 0 and out.limits.num_rows == 0 and out.last_ts == {}
    assert out.limits.column_names == calibrate.static_rows(0, [], CALIB, "").column_names


def test_heartbeat_table_when_scalar_wall_clock_then_broadcast_per_row():
    hb = calibrate.heartbeat_table(np.array([10, 20]), ["A", "B"], publisher="p",
                                   model_version="static", market_ts=np.array([15, 25]),
                                   published_ts=99)
    assert hb.column_names == ["ts", "sym", "publisher", "model_version", "market_ts",
                               "published_ts"]
    assert hb.schema.field("published_ts").type == pa.timestamp("ns")
    rows = hb.to_pylist()
    assert [r["published_ts"].value for r in rows] == [99, 99]
    assert [(r["sym"], r["market_ts"].value) for r in rows] == [("A", 15), ("B", 25)]


def test_step_when_chunk_is_cut_into_pieces_then_same_as_batch(monkeypatch):
    from jaxmodels import live

    monkeypatch.setattr(live, "PIECE_ROWS", 37)  # a whole day: pieces bound the memory
    monkeypatch.setattr(live, "PIECE_SYMS", 2)
    rows, mm, sm, tier, lim = _case()
    _, lsm, ltier, llim, _ = _stepped(mm, rows, [np.arange(len(rows.ts))])
    assert np.array_equal(lsm, sm) and np.array_equal(ltier, tier)
    assert llim.to_pylist() == lim.to_pylist()
