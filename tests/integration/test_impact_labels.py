"""impact_labels from a hand-checkable book (issue 15): one buy that walks two levels and
one sell at the touch, on DuckDB and on the QuestDB twin of the query (same rows).

Hand arithmetic: the arrival quote is 10.00 x 10.01 (mid 10.005, spread 9.995 bps); the buy
takes 30 @ 10.01 and 20 @ 10.02 (vwap 10.014, slippage (10.014 / 10.005 - 1) 1e4 = 8.9955
bps); the later sell takes 10 @ 10.00 against the then quote 10.00 x 10.02 (mid 10.01,
slippage (1 - 10.00 / 10.01) 1e4 = 9.99 bps), with the buy's 50 lots in its volume_5m.
"""

import numpy as np
import pyarrow as pa
import pytest

from jaxmodels.impact import labels
from tsdb import canonical

T0 = int(np.datetime64("2026-06-22T14:00:00", "ns").astype(np.int64))  # 10:00 New York
S = 10**9


def _ts(v):
    return pa.array(np.asarray(v, np.int64), pa.timestamp("ns"))


def market() -> dict[str, pa.Table]:
    quotes = pa.table({
        "ts": _ts([T0, T0 + 2 * S, T0 + 60 * S]), "sym": ["AAA"] * 3,
        "bid": [10.00, 10.00, 10.00], "ask": [10.01, 10.02, 10.02],
        "bid_size": [40, 40, 10], "ask_size": [30, 25, 25]})
    trades = pa.table({
        "ts": _ts([T0 + 2 * S, T0 + 2 * S, T0 + 60 * S]), "sym": ["AAA"] * 3,
        "price": [10.01, 10.02, 10.00], "size": [30, 20, 10], "side": ["B", "B", "S"],
        "trade_id": [1, 2, 3]})
    schema = canonical.table_schema("features")
    cols = {}
    for f in schema:
        if f.name == "ts":
            cols["ts"] = _ts([T0 + S, T0 + 59 * S])
        elif f.name == "sym":
            cols["sym"] = pa.array(["AAA", "AAA"])
        elif f.name in ("depth5_ask", "depth5_bid"):
            cols[f.name] = pa.array([120.0, 90.0] if f.name == "depth5_ask" else [200.0, 70.0])
        elif f.name == "rv_1m":
            cols[f.name] = pa.array([1e-4, 2e-4])
        else:
            zero = [False, False] if pa.types.is_boolean(f.type) else [0, 0]
            cols[f.name] = pa.array([None, None] if f.nullable else zero, f.type)
    return {"quotes": quotes, "trades": trades, "features": pa.table(cols, schema=schema)}


def _fill(store) -> None:
    for name, t in market().items():
        store.ingest(name, t)


def _rows(store) -> list[dict]:
    t = labels.read(store)
    return [{k: (round(v, 9) if isinstance(v, float) else v) for k, v in r.items()}
            for r in t.to_pylist()]


def test_labels_when_buy_walks_two_levels_then_slippage_by_hand(store):
    _fill(store)
    assert labels.build(store) == 2
    buy, sell = _rows(store)
    assert (buy["side"], buy["qty"], buy["n_prints"], buy["depth1"]) == ("B", 50, 2, 30)
    assert buy["vwap"] == pytest.approx(10.014)
    assert buy["slippage_bps"] == pytest.approx((10.014 / 10.005 - 1) * 1e4)
    assert buy["spread_bps"] == pytest.approx(0.01 / 10.005 * 1e4)
    assert (buy["depth5"], buy["volume_5m"], buy["rv_1m"]) == (120.0, 0, 1e-4)
    assert buy["anomaly_score"] is None
    assert (sell["side"], sell["qty"], sell["depth1"], sell["depth5"]) == ("S", 10, 40, 70.0)
    assert sell["slippage_bps"] == pytest.approx((1 - 10.00 / 10.01) * 1e4)
    assert sell["volume_5m"] == 50


def test_labels_when_rerun_then_nothing_written_twice(store):
    _fill(store)
    assert labels.build(store) == 2
    assert labels.build(store) == 0
    assert store.count("impact_labels") == 2


@pytest.mark.questdb
def test_labels_when_questdb_twin_then_same_rows_as_duckdb(store, questdb_store):
    for s in (store, questdb_store):
        _fill(s)
        assert labels.build(s) == 2
    assert _rows(questdb_store) == _rows(store)


def _book() -> pa.Table:
    lv = 10
    return pa.table({
        "ts": _ts([T0 + S, T0 + 59 * S]), "sym": ["AAA", "AAA"],
        "bid_px": pa.array([[10.00 - 0.01 * i for i in range(lv)]] * 2,
                           pa.list_(pa.float64(), lv)),
        "bid_sz": pa.array([[40] * lv, [10] * lv], pa.list_(pa.int64(), lv)),
        "ask_px": pa.array([[10.01 + 0.01 * i for i in range(lv)]] * 2,
                           pa.list_(pa.float64(), lv)),
        "ask_sz": pa.array([[30] * lv, [25] * lv], pa.list_(pa.int64(), lv))})


def _advice_inputs(store) -> dict:
    p = {"since": T0, "step": 30 * S, "n": 3}
    return {
        "state": store.query_file("impact/market_state.sql", {"at": T0 + 61 * S}).to_pylist(),
        "profile": store.query_file("impact/volume_profile.sql", p).to_pylist(),
        "book": [{k: ([float(x) for x in v] if isinstance(v, list) else v) for k, v in r.items()}
                 for r in store.query_file("impact/book_window.sql", {
                     "sym": "AAA", "since": T0, "until": T0 + 60 * S}).to_pylist()]}


def test_advice_inputs_when_hand_market_then_state_profile_and_book_by_hand(store):
    _fill(store)
    store.ingest("book", _book())
    got = _advice_inputs(store)
    (st,) = got["state"]
    assert (st["bid_size"], st["ask_size"], st["volume_5m"]) == (10, 25, 60)
    assert (st["depth5_bid"], st["depth5_ask"], st["ts_ns"]) == (70.0, 90.0, T0 + 59 * S)
    assert got["profile"] == [{"sym": "AAA", "k": 0, "volume": 50},
                              {"sym": "AAA", "k": 2, "volume": 10}]
    assert [b["ts_ns"] for b in got["book"]] == [T0 + S, T0 + 59 * S]


@pytest.mark.questdb
def test_advice_inputs_when_questdb_twins_then_same_rows_as_duckdb(store, questdb_store):
    for s in (store, questdb_store):
        _fill(s)
        s.ingest("book", _book())
    assert _advice_inputs(questdb_store) == _advice_inputs(store)
