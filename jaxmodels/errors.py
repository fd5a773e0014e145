"""Errors and named warnings of the model layer; every message lives here."""

from __future__ import annotations


class ModelError(ValueError):
    """Bad configuration or misuse of a model (raised at start-up, never on the hot path)."""


class RegistryError(ModelError):
    """A model id that does not exist, or a registry folder that cannot be read."""


class FewSamplesWarning(RuntimeWarning):
    """Too few rows to fit or calibrate reliably; the result is returned anyway."""


class DriftWarning(RuntimeWarning):
    """Feature or score distributions moved away from the training window."""


MSG_UNKNOWN_FIELDS = "{cls}: unknown fields {names}"
MSG_BAD_VALUE = "{cls}.{name} = {value!r}: {why}"
MSG_NO_MODEL = "no model with id {id!r} under {root} (see `adaptrisk models list`)"
MSG_NO_ROWS = "no {what} rows to {action}"
MSG_FEW_ROWS = "only {n} {what} rows to {action}; results will be noisy"
MSG_MISSING_COLUMNS = "input is missing columns {names}"
MSG_HASH_MISMATCH = "model {id} content hash {got} does not match its manifest {want}"
MSG_NOT_NEWER = ("live scorer: rows of {sym} at or before {ts} (its newest bucket stepped is "
                 "{last}); step takes only new buckets, sorted by (sym, ts)")
