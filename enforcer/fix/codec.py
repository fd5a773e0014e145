"""Outbound FIX 4.4 encoding and the tag numbers the front end uses.

`encode(...)` builds one message with the standard header (8, 9, 35, 49, 56, 34, 52), the
given body fields in order, and the trailer (10) with BodyLength and CheckSum computed.
`encode_simplefix` is its simplefix-built twin; tests hold them byte-equal. Values may be str, bytes, int or float; timestamps are UTC nanoseconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import simplefix

# header / session
BEGIN_STRING, BODY_LENGTH, MSG_TYPE, SENDER, TARGET, SEQ, SENDING_TIME = 8, 9, 35, 49, 56, 34, 52
CHECKSUM, POSS_DUP, TEXT, REF_SEQ, REF_TAG, REF_MSG_TYPE, SESSION_REJECT_REASON = (
    10, 43, 58, 45, 371, 372, 373)
ENCRYPT_METHOD, HEARTBT_INT, TEST_REQ_ID, RESET_SEQ = 98, 108, 112, 141
ORIG_SENDING_TIME, USERNAME, PASSWORD = 122, 553, 554
BEGIN_SEQ_NO, END_SEQ_NO, NEW_SEQ_NO, GAP_FILL = 7, 16, 36, 123
BUSINESS_REJECT_REF_ID, BUSINESS_REJECT_REASON = 379, 380
# application
ACCOUNT, CL_ORD_ID, ORIG_CL_ORD_ID, ORDER_ID, EXEC_ID = 1, 11, 41, 37, 17
SYMBOL, SIDE, ORDER_QTY, ORD_TYPE, PRICE, TRANSACT_TIME = 55, 54, 38, 40, 44, 60
EXEC_TYPE, ORD_STATUS, LEAVES_QTY, CUM_QTY, AVG_PX, LAST_QTY, LAST_PX = (
    150, 39, 151, 14, 6, 32, 31)
CXL_REJ_RESPONSE_TO, CXL_REJ_REASON, TARGET_STRATEGY = 434, 102, 847
ORD_REJ_REASON, EXEC_TRANS_TYPE = 103, 20
RISK_STATE = 8011  # custom: the enforcer's risk state, e.g. RiskAlert_HighAnomaly
LIMITS_VERSION = 8012  # custom: limits_version of the decision
MODE = 8013  # custom: enforce / shadow / ab
# custom, on an accepted order's 150=0 ack: the execution advice in force for its symbol
# (the newest exec_advice row, issue 15), from the advice poller, never a model call
ADVISED_ALGO = 8014  # TWAP / VWAP / POV
ADVISED_PARTICIPATION = 8015  # participation cap, a fraction of market volume in (0, 1]
ADVISED_CLIP_QTY = 8016  # largest child order, lots
IMPACT_MAX_QTY = 8017  # largest order whose predicted slippage meets the budget, lots

# SessionRejectReason (373)
SRR_REQUIRED_TAG_MISSING = 1
SRR_VALUE_INCORRECT = 5
SRR_INCORRECT_DATA_FORMAT = 6
SRR_COMPID_PROBLEM = 9
SRR_INVALID_MSG_TYPE = 11
SRR_OTHER = 99


# the last second and millisecond formatted, each one tuple in one global: replaced
# whole, so a thread never reads one's key with another's text
_SECOND: tuple[int, str] = (-1, "")
_MILLI: tuple[int, str] = (-1, "")


def fix_time(ts_ns: int) -> str:
    """UTC ns -> FIX UTCTimestamp with milliseconds, 'YYYYMMDD-HH:MM:SS.sss'."""
    global _SECOND, _MILLI
    ms = int(ts_ns) // 1_000_000
    last = _MILLI
    if last[0] == ms:  # several messages per millisecond: formatted once
        return last[1]
    secs, milli = divmod(ms, 1000)
    sec = _SECOND
    if sec[0] != secs:  # strftime once per second, not per message
        sec = _SECOND = (secs, time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(secs)))
    text = f"{sec[1]}.{milli:03d}"
    _MILLI = (ms, text)
    return text


def _val(v: object) -> bytes:
    if type(v) is bytes:
        return v
    if type(v) is str:
        return v.encode()
    if type(v) is float:
        return repr(v).encode()
    return str(v).encode("ascii")


_TAG: dict[int, bytes] = {}  # tag -> b"<tag>="
_PREFIX: dict[tuple, bytes] = {}  # (msg type, sender, target) -> b"35=..|49=..|56=..|34="


def encode(msg_type: str | bytes, body: Iterable[tuple[int, object]], *, sender: str,
           target: str, seq: int, ts_ns: int, begin_string: str = "FIX.4.4",
           poss_dup: bool = False, orig_sending_time: bytes | None = None) -> bytes:
    """One wire message: header, `body` pairs in order (None values skipped), trailer.
    `body` may also be bytes already encoded (each field ending in SOH).

    Byte-for-byte what `encode_simplefix` (simplefix's encoder) produces, without its
    per-byte Python checksum loop (a unit test holds the two equal).
    """
    if type(body) is bytes and type(seq) is int and not poss_dup and \
            orig_sending_time is None:  # the hot path: a pre-encoded body
        key = (msg_type, sender, target)
        pre = _PREFIX.get(key)
        if pre is None:
            if len(_PREFIX) > 4096:
                _PREFIX.clear()
            pre = _PREFIX[key] = b"35=%s\x0149=%s\x0156=%s\x0134=" % (
                _val(msg_type), _val(sender), _val(target))
        payload = b"%s%d\x0152=%s\x01%s" % (pre, seq, fix_time(ts_ns).encode(), body)
        msg = b"8=%s\x019=%d\x01%s" % (begin_string.encode(), len(payload), payload)
        return msg + b"10=%03d\x01" % (sum(msg) % 256)
    parts = [b"35=", _val(msg_type), b"\x0149=", _val(sender), b"\x0156=", _val(target),
             b"\x0134=", _val(seq)]
    if poss_dup:
        parts.append(b"\x0143=Y")
    parts += (b"\x0152=", fix_time(ts_ns).encode(), b"\x01")
    if orig_sending_time is not None:
        parts += (b"122=", orig_sending_time, b"\x01")
    parts.append(body if type(body) is bytes else fields(body))
    payload = b"".join(parts)
    msg = b"8=%s\x019=%d\x01%s" % (begin_string.encode(), len(payload), payload)
    return msg + b"10=%03d\x01" % (sum(msg) % 256)


def fields(body: Iterable[tuple[int, object]]) -> bytes:
    """`body` pairs as wire bytes, each field SOH-ended (None values skipped), exactly as
    `encode` writes them."""
    out = []
    add = out.append
    tags = _TAG
    for tag, value in body:
        if value is None:
            continue
        t = type(value)
        if t is str:
            value = value.encode()
        elif t is not bytes:
            value = (repr(value) if t is float else str(value)).encode("ascii")
        tb = tags.get(tag)
        if tb is None:
            tb = tags[tag] = str(tag).encode() + b"="
        add(tb)
        add(value)
        add(b"\x01")
    return b"".join(out)


def encode_simplefix(msg_type: str | bytes, body: Iterable[tuple[int, object]], *,
                     sender: str, target: str, seq: int, ts_ns: int,
                     begin_string: str = "FIX.4.4", poss_dup: bool = False,
                     orig_sending_time: bytes | None = None) -> bytes:
    """Reference twin of `encode`: the same message built with simplefix."""
    m = simplefix.FixMessage()
    m.append_pair(BEGIN_STRING, begin_string)
    m.append_pair(MSG_TYPE, msg_type)
    m.append_pair(SENDER, sender)
    m.append_pair(TARGET, target)
    m.append_pair(SEQ, seq)
    if poss_dup:
        m.append_pair(POSS_DUP, "Y")
    m.append_pair(SENDING_TIME, fix_time(ts_ns))
    if orig_sending_time is not None:
        m.append_pair(ORIG_SENDING_TIME, orig_sending_time)
    for tag, value in body:
        if value is None:
            continue
        if isinstance(value, float):
            value = repr(value)
        m.append_pair(tag, value)
    return m.encode()


# MsgType values FIX 4.4 defines: any other is answered with a session Reject 373=11;
# a defined application type the gateway does not handle gets a BusinessMessageReject.
FIX44_MSG_TYPES = frozenset(
    [bytes([c]) for c in b"0123456789ABCDEFGHJKLMNPQRSTVWXYZabcdefghijklmnopqrstuvwxyz"]
    + [b"A" + bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    + [b"B" + bytes([c]) for c in b"ABCDEFGH"])
ADMIN_MSG_TYPES = frozenset((b"0", b"1", b"2", b"3", b"4", b"5", b"A"))
