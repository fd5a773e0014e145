"""``adaptrisk.evaluate``'s checks on hand-made cases: the stated false-High bound against
the observed count (one-sided Poisson), and how far the price had moved at the first High."""

from __future__ import annotations

import math

import numpy as np

from adaptrisk import evaluate as ev
from adaptrisk.evalstore import with_order_ids
from adaptrisk.evaluate_alerts import NS, move_at_high


def _calm(seed: int, n: int, days: float = 1.0) -> dict:
    return {"scenario": "calm", "kind": "calm", "seed": seed, "normal_symbol_days": days,
            "false_high": {"adaptive": n, "static": 0},
            "blocked_calm": {"adaptive": 0, "static": 0}, "valid_calm_orders": 10}


def test_summarise_when_counts_near_the_bound_then_within_and_far_above_then_not():
    ok = ev.summarise([_calm(1, 1), _calm(2, 0)], bound=0.5)["calm"]
    # 1 episode in 2 symbol-days against a mean of 1: P(N >= 1) = 1 - e^-1
    assert math.isclose(ok["bound_p_value"], 1 - math.exp(-1)) and ok["within_stated_bound"]
    bad = ev.summarise([_calm(1, 3), _calm(2, 2)], bound=0.5)["calm"]
    # 5 in 2 days against 1: P(N >= 5) = 1 - sum_{k<5} e^-1 / k! = 0.0037
    p = 1 - sum(math.exp(-1) / math.factorial(k) for k in range(5))
    assert math.isclose(bad["bound_p_value"], p) and not bad["within_stated_bound"]


def test_summarise_when_no_bound_then_no_check():
    row = ev.summarise([_calm(1, 3)])["calm"]
    assert row["within_stated_bound"] is None and row["bound_p_value"] is None


def test_move_at_high_when_alert_after_a_30_bps_drop_then_30_bps_and_before_the_move():
    ns = NS
    t = np.arange(10) * ns
    px = np.array([100.0, 100.0, 99.9, 99.7, 99.5, 99.0, 98.0, 98.0, 98.0, 98.0])
    out = move_at_high(t, px, 100.0, 1 * ns, 2.0)  # High at t = 3 s: mid 99.7
    assert math.isclose(out["move_at_high_bps"], 30.0) and out["high_before_move"]
    late = move_at_high(t, px, 100.0, 1 * ns, 5.0)  # t = 6 s: 200 bps down
    assert math.isclose(late["move_at_high_bps"], 200.0) and not late["high_before_move"]
    assert move_at_high(t, px, 100.0, ns, None) == {"move_at_high_bps": None,
                                                       "high_before_move": False}


def test_history_configs_when_two_days_back_then_previous_sessions_other_seeds_oldest_first():
    import datetime as dt

    from sim import SimConfig
    from tsdb.calendars import calendar

    day = SimConfig(seed=51, session_date=dt.date(2026, 6, 22))  # a Monday
    got = ev.history_configs(day, calendar("XNYS"), 2)  # Friday 19 June 2026: Juneteenth
    assert [(c.session_date, c.seed) for c in got] == [
        (dt.date(2026, 6, 17), 200_051), (dt.date(2026, 6, 18), 100_051)]
    assert ev.history_configs(day, calendar("XNYS"), 0) == []


def test_with_order_ids_when_moved_then_orders_and_labels_keep_their_pairing():
    import pyarrow as pa

    t = {"orders": pa.table({"order_id": pa.array([0, 1, 2], pa.int64())}),
         "labels_orders": pa.table({"order_id": pa.array([2, 0], pa.int64())}),
         "trades": pa.table({"trade_id": pa.array([0], pa.int64())})}
    got = with_order_ids(t, 2)
    stride = 2 * 100_000_000
    assert got["orders"].column("order_id").to_pylist() == [stride, stride + 1, stride + 2]
    assert got["labels_orders"].column("order_id").to_pylist() == [stride + 2, stride]
    assert got["trades"] is t["trades"] and with_order_ids(t, 0) is t


def test_grid_scenario_when_history_on_a_stress_scenario_then_refused():
    import pytest

    with pytest.raises(ValueError, match="history_days"):
        ev.GridScenario(name="c", kind="stress", sim={"scenario": "flash_crash"},
                        history_days=1)
