"""The demonstrated size of ``sql/duckdb/models/order_history.sql`` against a plain-Python
reading of its definition (``jaxmodels.layer1.Demonstrated``) on random order flows: per
order, the largest size sent at least max(k, share x n) times among the trader's n previous
orders in the symbol (the last ``hist``) that passed the static multiple of their median."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels import layer1
from jaxmodels.errors import ModelError

HIST, MIN_HIST = 20, 3  # the log-qty median window of order_history.sql in this test


def _reference(qty: list[int], demo: layer1.Demonstrated) -> list[float | None]:
    """demonstrated_qty of one (trader, sym) flow in time order, by the definition."""
    ok = []
    out: list[float | None] = []
    for i, q in enumerate(qty):
        prev = [j for j in range(max(0, i - demo.hist), i) if ok[j]]
        need = max(demo.k, math.ceil(demo.share * len(prev) - 1e-9))  # as the SQL
        top = sorted((qty[j] for j in prev), reverse=True)
        out.append(float(top[need - 1]) if len(top) >= need else None)
        h = [math.log(x) for x in qty[max(0, i - HIST):i]]
        ok.append(len(h) >= MIN_HIST and math.log(q) - statistics.median(h)
                  <= math.log(demo.fat_finger_threshold))
    return out


def _orders(flows: dict[tuple[str, str], list[int]]) -> pa.Table:
    rows = [(t * 10**9 + k, len(flows) * t + k, tr, sym, q)
            for k, ((tr, sym), qs) in enumerate(sorted(flows.items()))
            for t, q in enumerate(qs)]
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
        "order_id": pa.array([r[1] for r in rows], pa.int64()),
        "trader": [r[2] for r in rows], "strategy": ["s"] * n, "sym": [r[3] for r in rows],
        "side": ["B"] * n, "qty": pa.array([r[4] for r in rows], pa.int64()),
        "price": [100.0] * n, "order_type": ["LIMIT"] * n})


sizes = st.lists(st.one_of(st.integers(1, 30), st.sampled_from([400, 700, 5000])),
                 min_size=1, max_size=60)


@settings(max_examples=25, deadline=None)
@given(a=sizes, b=sizes, k=st.integers(2, 4), share=st.sampled_from([0.0, 0.1]),
       hist=st.integers(4, 40))
def test_demonstrated_qty_when_random_flows_then_sql_equals_definition(tmp_path_factory, a, b,
                                                                       k, share, hist):
    from tsdb import Store

    demo = layer1.Demonstrated(hist=hist, k=k, share=share)
    flows = {("t1", "A"): a, ("t1", "B"): b}
    path = tmp_path_factory.mktemp("d") / "s.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        s.ingest("orders", _orders(flows), session=None)
        got = s.query_file("models/order_history.sql", {
            "since": -(2**62), "until": 2**62, "hist": HIST, "min_hist": MIN_HIST,
            **demo.sql_params()})
    flow_of = {r["order_id"]: (r["trader"], r["sym"]) for r in _orders(flows).to_pylist()}
    by_flow: dict[tuple[str, str], list] = {f: [] for f in flows}
    for r in got.to_pylist():
        by_flow[flow_of[r["order_id"]]].append(r["demonstrated_qty"])
    for f, qs in flows.items():
        assert by_flow[f] == _reference(qs, demo)


def test_demonstrated_when_k_below_two_then_model_error():
    with pytest.raises(ModelError, match="k >= 2"):
        layer1.Demonstrated(k=1)


def test_gate_max_qty_when_demonstrated_then_raised_to_margin_times_it_else_trees():
    d = layer1.Demonstrated(margin=1.1)
    got = layer1.demonstrated_max(np.array([2000.0, np.nan, 7.0]), d)
    assert got.tolist() == [2200, 0, 7]  # floor(1.1 x 2000), none, floor(7.7)
