"""24/7 mode of the simulator: a session opening at a UTC time on any day of the week."""

import datetime as dt

import numpy as np
import pytest

from sim import SimConfig, SimConfigError, session_open_ns


def test_session_open_when_open_utc_given_then_seconds_after_utc_midnight():
    sat = dt.date(2026, 6, 20)
    want = int(np.datetime64("2026-06-20T23:45:00", "ns").astype(np.int64))
    assert session_open_ns(sat, 23 * 3600 + 45 * 60) == want
    # default: 09:30 New York (EDT) = 13:30 UTC
    assert session_open_ns(dt.date(2026, 6, 22)) == int(
        np.datetime64("2026-06-22T13:30", "ns").astype(np.int64))


def test_config_when_weekend_with_open_utc_then_valid_and_round_trips():
    cfg = SimConfig(session_date=dt.date(2026, 6, 20), open_utc_s=85_500.0)
    assert SimConfig.from_dict(cfg.to_dict()) == cfg
    assert "open_utc_s" not in SimConfig().to_dict()  # old configs read and write unchanged


@pytest.mark.parametrize("bad", [-1.0, 86_400.0])
def test_config_when_open_utc_out_of_day_then_error(bad):
    with pytest.raises(SimConfigError, match="open_utc_s"):
        SimConfig(open_utc_s=bad)
