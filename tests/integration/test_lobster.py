"""The real LOBSTER GOOG and AAPL 2012-06-21 samples, read from ../shared/data/lobster/.

Expected counts were produced with awk over the unzipped message files, e.g.
``unzip -p GOOG.zip '*message*' | awk -F, '{c[$2]++} END {for (k in c) print k, c[k]}'``:
GOOG: 71258 submissions, 19 partial cancels, 64961 deletions, 7765 visible and 3913 hidden
executions (147916 messages); AAPL: 118497 messages with 23658 + 11332 executions.
"""

import datetime as dt
import zipfile

import numpy as np
import pytest

from tsdb.lobster import import_lobster, read_lobster


@pytest.fixture(scope="module")
def goog_store(tmp_path_factory, goog_zip):
    from tsdb import Store

    s = Store.from_conf(f"duckdb::path={tmp_path_factory.mktemp('lob') / 'goog.duckdb'}")
    summary = import_lobster(s, goog_zip)
    yield s, summary
    s.close()


def test_import_when_goog_day_then_message_count_matches_file(goog_store):
    store, summary = goog_store
    assert summary.messages == 147_916 == store.count("messages")
    rows = store.query("SELECT event_type, count(*) AS n FROM messages GROUP BY 1").to_pylist()
    counts = {r["event_type"]: r["n"] for r in rows}
    assert counts == {1: 71_258, 2: 19, 3: 64_961, 4: 7_765, 5: 3_913}


def test_import_when_goog_day_then_trades_equal_execution_messages(goog_store):
    store, summary = goog_store
    assert summary.trades == summary.executions == 7_765 + 3_913 == store.count("trades")


def test_import_when_goog_day_then_aggressor_is_opposite_of_resting_side(goog_store):
    store, _ = goog_store
    mism = store.query(
        "SELECT count(*) AS n FROM trades t JOIN messages m ON t.trade_id = m.seq "
        "WHERE (m.direction = -1 AND t.side <> 'B') OR (m.direction = 1 AND t.side <> 'S')"
    ).column("n")[0].as_py()
    assert mism == 0


def test_import_when_goog_day_then_price_range_is_the_days(goog_store):
    store, summary = goog_store
    # GOOG traded between about $563 and $580 on 2012-06-21 (prices in the file are x 10,000)
    assert 560 < summary.price_min < 566 and 577 < summary.price_max < 582
    lo, hi = store.query("SELECT min(price), max(price) FROM trades").to_pylist()[0].values()
    assert (lo, hi) == (summary.price_min, summary.price_max)


def test_import_when_goog_day_then_bid_below_ask_throughout(goog_store):
    store, _ = goog_store
    q = store.query("SELECT count(*) AS n FROM quotes WHERE bid >= ask").column("n")[0].as_py()
    b = store.query("SELECT count(*) AS n FROM book WHERE bid_px[1] >= ask_px[1]").column("n")[0].as_py()
    assert q == 0 and b == 0


def test_import_when_goog_day_then_book_grid_covers_session(goog_store):
    store, _ = goog_store
    r = store.query("SELECT count(*) AS n, min(ts) AS lo, max(ts) AS hi FROM book").to_pylist()[0]
    assert r["n"] == 234_000  # 6.5 h / 100 ms
    assert str(r["lo"]) == "2012-06-21 13:30:00.100000" and str(r["hi"]) == "2012-06-21 20:00:00"


def test_import_when_goog_day_then_levels_sorted_and_sizes_positive(goog_store):
    store, _ = goog_store
    bad = store.query(
        "SELECT count(*) AS n FROM book WHERE NOT (list_sort(bid_px::DOUBLE[], 'DESC') = bid_px::DOUBLE[] "
        "AND list_sort(ask_px::DOUBLE[]) = ask_px::DOUBLE[] AND list_min(bid_sz::BIGINT[]) > 0)"
    ).column("n")[0].as_py()
    assert bad == 0


