"""Fractional quantities (issue 17, point 2): market-data sizes are DOUBLE in every dialect,
checked against the symbol's lot size where its instrument lists one, and a DuckDB store made
by the older (BIGINT) DDL is widened once on open, its rows kept."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from features.build import build
from features.config import FeatureConfig
from tsdb import BatchRejected, Store
from tsdb.calendars import calendar
from tsdb.instruments import Instrument, Instruments

NS = 1_000_000_000
T0 = int(np.datetime64("2026-06-20T23:45:00", "ns").astype(np.int64))  # a Saturday, UTC
BTC = Instruments(default=calendar("24/7"),
                  instruments=(Instrument(sym="BTCUSD", calendar="24/7", lot_size=1e-8),))

# The DDL of trades, quotes and book before issue 17 (sql/duckdb/0{1,2,3}0_*.sql at 47d3644).
OLD_DDL = """
CREATE TABLE trades (ts TIMESTAMP_NS NOT NULL, sym VARCHAR NOT NULL, price DOUBLE NOT NULL,
    size BIGINT NOT NULL, side VARCHAR NOT NULL, trade_id BIGINT NOT NULL);
CREATE TABLE quotes (ts TIMESTAMP_NS NOT NULL, sym VARCHAR NOT NULL, bid DOUBLE, ask DOUBLE,
    bid_size BIGINT NOT NULL, ask_size BIGINT NOT NULL);
CREATE TABLE book (ts TIMESTAMP_NS NOT NULL, sym VARCHAR NOT NULL, bid_px DOUBLE[10] NOT NULL,
    bid_sz BIGINT[10] NOT NULL, ask_px DOUBLE[10] NOT NULL, ask_sz BIGINT[10] NOT NULL);
