"""The grid report's cost of an earlier alert: how many false High episodes per 6.5 h the
calm scenarios' normal minutes would have raised at a lower level, and its place in the
per-scenario summary."""

from __future__ import annotations

import numpy as np

from adaptrisk.evaluate_report import crossings_per_6_5h, format_report, summarise


def test_crossings_when_level_below_some_minutes_then_their_share_of_390():
    m = np.sort([0.1, 0.2, 0.5, 0.5, 0.9, 1.2, 0.3, 0.4, 0.6, 0.7])
    assert crossings_per_6_5h(m, 0.5) == 390.0 * 4 / 10  # 0.6, 0.7, 0.9, 1.2
    assert crossings_per_6_5h(m, 2.0) == 0.0
    assert crossings_per_6_5h(m, None) is None
    assert crossings_per_6_5h(np.zeros(0), 0.5) is None


def _case(name, kind, seed, **kw):
    base = {"scenario": name, "kind": kind, "seed": seed, "normal_symbol_days": 1.0,
            "normal_6_5h_days": 1.0, "false_high": {"adaptive": 0, "static": 0},
            "valid_calm_orders": 10}
    return base | kw


def test_summarise_when_stress_missed_then_cost_read_off_the_calm_minutes():
    calm = _case("calm", "calm", 1, minute_high_ratio=[0.2] * 300 + [0.8] * 90)
    crash = _case("crash", "stress", 1, high_delay_s={"adaptive": 3.0, "static": None},
                  high_ratio_by_goal=0.7, high_ratio_peak=1.6)
    rep = summarise([calm, crash], bound=0.8)
    row = rep["crash"]
    assert row["high_ratio_by_goal"] == [0.7] and row["high_ratio_peak"] == [1.6]
    assert row["false_high_per_6_5h_at_goal"] == [90.0]  # every 0.8 minute crosses 0.7
    text = format_report({"train_seeds": [1], "seeds": [1], "thresholds": [1.0, 2.0, 3.0],
                          "summary": rep})
    assert "evidence by +2 s / High level" in text and "90.00" in text
