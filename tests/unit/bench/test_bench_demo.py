"""``bench_demo.timing_rows``: the demo's headline timings against their goals (first High
alert <= 2 s after the onset and before the trough; first limit cut before that alert)."""

from __future__ import annotations

from bench.bench_demo import timing_rows

NS = 1_000_000_000
ON = 1_000 * NS


def _facts(alert_s, cut_s, trough_s=61.2):
    return {"onset_ns": ON, "trough_ns": ON + int(trough_s * NS), "demo_seed": 2026, "sym": "S",
            "first_high_alert_ns": None if alert_s is None else ON + int(alert_s * NS),
            "first_cut_ns": None if cut_s is None else ON + int(cut_s * NS),
            "min_dynamic_qty_in_crash": 10.0, "static_max_qty": 500}


def _met(facts):
    return {r["metric"]: (r["value"], r["met"]) for r in timing_rows(facts)}


def test_timing_rows_when_alert_1_6_s_and_cut_0_6_s_then_both_goals_met():
    assert _met(_facts(1.6, 0.6)) == {"first_high_alert_after_onset": (1.6, True),
                                      "first_limit_cut_after_onset": (0.6, True)}


def test_timing_rows_when_alert_after_2_s_then_alert_goal_missed():
    assert _met(_facts(2.1, 0.6))["first_high_alert_after_onset"] == (2.1, False)


def test_timing_rows_when_cut_after_alert_then_cut_goal_missed():
    assert _met(_facts(1.0, 1.5))["first_limit_cut_after_onset"] == (1.5, False)


def test_timing_rows_when_no_alert_then_both_missed_and_value_none():
    assert _met(_facts(None, 0.6)) == {"first_high_alert_after_onset": (None, False),
                                       "first_limit_cut_after_onset": (0.6, False)}


def test_timing_rows_when_alert_after_trough_then_alert_goal_missed():
    assert _met(_facts(1.5, 0.5, trough_s=1.0))["first_high_alert_after_onset"][1] is False
