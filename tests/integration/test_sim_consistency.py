"""Simulator output: determinism, session bounds, mutual consistency of trades, quotes and
book, and a real ingest into the DuckDB store (which re-checks every row)."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.compute as pc
import pytest

from sim import SimConfig, simulate
from sim.measure import book_arrays, for_sym

CFG = SimConfig(scenario="flash_crash", n_symbols=3, minutes=60.0, seed=7)
NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def res():
    return simulate(CFG)


def _ns(col):
    return np.asarray(col.cast("int64").to_numpy(), dtype=np.int64)


def test_simulate_when_same_seed_then_bit_identical_tables(res):
    again = simulate(CFG)
    for name, tbl in res.tables().items():
        assert tbl.equals(again.tables()[name]), name
    assert again.n_book_events == res.n_book_events


def test_simulate_when_other_seed_then_tables_differ(res):
    other = simulate(SimConfig(scenario="flash_crash", n_symbols=3, minutes=60.0, seed=8))
    for name in ("trades", "quotes", "book", "orders"):
        assert not other.tables()[name].equals(res.tables()[name]), name


def test_simulate_when_any_table_then_timestamps_inside_the_session_and_sorted(res):
    open_ns = res.open_ns
    assert dt.datetime.fromtimestamp(open_ns / 1e9, NY).time() == dt.time(9, 30)
    end_ns = open_ns + int(CFG.minutes * 60e9)
    close_ns = int(dt.datetime(2026, 6, 22, 16, 0, tzinfo=NY).timestamp()) * 10**9
    for name, tbl in res.tables().items():
        for col in ("ts", "start_ts", "end_ts"):
            if col in tbl.column_names:
                t = _ns(tbl[col])
                assert t.min() >= open_ns and t.max() <= min(end_ns, close_ns), (name, col)
                if col == "ts":
                    assert np.all(np.diff(t) >= 0), name


def test_simulate_when_ids_sizes_prices_then_unique_and_positive(res):
    tr, od = res.trades, res.orders
    assert len(np.unique(tr["trade_id"].to_numpy())) == tr.num_rows
    assert len(np.unique(od["order_id"].to_numpy())) == od.num_rows
    assert pc.min(tr["price"]).as_py() > 0 and pc.min(tr["size"]).as_py() > 0
    assert pc.min(od["qty"]).as_py() > 0
    assert set(tr["side"].to_pylist()) == {"B", "S"}
    assert res.n_book_events > 100_000


@pytest.mark.parametrize("sym", CFG.symbol_names)
def test_book_when_every_snapshot_then_bid_below_ask_and_levels_ordered(res, sym):
    bk = book_arrays(res.book, sym, res.open_ns)
    assert bk.ts_ns.shape[0] == 36_001  # 0 .. 3600 s every 100 ms
    both = np.isfinite(bk.bid_px[:, 0]) & np.isfinite(bk.ask_px[:, 0])
    assert both.mean() > 0.999  # an empty side is allowed (NULL) but rare
    assert np.all(bk.bid_px[both, 0] < bk.ask_px[both, 0])
    for px, sz, sign in ((bk.bid_px, bk.bid_sz, -1), (bk.ask_px, bk.ask_sz, 1)):
        occ = np.isfinite(px)
        assert np.all((sz > 0) == occ)
        assert np.all(np.diff(px, axis=1)[occ[:, 1:]] * sign > 0)


@pytest.mark.parametrize("sym", CFG.symbol_names)
def test_quotes_when_asof_each_snapshot_then_equal_book_level_one(res, sym):
    bk = book_arrays(res.book, sym, res.open_ns)
    q = for_sym(res.quotes, sym)
    q_ts = _ns(q["ts"]) - res.open_ns
    k = np.searchsorted(q_ts, bk.ts_ns, side="right") - 1  # last quote with ts <= snapshot
    assert np.all(k >= 0)
    bid = q["bid"].to_numpy(zero_copy_only=False)[k]
    ask = q["ask"].to_numpy(zero_copy_only=False)[k]
    np.testing.assert_array_equal(bid, bk.bid_px[:, 0])
    np.testing.assert_array_equal(ask, bk.ask_px[:, 0])
    np.testing.assert_array_equal(q["bid_size"].to_numpy()[k], bk.bid_sz[:, 0])
    np.testing.assert_array_equal(q["ask_size"].to_numpy()[k], bk.ask_sz[:, 0])


@pytest.mark.parametrize("sym", CFG.symbol_names)
def test_trades_when_matched_to_prior_quote_then_at_or_through_the_touch_that_existed(res, sym):
    tr = for_sym(res.trades, sym)
    q = for_sym(res.quotes, sym)
    t_ts, q_ts = _ns(tr["ts"]), _ns(q["ts"])
    k = np.searchsorted(q_ts, t_ts, side="left") - 1  # quote in force just before the print
    assert np.all(k >= 0)
    bid = q["bid"].to_numpy(zero_copy_only=False)[k]
    ask = q["ask"].to_numpy(zero_copy_only=False)[k]
    px = tr["price"].to_numpy()
    buy = np.asarray(tr["side"].to_pylist()) == "B"
    first = np.r_[True, t_ts[1:] != t_ts[:-1]]  # first print of each sweep
    assert np.all(px[buy & first] == ask[buy & first])
    assert np.all(px[~buy & first] == bid[~buy & first])
    assert np.all(px[buy] >= ask[buy]) and np.all(px[~buy] <= bid[~buy])


def test_store_when_ingesting_every_table_then_all_rows_land(res, tmp_path):
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={tmp_path / 'sim.duckdb'}") as store:
        for name, tbl in res.tables().items():
            store.ingest(name, tbl)
            assert store.count(name) == tbl.num_rows, name
