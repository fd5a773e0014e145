"""The issue-11 grid file (``sim/grids/issue11.toml``) reads, every scenario's simulator
config builds, and its 24-hour and CME sessions lie in their calendars' sessions across UTC
midnight (checked on the config and the calendar, without simulating)."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from adaptrisk import evaluate as ev
from sim import SimConfig
from sim.simulate import session_open_ns
from tsdb.calendars import inside

GRID = pathlib.Path(__file__).resolve().parents[3] / "sim" / "grids" / "issue11.toml"
NS_PER_MIN = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000


def test_grid_when_read_then_every_scenario_builds_a_sim_config():
    grid = ev.Grid.load(GRID)
    for s in grid.scenarios:
        SimConfig.from_dict({**s.sim, "seed": 61})
        s.session()


@pytest.mark.parametrize("name", ["calm_24h_day_crypto", "crash_24h_asian_hours",
                                  "calm_cme_evening_session"])
def test_grid_when_off_xnys_then_the_session_crosses_or_follows_utc_midnight_in_its_calendar(
        name):
    s = next(x for x in ev.Grid.load(GRID).scenarios if x.name == name)
    cfg = SimConfig.from_dict({**s.sim, "seed": 61})
    t0 = session_open_ns(cfg.session_date, cfg.open_utc_s)
    ts = t0 + np.arange(0, int(cfg.minutes) + 1) * NS_PER_MIN
    assert inside(s.session(), ts).all()
    if s.kind == "calm":  # a calm day off XNYS crosses UTC midnight
        assert ts[0] // NS_PER_DAY < ts[-1] // NS_PER_DAY
    assert s.session().name in ("24/7", "CME")


def test_grid_when_a_scenario_names_an_unknown_key_or_calendar_then_one_line_error(tmp_path):
    bad = tmp_path / "g.toml"
    bad.write_text('[[scenarios]]\nname = "x"\nkind = "calm"\ncalendar = "MARS"\n'
                   'sim = { minutes = 5 }\n')
    with pytest.raises(ValueError, match="scenario x: unknown trading calendar 'MARS'"):
        ev.Grid.load(bad)
    bad.write_text('[[scenarios]]\nname = "x"\nkind = "calm"\ncalender = "24/7"\n'
                   'sim = { minutes = 5 }\n')
    with pytest.raises(ValueError, match=r"scenario x: unknown keys \['calender'\]"):
        ev.Grid.load(bad)
