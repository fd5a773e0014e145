"""`adaptrisk evaluate` counts orders blocked by a HALTED row (and the latch it sets) apart
from the limits' own blocks, and shows them as their own row of the table."""

from __future__ import annotations

import numpy as np

from adaptrisk.evaluate import format_report, latched, summarise


def test_latched_when_halted_row_then_symbol_blocked_until_the_end_other_symbol_not():
    ts = np.array([1, 2, 3, 4, 5, 6])
    sym = np.array(["A", "A", "A", "A", "B", "B"], object)
    state = np.array([0, 2, 0, 0, 0, 0])  # A: HALTED in force at 2, ACTIVE again at 3
    assert latched(ts, sym, state).tolist() == [False, True, True, True, False, False]


def test_report_when_cases_have_halted_blocks_then_row_apart_from_limits_blocks():
    case = {"scenario": "calm", "kind": "calm", "seed": 1, "normal_symbol_days": 1.0,
            "false_high": {"adaptive": 0, "static": 0}, "valid_calm_orders": 100,
            "blocked_calm": {"adaptive": 3, "static": 1},
            "halted_calm": {"adaptive": 40, "static": 0}}
    summ = summarise([case])
    assert summ["calm"]["halted_calm_adaptive"] == 40
    assert summ["calm"]["blocked_calm_adaptive"] == 3
    text = format_report({"train_seeds": [0], "seeds": [1], "thresholds": [1.0],
                          "summary": summ})
    line = next(x for x in text.splitlines() if "HALTED row / latch" in x)
    assert line.split()[-2:] == ["0", "40"]
