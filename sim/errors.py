"""Errors and warnings of the simulator (house style: one ``errors.py`` per package)."""

from __future__ import annotations


class SimConfigError(ValueError):
    """A ``SimConfig`` field is unknown, has the wrong type or an invalid value."""


class SimCapacityWarning(RuntimeWarning):
    """The engine's preallocated output buffers were too small and it was re-run larger."""


MSG_UNKNOWN_FIELDS = "unknown SimConfig field(s): {names}"
MSG_BAD_VALUE = "SimConfig.{name}={value!r}: {why}"
MSG_CAPACITY = "engine buffers too small for {sym} (events={events}); re-running with x{factor}"
