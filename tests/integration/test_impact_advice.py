"""The impact model's actions as tables (issue 15): exec_advice served at REST GET
/advice/{sym} by a real uvicorn server reading a real DuckDB file (no model call), the
latest-advice query equal on QuestDB, and the size cap folded into risk_limits rows only
ever tightening."""

import httpx
import numpy as np
import pyarrow as pa
import pytest

from enforcer.advice import AdviceBoard
from enforcer.rest.app import create_app
from enforcer.rest.config import RestConfig
from enforcer.rest.server import RestServer
from jaxmodels.impact import cap
from tests.unit.enforcer_fe.helpers import make_enforcer
from tests.unit.tsdb.helpers import OPEN_NS, limits

S = 10**9


def advice(rows: list[tuple]) -> pa.Table:
    """rows of (ts_ns, sym, algo, clip_qty, impact_max_qty)."""
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns")), "sym": [r[1] for r in rows],
        "algo": [r[2] for r in rows], "participation_cap": [0.1] * n,
        "clip_qty": [r[3] for r in rows], "impact_max_qty": [r[4] for r in rows],
        "budget_bps": [10.0] * n, "parent_qty": [1000] * n, "predicted_cost_bps": [3.5] * n,
        "model_version": ["impact-test"] * n})


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def test_advice_endpoint_when_rows_appended_then_newest_served_after_next_poll(store, tmp_path):
    store.ingest("exec_advice", advice([(OPEN_NS, "AAPL", "TWAP", 50, 200),
                                        (OPEN_NS + S, "AAPL", "POV", 20, 120)]))
    clock = Clock()
    board = AdviceBoard(store, min_interval_s=1.0, clock=clock)
    app = create_app(make_enforcer(tmp_path), config=RestConfig(token=None), advice=board)
    with RestServer(app) as server, \
            httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as c:
        r = c.get("/advice/AAPL")
        assert r.status_code == 200
        body = r.json()
        assert (body["algo"], body["clip_qty"], body["impact_max_qty"]) == ("POV", 20, 120)
        assert body["ts_ns"] == OPEN_NS + S and body["model_version"] == "impact-test"
        assert c.get("/advice/MSFT").status_code == 404
        store.ingest("exec_advice", advice([(OPEN_NS + 2 * S, "AAPL", "VWAP", 30, 90)]))
        assert c.get("/advice/AAPL").json()["algo"] == "POV"  # not polled yet
        clock.now += S
        assert c.get("/advice/AAPL").json()["algo"] == "VWAP"


def test_create_app_when_no_board_then_no_advice_route(tmp_path):
    app = create_app(make_enforcer(tmp_path), config=RestConfig(token=None))
    assert "/advice/{sym}" not in {getattr(r, "path", "") for r in app.routes}


@pytest.mark.questdb
def test_latest_advice_query_when_questdb_twin_then_same_rows(store, questdb_store):
    rows = advice([(OPEN_NS, "AAPL", "TWAP", 50, 200), (OPEN_NS + S, "AAPL", "POV", 20, 120),
                   (OPEN_NS, "MSFT", "VWAP", 10, 40)])
    out = []
    for s in (store, questdb_store):
        s.ingest("exec_advice", rows)
        out.append(s.query_file("queries/latest_exec_advice.sql", [OPEN_NS - 1]).to_pylist())
    assert out[0] == out[1] and [r["algo"] for r in out[0]] == ["POV", "VWAP"]


def test_tighten_when_cap_below_limit_then_max_order_qty_cut_and_never_loosened(store):
    store.ingest("exec_advice", advice([(OPEN_NS + S, "AAPL", "POV", 20, 120),
                                        (OPEN_NS + S, "MSFT", "TWAP", 50, 5000)]))
    lim = limits([(OPEN_NS, "AAPL", "*", 500), (OPEN_NS + 2 * S, "AAPL", "*", 500),
                  (OPEN_NS + 2 * S, "MSFT", "*", 500), (OPEN_NS + 2 * S, "IBM", "*", 500)])
    out = cap.tighten(store, lim).column("max_order_qty").to_pylist()
    # before the advice: unchanged; after: min(500, 120); a looser cap and no advice: 500
    assert out == [500, 120, 500, 500]


def test_apply_caps_when_cap_zero_then_floor_of_one_lot():
    lim = limits([(OPEN_NS, "AAPL", "*", 500)])
    out = cap.apply_caps(lim, {"AAPL": (OPEN_NS, 0)}).column("max_order_qty").to_numpy()
    assert np.array_equal(out, [1])
