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
