"""`adaptrisk evaluate` counts orders blocked by a HALTED row (and the latch it sets) and by
a tripped breaker apart from the limits' own blocks, and shows them as rows of their own."""

from __future__ import annotations

from adaptrisk.evaluate import format_report, summarise

# The latch itself is the enforcer replay's (evaluate counts through it): see
# test_evaluate_replay.py for a HALTED row's blocks counted apart on a real store.


def test_report_when_cases_have_halted_blocks_then_row_apart_from_limits_blocks():
    case = {"scenario": "calm", "kind": "calm", "seed": 1, "normal_symbol_days": 1.0,
            "false_high": {"adaptive": 0, "static": 0}, "valid_calm_orders": 100,
            "blocked_calm": {"adaptive": 3, "static": 1},
            "halted_calm": {"adaptive": 40, "static": 0},
            "breaker_calm": {"adaptive": 7, "static": 0}}
    summ = summarise([case])
    assert summ["calm"]["halted_calm_adaptive"] == 40
    assert summ["calm"]["blocked_calm_adaptive"] == 3
    text = format_report({"train_seeds": [0], "seeds": [1], "thresholds": [1.0],
                          "summary": summ})
    line = next(x for x in text.splitlines() if "HALTED row / latch" in x)
    assert line.split()[-2:] == ["0", "40"]
    line = next(x for x in text.splitlines() if "tripped breaker" in x)
    assert line.split()[-2:] == ["0", "7"]
