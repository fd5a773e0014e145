"""``retrain.not_worse``: the promotion rule, checkable by hand. A candidate is not worse
when it detects at least as many events and has at most ``tol`` (0.1) more false HIGH
alerts per symbol-hour than the incumbent."""

import pytest

from jaxmodels.retrain import not_worse


def q(detected, false_per_sym_hour):
    return {"detected": detected, "events": 2, "false_per_sym_hour": false_per_sym_hour}


@pytest.mark.parametrize(("cand", "inc", "ok"), [
    (q(2, 0.0), q(1, 0.0), True),    # detects more
    (q(1, 0.0), q(1, 0.0), True),    # equal is not worse
    (q(1, 0.1), q(1, 0.0), True),    # within the 0.1 tolerance
    (q(1, 0.2), q(1, 0.0), False),   # more false alerts than the tolerance
    (q(0, 0.0), q(1, 0.5), False),   # misses an event the incumbent caught
    (q(1, 0.0), q(1, 3.9), True),    # fewer false alerts
])
def test_not_worse_when_compared_then_detections_first_and_false_alerts_within_tolerance(
        cand, inc, ok):
    assert not_worse(cand, inc) is ok
