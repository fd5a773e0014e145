"""The demo's headline claims, asserted from a live run's own numbers (small size: 2 symbols,
30 minutes, 2 training days; the demo's own seed 2026, never used in training)."""

from __future__ import annotations

import json

import pytest

from adaptrisk.demo import DemoConfig, run_sim_demo

MIN = 30.0
PLAN = (("normal", 101, MIN, None, 0.01), ("flash_crash", 102, MIN, MIN * 0.6, 0.01))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    cfg = DemoConfig(db=str(d / "demo.duckdb"), train_db=str(d / "train.duckdb"),
                     reports=str(d / "reports"), run_id="acc", symbols=2, minutes=MIN,
                     train_plan=PLAN)
    facts = run_sim_demo(cfg, out=lines.append)
    return facts, "\n".join(lines), d / "reports" / "acc"


@pytest.mark.slow
def test_demo_when_seller_sends_200_lots_in_crash_then_static_accepts_and_adaptive_rejects(run):
    facts, _, _ = run
    lo = facts["large_order"]
    assert lo["qty"] == 200 and lo["ts"] > facts["onset_ns"]
    assert (lo["static"], lo["dynamic"]) == ("ACCEPT", "REJECT")
    assert "MAX_QTY" in lo["dynamic_reasons"]


@pytest.mark.slow
def test_demo_when_crash_starts_then_limits_tighten_and_alert_before_trough(run):
    facts, _, _ = run
    onset, trough = facts["onset_ns"], facts["trough_ns"]
    assert facts["first_cut_ns"] is not None and onset <= facts["first_cut_ns"] < trough
    assert facts["first_high_alert_ns"] is not None and facts["first_high_alert_ns"] < trough
    assert facts["min_dynamic_qty_in_crash"] < 200 <= facts["static_max_qty"]


@pytest.mark.slow
def test_demo_when_market_calm_then_no_more_valid_orders_blocked_than_static(run):
    facts, _, _ = run
    assert facts["calm_valid_orders"] > 1000
    assert facts["calm_blocked_dynamic"] <= facts["calm_blocked_static"]


@pytest.mark.slow
def test_demo_when_crash_then_seller_gets_fewer_lots_through_than_static(run):
    facts, _, _ = run
    assert facts["seller_lots_dynamic"] < facts["seller_lots_static"]
    assert facts["seller_shortfall_dynamic"] < facts["seller_shortfall_static"]


@pytest.mark.slow
def test_demo_when_done_then_report_and_table_written(run):
    facts, text, folder = run
    assert "== Around the crash onset" in text and "seller's 200-lot MARKET sell" in text
    page = (folder / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 4
    for name in ("price.png", "anomaly.png", "max_qty.png", "blocked.png"):
        assert (folder / name).stat().st_size > 10_000
    assert json.loads((folder / "summary.json").read_text())["large_order"]["dynamic"] == "REJECT"
    assert facts["demo_seed"] not in facts["train_seeds"]
