"""Batch validation: conform an Arrow batch to a table's schema and check every row.

The first bad row stops the batch: :class:`BatchRejected` names the table, the 0-based row
index within the batch and the column. Checks are vectorised (numpy / pyarrow.compute); the
slow per-row search runs only on the error path, to locate the first offending row.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsdb.config import NS_PER_DAY
from tsdb.errors import BatchRejected
from tsdb.timestamps import DEFAULT_TIME_FORMAT, TimeFormat, epoch_to_ns, parse_text

POSITIVE = "positive"  # finite and > 0
NONNEG = "nonneg"  # finite and >= 0
FINITE = "finite"


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class TableRules:
    """Value rules of one table beyond its SQL types and NOT NULL constraints."""

    numeric: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> POSITIVE|NONNEG|FINITE
    enums: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    session_ts: str | None = None  # column checked against the trading session


SIDES = frozenset({"B", "S"})
# risk_limits.state, in severity order (the enforcer's state codes are indices into it)
LIMIT_STATES: tuple[str, ...] = ("ACTIVE", "REDUCING", "HALTED")
RULES: dict[str, TableRules] = {
    "trades": TableRules(
        numeric={"price": POSITIVE, "size": POSITIVE}, enums={"side": SIDES}, session_ts="ts"
    ),
    "quotes": TableRules(
        numeric={"bid": POSITIVE, "ask": POSITIVE, "bid_size": NONNEG, "ask_size": NONNEG},
        session_ts="ts",
    ),
    "book": TableRules(
        numeric={"bid_px": POSITIVE, "ask_px": POSITIVE, "bid_sz": NONNEG, "ask_sz": NONNEG},
        session_ts="ts",
    ),
    "orders": TableRules(
        numeric={"qty": POSITIVE, "price": POSITIVE},
        enums={"side": SIDES, "order_type": frozenset({"LIMIT", "MARKET", "CANCEL"})},
        session_ts="ts",
    ),
    "messages": TableRules(session_ts="ts"),
    "risk_scores": TableRules(
        numeric={"anomaly_score": FINITE},
        enums={"tier": frozenset({"NORMAL", "ELEVATED", "HIGH_ALERT", "CRITICAL"})},
    ),
    "risk_limits": TableRules(
        numeric={
            "max_order_qty": NONNEG,
            "max_notional": NONNEG,
            "price_band_bps": NONNEG,
            "max_position": NONNEG,
            "fat_finger_threshold": POSITIVE,
        },
        enums={"state": frozenset(LIMIT_STATES)},
    ),
    "fat_finger_limits": TableRules(numeric={"fat_finger_max_qty": NONNEG}),
    "impact_labels": TableRules(
        numeric={"qty": POSITIVE, "n_prints": POSITIVE, "arrival_mid": POSITIVE,
                 "vwap": POSITIVE, "slippage_bps": FINITE, "spread_bps": NONNEG},
        enums={"side": frozenset({"B", "S"})},
    ),
    "exec_advice": TableRules(
        numeric={"participation_cap": POSITIVE, "clip_qty": POSITIVE, "impact_max_qty": NONNEG,
                 "budget_bps": POSITIVE, "parent_qty": POSITIVE},
        enums={"algo": frozenset({"TWAP", "VWAP", "POV"})},
    ),
    "limit_overrides": TableRules(
        numeric={"value": NONNEG},
        enums={"limit_name": frozenset({"max_order_qty", "max_notional", "price_band_bps",
                                        "max_position"}),
               "direction": frozenset({"tighten", "loosen"}),
               "status": frozenset({"pending", "active", "rejected", "withdrawn"})},
    ),
    "review_labels": TableRules(enums={"label": frozenset({"agree", "disagree"})}),
    "decisions": TableRules(
        enums={
            "verdict": frozenset({"ACCEPT", "REJECT"}),
            "static_verdict": frozenset({"ACCEPT", "REJECT"}),
            "mode": frozenset({"enforce", "shadow", "ab", "replay"}),
        }
    ),
}


# columns that must sit on an instrument's price grid (tick_size) or quantity grid (lot_size)
STEPS: dict[str, dict[str, str]] = {
    "trades": {"price": "tick_size", "size": "lot_size"},
    "quotes": {"bid": "tick_size", "ask": "tick_size", "bid_size": "lot_size",
               "ask_size": "lot_size"},
    "book": {"bid_sz": "lot_size", "ask_sz": "lot_size"},
    "orders": {"price": "tick_size", "qty": "lot_size"},
}
# How far from a whole number of steps a value may be, in steps: 40.05 / 0.01 is
# 4004.9999999999995 and 0.07 / 1e-8 is 7000000.000000001 in binary floating point. The
# relative term keeps a large count of small lots (1e6 BTC in 1e-8 lots: 1e14 steps, where
# one double's spacing is 0.016 steps) from being refused for the division's rounding.
STEP_TOL = 1e-6
STEP_REL_TOL = 64 * float(np.finfo(np.float64).eps)


def grid_steps(vals, step: float):
    """``(k, off)``: ``vals / step`` rounded to whole steps, and where a value is off the grid
    (further than ``STEP_TOL`` or ``STEP_REL_TOL`` of the count from a whole step). Arrays
    or scalars (numpy broadcasting); the one rule for "a multiple of the lot / tick", used
    by ingest and by the enforcer's edge conversions (``enforcer.lots``). NaN is off."""
    k = np.asarray(vals, dtype=np.float64) / step
    r = np.round(k)
    return r, ~(np.abs(k - r) <= np.maximum(STEP_TOL, STEP_REL_TOL * np.abs(k)))


