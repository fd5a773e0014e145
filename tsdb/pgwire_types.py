"""DuckDB types as PostgreSQL sees them: type OIDs, text-format values, bound parameters.

Pure functions, no I/O. A result column's DuckDB type (as ``cursor.description`` names it,
e.g. ``"TIMESTAMP_NS"``, ``"DECIMAL(18,3)"``, ``"DOUBLE[10]"``) maps to one PostgreSQL type
OID, and that OID picks the encoder that prints a Python value the way PostgreSQL's text
output would:

- booleans ``t``/``f``; floats in their shortest round-trip form (``100``, ``0.1``,
  ``Infinity``, ``NaN``); decimals and 128-bit integers as ``numeric`` text;
- ``timestamp`` as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` with trailing zero digits of the
  fraction dropped, as PostgreSQL does; ``timestamptz`` the same with ``+00`` (sessions run
  in UTC); ``interval`` as ``[N day[s]] HH:MM:SS[.ffffff]`` (DuckDB months arrive as 30 days);
- DuckDB ``TIMESTAMP_NS`` / ``TIMESTAMP_MS`` / ``TIMESTAMP_S`` go out as ``timestamp``:
  PostgreSQL has no nanosecond type, so the nanoseconds are truncated to microseconds;
- lists and fixed-size arrays of a scalar type get the matching array OID and
  ``{a,b,"c d"}`` text; anything else (STRUCT, MAP, UNION, nested lists, ENUM, BIT) goes
  out as ``text`` in Python's rendering, which reads like DuckDB's own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import struct
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

BOOL, BYTEA, INT8, INT2, INT4, TEXT, JSON = 16, 17, 20, 21, 23, 25, 114
FLOAT4, FLOAT8, UNKNOWN, VARCHAR = 700, 701, 705, 1043
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIMETZ = 1082, 1083, 1114, 1184, 1186, 1266
NUMERIC, UUID = 1700, 2950

# scalar DuckDB type name -> PostgreSQL OID
_SCALAR = {
    "BOOLEAN": BOOL, "TINYINT": INT2, "SMALLINT": INT2, "UTINYINT": INT2,
    "INTEGER": INT4, "USMALLINT": INT4, "BIGINT": INT8, "UINTEGER": INT8,
    "UBIGINT": NUMERIC, "HUGEINT": NUMERIC, "UHUGEINT": NUMERIC, "VARINT": NUMERIC,
    "BIGNUM": NUMERIC, "FLOAT": FLOAT4, "DOUBLE": FLOAT8, "VARCHAR": TEXT, "BLOB": BYTEA,
    "DATE": DATE, "TIME": TIME, "TIME_NS": TIME, "TIME WITH TIME ZONE": TIMETZ, "TIMESTAMP": TIMESTAMP,
    "TIMESTAMP_NS": TIMESTAMP, "TIMESTAMP_MS": TIMESTAMP, "TIMESTAMP_S": TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ, "INTERVAL": INTERVAL, "UUID": UUID, "JSON": JSON,
}
# element OID -> array OID (pg_type.typarray)
_ARRAY_OF = {
    BOOL: 1000, BYTEA: 1001, INT2: 1005, INT4: 1007, TEXT: 1009, INT8: 1016, FLOAT4: 1021,
    FLOAT8: 1022, TIMESTAMP: 1115, DATE: 1182, TIME: 1183, TIMESTAMPTZ: 1185,
    INTERVAL: 1187, NUMERIC: 1231, UUID: 2951, JSON: 199,
}
ELEMENT_OF = {a: e for e, a in _ARRAY_OF.items()}
# RowDescription's typlen per OID (-1: variable length)
TYPLEN = {BOOL: 1, INT2: 2, INT4: 4, INT8: 8, FLOAT4: 4, FLOAT8: 8, DATE: 4, TIME: 8,
          TIMESTAMP: 8, TIMESTAMPTZ: 8, INTERVAL: 16, UUID: 16, TIMETZ: 12}


def pg_oid(duck_type: str) -> int:
    """PostgreSQL type OID for a DuckDB type name (``str(DuckDBPyType)``); TEXT when unknown."""
    name = duck_type.strip()
    if name.endswith("]"):  # LIST "X[]" or ARRAY "X[n]"
        elem = pg_oid(name[: name.rindex("[")])
        return _ARRAY_OF.get(elem, TEXT) if elem not in ELEMENT_OF else TEXT
    if name.startswith("DECIMAL"):
        return NUMERIC
    return _SCALAR.get(name, TEXT)


# -- text output ---------------------------------------------------------------------------
def _fraction(us: int) -> str:
    return f".{us:06d}".rstrip("0") if us else ""


def text_float(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    s = repr(v)
    return s[:-2] if s.endswith(".0") else s


def text_float4(v: float) -> str:
    """A REAL in its shortest float32 round-trip form (0.1, not 0.10000000149011612)."""
    return text_float(float(str(np.float32(v))))


def text_time(v: dt.time) -> str:
    return f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}{_fraction(v.microsecond)}"


def _offset(v: dt.timedelta | None) -> str:
    secs = int((v or dt.timedelta()).total_seconds())
    sign, secs = ("-", -secs) if secs < 0 else ("+", secs)
    hh, rest = divmod(secs, 3600)
    mm, ss = divmod(rest, 60)
    return f"{sign}{hh:02d}" + (f":{mm:02d}" if mm or ss else "") + (f":{ss:02d}" if ss else "")


def text_timestamp(v: dt.datetime) -> str:
    """A naive datetime; str() is C isoformat, and PostgreSQL drops the fraction's trailing
    zeros (.5, not .500000)."""
    s = str(v)
    return s.rstrip("0") if v.microsecond else s


def text_timestamptz(v: dt.datetime) -> str:
    return text_timestamp(v.replace(tzinfo=None)) + _offset(v.utcoffset())


def text_interval(v: dt.timedelta) -> str:
    total = (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds
    sign = "-" if total < 0 else ""
    days, us = divmod(abs(total), 86_400 * 1_000_000)
    secs, frac = divmod(us, 1_000_000)
    hh, rest = divmod(secs, 3600)
    clock = f"{sign}{hh:02d}:{rest // 60:02d}:{rest % 60:02d}{_fraction(frac)}"
    if not days:
        return clock
    day_part = f"{sign}{days} day{'' if days == 1 and not sign else 's'}"
    return day_part if not us else f"{day_part} {clock}"


def text_bytea(v: bytes) -> str:
    return "\\x" + bytes(v).hex()


def _quote_elem(s: str) -> str:
    if s == "" or s.upper() == "NULL" or any(c in s for c in '{},"\\ \t\n\r'):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def text_array(elem: Callable[[Any], str]) -> Callable[[Any], str]:
    """Printer of a list/tuple as a PostgreSQL array literal, elements printed by ``elem``."""

    def out(v: Any) -> str:
        return "{" + ",".join("NULL" if x is None else _quote_elem(elem(x)) for x in v) + "}"

    return out


_TEXT_OUT: dict[int, Callable[[Any], str]] = {
    BOOL: lambda v: "t" if v else "f",
    INT2: str, INT4: str, INT8: str,
    NUMERIC: lambda v: format(v, "f") if isinstance(v, decimal.Decimal) else str(v),
    FLOAT4: text_float4, FLOAT8: text_float,
    BYTEA: text_bytea,
    DATE: lambda v: v.isoformat(),
    TIME: text_time,
    TIMETZ: lambda v: text_time(v) + _offset(v.utcoffset()),
    TIMESTAMP: text_timestamp,
    TIMESTAMPTZ: text_timestamptz,
    INTERVAL: text_interval,
}


def text_out(oid: int) -> Callable[[Any], str]:
    """The function printing a non-NULL Python value of a column of type ``oid`` as text."""
    if oid in ELEMENT_OF:
        return text_array(text_out(ELEMENT_OF[oid]))
    return _TEXT_OUT.get(oid, str)


# -- parameters in -------------------------------------------------------------------------
_PG_EPOCH = dt.datetime(2000, 1, 1)
_TRUE = {"t", "true", "1", "on", "yes", "y"}


def _text_bytea(s: str) -> bytes:
    if s.startswith("\\x"):
        return bytes.fromhex(s[2:])
    raise ValueError("bytea parameters must be in hex format (\\x...)")


_TEXT_IN: dict[int, Callable[[str], Any]] = {
    BOOL: lambda s: s.strip().lower() in _TRUE,
    INT2: int, INT4: int, INT8: int,
    FLOAT4: float, FLOAT8: float,
    NUMERIC: decimal.Decimal,
    BYTEA: _text_bytea,
    DATE: dt.date.fromisoformat,
    TIME: dt.time.fromisoformat,
    TIMESTAMP: dt.datetime.fromisoformat,
    TIMESTAMPTZ: dt.datetime.fromisoformat,  # reads PostgreSQL's '+00' offsets too
    UUID: uuid.UUID,
}

_BINARY_IN: dict[int, Callable[[bytes], Any]] = {
    BOOL: lambda b: b != b"\x00",
    INT2: lambda b: struct.unpack("!h", b)[0],
    INT4: lambda b: struct.unpack("!i", b)[0],
    INT8: lambda b: struct.unpack("!q", b)[0],
    FLOAT4: lambda b: struct.unpack("!f", b)[0],
    FLOAT8: lambda b: struct.unpack("!d", b)[0],
    BYTEA: bytes,
    TEXT: lambda b: b.decode(), VARCHAR: lambda b: b.decode(), UNKNOWN: lambda b: b.decode(),
    DATE: lambda b: _PG_EPOCH.date() + dt.timedelta(days=struct.unpack("!i", b)[0]),
    TIMESTAMP: lambda b: _PG_EPOCH + dt.timedelta(microseconds=struct.unpack("!q", b)[0]),
    TIMESTAMPTZ: lambda b: (_PG_EPOCH + dt.timedelta(microseconds=struct.unpack("!q", b)[0]))
    .replace(tzinfo=dt.UTC),
    UUID: lambda b: uuid.UUID(bytes=bytes(b)),
}


def decode_param(oid: int, binary: bool, raw: bytes | None) -> Any:
    """A Bind parameter as the Python value DuckDB binds: text by OID (unknown OIDs stay
    str, which DuckDB casts to what the query needs), or binary for the fixed-width types,
    bytea and text. Raises ValueError on a value that does not decode."""
    if raw is None:
        return None
    if binary:
        fn = _BINARY_IN.get(oid)
        if fn is None:
            raise ValueError(f"binary parameters of type OID {oid} are not supported; send text")
        try:
            return fn(raw)
        except struct.error as exc:
            raise ValueError(f"bad binary value for type OID {oid}: {exc}") from None
    text = raw.decode()
    fn = _TEXT_IN.get(oid)
    if fn is None:
        return text
    try:
        return fn(text)
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"bad text value {text!r} for type OID {oid}: {exc}") from None
