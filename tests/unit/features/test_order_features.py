"""Order-level query vs its numpy twin; no look-ahead in the trader history.

Tolerance: 1e-9 relative + 1e-9 absolute, secs_since_open to 1e-6 s (the store's time-zone
functions work in microseconds).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.build import build
from features.config import FeatureConfig
from features.orders import order_features
from features.reference import order_features_ref
from tests.unit.features.market_data import T0, load, random_market

OPEN_OFFSET = 13 * 3600 * 10**9 + 30 * 60 * 10**9  # 09:30 New York in June = 13:30 UTC
COLS = ("mid", "qty_over_avg_trade", "qty_over_vol_20m", "notional", "price_dev_bps",
        "price_dev_vol", "cross_bps", "qty_z", "price_z", "qty_over_trader_median",
        "secs_since_open", "anomaly_score", "qty_over_trader_max", "touch_dev_spreads")


def random_orders(seed: int, n: int, span_s: float, *, qty_choices=(1, 2, 5, 10, 20, 50)):
    rng = np.random.default_rng(seed)
    kind = rng.choice(["LIMIT", "LIMIT", "LIMIT", "MARKET", "CANCEL"], n)
    price = [float(40.0 + round(rng.normal(0, 0.2), 2)) if k == "LIMIT" else None for k in kind]
    return pa.table({
        "ts": pa.array(T0 + np.sort(rng.integers(0, int(span_s * 1e9), n)), pa.timestamp("ns")),
        "order_id": np.arange(n, dtype=np.int64),
        "trader": rng.choice(["t1", "t2"], n), "strategy": pa.array(["s"] * n, pa.string()),
        "sym": rng.choice(["AAA", "BBB"], n), "side": rng.choice(["B", "S"], n),
        "qty": rng.choice(np.array(qty_choices, dtype=np.int64), n),
        "price": pa.array(price, pa.float64()), "order_type": kind,
    })


def scores(times: list[int]) -> pa.Table:
    n = len(times)
    return pa.table({
        "ts": pa.array(times, pa.timestamp("ns")), "sym": pa.array(["AAA"] * n, pa.string()),
        "anomaly_score": np.arange(n, dtype=float) + 0.5, "tier": ["NORMAL"] * n,
        "model_version": ["v"] * n,
    })


def _ns_rows(tbl: pa.Table) -> list[dict]:
    rows = tbl.to_pylist()
    for r in rows:
        r["ts"] = r["ts"].value
    return rows


def _check(store, orders: pa.Table, risk: pa.Table, cfg: FeatureConfig) -> list[dict]:
    store.query("DELETE FROM orders")
    store.query("DELETE FROM risk_scores")
    store.ingest("orders", orders, session=None)
    if risk.num_rows:
        store.ingest("risk_scores", risk, session=None)
    got = order_features(store, cfg).to_pylist()
    want = order_features_ref(
        _ns_rows(orders), _ns_rows(store.query("SELECT * FROM features")), _ns_rows(risk),
        since=-(2**62), until=2**62, open_offset_ns=OPEN_OFFSET,
        n_hist=cfg.trader_history, min_hist=cfg.trader_min_history)
    assert [r["order_id"] for r in got] == [r["order_id"] for r in want]
    for g, w in zip(got, want, strict=True):
        for c in COLS:
            a, b = g[c], w[c]
            tol = 1e-6 if c == "secs_since_open" else 1e-9
            ok = (a is None and b is None) or (
                a is not None and b is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol))
            assert ok, (c, g["order_id"], a, b)
    return got


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 120), n_hist=st.integers(1, 12),
       min_hist=st.integers(1, 4))
def test_order_features_when_random_orders_then_match_numpy_twin(mem_store, seed, n, n_hist,
                                                                 min_hist):
    cfg = FeatureConfig(trader_history=n_hist, trader_min_history=min(min_hist, n_hist))
    load(mem_store, random_market(seed, span_s=40.0, n_quotes=300, n_trades=200, n_book=200))
    build(mem_store, cfg)
    _check(mem_store, random_orders(seed, n, 45.0), scores([T0 + 5 * 10**9, T0 + 20 * 10**9]), cfg)


def test_order_features_when_later_orders_change_then_earlier_rows_unchanged(mem_store):
    cfg = FeatureConfig(trader_history=10, trader_min_history=3)
    load(mem_store, random_market(2, span_s=30.0))
    build(mem_store, cfg)
    orders = random_orders(2, 60, 30.0)
    before = _check(mem_store, orders, scores([]), cfg)
    late = pa.compute.greater(orders.column("order_id"), 40)
    bumped = orders.set_column(orders.schema.get_field_index("qty"), "qty", pa.compute.if_else(
        late, pa.compute.multiply(orders.column("qty"), 1000), orders.column("qty")))
    after = _check(mem_store, bumped, scores([]), cfg)
    for b, a in zip(before[:41], after[:41], strict=True):
        for c in ("qty_z", "qty_over_trader_median", "qty_over_trader_max"):
            assert b[c] == a[c], c
    assert any(a["qty_over_trader_median"] != b["qty_over_trader_median"]
               for b, a in zip(before[41:], after[41:], strict=True))


def test_order_features_when_no_risk_score_yet_then_anomaly_null_else_latest(mem_store):
    cfg = FeatureConfig()
    load(mem_store, random_market(6, span_s=20.0))
    build(mem_store, cfg)
    got = _check(mem_store, random_orders(6, 40, 20.0), scores([T0 + 10 * 10**9]), cfg)
    early = [r for r in got if r["ts"].value < T0 + 10 * 10**9 or r["sym"] != "AAA"]
    late = [r for r in got if r["ts"].value >= T0 + 10 * 10**9 and r["sym"] == "AAA"]
    assert early and all(r["anomaly_score"] is None for r in early)
    assert late and all(r["anomaly_score"] == 0.5 for r in late)


def test_order_features_when_limit_buy_above_ask_then_cross_positive(mem_store):
    cfg = FeatureConfig()
    load(mem_store, random_market(7, span_s=20.0, p_crossed=0.0, p_one_sided=0.0))
    build(mem_store, cfg)
    got = _check(mem_store, random_orders(7, 80, 20.0), scores([]), cfg)
    assert any(r["cross_bps"] and r["cross_bps"] > 0 for r in got)
    assert all(r["cross_bps"] is None for r in got if r["order_type"] != "LIMIT")


def test_order_features_when_features_not_built_then_stale_warning(mem_store):
    import pytest

    from features.errors import StaleFeaturesWarning

    load(mem_store, random_market(6, span_s=20.0))  # clears features, builds nothing
    mem_store.query("DELETE FROM orders")
    mem_store.ingest("orders", random_orders(6, 10, 20.0), session=None)
    with pytest.warns(StaleFeaturesWarning, match="features build"):
        tbl = order_features(mem_store)
    assert tbl.num_rows == 10


def test_secs_since_open_when_overnight_session_then_counted_from_the_evening_before(tmp_path):
    import warnings

    from tsdb import Store
    from tsdb.calendars import calendar

    cme = FeatureConfig(session=calendar({"tz": "America/Chicago", "open": "17:00",
                                          "close": "16:00"}))
    at = [int(np.datetime64(t, "ns").astype(np.int64)) for t in
          ("2026-12-01T14:00", "2026-11-30T23:30", "2026-12-01T05:59:59")]  # UTC
    with Store.from_conf(f"duckdb::path={tmp_path / 'o.duckdb'}", session=None) as s:
        s.ingest("orders", pa.table({
            "ts": pa.array(at, pa.timestamp("ns")), "order_id": np.arange(3, dtype=np.int64),
            "trader": ["t"] * 3, "strategy": ["s"] * 3, "sym": ["ES"] * 3, "side": ["B"] * 3,
            "qty": pa.array([1.0] * 3), "price": pa.array([None] * 3, pa.float64()),
            "order_type": ["MARKET"] * 3}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no market state stored: mid is NULL
            got = order_features(s, cme).sort_by("order_id").column("secs_since_open")
    # 08:00 / 17:30 / 23:59:59 Chicago (CST): 15 h, 0.5 h and ~7 h after the 17:00 open
    assert got.to_pylist() == [15 * 3600.0, 1800.0, 6 * 3600.0 + 3599.0]
