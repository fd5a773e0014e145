"""Timestamp columns as people have them -> UTC nanoseconds, vectorised (pyarrow.compute).

Accepted forms (``ACCEPTED_FORMS``, quoted in every error):

- ISO 8601 with ``Z`` or an offset: ``2015-05-01T00:00:04.645Z``, ``...+00:00``, ``...-0500``,
  ``...+01`` (``T`` or a space between date and time; 0-9 fractional digits). pyarrow's CSV
  writer (``2015-05-01 00:00:04.645000000Z``) and pandas' (``...645000+00:00``) are this form.
- ISO 8601 without a zone, read in the declared zone (``TimeFormat.tz``, default UTC; the
  CLI's ``--tz``). pandas' naive output (``2015-05-01 00:00:04.645``) is this form.
- integer epoch in ``TimeFormat.unit`` (s, ms, us or ns; default ns; the CLI's ``--ts-unit``).

One batch holds one form: a column mixing zoned and naive text is rejected at the first row
whose form differs from row 0's, because the two would silently disagree by the zone offset.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsdb.errors import BatchRejected

UNITS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
ACCEPTED_FORMS = (
    "accepted: ISO 8601 with Z or an offset (2015-05-01T00:00:04.645Z, ...+00:00), ISO 8601 "
    "without a zone read in the declared zone (--tz), or integer epoch s/ms/us/ns (--ts-unit)"
)
_ISO = r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{0,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?\s*$"
_ZONE_TAIL = r"\d{2}:\d{2}(:\d{2}(\.\d{0,9})?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)\s*$"
_INT = r"^\s*-?\d+\s*$"


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class TimeFormat:
    """How text or integer timestamps of a batch are read.

    ``tz``: the IANA zone naive ISO text is in (zoned text and epochs are UTC by definition).
    ``unit``: the unit of integer epochs (``s``, ``ms``, ``us`` or ``ns``).
    """

    tz: str = "UTC"
    unit: str = "ns"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown timestamp unit {self.unit!r}; expected one of {list(UNITS)}")
        ZoneInfo(self.tz)  # raises on an unknown zone


DEFAULT_TIME_FORMAT = TimeFormat()


def epoch_to_ns(table: str, name: str, col: pa.ChunkedArray, unit: str) -> pa.ChunkedArray:
    """Integer epochs in ``unit`` -> timestamp[ns] (naive, UTC). Rejects a value that would
    overflow int64 nanoseconds, naming its row."""
    vals = pc.cast(col, pa.int64())
    scale = UNITS[unit]
    if scale != 1:
        limit = (2**63 - 1) // scale
        bad = pc.greater(pc.abs(pc.fill_null(vals, 0)), limit)
        if pc.any(bad).as_py():
            i = _first(bad)
            raise BatchRejected(table, i, name, f"epoch {vals[i].as_py()} {unit} is out of range; "
                                f"{ACCEPTED_FORMS}")
        vals = pc.multiply(vals, scale)
    return vals.cast(pa.timestamp("ns"))


def parse_text(table: str, name: str, col: pa.ChunkedArray, fmt: TimeFormat) -> pa.ChunkedArray:
    """Text timestamps -> timestamp[ns] (naive, UTC); BatchRejected names the first bad row,
    its value and the accepted forms. NULLs stay NULL (``conform`` rejects them later)."""
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    fast = _try_fast(arr, fmt)  # one whole-column cast when the batch is one clean form
    if fast is not None:
        return pa.chunked_array([fast])
    valid = pc.invert(pc.is_null(arr))
    is_int = pc.fill_null(pc.match_substring_regex(arr, _INT), True)
    if pc.all(is_int).as_py() and arr.null_count < len(arr):
        return epoch_to_ns(table, name, pa.chunked_array([pc.utf8_trim_whitespace(arr)]), fmt.unit)
    ok = pc.fill_null(pc.match_substring_regex(arr, _ISO), True)
    if not pc.all(ok).as_py():
        i = _first(pc.invert(ok))
        raise BatchRejected(table, i, name, f"unparseable timestamp {arr[i].as_py()!r}; "
                            f"{ACCEPTED_FORMS}")
    zoned = pc.fill_null(pc.match_substring_regex(arr, _ZONE_TAIL), False)
    first = _first(valid) if pc.any(valid).as_py() else 0
    z0 = zoned[first].as_py()
    differs = pc.and_(valid, pc.not_equal(zoned, pa.scalar(z0)))
    if pc.any(differs).as_py():
        i = _first(differs)
        raise BatchRejected(
            table, i, name, f"timestamp {arr[i].as_py()!r} is {'naive' if z0 else 'zoned'} but row "
            f"{first} is {'zoned' if z0 else 'naive'}; one batch holds one form; {ACCEPTED_FORMS}")
    text = pc.utf8_trim_whitespace(arr)
    try:
        if z0:
            out = pc.cast(text, pa.timestamp("ns", "UTC")).cast(pa.timestamp("ns"))
        else:
            out = pc.cast(text, pa.timestamp("ns"))
            if fmt.tz != "UTC":
                out = pc.assume_timezone(out, timezone=fmt.tz, ambiguous="earliest",
                                         nonexistent="raise").cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, ValueError) as exc:
        i = _first_bad(text, pa.timestamp("ns", "UTC") if z0 else pa.timestamp("ns"), fmt)
        raise BatchRejected(table, i, name, f"unparseable timestamp {arr[i].as_py()!r} ({exc}); "
                            f"{ACCEPTED_FORMS}") from None
    return pa.chunked_array([out])


def _try_fast(arr: pa.Array, fmt: TimeFormat) -> pa.Array | None:
    """The column parsed by one Arrow cast in the form of its first value (naive, then
    localised, or zoned), or None: integers, mixed forms or a bad value take the checked
    path. The form is read from one value because a failing Arrow cast costs ~1 s / M rows."""
    import re

    first = next((v for v in arr.slice(0, 64).to_pylist() if v is not None), None)
    if first is None or re.match(_INT, first):
        return None
    zoned = re.search(_ZONE_TAIL, first) is not None
    try:
        if zoned:
            return pc.cast(arr, pa.timestamp("ns", "UTC")).cast(pa.timestamp("ns"))
        out = pc.cast(arr, pa.timestamp("ns"))
        if fmt.tz == "UTC":
            return out
        return pc.assume_timezone(out, timezone=fmt.tz, ambiguous="earliest",
                                  nonexistent="raise").cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, ValueError):
        return None


def _first_bad(text: pa.Array, target: pa.DataType, fmt: TimeFormat) -> int:
    """Row of the first value the cast refuses (error path only: one cast per row)."""
    for i, v in enumerate(text.to_pylist()):
        if v is None:
            continue
        try:
            out = pc.cast(pa.array([v]), target)
            if target.tz is None and fmt.tz != "UTC":
                pc.assume_timezone(out, timezone=fmt.tz, ambiguous="earliest", nonexistent="raise")
        except (pa.ArrowInvalid, ValueError):
            return i
    return 0


def _first(mask) -> int:
    arr = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    return int(np.flatnonzero(arr.to_numpy(zero_copy_only=False))[0])