def conform(
    table: str, batch: pa.Table, schema: pa.Schema, *, parse_strings: bool = False,
    time_format: TimeFormat = DEFAULT_TIME_FORMAT,
) -> pa.Table:
    """Return ``batch`` with exactly ``schema``'s columns, in order, cast to its types.

    Raises BatchRejected for a missing or unknown column, a type that cannot be cast, or a
    null in a NOT NULL column (``schema`` fields carry ``nullable``). ``parse_strings`` lets
    text columns (from CSV) be parsed into numbers; otherwise text for a number is a wrong type.
    ``time_format`` says how text and integer timestamps are read (``tsdb.timestamps``).
    """
    names = set(batch.column_names)
    for f in schema:
        if f.name not in names:
            raise BatchRejected(table, None, f.name, "missing column")
    extra = [n for n in batch.column_names if n not in schema.names]
    if extra:
        raise BatchRejected(table, None, extra[0], f"unknown column (table has {schema.names})")
    cols = []
    for f in schema:
        col = batch.column(f.name)
        if col.type != f.type:
            col = _cast(table, f.name, col, f.type, parse_strings, time_format)
        if not f.nullable and col.null_count:
            raise BatchRejected(table, _first(col.is_null()), f.name, "null in a NOT NULL column")
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=schema)


def check_rows(table: str, batch: pa.Table, session) -> None:
    """Apply RULES[table] to a conformed batch; raise BatchRejected at the first bad row.
    ``session``: a calendar (``tsdb.calendars``), ``tsdb.instruments.Instruments``, or None."""
    rules = RULES.get(table)
    if rules is None or batch.num_rows == 0:
        return
    for name, kind in rules.numeric.items():
        _check_numeric(table, name, batch.column(name), kind)
    for name, allowed in rules.enums.items():
        _check_enum(table, name, batch.column(name), allowed)
    if rules.session_ts and session is not None:
        _check_session(table, rules.session_ts, batch, session)
    if table in STEPS and getattr(session, "instruments", ()):
        _check_steps(table, batch, session)


