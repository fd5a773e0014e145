"""Features over the real GOOG LOBSTER day (2012-06-21), read from ../shared/data/lobster
beside the repo (the ``goog_zip`` fixture: skipped without it, failed under CI=true)."""

from __future__ import annotations

import datetime as dt
import math

import pytest


@pytest.fixture(scope="module")
def goog(tmp_path_factory, goog_zip):
    from features.build import build
    from tsdb import Store
    from tsdb.lobster import import_lobster

    path = tmp_path_factory.mktemp("goog") / "goog.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as store:
        import_lobster(store, goog_zip, symbol="GOOG", date=dt.date(2012, 6, 21))
        report = build(store)
        stats = store.query("""
            SELECT count(*) AS n, min(ts) AS first, max(ts) AS last,
                   min(spread_bps) AS min_spread, count(spread_bps) AS n_spread,
                   max(abs(imbalance_l1)) AS max_imb1, max(abs(imbalance_l5)) AS max_imb5,
                   max(abs(book_pressure)) AS max_press,
                   count(rv_1m) AS n_rv, max(rv_1m) AS max_rv, min(rv_1m) AS min_rv,
                   sum(trade_count) AS trades, count(*) FILTER (WHERE locked_crossed) AS crossed
            FROM features""").to_pylist()[0]
        n_trades = store.count("trades")
    return report, stats, n_trades


def test_build_when_goog_day_then_one_row_per_100ms_of_the_session(goog):
    report, stats, _ = goog
    assert report.rows == stats["n"] == 234_000  # 6.5 h / 100 ms
    assert stats["first"] == dt.datetime(2012, 6, 21, 13, 30, 0, 100_000)  # 09:30:00.1 EDT
    assert stats["last"] == dt.datetime(2012, 6, 21, 20, 0)  # 16:00 EDT


def test_build_when_goog_day_then_features_are_sane(goog):
    _, s, n_trades = goog
    assert s["min_spread"] > 0 and s["n_spread"] > 0.99 * s["n"]
    assert s["max_imb1"] <= 1 and s["max_imb5"] <= 1 and s["max_press"] <= 1
    assert s["n_rv"] > 0.99 * s["n"]
    assert math.isfinite(s["max_rv"]) and s["min_rv"] >= 0
    assert s["trades"] == n_trades  # every print lands in exactly one bucket