INSERT INTO trades VALUES (make_timestamp_ns(1782085500000000000), 'AAA', 100.0, 300, 'B', 1);
INSERT INTO quotes VALUES (make_timestamp_ns(1782085500000000000), 'AAA', 99.99, 100.01, 500, 700);
INSERT INTO book VALUES (make_timestamp_ns(1782085500000000000), 'AAA',
    [99.99, 99.98, 99.97, 99.96, 99.95, 99.94, 99.93, 99.92, 99.91, 99.9], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [100.01, 100.02, 100.03, 100.04, 100.05, 100.06, 100.07, 100.08, 100.09, 100.1], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
"""


def crypto_trades(sizes, *, t0=T0, sym="BTCUSD") -> pa.Table:
    n = len(sizes)
    return pa.table({
        "ts": pa.array(t0 + np.arange(n, dtype=np.int64) * 30_000_000, pa.timestamp("ns")),
        "sym": [sym] * n, "price": [64_250.5] * n, "size": pa.array(sizes, pa.float64()),
        "side": (["B", "S"] * n)[:n], "trade_id": np.arange(n, dtype=np.int64),
    })


def crypto_quotes(t0=T0, sym="BTCUSD") -> pa.Table:
    """A quote a second before the prints and one a second after (the build's last bucket
    ends at the last event)."""
    return pa.table({"ts": pa.array([t0 - NS, t0 + NS], pa.timestamp("ns")), "sym": [sym] * 2,
                     "bid": [64_250.0] * 2, "ask": [64_251.0] * 2, "bid_size": [0.75, 0.5],
                     "ask_size": [1.25, 0.00012345]})


def _types(path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {f"{t}.{c}": d for t, c, d in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_name IN ('trades', 'quotes', 'book')").fetchall()}
    finally:
        con.close()


def test_ingest_when_btc_sizes_on_the_satoshi_lot_then_stored_exactly_and_volumes_summed(tmp_path):
    # 0.05 + 0.25 + 0.00000001 + 1.5 BTC, buyer minus seller: 0.05 - 0.25 + 1e-8 - 1.5
    sizes = [0.05, 0.25, 0.00000001, 1.5]
    with Store.from_conf(f"duckdb::path={tmp_path / 'c.duckdb'}", session=BTC) as s:
        s.ingest("quotes", crypto_quotes())
        s.ingest("trades", crypto_trades(sizes))
        got = s.query("SELECT size FROM trades ORDER BY trade_id").column("size").to_pylist()
        assert got == sizes
        build(s, FeatureConfig(session=BTC))
        f = s.query("SELECT sum(volume) AS v, sum(signed_volume) AS sv, "
                    "sum(trade_count) AS n FROM features").to_pylist()[0]
    assert f["n"] == 4
    assert f["v"] == pytest.approx(1.80000001, rel=1e-15)
    assert f["sv"] == pytest.approx(-1.69999999, rel=1e-15)


def test_ingest_when_size_not_a_multiple_of_the_lot_then_rejected_naming_row_column_value(tmp_path):
    sizes = [0.05, 0.25, 0.000000015, 1.5]  # row 2: 1.5 satoshi
    with Store.from_conf(f"duckdb::path={tmp_path / 'c.duckdb'}", session=BTC) as s:
        with pytest.raises(BatchRejected) as e:
            s.ingest("trades", crypto_trades(sizes))
        assert s.count("trades") == 0
    assert (e.value.row, e.value.column) == (2, "size")
    assert "1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08" in str(e.value)


def test_ingest_when_book_level_off_the_lot_then_rejected_naming_row_and_level(tmp_path):
    lot = Instruments(default=calendar("24/7"),
                      instruments=(Instrument(sym="ETHUSD", calendar="24/7", lot_size=0.001),))
    levels = [[0.5] * 10, [0.5, 0.25, 0.0015] + [0.0] * 7]  # row 1, level 3: 1.5 lots
    book = pa.table({
        "ts": pa.array([T0, T0 + NS], pa.timestamp("ns")), "sym": ["ETHUSD"] * 2,
        "bid_px": pa.array([[3000.0 - i for i in range(10)]] * 2, pa.list_(pa.float64(), 10)),
        "bid_sz": pa.array(levels, pa.list_(pa.float64(), 10)),
        "ask_px": pa.array([[3001.0 + i for i in range(10)]] * 2, pa.list_(pa.float64(), 10)),
        "ask_sz": pa.array([[0.5] * 10] * 2, pa.list_(pa.float64(), 10)),
    })
    with Store.from_conf("duckdb::path=:memory:", session=lot) as s:
        with pytest.raises(BatchRejected) as e:
            s.ingest("book", book)
        assert s.count("book") == 0
    assert (e.value.row, e.value.column) == (1, "bid_sz")
    assert "0.0015 (level 3) is not a multiple of ETHUSD's lot_size 0.001" in str(e.value)


def test_ingest_when_a_million_btc_in_satoshi_lots_then_not_refused_for_rounding(tmp_path):
    """1e6 BTC is 1e14 lots: the division's rounding (about 0.02 lots) is no off-grid size."""
    with Store.from_conf("duckdb::path=:memory:", session=BTC) as s:
        s.ingest("trades", crypto_trades([1_000_000.12345678, 0.07]))
        assert s.count("trades") == 2


def test_open_when_store_has_the_old_bigint_sizes_then_widened_once_rows_kept(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(OLD_DDL)
    con.close()
    assert _types(path)["trades.size"] == "BIGINT" and _types(path)["book.bid_sz"] == "BIGINT[10]"
    with Store.from_conf(f"duckdb::path={path}", session=None) as s:
        assert s._migrate() == []  # done on open; a second pass finds nothing
        assert s.query("SELECT size FROM trades").column("size").to_pylist() == [300.0]
        q = s.query("SELECT bid_size, ask_size FROM quotes").to_pylist()
        assert q == [{"bid_size": 500.0, "ask_size": 700.0}]
        b = s.query("SELECT bid_sz, ask_sz FROM book").to_pylist()[0]
        assert b["bid_sz"] == [float(x) for x in range(1, 11)]
        assert b["ask_sz"] == [float(x) for x in range(10, 0, -1)]
        s.ingest("trades", crypto_trades([0.05, 0.00000001]), session=BTC)
        got = s.query("SELECT size FROM trades ORDER BY sym, ts").column("size").to_pylist()
    assert got == [300.0, 0.05, 0.00000001]
    types = _types(path)
    assert types["trades.size"] == "DOUBLE" and types["quotes.ask_size"] == "DOUBLE"
    assert types["book.bid_sz"] == "DOUBLE[10]" and types["book.ask_sz"] == "DOUBLE[10]"
    assert types["trades.trade_id"] == "BIGINT"  # not a quantity: left alone
