"""Seeded market + OMS order-flow simulator (placeholder docstring, replaced below)."""

from sim.config import SCENARIOS, SimConfig
from sim.errors import SimCapacityWarning, SimConfigError
from sim.simulate import SimResult, session_open_ns, simulate
from sim.tables import SCHEMAS, TABLE_NAMES

__all__ = [
    "SCENARIOS", "SCHEMAS", "TABLE_NAMES", "SimCapacityWarning", "SimConfig", "SimConfigError",
    "SimResult", "session_open_ns", "simulate",
]
