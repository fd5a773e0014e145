"""The grid's gate rows: valid calm orders blocked and the worst error kind's recall, read
from an ``adaptrisk evaluate`` summary row (no simulation here)."""

from bench.bench_models import gate_rows


def _summary(**kw) -> dict:
    return {"valid_calm_orders": 10_000, "blocked_calm_adaptive": 5, "blocked_calm_static": 2,
            "blocked_calm_reasons_adaptive": {"MAX_QTY": 5}} | kw


def test_gate_rows_when_errors_per_kind_then_worst_kind_named_and_judged():
    errs = {"qty_x10": {"n": 50, "adaptive": 40, "static": 10},
            "qty_x100": {"n": 20, "adaptive": 20, "static": 20}}
    share, recall = gate_rows("calm", _summary(errors_blocked=errs))
    assert (share["metric"], share["value"], share["met"]) == ("calm_gate_valid_blocked",
                                                                0.0005, True)
    assert recall["value"] == 0.8 and recall["met"] is False
    assert "worst qty_x10" in recall["note"] and "qty_x100 20/20 of 20" in recall["note"]


def test_gate_rows_when_no_errors_labelled_then_only_the_blocked_share():
    (share,) = gate_rows("calm", _summary(blocked_calm_adaptive=11, errors_blocked={}))
    assert share["value"] == 0.0011 and share["met"] is False
