"""PostgreSQL wire protocol v3 messages as bytes, apart from any socket (STYLE.md #9).

Frontend messages decode from ``(type byte, payload)`` into frozen dataclasses; backend
messages encode from plain values into ``bytes``, so tests compare them exactly. Anything
that does not decode raises :class:`ProtocolError`; the server answers it with an
ErrorResponse (SQLSTATE 08P01) and closes that connection.

Framing: a startup packet is ``int32 length`` (including itself) then the body; every later
message is ``type byte, int32 length`` (including itself, not the type) then the payload.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Sequence
from typing import Any

from tsdb.pgwire_types import TYPLEN

PROTOCOL_V3 = 196608  # 3.0
SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102
MAX_STARTUP_BYTES = 10_000  # PostgreSQL's own limit on a startup packet

_I32 = struct.Struct("!i")
_HDR = struct.Struct("!ci")


class ProtocolError(Exception):
    """A frontend message that cannot be decoded; the connection is closed after saying so."""


# -- frontend messages ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class Startup:
    protocol: int
    params: dict[str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class SSLRequest:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class GSSENCRequest:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class CancelRequest:
    pid: int
    secret: int


@dataclasses.dataclass(frozen=True, slots=True)
class Query:
    sql: str


@dataclasses.dataclass(frozen=True, slots=True)
class Parse:
    name: str
    query: str
    param_oids: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Bind:
    portal: str
    statement: str
    param_formats: tuple[int, ...]  # 0 text, 1 binary; empty = all text; one = all that one
    params: tuple[bytes | None, ...]
    result_formats: tuple[int, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Describe:
    kind: str  # "S" statement, "P" portal
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Execute:
    portal: str
    max_rows: int  # 0: all


@dataclasses.dataclass(frozen=True, slots=True)
class Close:
    kind: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Password:
    password: str


@dataclasses.dataclass(frozen=True, slots=True)
class Sync:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class Flush:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class Terminate:
    pass


Message = Query | Parse | Bind | Describe | Execute | Close | Password | Sync | Flush | Terminate


class _Reader:
    """Cursor over one payload; every read checks bounds and raises ProtocolError."""

    def __init__(self, what: str, data: bytes) -> None:
        self.what, self.data, self.pos = what, data, 0

    def _fail(self, why: str) -> ProtocolError:
        return ProtocolError(f"malformed {self.what} message: {why}")

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self._fail("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def int16(self) -> int:
        return struct.unpack("!h", self.take(2))[0]

    def int32(self) -> int:
        return struct.unpack("!i", self.take(4))[0]

    def count(self) -> int:
        n = self.int16()
        if n < 0:
            raise self._fail(f"negative count {n}")
        return n

    def cstr(self) -> str:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise self._fail("string without its terminating zero byte")
        raw = self.data[self.pos : end]
        self.pos = end + 1
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise self._fail("string is not UTF-8") from None

    def done(self) -> None:
        if self.pos != len(self.data):
            raise self._fail(f"{len(self.data) - self.pos} unexpected trailing bytes")


def startup_length(header: bytes) -> int:
    """Body length of a startup packet from its 4-byte length word; ProtocolError if absurd."""
    (n,) = _I32.unpack(header)
    if not 8 <= n <= MAX_STARTUP_BYTES:
        raise ProtocolError(f"invalid startup packet length {n}")
    return n - 4


def decode_startup(body: bytes) -> Startup | SSLRequest | GSSENCRequest | CancelRequest:
    """Decode a startup packet's body (after its length word)."""
    r = _Reader("startup", body)
    code = r.int32()
    if code == SSL_REQUEST:
        r.done()
        return SSLRequest()
    if code == GSSENC_REQUEST:
        r.done()
        return GSSENCRequest()
    if code == CANCEL_REQUEST:
        pid, secret = r.int32(), r.int32()
        r.done()
        return CancelRequest(pid, secret)
    if code != PROTOCOL_V3:
        raise ProtocolError(f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: "
                            "this server speaks 3.0")
    params: dict[str, str] = {}
    while True:
        key = r.cstr()
        if not key:
            break
        params[key] = r.cstr()
    r.done()
    return Startup(code, params)


def message_length(header: bytes, max_bytes: int) -> tuple[bytes, int]:
    """``(type byte, payload length)`` from a 5-byte message header; ProtocolError when the
    length is below 4 or the payload above ``max_bytes``."""
    kind, n = _HDR.unpack(header)
    if n < 4:
        raise ProtocolError(f"invalid message length {n}")
    if n - 4 > max_bytes:
        raise ProtocolError(f"message of {n - 4} bytes exceeds the limit of {max_bytes}")
    return kind, n - 4


def _decode_bind(r: _Reader) -> Bind:
    portal, stmt = r.cstr(), r.cstr()
    formats = tuple(r.int16() for _ in range(r.count()))
    params: list[bytes | None] = []
    for _ in range(r.count()):
        n = r.int32()
        params.append(None if n == -1 else r.take(n))
    results = tuple(r.int16() for _ in range(r.count()))
    return Bind(portal, stmt, formats, tuple(params), results)


