"""Errors and warnings of the enforcer package (STYLE 13).

Checks never raise: a denial is a `Reason`. These are for misuse and bad configuration at
start-up (a static limits file that does not parse, a mode that does not exist) and for
damage found in the decision log.
"""

from __future__ import annotations


class EnforcerError(Exception):
    """Base class of enforcer errors."""


class ConfigError(EnforcerError):
    """Bad configuration (EnforcerConfig field, static limits file)."""


class DecisionLogError(EnforcerError):
    """The decision log is damaged before its last record (a torn LAST record is normal)."""


class EnforcerWarning(UserWarning):
    """Base class of enforcer warnings."""


class TornRecordWarning(EnforcerWarning):
    """A torn last record was found in the decision log and dropped (crash mid-write)."""