def test_read_when_snapshot_grid_then_book_is_last_state_at_or_before_grid_time(goog_zip):
    with zipfile.ZipFile(goog_zip) as zf:
        names = sorted(zf.namelist())
        msg = zf.read(next(n for n in names if "message" in n))
        ob = zf.read(next(n for n in names if "orderbook" in n))
    t = read_lobster(msg, ob, symbol="GOOG", date=dt.date(2012, 6, 21))
    lines = ob.decode().splitlines()
    times = np.array([float(x.split(",", 1)[0]) for x in msg.decode().splitlines()])
    k = 1000  # snapshot at 09:30:00 + 100.1 s
    grid_s = 34200 + (k + 1) * 0.1
    i = int(np.searchsorted(times, grid_s, side="right") - 1)
    row = t["book"].slice(k, 1).to_pylist()[0]
    first = [int(v) for v in lines[i].split(",")[:4]]
    assert row["ask_px"][0] == first[0] / 1e4 and row["ask_sz"][0] == first[1]
    assert row["bid_px"][0] == first[2] / 1e4 and row["bid_sz"][0] == first[3]


def test_read_when_level1_file_then_deeper_levels_empty(aapl_zip):
    from tsdb.lobster import find_files

    msg, ob, sym, day = find_files(aapl_zip)
    t = read_lobster(msg, ob, symbol=sym, date=day)
    r = t["book"].slice(5, 1).to_pylist()[0]
    assert r["bid_px"][1:] == [None] * 9 and r["ask_sz"][1:] == [0] * 9
    assert t["messages"].num_rows == 118_497
    assert t["trades"].num_rows == 23_658 + 11_332


def test_read_when_halt_messages_then_kept_with_state():
    # a stylised halt sequence from the LOBSTER readme: halt, quoting, resume
    msg = (b"34200.1,1,1,100,5000000,1\n34200.2,1,2,100,5010000,-1\n"
           b"36023,7,0,0,-1,-1\n36323,7,0,0,0,-1\n36723,7,0,0,1,-1\n36800,4,2,50,5010000,-1\n")
    book_row = b"5010000,100,5000000,100\n"
    ob = b"9999999999,0,5000000,100\n" + book_row * 4 + b"5010000,50,5000000,100\n"
    t = read_lobster(msg, ob, symbol="X", date=dt.date(2012, 6, 21))
    m = t["messages"].to_pylist()
    assert [r["halt_state"] for r in m] == [None, None, "HALTED", "QUOTING", "TRADING", None]
    assert [r["price"] for r in m if r["event_type"] == 7] == [None, None, None]
    assert t["quotes"].to_pylist()[0]["ask"] is None  # dummy ask price -> empty side
    assert t["trades"].to_pylist()[0]["side"] == "B"


def test_read_when_row_counts_differ_then_clear_error():
    with pytest.raises(ValueError, match="orderbook has 2 rows but the message file has 1"):
        read_lobster(b"34200.1,1,1,100,5000000,1\n", b"1,1,1,1\n1,1,1,1\n",
                     symbol="X", date=dt.date(2012, 6, 21))


def test_readme_when_goog_day_described_then_figures_are_the_imports(goog_store):
    """The README's "GOOG's day: N messages, N executions, prices A-B, N book snapshots"
    is what the import of the sample file gives."""
    import pathlib
    import re

    store, summary = goog_store
    text = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    m = re.search(r"GOOG's day: ([\d,]+)\s+messages, ([\d,]+) executions, prices "
                  r"([\d.]+)-([\d.]+), ([\d,]+) book snapshots", text)
    assert m, "README no longer describes GOOG's day"
    n = [int(m[i].replace(",", "")) for i in (1, 2, 5)]
    assert n == [summary.messages, summary.trades, store.count("book")]
    assert (float(m[3]), float(m[4])) == (round(summary.price_min, 2), round(summary.price_max, 2))
