"""fat_finger_limits on QuestDB answers as on DuckDB: the enforcer's poll (latest per
(sym, trader) after a watermark) and the replay's ASOF join per (sym, trader)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.unit.enforcer.helpers import T0

S = 10**9


def _ff(rows: list[tuple[int, str, str, int]]) -> pa.Table:
    return pa.table({"ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
                     "sym": [r[1] for r in rows], "trader": [r[2] for r in rows],
                     "fat_finger_max_qty": pa.array([r[3] for r in rows], pa.int64()),
                     "model_version": ["g"] * len(rows)})


def _orders(rows: list[tuple[int, int, str, str]]) -> pa.Table:
    n = len(rows)
    return pa.table({"ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
                     "order_id": [r[1] for r in rows], "trader": [r[2] for r in rows],
                     "strategy": ["s"] * n, "sym": [r[3] for r in rows], "side": ["B"] * n,
                     "qty": [10] * n, "price": [100.0] * n, "order_type": ["LIMIT"] * n})


@pytest.mark.questdb
def test_fat_finger_queries_when_same_rows_then_questdb_answers_as_duckdb(store, questdb_store):
    ff = _ff([(T0, "A", "t1", 40), (T0 + S, "A", "t1", 50), (T0 + S, "A", "t2", 7),
              (T0 + 2 * S, "B", "t1", 300)])
    orders = _orders([(T0 - S, 1, "t1", "A"), (T0 + S // 2, 2, "t1", "A"),
                      (T0 + S, 3, "t1", "A"), (T0 + 3 * S, 4, "t2", "A"),
                      (T0 + 3 * S, 5, "t1", "B"), (T0 + 3 * S, 6, "t3", "B")])
    for s in (store, questdb_store):
        s.ingest("fat_finger_limits", ff, session=None)
        s.ingest("orders", orders, session=None)
    polls = [[(r["ts_ns"], r["sym"], r["trader"], r["fat_finger_max_qty"]) for r in
              s.query_file("queries/latest_fat_finger.sql", [since]).to_pylist()]
             for since in (T0 - 1, T0 + S) for s in (store, questdb_store)]
    assert polls[0] == polls[1] == [(T0 + S, "A", "t1", 50), (T0 + S, "A", "t2", 7),
                                    (T0 + 2 * S, "B", "t1", 300)]
    assert polls[2] == polls[3] == [(T0 + 2 * S, "B", "t1", 300)]
    joined = [{r["order_id"]: r["fat_finger_max_qty"] for r in s.query_file(
        "enforcer/replay_orders.sql", [T0 - 10 * S, T0 + 10 * S]).to_pylist()}
        for s in (store, questdb_store)]
    assert joined[0] == joined[1] == {1: None, 2: 40, 3: 50, 4: 7, 5: 300, 6: None}
