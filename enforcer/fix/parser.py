"""FIX 4.4 framing: bytes off a socket -> validated messages or parse errors. Never raises.

`FixFramer.feed(data)` appends bytes and returns every complete item found, each either a
`FixMsg` (a well-framed message whose BodyLength and CheckSum are correct)
or a `ParseError` naming what was wrong. The framer resynchronises on the next
``8=FIX`` after a bad frame, so one garbled message never poisons the connection.

What is checked here (the framing layer):
  * garbage before a BeginString            -> ``GARBAGE``
  * BeginString other than the configured   -> ``BAD_BEGIN_STRING``
  * BodyLength (9) missing/non-numeric      -> ``BAD_BODY_LENGTH``
  * BodyLength that does not end on the CheckSum field -> ``BAD_BODY_LENGTH``
  * a frame longer than ``max_message_bytes`` -> ``OVERSIZED``
  * CheckSum (10) wrong or malformed        -> ``BAD_CHECKSUM``
  * a field that is not ``<int>=<value>``   -> ``BAD_FIELD``
Tag presence and values (MsgType, MsgSeqNum, ...) are the session's job (`fix_session`).

Fields of a validated frame are split on SOH (fast path); `decode_with_simplefix` is the
simplefix-based twin the tests compare it against. Outbound messages are encoded with
simplefix (`fix_codec`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import simplefix
import simplefix.errors

SOH = b"\x01"
_TRAILER = re.compile(rb"\x0110=")
_SEQ = re.compile(rb"\x0134=(\d{1,18})\x01")
# a whole frame of well-formed fields (tag: 1-9 ASCII digits, value: non-empty, no SOH)
_WELL_FORMED = re.compile(rb"(?:[0-9]{1,9}=[^\x01]+\x01)+\Z")
_FIELD = re.compile(rb"([0-9]+)=([^\x01]*)\x01")


class FixMsg:
    """One validated FIX message: ordered (tag, value) pairs, values as raw bytes.

    `get(tag, default=None)` follows `simplefix.FixMessage.get`: the first value for `tag`
    or `default`. It is the bound `get` of the tag -> value dict itself, not a method that
    calls it: the gateway reads ~25 tags per order, and a Python-level wrapper cost a frame
    each (~4 us per order).
    """

    __slots__ = ("pairs", "raw", "_first", "get")

    def __init__(self, pairs: tuple[tuple[int, bytes], ...], raw: bytes = b""):
        self.pairs = pairs
        self.raw = raw
        self._first = dict(reversed(pairs))  # the first value of a repeated tag wins
        self.get = self._first.get

    def __contains__(self, tag: int) -> bool:
        return tag in self._first

    def __repr__(self) -> str:
        return "FixMsg(" + "|".join(f"{t}={v.decode('latin-1')}" for t, v in self.pairs) + ")"


def first_missing(msg: FixMsg, tags: tuple[int, ...]) -> int | None:
    """The first of `tags` that `msg` lacks, or None. (One C-level pass in the common case
    where none is missing: a generator costs ~1 us a message.)"""
    if None not in map(msg.get, tags):
        return None
    return next(t for t in tags if msg.get(t) is None)


@dataclass(frozen=True, slots=True)
class ParseError:
    """A frame that could not be accepted.

    code: one of GARBAGE, BAD_BEGIN_STRING, BAD_BODY_LENGTH, OVERSIZED, BAD_CHECKSUM,
    BAD_FIELD. text: one human line. seq: the MsgSeqNum (34) if it could be read, else
    None. raw: the offending bytes (truncated to 256).
    """

    code: str
    text: str
    seq: int | None = None
    raw: bytes = b""


def _seq_of(frame: bytes) -> int | None:
    m = _SEQ.search(frame)
    return int(m.group(1)) if m else None


class FixFramer:
    """Incremental, non-raising FIX frame extractor for one connection.

    begin_string: expected tag 8 value, e.g. b"FIX.4.4".
    max_message_bytes: largest whole frame accepted (header + body + trailer), bytes.
    """

    def __init__(self, *, begin_string: bytes = b"FIX.4.4", max_message_bytes: int = 8192):
        self._begin = b"8=" + begin_string + SOH
        self._max = int(max_message_bytes)
        self._buf = bytearray()
        self._resync = False  # after a bad frame: drop bytes silently until next 8=FIX

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[FixMsg | ParseError]:
        """Append `data`; return every complete message or error now available."""
        self._buf += data
        out: list[FixMsg | ParseError] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    # -- internals -------------------------------------------------------------------

    def _drop(self, n: int) -> bytes:
        head = bytes(self._buf[:n])
        del self._buf[:n]
        return head

    def _skip_to_start(self) -> ParseError | None:
        """Discard bytes before the next b'8=FIX'. Returns an error for dropped garbage."""
        start = self._buf.find(b"8=FIX")
        if start == 0:
            self._resync = False
            return None
        if start < 0:
            # keep a tail that could be the beginning of b"8=FIX"
            keep = 0
            for k in range(min(4, len(self._buf)), 0, -1):
                if b"8=FIX".startswith(bytes(self._buf[-k:])):
                    keep = k
                    break
            start = len(self._buf) - keep
            if start == 0:
                return None
        junk = self._drop(start)
        if self._resync or not junk.strip(b"\x00\r\n\t "):
            return None
        self._resync = True
        return ParseError("GARBAGE", f"{len(junk)} bytes before BeginString dropped",
                          None, junk[:256])

    def _fail(self, code: str, text: str, consumed: int) -> ParseError:
        seq = _seq_of(bytes(self._buf[:max(consumed, 512)]))
        frame = self._drop(consumed)
        if consumed <= 1:
            self._resync = True
        return ParseError(code, text, seq, frame[:256])

    def _next(self) -> FixMsg | ParseError | None:  # noqa: C901
        while True:
            if not self._buf:
                return None
            err = self._skip_to_start()
            if err is not None:
                return err
            if not self._buf.startswith(b"8=FIX"):
                return None
            break
        buf = self._buf
        soh1 = buf.find(SOH)
        if soh1 < 0:
            if len(buf) > 32:
                return self._fail("BAD_BEGIN_STRING", "BeginString not terminated", 1)
            return None
        if not buf.startswith(self._begin):
            got = bytes(buf[2:soh1][:32]).decode("ascii", "replace")
            return self._fail("BAD_BEGIN_STRING", f"unsupported BeginString {got!r}", 1)
        body_len_start = soh1 + 1
        soh2 = buf.find(SOH, body_len_start)
        if soh2 < 0:
            if len(buf) - body_len_start > 16:
                return self._fail("BAD_BODY_LENGTH", "BodyLength (9) not found", 1)
            if len(buf) - body_len_start >= 2 and not buf.startswith(b"9=", body_len_start):
                return self._fail("BAD_BODY_LENGTH", "second field is not BodyLength (9)", 1)
            return None
        field = bytes(buf[body_len_start:soh2])
        if not field.startswith(b"9=") or not field[2:].isdigit() or len(field) > 12:
            return self._fail("BAD_BODY_LENGTH", "BodyLength (9) missing or not a number", 1)
        body_start = soh2 + 1
        body_len = int(field[2:])
        if body_start + body_len + 7 > self._max:
            return self._fail("OVERSIZED",
                              f"message of {body_start + body_len + 7} bytes exceeds "
                              f"the {self._max}-byte limit", 1)
        m = _TRAILER.search(buf, body_start - 1)
        if m is None:
            if len(buf) > self._max:
                return self._fail("OVERSIZED", f"no CheckSum within {self._max} bytes", 1)
            return None
        restart = buf.find(b"\x018=FIX", body_start - 1, m.start())
        if restart >= 0:  # a new message starts before this one's trailer: it was cut short
            return self._fail("BAD_BODY_LENGTH", "message cut short by the next BeginString",
                              restart + 1)
        body_end = m.start() + 1
        end = body_end + 7  # '10=' + 3 digits + SOH
        if len(buf) < end:
            return None
        if body_end - body_start != body_len:
            # consume up to the next BeginString if one starts inside (a frame that lost
            # its SOHs must not swallow the good message after it), else the whole frame
            nxt = buf.find(b"8=FIX", 1, end)
            return self._fail("BAD_BODY_LENGTH",
                              f"BodyLength says {body_len}, body is {body_end - body_start}",
                              nxt if nxt > 0 else (end if buf[end - 1] == 1 else body_end + 3))
        digits = bytes(buf[body_end + 3:end - 1])
        if buf[end - 1] != 1 or not digits.isdigit():
            return self._fail("BAD_CHECKSUM", "CheckSum (10) is not three digits", body_end + 3)
        want = sum(memoryview(buf)[:body_end]) % 256
        if int(digits) != want:
            return self._fail("BAD_CHECKSUM",
                              f"CheckSum is {int(digits):03d}, computed {want:03d}", end)
        return self._decode(self._drop(end))

    @staticmethod
    def _decode(frame: bytes) -> FixMsg | ParseError:
        if _WELL_FORMED.match(frame):  # the common case: two regex passes in C
            return FixMsg(tuple([(int(t), v) for t, v in _FIELD.findall(frame)]), frame)
        pairs = []
        for field in frame[:-1].split(SOH):
            tag, eq, val = field.partition(b"=")
            if not eq or not val or not tag.isdigit() or len(tag) > 9:
                return ParseError("BAD_FIELD", f"malformed field {field[:40]!r}",
                                  _seq_of(frame), frame[:256])
            pairs.append((int(tag), val))
        return FixMsg(tuple(pairs), frame)


def decode_with_simplefix(frame: bytes) -> simplefix.FixMessage | None:
    """Reference twin of the tokenizer: simplefix's parser on one validated frame.

    Returns None where simplefix rejects the field layout. Used by the parity tests only;
    the fast path splits on SOH because simplefix's byte-by-byte loop costs ~50 us/message.
    """
    parser = simplefix.FixParser()
    try:
        parser.append_buffer(frame)
        msg = parser.get_message()
    except (simplefix.errors.ParsingError, ValueError):
        return None
    if msg is None or parser.get_buffer():
        return None
    return msg
