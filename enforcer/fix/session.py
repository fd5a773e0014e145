"""FIX 4.4 sessions of the acceptor: `SessionState` (one per counterparty, persistent) and
`FixSession` (one per connection: logon, sequencing, heartbeats, resends, session Rejects).

Rules (FIX 4.4 session layer, as a QuickFIX initiator with default settings expects):
  * Sequence numbers belong to the session (SenderCompID, TargetCompID), not to the
    connection: they are kept across logons and daemon restarts (`enforcer.fix.store`).
    A Logon with ResetSeqNumFlag=Y (141=Y), or every Logon when the acceptor is configured
    `reset_on_logon`, starts both directions at 1 again.
  * Logon MsgSeqNum below the expected one (without 141=Y): Logout and disconnect. Above
    it: the Logon is accepted and a ResendRequest (7=expected, 16=0) follows -- except on
    a session day with nothing exchanged yet (see `enforcer.fix.schedule`), where it is
    a Logout: the counterparty must start the day at 1 (or send 141=Y).
  * Any later message above the expected MsgSeqNum: one ResendRequest per gap, and the
    message is dropped (the counterparty resends it in order). Below it: ignored with
    PossDupFlag=Y, else Logout ("MsgSeqNum too low") and disconnect.
  * A ResendRequest is answered from the outbound store: application messages are resent
    with PossDupFlag=Y, OrigSendingTime (122) and their original MsgSeqNum; session
    messages (and anything not in the store) are replaced by SequenceReset-GapFill.
  * Every message the gateway sends while the counterparty is not connected is stored
    with its MsgSeqNum all the same; the counterparty's next Logon sees our higher
    MsgSeqNum, asks for a resend and gets them (fills during a disconnect, reports after
    a restart).
  * A garbled frame (checksum, body length, bad field, oversized): Reject 373=99 or 6; it
    does not consume a sequence number. A missing header tag: Reject 373=1 with 371. A
    MsgType FIX 4.4 does not define: Reject 373=11. A FIX 4.4 application type the
    gateway does not handle: BusinessMessageReject (35=j, 380=3).
  * Logon is accepted only from a configured SenderCompID (when `allowed_senders` is set)
    with its password in tag 554 (when one is configured for it), one connection per
    session at a time. Before Logon anything else closes the connection.

Durability order on an application message: the gateway's decision is on the decision log
first; then the answer is stored in the session journal together with "inbound <seq>
processed" (one write); then it goes on the wire. A crash before the journal write leaves
the inbound message unprocessed as far as the session knows: the counterparty resends it
(PossDupFlag=Y) and the gateway answers with the decision already made.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Protocol

from enforcer.fix import codec as C
from enforcer.fix.parser import FixFramer, FixMsg, ParseError, first_missing
from enforcer.fix.state import SessionState

_HEADER_REQUIRED = (C.MSG_TYPE, C.SENDER, C.TARGET, C.SEQ, C.SENDING_TIME)


class AppHandler(Protocol):
    """Receives application messages (35=D, 35=F, ...) of an established session."""

    supported: frozenset[bytes]

    def on_app(self, session: SessionState, msg: FixMsg) -> None: ...

    def begin_batch(self) -> None: ...

    def end_batch(self, session: SessionState) -> None: ...

    def on_disconnect(self, session: SessionState) -> None: ...


class SessionRegistry(Protocol):
    """What a connection needs from the acceptor: the session of a counterparty."""

    def session_for(self, peer: str) -> SessionState: ...

    def roll_session_day(self) -> str | None: ...


class FixSession:
    """One acceptor-side connection. Driven by one reader thread (`on_bytes`, `on_timer`).

    send: writes bytes to the socket; registry: gives the persistent `SessionState` of a
    counterparty; passwords: SenderCompID -> password expected in tag 554.
    """

    def __init__(self, *, comp_id: str, send: Callable[[bytes], None], app: AppHandler,
                 clock: Callable[[], int], registry: SessionRegistry,
                 begin_string: str = "FIX.4.4", max_message_bytes: int = 8192,
                 allowed_senders: frozenset[str] = frozenset(),
                 passwords: dict[str, str] | None = None, reset_on_logon: bool = False,
                 min_heartbeat_s: int = 1, max_heartbeat_s: int = 300) -> None:
        self.comp_id = comp_id
        self.peer: str | None = None
        self.state = "AWAIT_LOGON"  # -> ACTIVE -> CLOSED
        self.heartbeat_s = 30
        self.counters = {"rejects": 0, "parse_errors": 0, "resend_requests": 0, "app": 0}
        self.st: SessionState | None = None
        self._send_raw = send
        self._app = app
        self._clock = clock
        self._registry = registry
        self._begin = begin_string
        self._framer = FixFramer(begin_string=begin_string.encode(),
                                 max_message_bytes=max_message_bytes)
        self._allowed = allowed_senders
        self._passwords = passwords or {}
        self._reset_on_logon = reset_on_logon
        self._hb_bounds = (min_heartbeat_s, max_heartbeat_s)
        self._in_seq = 1
        self._resend_pending_from = 0
        now = clock()
        self._last_in = now
        self._test_req_sent_at = 0

    # -- outbound --------------------------------------------------------------------

    def send(self, msg_type: str, body: list[tuple[int, object]]) -> None:
        """Through the session (stored, sequenced); before Logon, straight to the socket."""
        if self.st is not None:
            self.st.send(msg_type, body)
            return
        wire = C.encode(msg_type, body, sender=self.comp_id, target=self.peer or "UNKNOWN",
                        seq=1, ts_ns=self._clock(), begin_string=self._begin)
        try:
            self._send_raw(wire)
        except OSError:
            self.state = "CLOSED"

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

    def _lost(self) -> None:
        self.state = "CLOSED"

    # -- inbound ---------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> bool:
        """Feed received bytes. Returns False when the connection must be closed.

        Several messages read at once are handled as a batch: their decisions are written
        to the decision log with one write, then their answers with one journal write and
        one socket write (`AppHandler.begin_batch` / `end_batch`)."""
        self._last_in = self._clock()
        self._test_req_sent_at = 0
        items = self._framer.feed(data)
        st = self.st
        batch = st is not None and len(items) > 1
        if batch:
            self._app.begin_batch()
            st.hold()
        try:
            for item in items:
                if self.state == "CLOSED":
                    break
                if isinstance(item, ParseError):
                    self._on_parse_error(item)
                else:
                    self._on_message(item)
        finally:
            if batch:
                self._app.end_batch(st)
        return self.state != "CLOSED"

    def on_timer(self) -> bool:
        """Heartbeat / TestRequest / timeout housekeeping. Returns False to close."""
        if self.state != "ACTIVE":
            return self.state != "CLOSED"
        now = self._clock()
        hb_ns = self.heartbeat_s * 1_000_000_000
        if now - self.st.last_out >= hb_ns:
            self.send("0", [])
        silent = now - self._last_in
        if self._test_req_sent_at and now - self._test_req_sent_at >= hb_ns:
            self.logout("no answer to TestRequest")
        elif not self._test_req_sent_at and silent >= hb_ns * 6 // 5:
            self._test_req_sent_at = now
            self.send("1", [(C.TEST_REQ_ID, f"TR{now}")])
        return self.state != "CLOSED"

    def close(self) -> None:
        self.state = "CLOSED"
        st, self.st = self.st, None
        if st is not None:
            st.flush_in()
            st.detach(self._send_raw)
            self._app.on_disconnect(st)

    def _on_parse_error(self, err: ParseError) -> None:
        self.counters["parse_errors"] += 1
        if self.state != "ACTIVE":
            self.state = "CLOSED"  # junk before logon: drop the connection
            return
        reason = C.SRR_INCORRECT_DATA_FORMAT if err.code == "BAD_FIELD" else C.SRR_OTHER
        self.reject(err.seq, reason, f"{err.code}: {err.text}")

    def _on_message(self, msg: FixMsg) -> None:  # noqa: C901
        missing = first_missing(msg, _HEADER_REQUIRED)
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
        if mtype == b"4" and msg.get(C.GAP_FILL) != b"Y":
            self._sequence_reset(msg, seq)  # reset mode ignores MsgSeqNum
            return
        if seq > self._in_seq and mtype != b"5":
            if mtype == b"2":  # answer a ResendRequest even inside our own gap
                self._on_resend_request(msg)
            if self._resend_pending_from != self._in_seq:
                self._resend_pending_from = self._in_seq
                self.counters["resend_requests"] += 1
                self.send("2", [(C.BEGIN_SEQ_NO, self._in_seq), (C.END_SEQ_NO, 0)])
            return
        if seq < self._in_seq:
            if msg.get(C.POSS_DUP) != b"Y":
                self.logout(f"MsgSeqNum too low, expecting {self._in_seq} but received {seq}")
            return
        st = self.st
        self._in_seq = seq + 1
        st.mark_in(seq)
        try:
            if missing is not None:
                self.reject(seq, C.SRR_REQUIRED_TAG_MISSING, f"required tag {missing} missing",
                            ref_tag=missing, ref_type=mtype)
            elif msg.get(C.SENDER).decode("latin-1") != self.peer or \
                    msg.get(C.TARGET).decode("latin-1") != self.comp_id:
                self.reject(seq, C.SRR_COMPID_PROBLEM, "SenderCompID/TargetCompID do not "
                            "match the session", ref_type=mtype)
            elif msg.get(C.POSS_DUP) == b"Y" and msg.get(C.ORIG_SENDING_TIME) is None:
                self.reject(seq, C.SRR_REQUIRED_TAG_MISSING, "OrigSendingTime (122) required "
                            "with PossDupFlag=Y", ref_tag=C.ORIG_SENDING_TIME, ref_type=mtype)
            else:
                self._dispatch(msg, mtype, seq)
        finally:
            st.flush_in()

    def _dispatch(self, msg: FixMsg, mtype: bytes, seq: int) -> None:
        if mtype == b"0" or mtype == b"3":
            return
        if mtype == b"1":
            self.send("0", [(C.TEST_REQ_ID, msg.get(C.TEST_REQ_ID))])
        elif mtype == b"2":
            self._on_resend_request(msg)
        elif mtype == b"4":
            self._sequence_reset(msg, seq)
        elif mtype == b"5":
            self.logout("logout acknowledged")
        elif mtype == b"A":
            self.reject(seq, C.SRR_VALUE_INCORRECT, "already logged on", ref_type=mtype)
        elif mtype in self._app.supported:
            self.counters["app"] += 1
            self._app.on_app(self.st, msg)
        elif mtype in C.FIX44_MSG_TYPES:
            self.send("j", [(C.REF_SEQ, seq), (C.REF_MSG_TYPE, mtype),
                            (C.BUSINESS_REJECT_REASON, 3),
                            (C.TEXT, f"unsupported message type {mtype.decode('latin-1')}")])
        else:
            self.reject(seq, C.SRR_INVALID_MSG_TYPE,
                        f"invalid MsgType {mtype.decode('latin-1')[:20]!r}", ref_type=mtype)

    def _on_resend_request(self, msg: FixMsg) -> None:
        begin, end = msg.get(C.BEGIN_SEQ_NO), msg.get(C.END_SEQ_NO)
        if not (begin and begin.isdigit() and end and end.isdigit()):
            self.reject(int(msg.get(C.SEQ)), C.SRR_REQUIRED_TAG_MISSING,
                        "BeginSeqNo (7) / EndSeqNo (16) missing or bad", ref_type=b"2")
            return
        self.st.resend(int(begin), int(end))

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
        self.st.store.set_next_in(self._in_seq)
        self._resend_pending_from = 0

    def _logon_problem(self, msg: FixMsg, hb: bytes | None) -> str | None:
        lo, hi = self._hb_bounds
        if msg.get(C.TARGET).decode("latin-1") != self.comp_id:
            return f"TargetCompID must be {self.comp_id}"
        if self._allowed and self.peer not in self._allowed:
            return f"SenderCompID {self.peer} not allowed"
        want = self._passwords.get(self.peer)
        if want is not None and not hmac.compare_digest(
                (msg.get(C.PASSWORD) or b"").decode("latin-1").encode(), want.encode()):
            return "bad or missing Password (554)"
        if hb is None or not hb.isdigit() or not lo <= int(hb) <= hi:
            return f"HeartBtInt (108) must be an integer in [{lo}, {hi}]"
        return None

    def _on_first(self, msg: FixMsg, mtype: bytes | None, seq: int | None,
                  missing: int | None) -> None:
        self.peer = (msg.get(C.SENDER) or b"UNKNOWN").decode("latin-1")
        if mtype != b"A" or missing is not None or seq is None:
            self.logout("first message must be a valid Logon (35=A)")
            return
        hb = msg.get(C.HEARTBT_INT)
        problem = self._logon_problem(msg, hb)
        if problem:
            self.logout(problem)
            return
        reset = msg.get(C.RESET_SEQ) == b"Y"
        if reset and seq != 1:
            self.logout("Logon with ResetSeqNumFlag=Y must have MsgSeqNum 1")
            return
        self._registry.roll_session_day()  # a new day's first Logon starts at 1
        st = self._registry.session_for(self.peer)
        with st.exclusive():  # the Logon reply is the first message on this connection
            if not st.attach(self._send_raw, self._lost):
                self.logout(f"session {self.comp_id}-{self.peer} is already logged on")
                return
            self.st = st
            if reset or self._reset_on_logon:
                st.store.reset(1, 1)
                reset = True
            expected = st.store.next_in
            if seq < expected:
                self.logout(f"MsgSeqNum too low, expecting {expected} but received {seq}")
                return
            if seq > expected == 1 and st.store.next_out == 1:
                # a session day with nothing exchanged yet: a higher MsgSeqNum is a client
                # still on yesterday's numbers, and a ResendRequest would bring yesterday's
                # orders back as new ones (the ledger keeps only open orders overnight)
                self.logout(f"new session day {st.store.day}: log on with MsgSeqNum 1 or "
                            "ResetSeqNumFlag=Y")
                return
            self.heartbeat_s = int(hb)
            self.state = "ACTIVE"
            self._in_seq = expected
            if seq == expected:
                self._in_seq = seq + 1
                st.mark_in(seq)
            self.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, self.heartbeat_s),
                            (C.RESET_SEQ, "Y" if reset else None)])
            if seq > expected:
                self._resend_pending_from = expected
                self.counters["resend_requests"] += 1
                self.send("2", [(C.BEGIN_SEQ_NO, expected), (C.END_SEQ_NO, 0)])
