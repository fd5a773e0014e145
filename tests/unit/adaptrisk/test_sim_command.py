"""`adaptrisk sim` offers the simulator's whole scenario library and its population knobs."""

from __future__ import annotations

import dataclasses

import sim
from adaptrisk.commands.sim import OPTIONAL, SCENARIOS


def test_scenarios_when_cli_lists_them_then_same_as_simulator_library():
    assert SCENARIOS == sim.SCENARIOS


def test_optional_flags_when_listed_then_each_is_a_simconfig_field():
    fields = {f.name for f in dataclasses.fields(sim.SimConfig)}
    assert {n for n, _, _ in OPTIONAL} <= fields
