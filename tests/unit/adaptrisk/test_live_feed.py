"""What a replay source hands the live loop: the market tables and, when it holds them, the
firm's OMS orders (layer 1's trader baselines); orders alone are not a session."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adaptrisk.errors import UsageError
from adaptrisk.live.feed import ReplayFeed, load_session


def _ts(*ns):
    return pa.array(list(ns), pa.timestamp("ns"))


def test_load_session_when_folder_holds_orders_then_replayed_with_the_market(tmp_path):
    pq.write_table(pa.table({"ts": _ts(30, 10), "sym": ["A", "A"], "price": [1.0, 2.0]}),
                   tmp_path / "trades.parquet")
    pq.write_table(pa.table({"ts": _ts(20), "sym": ["A"], "qty": [5]}),
                   tmp_path / "orders.parquet")
    tables = load_session(tmp_path)
    assert set(tables) == {"trades", "orders"}
    assert tables["trades"].column("ts").cast(pa.int64()).to_pylist() == [10, 30]
    feed = ReplayFeed(tables, speed=1.0, clock=lambda: 0)
    first = feed.take(20)
    assert {t: v.num_rows for t, v in first.items()} == {"trades": 1, "orders": 1}


def test_load_session_when_only_orders_then_one_line_error(tmp_path):
    pq.write_table(pa.table({"ts": _ts(20), "sym": ["A"], "qty": [5]}),
                   tmp_path / "orders.parquet")
    with pytest.raises(UsageError, match="holds no trades, quotes or book rows"):
        load_session(tmp_path)
