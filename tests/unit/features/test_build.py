"""Incremental materialisation: a build in pieces equals one full build; twice adds nothing."""

from __future__ import annotations

import math

import pytest

from features.build import build
from features.config import FeatureConfig
from features.errors import FeatureError
from tests.unit.features.market_data import T0, load, random_market


def _rows(store):
    return store.query("SELECT * FROM features ORDER BY ts, sym").to_pylist()


def _same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for k, v in x.items():
            w = y[k]
            if isinstance(v, float) and isinstance(w, float):
                assert math.isclose(v, w, rel_tol=1e-9, abs_tol=1e-12), (k, x["ts"], v, w)
            else:
                assert v == w, (k, x["ts"], v, w)


def test_build_when_run_twice_then_second_adds_nothing(mem_store):
    load(mem_store, random_market(1, span_s=30.0))
    first = build(mem_store, FeatureConfig())
    second = build(mem_store, FeatureConfig())
    assert first.rows > 0
    assert second.rows == 0 and second.days == {}
    assert mem_store.count("features") == first.rows


def test_build_when_extended_in_pieces_and_chunks_then_equals_full_build(mem_store):
    tables = random_market(5, span_s=200.0, n_quotes=2000, n_trades=1500, n_book=1500)
    load(mem_store, tables)
    build(mem_store, FeatureConfig())
    full = _rows(mem_store)
    load(mem_store, tables)
    small = FeatureConfig(max_grid_rows=1_000)  # forces several seeded time chunks
    build(mem_store, small, until_ns=T0 + 70_000_000_000)
    build(mem_store, small, until_ns=T0 + 71_300_000_000)
    rep = build(mem_store, small)
    assert rep.queries > 1
    _same(_rows(mem_store), full)


def test_build_when_since_given_then_no_bucket_at_or_before_it(mem_store):
    load(mem_store, random_market(2, span_s=20.0))
    build(mem_store, FeatureConfig(), since_ns=T0 + 10_000_000_000)
    first = mem_store.query("SELECT min(ts) AS t FROM features").column("t")[0].value
    assert first == T0 + 10_100_000_000


def test_config_when_bucket_does_not_divide_a_second_then_rejected():
    with pytest.raises(FeatureError, match="divide 1 s"):
        FeatureConfig(bucket_ns=300_000_000)


def test_build_when_advanced_one_bucket_at_a_time_then_equals_full_build(mem_store):
    tables = random_market(13, span_s=90.0, n_quotes=1500, n_trades=900, n_book=700)
    load(mem_store, tables)
    build(mem_store, FeatureConfig())
    full = _rows(mem_store)
    load(mem_store, tables)
    start = T0 + 70_000_000_000
    build(mem_store, FeatureConfig(), until_ns=start)
    steps = 0
    for i in range(1, 41):
        rep = build(mem_store, FeatureConfig(), until_ns=start + i * 100_000_000)
        assert rep.rows == 2
        steps += rep.steps
    assert steps == 40  # every one took the single-bucket path
    build(mem_store, FeatureConfig())
    got = _rows(mem_store)
    assert any(r["large_trade"] for r in got[1400:1480])  # the steps saw large trades
    assert any(r["liq_recovery_rate"] is not None for r in got[1400:1480])
    _same(got, full)


def test_build_when_bucket_width_changes_then_feature_error(mem_store):
    load(mem_store, random_market(3, span_s=5.0))
    build(mem_store, FeatureConfig(bucket_ns=250_000_000), until_ns=T0 + 2_250_000_000)
    with pytest.raises(FeatureError, match="another bucket width"):
        build(mem_store, FeatureConfig(bucket_ns=200_000_000))
