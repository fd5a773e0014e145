"""Market-state query vs its numpy twin, on random valid books, quotes and trades.

Tolerance: floats agree to 1e-9 relative + 1e-9 absolute (rv_1m and corr_ref_1m, summed over
windows in a different order, to 1e-7); counts and flags exactly; NULL where the twin says
None. Where one series of corr_ref_1m's window is constant the twin says NaN (undefined) and
the store may give NULL or a rounding artefact in [-1, 1].
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.build import market_state
from features.config import FeatureConfig
from features.reference import market_state_ref
from tests.unit.features.market_data import T0, load, random_market

LOOSE = {"rv_1m", "corr_ref_1m", "liq_recovery_rate"}


def _close(col: str, a, b) -> bool:
    if isinstance(b, float) and math.isnan(b):  # twin: constant series, correlation undefined
        return a is None or -1.0 <= a <= 1.0
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool | str) or isinstance(b, bool | str) or isinstance(a, int) and isinstance(b, int):
        return a == b
    tol = 1e-7 if col in LOOSE else 1e-9
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


def _compare(got: list[dict], want: list[dict]) -> None:
    assert [(r["ts"], r["sym"]) for r in got] == [(r["ts"], r["sym"]) for r in want]
    for g, w in zip(got, want, strict=True):
        for col, v in w.items():
            assert _close(col, g[col], v), (col, g["ts"], g["sym"], g[col], v)


def _run(store, cfg: FeatureConfig, tables, *, t1: int, emit_after: int = T0, ref="AAA"):
    load(store, tables)
    tbl = market_state(store, cfg, t0=T0, t1=t1, emit_after=emit_after, ref_sym=ref)
    got = tbl.to_pylist()
    for r in got:
        r["ts"] = r["ts"].value
    want = market_state_ref(
        tables["trades"], tables["quotes"], tables["book"], t0=T0, t1=t1, w=cfg.bucket_ns,
        emit_after=emit_after, ref_sym=ref, n1s=cfg.n1s, n10s=cfg.n10s, n1m=cfg.n1m,
    )
    return got, want


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_quotes=st.integers(0, 300),
    n_trades=st.integers(0, 200),
    n_book=st.integers(0, 200),
    p_crossed=st.sampled_from([0.0, 0.1, 0.5]),
    span_s=st.floats(5.0, 100.0),
)
def test_market_state_when_random_market_then_matches_numpy_twin(
    mem_store, seed, n_quotes, n_trades, n_book, p_crossed, span_s
):
    cfg = FeatureConfig(bucket_ns=250_000_000)
    tables = random_market(seed, span_s=span_s, n_quotes=n_quotes, n_trades=n_trades,
                           n_book=n_book, p_crossed=p_crossed)
    t1 = T0 + int(span_s // 0.25 + 1) * cfg.bucket_ns
    got, want = _run(mem_store, cfg, tables, t1=t1)
    _compare(got, want)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), lot=st.sampled_from([1e-8, 0.001, 0.05, 0.25]))
def test_market_state_when_fractional_sizes_then_matches_numpy_twin(mem_store, seed, lot):
    """Crypto / FX sizes (issue 17): volumes, imbalances, depth and large prints from DOUBLE
    sizes agree with the twin, which sums the same Python floats."""
    cfg = FeatureConfig(bucket_ns=250_000_000)
    tables = random_market(seed, span_s=60.0, lot=lot)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 241 * cfg.bucket_ns)
    _compare(got, want)
    assert any(0 < r["volume"] < 1 for r in got) or lot >= 0.05 or not tables["trades"].num_rows


def test_market_state_when_100ms_buckets_then_matches_numpy_twin(mem_store):
    cfg = FeatureConfig()
    tables = random_market(11, span_s=75.0, n_quotes=600, n_trades=400, n_book=500)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 750 * cfg.bucket_ns)
    assert len(got) == 2 * 750
    _compare(got, want)


def test_market_state_when_bucket_empty_then_counts_zero_and_state_carried(mem_store):
    cfg = FeatureConfig()
    tables = random_market(3, span_s=2.0, n_quotes=5, n_trades=3, n_book=3, p_crossed=0.0,
                           p_one_sided=0.0)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 100 * cfg.bucket_ns)
    _compare(got, want)
    tail = [r for r in got if r["ts"] > T0 + 2_000_000_000]  # no events after 2 s
    assert tail and all(r["trade_count"] == 0 and r["quote_updates"] == 0 for r in tail)
    assert all(r["mid"] is not None for r in tail if r["sym"] == "AAA")


def test_market_state_when_quote_crossed_then_flagged_and_spread_null(mem_store):
    cfg = FeatureConfig()
    tables = random_market(5, span_s=10.0, n_quotes=100, n_trades=10, n_book=10, p_crossed=0.5,
                           p_one_sided=0.0)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 100 * cfg.bucket_ns)
    _compare(got, want)
    crossed = [r for r in got if r["locked_crossed"]]
    assert crossed, "the generator should have produced crossed quotes"
    assert all(r["spread_bps"] is None for r in crossed)
    assert all(r["spread_bps"] > 0 for r in got if r["locked_crossed"] is False
               and r["best_bid"] is not None and r["best_ask"] is not None)


def test_market_state_when_book_one_sided_then_imbalance_is_plus_or_minus_one(mem_store):
    cfg = FeatureConfig()
    tables = random_market(8, span_s=10.0, n_quotes=20, n_trades=10, n_book=80,
                           p_empty_side=0.4)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 100 * cfg.bucket_ns)
    _compare(got, want)
    one_sided = [r for r in got if r["depth5_ask"] == 0 and (r["depth5_bid"] or 0) > 0]
    assert one_sided and all(r["imbalance_l5"] == 1.0 for r in one_sided)
    assert all(abs(r[c]) <= 1 for r in got for c in ("imbalance_l1", "imbalance_l5",
                                                    "book_pressure") if r[c] is not None)


def test_market_state_when_first_minute_then_windows_are_partial(mem_store):
    cfg = FeatureConfig()
    tables = random_market(9, span_s=30.0, n_quotes=300, n_trades=50, n_book=100)
    got, want = _run(mem_store, cfg, tables, t1=T0 + 300 * cfg.bucket_ns)
    _compare(got, want)
    first = [r for r in got if r["sym"] == "AAA"]
    assert first[0]["ts"] == T0 + cfg.bucket_ns  # the first bucket after the open
    assert first[0]["ret_1s"] is None and first[0]["ret_10s"] is None
    assert first[-1]["rv_1m"] is not None and math.isfinite(first[-1]["rv_1m"])
    assert all(r["large_trade"] is False for r in got if r["ts"] <= T0 + 60_000_000_000)


def test_market_state_when_symbol_has_no_trades_then_rows_with_zero_trades(mem_store):
    cfg = FeatureConfig()
    tables = random_market(4, span_s=10.0, n_quotes=50, n_trades=50, n_book=50)
    tables["trades"] = tables["trades"].filter(
        tables["trades"].column("sym").to_numpy(zero_copy_only=False) == "AAA")
    got, want = _run(mem_store, cfg, tables, t1=T0 + 100 * cfg.bucket_ns)
    _compare(got, want)
    bbb = [r for r in got if r["sym"] == "BBB"]
    assert len(bbb) == 100
    assert all(r["trade_count"] == 0 and r["volume"] == 0 and r["large_trade"] is False
               for r in bbb)