def _cast(
    table: str, name: str, col: pa.ChunkedArray, target: pa.DataType, parse_strings: bool,
    time_format: TimeFormat,
) -> pa.ChunkedArray:
    src = col.type
    if pa.types.is_timestamp(target):
        if pa.types.is_timestamp(src) and src.tz is not None:
            col = pc.cast(col, pa.timestamp(src.unit, "UTC")).cast(pa.timestamp(src.unit))
        elif pa.types.is_integer(src):  # integer epochs in time_format.unit (default ns)
            col = epoch_to_ns(table, name, col, time_format.unit)
        elif pa.types.is_string(src) or pa.types.is_large_string(src):
            col = parse_text(table, name, col, time_format)
        if col.type == target:
            return col
    if pa.types.is_fixed_size_list(target) and (
        pa.types.is_list(src) or pa.types.is_large_list(src)
    ):
        lengths = pc.list_value_length(col)
        bad = pc.not_equal(lengths, target.list_size)
        if pc.any(bad).as_py():
            raise BatchRejected(table, _first(bad), name, f"expected {target.list_size} levels")
    if (pa.types.is_integer(target) or pa.types.is_floating(target)) and not (
        pa.types.is_integer(src) or pa.types.is_floating(src) or pa.types.is_null(src)
        or pa.types.is_decimal(src) or (parse_strings and pa.types.is_string(src))
    ):
        i = _first(col.is_valid()) if col.null_count < len(col) else 0
        raise BatchRejected(table, i, name, f"wrong type {src} (value {col[i].as_py()!r}), "
                            f"expected {target}")
    try:
        return pc.cast(col, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        i = _first_uncastable(col, target)
        raise BatchRejected(
            table, i, name, f"cannot convert {col[i].as_py()!r} ({src}) to {_kind(target)}"
        ) from None


_NUMBER_TEXT = {
    "int": r"^\s*[+-]?\d+\s*$",
    "float": r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan|Inf|NaN)\s*$",
}


def _kind(target: pa.DataType) -> str:
    if pa.types.is_integer(target):
        return f"{target} (a whole number)"
    return str(target)


