"""The demo's headline claims, asserted from a live run's own numbers: the run ``make demo``
makes (default DemoConfig: 3 symbols x 60 min, seed 2026, never used in training; training
seeds 101-103), so what is asserted here is what it prints and what the README shows.

Goals: the first High alert comes at most 2 s after the crash onset (and before the
trough), the first limit cut before that alert. The README's demo block (rendered by
``bench.readme`` from a stored ``summary.json``) must read exactly what this run prints.
"""

from __future__ import annotations

import json
import re

import pytest

from adaptrisk.demo import DemoConfig, run_sim_demo
from adaptrisk.demo_text import format_headline
from bench import readme

NS = 1_000_000_000
ALERT_GOAL_S = 2.0


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    cfg = DemoConfig(db=str(d / "demo.duckdb"), train_db=str(d / "train.duckdb"),
                     reports=str(d / "reports"), run_id="acc")
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
def test_demo_when_live_daemon_gets_the_200_lots_over_fix_then_rejected_with_risk_state(run):
    facts, text, _ = run
    live, lo = facts["live"], facts["large_order"]
    assert live["order_qty"] == lo["qty"] == 200
    assert live["order"]["ord_status"] == "8"  # Rejected
    assert live["order"]["risk_state"].startswith("RiskAlert_")
    assert "MAX_QTY" in live["order"]["text"]
    in_crash = [q for t, q, _ in live["series"] if facts["onset_ns"] <= t <= lo["ts"]]
    assert in_crash and min(in_crash) < 200  # the cut was in force in the live daemon
    assert "REJECTED 8011=" in text


@pytest.mark.slow
def test_demo_when_crash_starts_then_high_alert_within_2s_and_before_trough(run):
    facts, _, _ = run
    onset, trough, alert = facts["onset_ns"], facts["trough_ns"], facts["first_high_alert_ns"]
    assert alert is not None and 0 <= (alert - onset) / NS <= ALERT_GOAL_S
    assert alert < trough


@pytest.mark.slow
def test_demo_when_crash_starts_then_first_limit_cut_before_first_high_alert(run):
    facts, _, _ = run
    onset, cut = facts["onset_ns"], facts["first_cut_ns"]
    assert cut is not None and onset <= cut < facts["first_high_alert_ns"]
    assert facts["min_dynamic_qty_in_crash"] < 200 <= facts["static_max_qty"]


@pytest.mark.slow
def test_demo_when_market_calm_then_no_more_valid_orders_blocked_than_static(run):
    """The adaptive limits block no more valid calm orders than the static rule set; layer
    1's fat-finger flags of valid orders (a classifier's false positives, which the static
    multiple-of-median rule does not have) are judged against the false-positive rate it is
    trained to: a one-sided binomial test at 1 %."""
    from scipy.stats import binom

    from jaxmodels.config import ModelsConfig

    facts, _, _ = run
    n, flagged = facts["calm_valid_orders"], facts["calm_blocked_dynamic_layer1"]
    assert n > 1000
    assert facts["calm_blocked_dynamic"] - flagged <= facts["calm_blocked_static"]
    assert binom.sf(flagged - 1, n, ModelsConfig().gbdt.target_fpr) > 0.01, (flagged, n)


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
    names = ("price.png", "anomaly.png", "max_qty.png", "blocked.png", "live_max_qty.png")
    assert page.count("data:image/png;base64,") == len(names)  # with the live run's plot
    for name in names:
        assert (folder / name).stat().st_size > 10_000
    assert json.loads((folder / "summary.json").read_text())["large_order"]["dynamic"] == "REJECT"
    assert facts["demo_seed"] not in facts["train_seeds"]


@pytest.mark.slow
def test_readme_when_demo_run_for_same_seed_then_block_reads_what_it_prints(run):
    """The README's demo block is the headline this run prints, for the same seeds."""
    facts, text, folder = run
    saved = json.loads((folder / "summary.json").read_text())
    headline = format_headline(saved)
    assert headline in text  # what the run printed, rebuilt from its summary.json
    block = readme.block(readme.README.read_text(), readme.DEMO)
    assert block is not None, "README has no DEMO block"
    seeds = re.search(r"seed (\d+); training seeds ([\d, ]+)\)", block)
    assert seeds and int(seeds[1]) == saved["demo_seed"]
    assert [int(s) for s in seeds[2].split(", ")] == saved["train_seeds"]
    shown = re.search(r"```\n(.*)\n```", block, re.S)
    assert shown and shown[1] == headline, "README demo block is stale: run python -m bench demo"
