"""Persistent state of one FIX session: sequence numbers and the outbound message store.

A FIX session is (our CompID, the counterparty's CompID); it outlives connections and
daemon restarts. `SessionStore` keeps, in one append-only journal file per session,

    b"I <seq>\\n"                  inbound message <seq> processed (next expected: seq + 1)
    b"O <seq> <len>\\n<wire>\\n"    outbound message <seq>, its exact bytes
    b"R <next_in> <next_out>\\n"   sequence reset (a Logon with ResetSeqNumFlag=Y, or
                                  the acceptor's reset_on_logon): messages before it
                                  are forgotten (the file is truncated first)
    b"Y <day>\\n"                  the session day (YYYY-MM-DD) the journal belongs to;
                                  at the day's end `archive` moves the file to
                                  `archive/<name>.<day>.session` and starts a new one

and rebuilds from it on open: the next inbound and outbound MsgSeqNum, and an index of
every stored outbound message so a ResendRequest can replay them byte for byte (the
session re-stamps them PossDupFlag=Y with OrigSendingTime). Every record is one write(2)
on an O_APPEND file before the message goes on the wire: it survives a SIGKILL of the
daemon (the bytes are in the kernel), not a power loss unless `fsync` is set. A torn
last record (the crash hit mid-write) is dropped on open.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def session_file(directory: Path, ours: str, theirs: str) -> Path:
    """Journal path of the session (ours, theirs); CompIDs are made file-name safe."""
    def safe(s: str) -> str:
        return _SAFE.sub(lambda m: f"%{ord(m.group()):02x}", s)
    return Path(directory) / f"{safe(ours)}-{safe(theirs)}.session"


def session_peers(directory: Path, ours: str) -> list[str]:
    """The counterparties (CompIDs) with a live journal of ours in `directory`."""
    prefix = session_file(directory, ours, "").name[:-len(".session")]
    out = []
    for p in sorted(Path(directory).glob(f"{glob.escape(prefix)}*.session")):
        peer = re.sub(r"%([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)),
                      p.name[len(prefix):-len(".session")])
        if peer and session_file(directory, ours, peer).name == p.name:  # round trip
            out.append(peer)
    return out


def _archive_name(path: Path, day: str) -> Path:
    """`archive/<stem>.<day>.session` under `path`'s folder; `.1`, `.2`, ... if taken
    (an archive is never overwritten)."""
    folder = path.parent / "archive"
    folder.mkdir(exist_ok=True)
    dest = folder / f"{path.stem}.{day}{path.suffix}"
    n = 0
    while dest.exists():
        n += 1
        dest = folder / f"{path.stem}.{day}.{n}{path.suffix}"
    return dest


class SessionStore:
    """One session's journal. Thread-safe (one lock around every append).

    next_in / next_out: the next MsgSeqNum expected from / sent to the counterparty.
    """

    def __init__(self, path: Path | str | None, *, fsync: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.next_in = 1
        self.next_out = 1
        self._first = 1  # seq of _offsets[0]
        self._offsets: list[int] = []  # file offset of each stored outbound wire
        self._lens: list[int] = []
        self._size = 0
        self._fsync = fsync
        self._lock = threading.Lock()
        self._fd = -1
        self._mem: list[bytes] = []  # without a path: messages kept in memory
        self._pending: list[bytes] = []  # deferred records (`defer=True`), not yet written
        self.day: str | None = None  # session day (YYYY-MM-DD); None: not noted yet
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._load()
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)

    # -- reading the journal ------------------------------------------------------------

    def _load(self) -> None:  # noqa: C901 -- one branch per record kind
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        pos, n, good = 0, len(data), 0
        while pos < n:
            nl = data.find(b"\n", pos)
            if nl < 0:
                break
            head = data[pos:nl].split(b" ")
            try:
                kind = head[0]
                if kind == b"I" and len(head) == 2:
                    self.next_in = max(self.next_in, int(head[1]) + 1)
                    pos = nl + 1
                elif kind == b"O" and len(head) == 3:
                    seq, ln = int(head[1]), int(head[2])
                    end = nl + 1 + ln
                    if end + 1 > n or data[end:end + 1] != b"\n":
                        break  # torn
                    self._index(seq, nl + 1, ln)
                    pos = end + 1
                elif kind == b"Y" and len(head) == 2:
                    self.day = head[1].decode("ascii")
                    pos = nl + 1
                elif kind == b"R" and len(head) == 3:
                    self.next_in, self.next_out = int(head[1]), int(head[2])
                    self._first, self._offsets, self._lens = self.next_out, [], []
                    pos = nl + 1
                else:
                    break
            except ValueError:
                break
            good = pos
        if good < n:  # a torn last record: cut it off
            with self.path.open("r+b") as fh:
                fh.truncate(good)
        self._size = good

    def _index(self, seq: int, offset: int, ln: int) -> None:
        if not self._offsets:
            self._first = seq
        k = seq - self._first
        while len(self._offsets) < k:  # seqs we never stored (should not happen): holes
            self._offsets.append(-1)
            self._lens.append(0)
        if k == len(self._offsets):
            self._offsets.append(offset)
            self._lens.append(ln)
        self.next_out = max(self.next_out, seq + 1)

    # -- writing ------------------------------------------------------------------------

    def _write(self, data: bytes, defer: bool = False) -> int:
        """Append (deferred: gathered until `flush` or the next plain write); returns the
        file offset the data starts at."""
        at = self._size
        self._size += len(data)
        if defer:
            self._pending.append(data)
            return at
        if self._pending:
            data = b"".join(self._pending) + data
            self._pending.clear()
        if self._fd >= 0:
            n = os.write(self._fd, data)
            while n < len(data):
                n += os.write(self._fd, data[n:])
            if self._fsync:
                os.fsync(self._fd)
        return at

    def flush(self) -> None:
        """Write the deferred records."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._size -= len(data)
            self._write(data)

    def record_out(self, seq: int, wire: bytes, in_seq: int = 0, defer: bool = False) -> None:
        """Store outbound message `seq` (and, in the same write, inbound `in_seq` done).
        defer: gather it; it is written by `flush` or with the next plain record, and the
        message must not go on the wire before."""
        with self._lock:
            head = b"I %d\n" % in_seq if in_seq else b""
            rec = b"%sO %d %d\n" % (head, seq, len(wire))
            at = self._write(rec + wire + b"\n", defer)
            if in_seq:
                self.next_in = max(self.next_in, in_seq + 1)
            if self._fd < 0:
                self._mem.append(wire)
            self._index(seq, at + len(rec), len(wire))

    def record_in(self, seq: int, defer: bool = False) -> None:
        """Inbound message `seq` is processed."""
        with self._lock:
            self._write(b"I %d\n" % seq, defer)
            self.next_in = max(self.next_in, seq + 1)

    def set_next_in(self, seq: int) -> None:
        """A SequenceReset moved the inbound sequence to `seq`."""
        if seq > self.next_in:
            self.record_in(seq - 1)

    def reset(self, next_in: int = 1, next_out: int = 1) -> None:
        """Forget every stored message; the next sequence numbers are the given ones."""
        with self._lock:
            if self._fd >= 0:
                os.ftruncate(self._fd, 0)
            self._size = 0
            self._mem = []
            self._pending.clear()
            day = b"" if self.day is None else b"Y %s\n" % self.day.encode("ascii")
            self._write(b"R %d %d\n%s" % (next_in, next_out, day))  # the day stays
            self.next_in, self.next_out = next_in, next_out
            self._first, self._offsets, self._lens = next_out, [], []

    def set_day(self, day: str) -> None:
        """Note the session day of this journal (a new one, or one written before days)."""
        with self._lock:
            self._write(b"Y %s\n" % day.encode("ascii"))
            self.day = day

    def archive(self, day: str) -> Path | None:
        """End of the session day: the journal moves to `archive/<name>.<its day>.session`
        (kept, never overwritten) and a new one for `day` starts with both sequence numbers at
        1 and no stored messages. Returns the archive's path (None: in memory)."""
        with self._lock:
            self._flush_locked()
            dest = None
            if self.path is not None:
                os.close(self._fd)
                dest = _archive_name(self.path, self.day or "undated")
                os.replace(self.path, dest)
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            self._size = 0
            self._mem = []
            self._write(b"R 1 1\nY %s\n" % day.encode("ascii"))
            self.next_in = self.next_out = 1
            self._first, self._offsets, self._lens = 1, [], []
            self.day = day
            return dest

    # -- resend -------------------------------------------------------------------------

    def stored(self, begin: int, end: int) -> list[tuple[int, bytes | None]]:
        """Outbound messages with begin <= seq <= end (end 0: up to the last), as
        (seq, wire); wire None for a seq not in the store (sent before a reset)."""
        self.flush()
        with self._lock:
            last = self.next_out - 1
            end = last if end == 0 or end > last else end
            out = []
            for seq in range(max(1, begin), end + 1):
                k = seq - self._first
                if k < 0 or k >= len(self._offsets) or self._offsets[k] < 0:
                    out.append((seq, None))
                elif self._fd < 0:
                    out.append((seq, self._mem[k]))
                else:
                    out.append((seq, os.pread(self._fd, self._lens[k], self._offsets[k])))
            return out

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
