"""Fractional quantities on QuestDB (issue 17, point 2): a BTC batch on the satoshi lot lands
as DOUBLE, its features equal DuckDB's, an off-lot size is refused before any byte is sent,
and a table made by the older DDL (LONG sizes) is widened on open with its rows kept."""

from __future__ import annotations

import math

import pytest

from features.build import build
from features.config import FeatureConfig
from tests.unit.tsdb.test_fractional_sizes import BTC, crypto_quotes, crypto_trades
from tsdb import BatchRejected, Store

pytestmark = pytest.mark.questdb
TOL = {"rel_tol": 1e-9, "abs_tol": 1e-12}  # the conformance suite's; the rest exact
OLD_TRADES = ("CREATE TABLE trades (ts TIMESTAMP_NS, sym SYMBOL, price DOUBLE, size LONG, "
              "side SYMBOL, trade_id LONG) TIMESTAMP(ts) PARTITION BY DAY WAL "
              "DEDUP UPSERT KEYS(ts, sym, trade_id)")


def column_types(store, table: str) -> dict[str, str]:
    """{column: QuestDB type name} of ``table`` on the server."""
    rows = store.query(f"SELECT \"column\", \"type\" FROM table_columns('{table}')").to_pylist()
    return {r["column"]: r["type"] for r in rows}


def test_ingest_when_btc_sizes_then_doubles_stored_and_features_equal_duckdb(
        questdb_store, tmp_path):
    sizes = [0.05, 0.25, 0.00000001, 1.5]
    cfg = FeatureConfig(session=BTC)
    with Store.from_conf(f"duckdb::path={tmp_path / 'c.duckdb'}", session=BTC) as duck:
        for store in (questdb_store, duck):
            store.ingest("quotes", crypto_quotes(), session=BTC)
            store.ingest("trades", crypto_trades(sizes), session=BTC)
            build(store, cfg)
        want = sorted(duck.query("SELECT * FROM features").to_pylist(), key=lambda r: r["ts"])
    got_sizes = questdb_store.query("SELECT size FROM trades ORDER BY trade_id")
    assert got_sizes.column("size").to_pylist() == sizes
    assert column_types(questdb_store, "trades")["size"] == "DOUBLE"
    got = sorted(questdb_store.read_table("features").to_pylist(), key=lambda r: r["ts"])
    assert len(got) == len(want) > 0
    bad = [(w["ts"], c) for g, w in zip(got, want, strict=True) for c, v in w.items()
           if not (math.isclose(g[c], v, **TOL) if isinstance(v, float) and isinstance(g[c], float)
                   else g[c] == v)]
    assert bad == []
    assert sum(r["volume"] for r in got) == pytest.approx(1.80000001, rel=1e-15)
    assert sum(r["signed_volume"] for r in got) == pytest.approx(-1.69999999, rel=1e-15)
    quotes = questdb_store.query("SELECT ask_size FROM quotes ORDER BY ts").column("ask_size")
    assert quotes.to_pylist() == [1.25, 0.00012345]


def test_ingest_when_size_off_the_satoshi_lot_then_rejected_naming_row_and_nothing_sent(
        questdb_store):
    with pytest.raises(BatchRejected) as e:
        questdb_store.ingest("trades", crypto_trades([0.05, 0.25, 0.000000015]), session=BTC)
    assert (e.value.row, e.value.column) == (2, "size")
    assert "1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08" in str(e.value)
    assert questdb_store.count("trades") == 0


def test_open_when_trades_has_the_old_long_size_then_widened_rows_kept(questdb_conf):
    with Store.from_conf(questdb_conf, session=None) as s:
        s.query("DROP TABLE IF EXISTS trades")
        s.query(OLD_TRADES)
        s.query("INSERT INTO trades VALUES ('2026-06-22T13:30:00.000000Z', 'AAA', 100.0, 300, "
                "'B', 1)")
    with Store.from_conf(questdb_conf, session=None) as s:  # applies the DDL, then migrates
        assert column_types(s, "trades")["size"] == "DOUBLE"
        assert s._migrate() == []
        s.ingest("trades", crypto_trades([0.05]), session=BTC)
        rows = s.query("SELECT sym, size FROM trades ORDER BY sym").to_pylist()
        s.query("TRUNCATE TABLE trades")
    assert rows == [{"sym": "AAA", "size": 300.0}, {"sym": "BTCUSD", "size": 0.05}]
