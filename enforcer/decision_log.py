"""Local append-only decision log: the source of truth (STYLE 12), like a tickerplant log.

Format: one record per line, `<crc32 of the JSON, 8 hex digits> <JSON array>\\n`, UTF-8.
The first JSON element is the record kind:

  "D"  a new-order decision   "X"  a cancel decision   "F"  a fill
  "V"  the venue ended an order (cancel, expiry, a refused replace)
  "P"  the venue confirmed a replace (the replacement's seq and leaves)
  "E"  a new session day began: the order ledger keeps the open orders only
  "O"  an operator command    "T"  an automatic trip (circuit breaker, HALTED row latch)

Durability (EnforcerConfig.fsync):
  always    write(2) + fsync(2) before `append` returns: survives power loss; ~ms each.
  interval  write(2) before `append` returns (survives a crash of the process, SIGKILL
            included: the bytes are in the kernel), fsync on every `sync()` call (the
            daemon calls it each poll, so power loss can cost <= one poll interval).
  never     write(2) only.
A write(2) of one short line to an O_APPEND file is not split by other writers in this
process (one lock serialises appends anyway). A crash mid-write can leave a torn last
record: `read_log` detects it (no newline or a bad checksum), warns, drops it and
truncates the file there before new appends. A bad record anywhere else is damage and
raises DecisionLogError.
"""

from __future__ import annotations

import json
import math
import os
import threading
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from threading import get_ident as _get_ident
from typing import Any

from enforcer.errors import DecisionLogError, TornRecordWarning

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


_STR_JSON: dict[str, str] = {}  # JSON text of strings seen (ids, symbols, versions repeat)
_STR_CACHE_MAX = 1 << 16
_float_repr = float.__repr__
_isfinite = math.isfinite


def json_str(v: str) -> str:
    """JSON text of a str (cached)."""
    j = _STR_JSON.get(v)
    if j is None:
        j = _dumps(v)
        if len(_STR_JSON) < _STR_CACHE_MAX:
            _STR_JSON[v] = j
    return j


def _body(rec: list[Any]) -> str:
    """`_dumps(rec)` for the common element types, byte for byte, ~3x faster.

    str (JSON text cached), int (not bool), finite float (repr, as json does) and None;
    anything else (bool, NaN, nested, subclasses) takes json's own encoder.
    """
    parts = []
    add = parts.append
    cache = _STR_JSON
    for v in rec:
        t = type(v)
        if t is str:
            j = cache.get(v)
            if j is None:
                j = _dumps(v)
                if len(cache) < _STR_CACHE_MAX:
                    cache[v] = j
            add(j)
        elif t is int:
            add(str(v))
        elif v is None:
            add("null")
        elif t is float and _isfinite(v):
            add(_float_repr(v))
        else:
            return _dumps(rec)
    return "[" + ",".join(parts) + "]"


def encode(rec: list[Any]) -> bytes:
    """One record -> one checksummed line (bytes, newline included)."""
    body = _body(rec).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def decode(line: bytes) -> list[Any] | None:
    """One line (with its newline) -> record, or None if torn / checksum mismatch."""
    if len(line) < 11 or line[-1:] != b"\n" or line[8:9] != b" ":
        return None
    body = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        rec = json.loads(body)
    except ValueError:
        return None
    return rec if isinstance(rec, list) and rec else None


def read_log(path: Path | str, *, repair: bool = True) -> Iterator[list[Any]]:
    """Yield the records of the log at `path` in order (nothing if it does not exist).

    A torn LAST record is dropped with a TornRecordWarning (and, with `repair`, the file
    is truncated to the end of the last good record). A bad record followed by good ones
    raises DecisionLogError.
    """
    path = Path(path)
    if not path.exists():
        return
    good_end = 0
    bad_at: int | None = None
    with path.open("rb") as fh:
        for line in fh:
            rec = decode(line)
            if rec is None:
                if bad_at is None:
                    bad_at = good_end
                continue
            if bad_at is not None:
                raise DecisionLogError(f"{path}: damaged record at byte {bad_at} "
                                       "followed by good records")
            good_end += len(line)
            yield rec
    if bad_at is not None:
        warnings.warn(f"{path}: torn last record at byte {bad_at} dropped",
                      TornRecordWarning, stacklevel=2)
        if repair:
            with path.open("r+b") as fh:
                fh.truncate(bad_at)
                os.fsync(fh.fileno())


class DecisionLog:
    """Appender. `append` is thread-safe; `sync` fsyncs; `close` syncs and closes."""

    def __init__(self, path: Path | str, fsync: str = "interval") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._always = fsync == "always"
        self._sync_on_tick = fsync == "interval"
        self._lock = threading.Lock()  # appends (order path)
        self._sync_lock = threading.Lock()  # fsync / close; never taken by append
        self._dirty = False
        self._holder = 0  # thread whose appends are gathered (see `hold`)
        self._held: list[bytes] = []

    def append(self, rec: list[Any]) -> None:
        self.append_body(_body(rec).encode())

    def append_body(self, body: bytes) -> None:
        """Append one record given as its JSON body (what `_body(rec).encode()` gives).

        From the thread that holds the log (`hold`), the record is gathered and written
        by `flush`/`release`; from any other thread, what is gathered is written first
        (the file keeps the order of the appends), then this record."""
        data = b"%08x %s\n" % (zlib.crc32(body), body)
        with self._lock:
            if self._holder:
                if self._holder == _get_ident():
                    self._held.append(data)
                    return
                if self._held:
                    data = b"".join(self._held) + data
                    self._held.clear()
            self._write(data)

    def _write(self, data: bytes) -> None:
        n = os.write(self._fd, data)
        while n < len(data):  # short write (disk full, signal): finish it or raise
            n += os.write(self._fd, data[n:])
        if self._always:
            os.fsync(self._fd)
        else:
            self._dirty = True

    def hold(self) -> None:
        """Gather this thread's appends until `release`: a front end deciding a batch of
        orders read at once writes their records with one write(2) (and, with fsync
        'always', one fsync) before it acknowledges any of them."""
        with self._lock:
            self._holder = _get_ident()

    def flush(self) -> None:
        """Write what is gathered now (any thread); the hold stays."""
        with self._lock:
            if self._held:
                data = b"".join(self._held)
                self._held.clear()
                self._write(data)

    def release(self) -> None:
        """Write what is gathered and end the hold."""
        with self._lock:
            if self._held:
                data = b"".join(self._held)
                self._held.clear()
                self._write(data)
            self._holder = 0

    def sync(self) -> None:
        """fsync if anything was written since the last one (policy 'interval').

        The fsync runs under `_sync_lock`, NOT the append lock: an fsync can take tens
        of ms on a busy disk, and appends (the order path) must not wait for it. fsync
        flushes everything written to the file before it starts, so clearing `_dirty`
        first and fsyncing after loses nothing: a record appended meanwhile sets it again.
        """
        if self._sync_on_tick and self._dirty:
            with self._sync_lock:
                fd = self._fd
                if fd < 0:
                    return
                self._dirty = False
                os.fsync(fd)

    def close(self) -> None:
        """Write anything gathered by a hold, fsync, close."""
        with self._sync_lock, self._lock:
            if self._fd >= 0:
                if self._held:
                    data = b"".join(self._held)
                    self._held.clear()
                    self._write(data)
                if self._dirty:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