def _first_uncastable(col: pa.ChunkedArray, target: pa.DataType) -> int:
    """Row of the first value ``target`` refuses: a regex mask for text -> number (vectorised),
    then one cast per row for anything else (overflow, lists: the error path only)."""
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if pa.types.is_string(arr.type) and (pa.types.is_integer(target) or pa.types.is_floating(target)):
        pattern = _NUMBER_TEXT["int" if pa.types.is_integer(target) else "float"]
        ok = pc.fill_null(pc.match_substring_regex(arr, pattern), True)
        if not pc.all(ok).as_py():
            return _first(pc.invert(ok))
    for i, v in enumerate(arr.to_pylist()):
        try:
            pc.cast(pa.array([v], type=arr.type), target, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return i
    return 0


def _values(col: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Flat values of a numeric or fixed-size-list column (NULLs -> 1, which passes every
    rule: a NULL in a NOT NULL column is caught in ``conform``) and the list width."""
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    width = 1
    if pa.types.is_fixed_size_list(arr.type):
        width = arr.type.list_size
        arr = arr.flatten()
    if arr.null_count:
        arr = arr.fill_null(1)
    return arr.to_numpy(zero_copy_only=False), width


def _check_numeric(table: str, name: str, col: pa.ChunkedArray, kind: str) -> None:
    vals, width = _values(col)
    if pa.types.is_floating(col.type) or (
        pa.types.is_fixed_size_list(col.type) and pa.types.is_floating(col.type.value_type)
    ):
        bad = ~np.isfinite(vals)
        if bad.any():
            raise BatchRejected(table, int(np.flatnonzero(bad)[0]) // width, name, "NaN or infinite value")
    if kind == POSITIVE:
        bad, what = vals <= 0, "must be > 0"
    elif kind == NONNEG:
        bad, what = vals < 0, "must be >= 0"
    else:
        return
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise BatchRejected(table, i // width, name, f"{what}, got {_number(vals[i].item())}")


def _check_enum(table: str, name: str, col: pa.ChunkedArray, allowed: frozenset[str]) -> None:
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    single = {a for a in allowed if len(a) == 1}
    if single == allowed and pa.types.is_string(arr.type) and arr.null_count == 0 and arr.offset == 0:
        # fast path: every value one byte long -> compare the value bytes directly
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=len(arr) + 1)
        if offsets[-1] - offsets[0] == len(arr) and (np.diff(offsets) == 1).all():
            data = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=len(arr), offset=offsets[0])
            ok = np.isin(data, np.frombuffer("".join(sorted(allowed)).encode(), dtype=np.uint8))
            if ok.all():
                return
            i = int(np.flatnonzero(~ok)[0])
            raise BatchRejected(table, i, name, f"unknown value {arr[i].as_py()!r}; expected one of {sorted(allowed)}")
    ok = pc.is_in(arr, value_set=pa.array(sorted(allowed)))
    if not pc.all(ok).as_py():
        i = _first(pc.invert(ok))
        raise BatchRejected(table, i, name, f"unknown value {arr[i].as_py()!r}; expected one of {sorted(allowed)}")


def _check_session(table: str, name: str, batch: pa.Table, session) -> None:
    """Every timestamp inside its symbol's trading session (``session``: a calendar, or
    ``tsdb.instruments.Instruments`` mapping each symbol to one); vectorised per calendar."""
    from tsdb.calendars import inside
    from tsdb.instruments import single

    col = batch.column(name)
    ts = col.combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
    dmin, dmax = int(ts.min()) // NS_PER_DAY, int(ts.max()) // NS_PER_DAY
    if dmax - dmin > 200 * 366:  # not a plausible span for one batch of market data
        far = np.abs(ts // NS_PER_DAY - int(np.median(ts // NS_PER_DAY)))
        raise BatchRejected(table, int(np.argmax(far)), name,
                            "timestamp far outside the batch's other days (span > 200 years)")
    instruments = single(session)
    cals = instruments.calendars()
    if len(cals) == 1 or "sym" not in batch.column_names:
        groups = [(instruments.default, None)]
    else:
        syms = batch.column("sym").combine_chunks().dictionary_encode()
        names = syms.dictionary.to_pylist()
        codes = syms.indices.to_numpy(zero_copy_only=False)
        by_code = np.array([cals.index(instruments.calendar_for(n)) for n in names], np.int64)
        which = by_code[codes]
        groups = [(c, which == k) for k, c in enumerate(cals) if (which == k).any()]
    bad = np.zeros(ts.shape, bool)
    for cal, mask in groups:
        part = ts if mask is None else ts[mask]
        out = ~inside(cal, part)
        if mask is None:
            bad = out
        else:
            bad[np.flatnonzero(mask)[out]] = True
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        when = np.datetime64(int(ts[i]), "ns")
        sym = batch.column("sym")[i].as_py() if "sym" in batch.column_names else None
        cal = instruments.calendar_for(sym) if sym is not None else instruments.default
        raise BatchRejected(
            table, i, name,
            f"timestamp {when} UTC{f' ({sym})' if sym else ''} is outside the trading session "
            f"({cal.describe()}); give the symbol a calendar (--calendar, --instruments) or "
            "skip the check (--no-session-check)",
        )


def _check_steps(table: str, batch: pa.Table, instruments) -> None:
    """Prices on each listed instrument's tick grid and quantities on its lot grid (symbols
    not listed in ``instruments`` are not checked); vectorised per instrument."""
    syms = batch.column("sym")
    for ins in instruments.instruments:
        mask = pc.equal(syms, ins.sym)
        if not pc.any(mask).as_py():
            continue
        rows = np.flatnonzero(mask.combine_chunks().to_numpy(zero_copy_only=False))
        for name, step_name in STEPS[table].items():
            step = getattr(ins, step_name)
            col = batch.column(name).take(pa.array(rows))
            width = col.type.list_size if pa.types.is_fixed_size_list(col.type) else 1
            if width > 1:  # book levels: every level's size, row-major
                col = col.combine_chunks().flatten()
            vals = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
            _, bad = grid_steps(vals, step)
            bad &= ~np.isnan(vals)  # a NULL bid or ask (empty side) has no grid
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                row = int(rows[j // width])
                level = f" (level {j % width + 1})" if width > 1 else ""
                raise BatchRejected(table, row, name,
                                    f"{_number(vals[j].item())}{level} is not a multiple of "
                                    f"{ins.sym}'s {step_name} {step!r}")


def _number(v: float | int) -> str:
    """A quantity or price as a person typed it: the shortest repr, whole values without
    ``.0`` (a size 150 stored as DOUBLE reads back as 150)."""
    text = repr(v)
    return text[:-2] if text.endswith(".0") else text


def _first(mask) -> int:
    arr = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    return int(np.flatnonzero(arr.to_numpy(zero_copy_only=False))[0])
