"""Errors and named warnings of the features package, with their messages in one place."""

from __future__ import annotations


class FeatureError(Exception):
    """Misuse of the features package (bad configuration, unknown feature or target)."""


class StaleFeaturesWarning(UserWarning):
    """A build found nothing new to add, or order features found no market state to join."""


class DegenerateFeatureWarning(UserWarning):
    """A feature is constant or all-missing over a ranking sample; its rank means little."""


MSG_BAD_BUCKET = "bucket width {w} ns must be > 0 and divide 1 s exactly (e.g. 100 ms, 250 ms, 1 s)"
MSG_GRID = ("stored features of {sym!r} are not on a {w} ns grid from the open; the table was "
            "built with another bucket width (use that width, or a fresh table)")
MSG_UNKNOWN_FEATURE = "unknown feature {name!r}; registered: {known}"
MSG_UNKNOWN_TARGET = "unknown target {target!r}; expected one of {known}"
MSG_NO_LABELS = "no labelled rows for target {target!r} (is {table} empty?)"
MSG_NO_MARKET_STATE = ("none of {n} orders found market state within 60 s before it; "
                       "run `adaptrisk features build` first")
MSG_CONSTANT = "feature {name!r} is constant or missing over the sample; ranked last"