def _decode_kind_name(r: _Reader, make: type[Describe] | type[Close]) -> Describe | Close:
    kind = r.take(1).decode("latin-1")
    if kind not in ("S", "P"):
        raise ProtocolError(f"malformed {r.what} message: kind {kind!r} is neither 'S' nor 'P'")
    return make(kind, r.cstr())


def decode_message(kind: bytes, payload: bytes) -> Message:
    """Decode one frontend message (after startup) from its type byte and payload."""
    names = {b"Q": "Query", b"P": "Parse", b"B": "Bind", b"D": "Describe", b"E": "Execute",
             b"C": "Close", b"p": "Password", b"S": "Sync", b"H": "Flush", b"X": "Terminate"}
    if kind not in names:
        raise ProtocolError(f"unsupported frontend message type {kind!r}")
    r = _Reader(names[kind], payload)
    msg: Message
    if kind == b"Q":
        msg = Query(r.cstr())
    elif kind == b"P":
        name, query = r.cstr(), r.cstr()
        msg = Parse(name, query, tuple(r.int32() for _ in range(r.count())))
    elif kind == b"B":
        msg = _decode_bind(r)
    elif kind == b"D":
        msg = _decode_kind_name(r, Describe)
    elif kind == b"C":
        msg = _decode_kind_name(r, Close)
    elif kind == b"E":
        msg = Execute(r.cstr(), r.int32())
    elif kind == b"p":
        msg = Password(r.cstr())
    else:
        msg = {b"S": Sync, b"H": Flush, b"X": Terminate}[kind]()
    r.done()
    return msg


# -- backend messages -----------------------------------------------------------------------
def _msg(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + _I32.pack(len(payload) + 4) + payload


def _cstr(s: str) -> bytes:
    return s.encode() + b"\x00"


def authentication_ok() -> bytes:
    return _msg(b"R", _I32.pack(0))


def authentication_cleartext() -> bytes:
    return _msg(b"R", _I32.pack(3))


def parameter_status(name: str, value: str) -> bytes:
    return _msg(b"S", _cstr(name) + _cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return _msg(b"K", struct.pack("!ii", pid, secret))


def ready_for_query(status: str) -> bytes:
    """``status``: "I" idle, "T" in a transaction block, "E" in a failed one."""
    return _msg(b"Z", status.encode())


def row_description(columns: Sequence[tuple[str, int]]) -> bytes:
    """One field per ``(name, type OID)``; all text format, no table, typmod -1."""
    out = [struct.pack("!h", len(columns))]
    for name, oid in columns:
        out.append(_cstr(name) + struct.pack("!ihihih", 0, 0, oid, TYPLEN.get(oid, -1), -1, 0))
    return _msg(b"T", b"".join(out))


def data_row(cells: Sequence[bytes | None]) -> bytes:
    parts = [struct.pack("!h", len(cells))]
    for c in cells:
        parts.append(b"\xff\xff\xff\xff" if c is None else _I32.pack(len(c)) + c)
    return _msg(b"D", b"".join(parts))


def data_row_encoder(printers: Sequence[Callable[[Any], str]]) -> Callable[[tuple], bytes]:
    """Function framing one result row as a DataRow, cell ``i`` printed by ``printers[i]``
    (None goes out as NULL); the same bytes as :func:`data_row` of the printed cells, in one
    pass because it runs once per row sent."""
    head, pack, null = struct.pack("!h", len(printers)), _I32.pack, b"\xff\xff\xff\xff"

    def encode(row: tuple) -> bytes:
        parts = [head]
        for f, v in zip(printers, row, strict=True):
            if v is None:
                parts.append(null)
            else:
                b = f(v).encode()
                parts.append(pack(len(b)))
                parts.append(b)
        payload = b"".join(parts)
        return b"D" + pack(len(payload) + 4) + payload

    return encode


def command_complete(tag: str) -> bytes:
    return _msg(b"C", _cstr(tag))


def empty_query_response() -> bytes:
    return _msg(b"I")


def error_response(code: str, message: str, severity: str = "ERROR") -> bytes:
    """ErrorResponse with severity (S, V), SQLSTATE (C) and a one-line message (M)."""
    line = " ".join(message.split("\n", 1)[0].split()) or "error"
    fields = b"S" + _cstr(severity) + b"V" + _cstr(severity) + b"C" + _cstr(code)
    return _msg(b"E", fields + b"M" + _cstr(line) + b"\x00")


def parse_complete() -> bytes:
    return _msg(b"1")


def bind_complete() -> bytes:
    return _msg(b"2")


def close_complete() -> bytes:
    return _msg(b"3")


def no_data() -> bytes:
    return _msg(b"n")


def portal_suspended() -> bytes:
    return _msg(b"s")


def parameter_description(oids: Sequence[int]) -> bytes:
    return _msg(b"t", struct.pack(f"!h{len(oids)}i", len(oids), *oids))


SSL_REFUSED = b"N"  # the single-byte answer to SSLRequest and GSSENCRequest
