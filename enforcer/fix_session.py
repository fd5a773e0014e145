"""FIX 4.4 session layer for one acceptor connection: logon, sequence numbers, heartbeats.

Choices (documented in the acceptor's README section of `fix_acceptor`):
  * Sequence numbers live per connection: each Logon starts both directions at 1 (as if
    ResetSeqNumFlag=Y; a Logon with MsgSeqNum != 1 is refused); no persistent store.
  * Inbound MsgSeqNum too high (a gap): answered with a ResendRequest (7=expected, 16=0)
    and the message is dropped (the counterparty resends it in order); only one
    ResendRequest is outstanding per gap. A SequenceReset-GapFill closes the gap.
  * MsgSeqNum too low without PossDupFlag=Y: Logout with the reason, then disconnect (the
    FIX rule: the counterparty's state is not ours). With PossDupFlag=Y: ignored.
  * A ResendRequest from the counterparty is answered with one SequenceReset-GapFill to
    our next MsgSeqNum (execution reports are not replayed).
  * A garbled frame (bad checksum, wrong body length, garbage, oversized, bad field) is
    answered with a session Reject (35=3, 373=99 or 6, 58=reason) and does NOT consume a
    sequence number, so the counterparty resends the same MsgSeqNum.
  * A framed message missing a header tag (35, 49, 56, 34, 52): Reject 373=1 with 371.
  * Before Logon anything but a valid Logon closes the connection (Logout if parseable).

`FixSession` is driven by one reader thread (`on_bytes`, `on_timer`); `send_app` may be
called from other threads (fills from the exchange simulator) and is serialised by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from enforcer import fix_codec as C
from enforcer.fix_parser import FixFramer, FixMsg, ParseError

_HEADER_REQUIRED = (C.MSG_TYPE, C.SENDER, C.TARGET, C.SEQ, C.SENDING_TIME)
_SESSION_TYPES = {b"0", b"1", b"2", b"3", b"4", b"5", b"A"}


class AppHandler(Protocol):
    """Receives application messages (35=D, 35=F, ...) of an established session."""

    def on_app(self, session: FixSession, msg: FixMsg) -> None: ...

    def on_disconnect(self, session: FixSession) -> None: ...


class FixSession:
    """One acceptor-side FIX session over one connection.

    send: writes bytes to the socket (called under the session's send lock).
    clock: UTC ns. heartbeat bounds in seconds; max_message_bytes for the framer.
    """

    def __init__(self, *, comp_id: str, send: Callable[[bytes], None], app: AppHandler,
                 clock: Callable[[], int], begin_string: str = "FIX.4.4",
                 max_message_bytes: int = 8192, allowed_senders: frozenset[str] = frozenset(),
                 min_heartbeat_s: int = 1, max_heartbeat_s: int = 300) -> None:
        self.comp_id = comp_id
        self.peer: str | None = None
        self.state = "AWAIT_LOGON"  # -> ACTIVE -> CLOSED
        self.heartbeat_s = 30
        self.counters = {"rejects": 0, "parse_errors": 0, "resend_requests": 0, "app": 0}
        self._send_raw = send
        self._app = app
        self._clock = clock
        self._begin = begin_string
        self._framer = FixFramer(begin_string=begin_string.encode(),
                                 max_message_bytes=max_message_bytes)
        self._allowed = allowed_senders
        self._hb_bounds = (min_heartbeat_s, max_heartbeat_s)
        self._in_seq = 1
        self._out_seq = 1
        self._lock = threading.Lock()
        self._resend_pending_from = 0
        now = clock()
        self._last_in = now
        self._last_out = now
        self._test_req_sent_at = 0
        self._logged_on = False

    # -- outbound --------------------------------------------------------------------

    def send(self, msg_type: str, body: list[tuple[int, object]]) -> None:
        """Encode with the next MsgSeqNum and write. Thread-safe; no-op once closed."""
        with self._lock:
            if self.state == "CLOSED":
                return
            now = self._clock()
            wire = C.encode(msg_type, body, sender=self.comp_id, target=self.peer or "UNKNOWN",
                            seq=self._out_seq, ts_ns=now, begin_string=self._begin)
            self._out_seq += 1
            self._last_out = now
            try:
                self._send_raw(wire)
            except OSError:
                self.state = "CLOSED"

    send_app = send

    def reject(self, ref_seq: int | None, reason: int, text: str, *, ref_tag: int | None = None,
               ref_type: bytes | None = None) -> None:
        """Session-level Reject (35=3)."""
        self.counters["rejects"] += 1
        self.send("3", [(C.REF_SEQ, ref_seq or 0), (C.REF_TAG, ref_tag),
                        (C.REF_MSG_TYPE, ref_type), (C.SESSION_REJECT_REASON, reason),
                        (C.TEXT, text[:200])])

    def logout(self, text: str) -> None:
        self.send("5", [(C.TEXT, text[:200])])
        self.state = "CLOSED"

    # -- inbound ---------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> bool:
        """Feed received bytes. Returns False when the connection must be closed."""
        self._last_in = self._clock()
        self._test_req_sent_at = 0
        for item in self._framer.feed(data):
            if self.state == "CLOSED":
                break
            if isinstance(item, ParseError):
                self._on_parse_error(item)
            else:
                self._on_message(item)
        return self.state != "CLOSED"

    def on_timer(self) -> bool:
        """Heartbeat / TestRequest / timeout housekeeping. Returns False to close."""
        if self.state != "ACTIVE":
            return self.state != "CLOSED"
        now = self._clock()
        hb_ns = self.heartbeat_s * 1_000_000_000
        if now - self._last_out >= hb_ns:
            self.send("0", [])
        silent = now - self._last_in
        if self._test_req_sent_at and now - self._test_req_sent_at >= hb_ns:
            self.logout("no answer to TestRequest")
        elif not self._test_req_sent_at and silent >= hb_ns * 6 // 5:
            self._test_req_sent_at = now
            self.send("1", [(C.TEST_REQ_ID, f"TR{now}")])
        return self.state != "CLOSED"

    def close(self) -> None:
        with self._lock:
            self.state = "CLOSED"
            was, self._logged_on = self._logged_on, False
        if was:
            self._app.on_disconnect(self)

    def _on_parse_error(self, err: ParseError) -> None:
        self.counters["parse_errors"] += 1
        if self.state != "ACTIVE":
            self.state = "CLOSED"  # junk before logon: drop the connection
            return
        reason = C.SRR_INCORRECT_DATA_FORMAT if err.code == "BAD_FIELD" else C.SRR_OTHER
        self.reject(err.seq, reason, f"{err.code}: {err.text}")

    def _on_message(self, msg: FixMsg) -> None:  # noqa: C901
        missing = next((t for t in _HEADER_REQUIRED if msg.get(t) is None), None)
        seq_raw = msg.get(C.SEQ)
        seq = int(seq_raw) if seq_raw is not None and seq_raw.isdigit() else None
        mtype = msg.get(C.MSG_TYPE)
        if self.state == "AWAIT_LOGON":
            self._on_first(msg, mtype, seq, missing)
            return
        if seq is None:
            self.reject(0, C.SRR_REQUIRED_TAG_MISSING if seq_raw is None else
                        C.SRR_INCORRECT_DATA_FORMAT, "MsgSeqNum (34) missing or not a number",
                        ref_tag=C.SEQ, ref_type=mtype)
            return
        poss_dup = msg.get(C.POSS_DUP) == b"Y"
        if mtype == b"4" and msg.get(C.GAP_FILL) != b"Y":
            self._sequence_reset(msg, seq)  # reset mode ignores MsgSeqNum
            return
        if seq > self._in_seq and mtype != b"5":
            if self._resend_pending_from != self._in_seq:
                self._resend_pending_from = self._in_seq
                self.counters["resend_requests"] += 1
                self.send("2", [(C.BEGIN_SEQ_NO, self._in_seq), (C.END_SEQ_NO, 0)])
            return
        if seq < self._in_seq:
            if not poss_dup:
                self.logout(f"MsgSeqNum too low, expecting {self._in_seq} but received {seq}")
            return
        self._in_seq = max(self._in_seq, seq + 1)
        if missing is not None:
            self.reject(seq, C.SRR_REQUIRED_TAG_MISSING, f"required tag {missing} missing",
                        ref_tag=missing, ref_type=mtype)
            return
        if msg.get(C.SENDER).decode("latin-1") != self.peer or \
                msg.get(C.TARGET).decode("latin-1") != self.comp_id:
            self.reject(seq, C.SRR_COMPID_PROBLEM, "SenderCompID/TargetCompID do not match "
                        "the session", ref_type=mtype)
            return
        self._dispatch(msg, mtype, seq)

    def _dispatch(self, msg: FixMsg, mtype: bytes, seq: int) -> None:
        if mtype == b"0" or mtype == b"3":
            return
        if mtype == b"1":
            self.send("0", [(C.TEST_REQ_ID, msg.get(C.TEST_REQ_ID))])
        elif mtype == b"2":
            self.send_gap_fill(msg)
        elif mtype == b"4":
            self._sequence_reset(msg, seq)
        elif mtype == b"5":
            self.logout("logout acknowledged")
        elif mtype == b"A":
            self.reject(seq, C.SRR_VALUE_INCORRECT, "already logged on", ref_type=mtype)
        else:
            self.counters["app"] += 1
            self._app.on_app(self, msg)

    def send_gap_fill(self, msg: FixMsg) -> None:
        """Answer a ResendRequest: one SequenceReset-GapFill from BeginSeqNo to our next."""
        begin = msg.get(C.BEGIN_SEQ_NO)
        with self._lock:
            start = int(begin) if begin and begin.isdigit() else self._out_seq
            start = max(1, min(start, self._out_seq))
            wire = C.encode("4", [(C.GAP_FILL, "Y"), (C.NEW_SEQ_NO, self._out_seq)],
                            sender=self.comp_id, target=self.peer or "UNKNOWN", seq=start,
                            ts_ns=self._clock(), begin_string=self._begin, poss_dup=True)
            try:
                self._send_raw(wire)
            except OSError:
                self.state = "CLOSED"

    def _sequence_reset(self, msg: FixMsg, seq: int) -> None:
        new = msg.get(C.NEW_SEQ_NO)
        if new is None or not new.isdigit():
            self.reject(seq, C.SRR_REQUIRED_TAG_MISSING, "NewSeqNo (36) missing or bad",
                        ref_tag=C.NEW_SEQ_NO, ref_type=b"4")
            return
        if int(new) < self._in_seq:
            self.reject(seq, C.SRR_VALUE_INCORRECT, "NewSeqNo would lower the sequence",
                        ref_tag=C.NEW_SEQ_NO, ref_type=b"4")
            return
        self._in_seq = int(new)
        self._resend_pending_from = 0

    def _on_first(self, msg: FixMsg, mtype: bytes | None, seq: int | None,
                  missing: int | None) -> None:
        if mtype != b"A" or missing is not None or seq is None:
            self.peer = (msg.get(C.SENDER) or b"UNKNOWN").decode("latin-1")
            self.logout("first message must be a valid Logon (35=A)")
            return
        self.peer = msg.get(C.SENDER).decode("latin-1")
        hb = msg.get(C.HEARTBT_INT)
        lo, hi = self._hb_bounds
        problem = None
        if msg.get(C.TARGET).decode("latin-1") != self.comp_id:
            problem = f"TargetCompID must be {self.comp_id}"
        elif self._allowed and self.peer not in self._allowed:
            problem = f"SenderCompID {self.peer} not allowed"
        elif hb is None or not hb.isdigit() or not lo <= int(hb) <= hi:
            problem = f"HeartBtInt (108) must be an integer in [{lo}, {hi}]"
        elif seq != 1:
            problem = "Logon MsgSeqNum must be 1 (sequence numbers start at 1 per connection)"
        if problem:
            self.logout(problem)
            return
        self.heartbeat_s = int(hb)
        self.state = "ACTIVE"
        self._logged_on = True
        self._in_seq = 2
        reset = msg.get(C.RESET_SEQ) == b"Y"
        self.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, self.heartbeat_s),
                        (C.RESET_SEQ, "Y" if reset else None)])
