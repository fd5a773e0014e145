"""The console's queries on QuestDB answer as on DuckDB (same rows in both): overrides in
force and their latest rows, the audit trail, scores for the board, a decision by its log
record, and the disagreements to review with the market state of their time."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.unit.enforcer.helpers import T0

S = 10**9
TS = pa.timestamp("ns")


def _overrides() -> pa.Table:
    rows = [(T0, "o1", "AAA", "active", T0 + 100 * S), (T0 + S, "o1", "AAA", "withdrawn",
                                                        T0 + 100 * S),
            (T0, "o2", "BBB", "pending", T0 + 100 * S), (T0 + 2 * S, "o2", "BBB", "active",
                                                         T0 + 100 * S),
            (T0, "o3", "AAA", "active", T0 + 5 * S)]
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], TS), "override_id": [r[1] for r in rows],
        "sym": [r[2] for r in rows], "strategy": ["*"] * n, "limit_name": ["max_order_qty"] * n,
        "value": [400.0] * n, "direction": ["loosen"] * n, "status": [r[3] for r in rows],
        "expires_ts": pa.array([r[4] for r in rows], TS), "requested_by": ["olga"] * n,
        "approved_by": ["anna"] * n, "why": ["w"] * n})


def _decisions() -> pa.Table:
    rows = [(T0 + 10 * S, 1, "AAA", "ACCEPT", "REJECT", 7), (T0 + 11 * S, 2, "AAA", "ACCEPT",
                                                               "ACCEPT", 8),
            (T0 + 12 * S, 3, "BBB", "REJECT", "ACCEPT", 9)]
    n = len(rows)
    return pa.table({
        "ts": pa.array([r[0] for r in rows], TS), "order_id": [r[1] for r in rows],
        "verdict": [r[3] for r in rows], "reasons": [""] * n, "limits_version": ["v"] * n,
        "mode": ["shadow"] * n, "static_verdict": [r[3] for r in rows],
        "dynamic_verdict": [r[4] for r in rows], "static_reasons": [""] * n,
        "dynamic_reasons": ["MAX_QTY"] * n, "risk_state": ["Normal"] * n, "kind": ["NEW"] * n,
        "trader": ["t"] * n, "strategy": ["s"] * n, "sym": [r[2] for r in rows],
        "side": ["B"] * n, "qty": [10] * n, "price": [100.0] * n, "log_id": ["L"] * n,
        "seq": [r[5] for r in rows]})


def _fill(s) -> None:
    s.ingest("limit_overrides", _overrides(), session=None)
    s.ingest("decisions", _decisions(), session=None)
    s.ingest("quotes", pa.table({"ts": pa.array([T0, T0 + 11 * S], TS), "sym": ["AAA", "AAA"],
                                 "bid": [99.0, 98.0], "ask": [101.0, 100.0],
                                 "bid_size": [1, 1], "ask_size": [1, 1]}), session=None)
    s.ingest("risk_scores", pa.table({
        "ts": pa.array([T0 + 9 * S, T0 + 13 * S], TS), "sym": ["AAA", "BBB"],
        "anomaly_score": [2.5, 0.5], "tier": ["HIGH_ALERT", "NORMAL"],
        "model_version": ["m", "m"]}), session=None)
    s.ingest("review_labels", pa.table({
        "ts": pa.array([T0 + 20 * S, T0 + 21 * S], TS), "log_id": ["L", "L"], "seq": [7, 7],
        "order_id": [1, 1], "sym": ["AAA", "AAA"], "strategy": ["s", "s"],
        "static_verdict": ["ACCEPT"] * 2, "dynamic_verdict": ["REJECT"] * 2,
        "label": ["agree", "disagree"], "comment": ["a", "b"], "who": ["olga", "anna"]}),
        session=None)
    s.ingest("audit", pa.table({
        "ts": pa.array([T0, T0 + S], TS), "who": ["olga", "anna"], "role": ["operator",
                                                                         "approver"],
        "action": ["kill", "unkill"], "target": ["global", "global"], "why": ["x", "y"],
        "before": [None, "{}"], "after": ["{}", None]}), session=None)


def _answers(s) -> dict:
    q = s.query_file
    return {
        "in_force": [(r["override_id"], r["expires_ns"]) for r in
                     q("queries/overrides_in_force.sql", [T0 + 3 * S]).to_pylist()],
        "in_force_later": [r["override_id"] for r in
                           q("queries/overrides_in_force.sql", [T0 + 6 * S]).to_pylist()],
        "latest": [(r["override_id"], r["status"]) for r in
                   q("console/overrides_latest.sql", [10]).to_pylist()],
        "by_id": [r["status"] for r in q("console/override_by_id.sql", ["o2"]).to_pylist()],
        "audit": [(r["who"], r["action"], r["before"]) for r in
                  q("console/audit_recent.sql", [10]).to_pylist()],
        "scores": [(r["ts_ns"], r["sym"], r["tier"]) for r in
                   q("console/scores_since.sql", [T0 + 9 * S]).to_pylist()],
        "decision": q("console/decision_by_seq.sql", ["L", 9]).to_pylist(),
        "review": [(r["seq"], r["bid"], r["anomaly_score"], r["label"]) for r in
                   q("console/disagreements.sql", [10]).to_pylist()],
    }


@pytest.mark.questdb
def test_console_queries_when_same_rows_then_questdb_answers_as_duckdb(store, questdb_store):
    for s in (store, questdb_store):
        _fill(s)
    duck, quest = _answers(store), _answers(questdb_store)
    assert duck == {
        "in_force": [("o3", T0 + 5 * S), ("o2", T0 + 100 * S)],
        "in_force_later": ["o2"],
        "latest": [("o2", "active"), ("o1", "withdrawn"), ("o3", "active")],
        "by_id": ["active"],
        "audit": [("anna", "unkill", "{}"), ("olga", "kill", None)],
        "scores": [(T0 + 13 * S, "BBB", "NORMAL")],
        "decision": [{"order_id": 3, "sym": "BBB", "strategy": "s",
                      "static_verdict": "REJECT", "dynamic_verdict": "ACCEPT",
                      "verdict": "REJECT"}],
        "review": [(9, None, None, None), (7, 99.0, 2.5, "disagree")],
    }
    assert quest == duck
