"""`SessionState`: the persistent side of one FIX session (see `enforcer.fix.session` for
the rules): sequence numbers and stored messages (`enforcer.fix.store`), the connection
attached now if any, batching of answers, and resends from the store."""

from __future__ import annotations

import threading
from collections.abc import Callable

from enforcer.fix import codec as C
from enforcer.fix.store import SessionStore

_get_ident = threading.get_ident


class SessionState:
    """The persistent side of one session: sequence numbers, stored messages, and the
    connection attached now (if any). `send` works with or without a connection.

    store: the session's `SessionStore`; clock: UTC ns.
    """

    def __init__(self, *, comp_id: str, peer: str, store: SessionStore,
                 clock: Callable[[], int], begin_string: str = "FIX.4.4") -> None:
        self.comp_id, self.peer, self.store = comp_id, peer, store
        self.custom_tags = True  # reports may carry 8011-8017
        self._clock = clock
        self._begin = begin_string
        self._lock = threading.RLock()  # re-entered by `exclusive` holders that send
        self._write: Callable[[bytes], None] | None = None
        self._on_lost: Callable[[], None] | None = None
        self._in_mark = 0  # inbound seq processed by the reader thread, not yet stored
        self._in_owner = 0
        self._holder = 0  # thread whose messages are gathered (see `hold`)
        self._held: list[bytes] = []
        # the connection (its `write`) the gathered wire bytes were meant for: a batch
        # gathered while no connection (or another one) was attached is stored, and reaches
        # a new connection only by resend, never ahead of its Logon reply
        self._held_for: Callable[[bytes], None] | None = None
        self.durable: Callable[[], None] = _nothing  # writes decisions gathered elsewhere
        self.last_out = 0
        self.counters = {"sent": 0, "stored_while_down": 0, "resent": 0, "gap_filled": 0,
                         "rejects": 0}

    @property
    def connected(self) -> bool:
        return self._write is not None

    def exclusive(self) -> threading.RLock:
        """Hold while logging on (attach, then the Logon reply): no other thread's message
        reaches the new connection before the reply."""
        return self._lock

    def attach(self, write: Callable[[bytes], None], on_lost: Callable[[], None]) -> bool:
        """Attach a connection; False if one is attached already (one at a time)."""
        with self._lock:
            if self._write is not None:
                return False
            self._write, self._on_lost = write, on_lost
            return True

    def roll_day(self, day: str) -> None:
        """End of the session day: a connected counterparty is logged out (its reader
        closes the connection at its next tick), then the journal is archived and the
        sequence numbers start at 1 for `day` (`SessionStore.archive`)."""
        with self._lock:
            self._flush_held()
            if self._write is not None:
                self.send("5", [(C.TEXT, "end of session day")])
                lost, self._write, self._on_lost = self._on_lost, None, None
                if lost is not None:
                    lost()
            self.store.archive(day)

    def detach(self, write: Callable[[bytes], None]) -> None:
        with self._lock:
            if self._write is write:
                self._write = self._on_lost = None

    def mark_in(self, seq: int) -> None:
        """The reader thread is processing inbound `seq`: it is stored as processed with
        the next message this thread sends, or by `flush_in`."""
        self._in_mark, self._in_owner = seq, _get_ident()

    def flush_in(self) -> None:
        """Store the pending inbound mark if no answer carried it."""
        if self._in_mark:
            with self._lock:
                seq, self._in_mark = self._in_mark, 0
                if seq:
                    self.store.record_in(seq, defer=self._holder == _get_ident())

    def hold(self) -> None:
        """Gather this thread's messages (journal records and wire bytes) until `release`:
        a batch of answers goes out with one journal write and one socket write."""
        self._holder = _get_ident()

    def release(self) -> None:
        """Write what is gathered (decisions first, via `durable`) and end the hold."""
        with self._lock:
            self._flush_held()
            self._holder = 0

    def _flush_held(self) -> None:
        self.durable()  # the decisions these messages acknowledge, on disk first
        self.store.flush()
        if self._held:
            wire = b"".join(self._held)
            n, meant_for = len(self._held), self._held_for
            self._held.clear()
            self._held_for = None  # no reference kept to a connection gone
            if meant_for is not self._write:  # gathered for a connection gone since
                self.counters["stored_while_down"] += n
                return
            self._put(wire)

    def send(self, msg_type: str, body: list[tuple[int, object]] | bytes) -> None:
        """Encode with the next MsgSeqNum, store, and write if a connection is attached.
        `body`: (tag, value) pairs, or the body already encoded (each field SOH-ended).
        Thread-safe."""
        with self._lock:
            store = self.store
            seq = store.next_out
            now = self._clock()
            wire = C.encode(msg_type, body, sender=self.comp_id, target=self.peer, seq=seq,
                            ts_ns=now, begin_string=self._begin)
            me = _get_ident()
            in_seq = 0
            if self._in_mark and self._in_owner == me:
                in_seq, self._in_mark = self._in_mark, 0
            self.last_out = now
            self.counters["sent"] += 1
            if self._holder == me:
                store.record_out(seq, wire, in_seq, defer=True)
                if not self._held:
                    self._held_for = self._write
                self._held.append(wire)
                return
            if self._held:  # another thread's batch is gathered: it goes first
                self._flush_held()
            else:
                self.durable()  # decisions gathered by any thread: on disk before this
            store.record_out(seq, wire, in_seq)
            self._put(wire)

    def _put(self, wire: bytes) -> None:
        write = self._write
        if write is None:
            self.counters["stored_while_down"] += 1
            return
        try:
            write(wire)
        except OSError:  # the connection is gone: the message stays stored for a resend
            lost, self._write, self._on_lost = self._on_lost, None, None
            if lost is not None:
                lost()

    def reject(self, ref_seq: int | None, reason: int, text: str, *,
               ref_tag: int | None = None, ref_type: bytes | None = None) -> None:
        """Session-level Reject (35=3)."""
        self.counters["rejects"] += 1
        self.send("3", [(C.REF_SEQ, ref_seq or 0), (C.REF_TAG, ref_tag),
                        (C.REF_MSG_TYPE, ref_type), (C.SESSION_REJECT_REASON, reason),
                        (C.TEXT, text[:200])])

    def resend(self, begin: int, end: int) -> None:
        """Answer a ResendRequest(begin, end): application messages again with
        PossDupFlag=Y and OrigSendingTime, runs of session messages as one GapFill."""
        with self._lock:
            self._flush_held()
            items = self.store.stored(begin, end)
            if not items:  # nothing sent in that range: fill up to our next
                items = [(max(1, min(begin, self.store.next_out)), None)]
            now = self._clock()
            out = []
            gap_from = 0
            for seq, wire in items:
                msg = _split(wire) if wire is not None else None
                if msg is None or msg[0] in C.ADMIN_MSG_TYPES:
                    gap_from = gap_from or seq
                    continue
                if gap_from:
                    out.append(self._gap_fill(gap_from, seq, now))
                    gap_from = 0
                mtype, sent_at, body = msg
                out.append(C.encode(mtype, body, sender=self.comp_id, target=self.peer,
                                    seq=seq, ts_ns=now, begin_string=self._begin,
                                    poss_dup=True, orig_sending_time=sent_at))
                self.counters["resent"] += 1
            if gap_from:
                out.append(self._gap_fill(gap_from, max(self.store.next_out, gap_from + 1),
                                          now))
            self.last_out = now
            self._put(b"".join(out))

    def _gap_fill(self, seq: int, new_seq: int, now: int) -> bytes:
        self.counters["gap_filled"] += 1
        return C.encode("4", [(C.GAP_FILL, "Y"), (C.NEW_SEQ_NO, new_seq)],
                        sender=self.comp_id, target=self.peer, seq=seq, ts_ns=now,
                        begin_string=self._begin, poss_dup=True,
                        orig_sending_time=C.fix_time(now).encode())


def _nothing() -> None:
    pass


def _split(wire: bytes) -> tuple[bytes, bytes, list[tuple[int, bytes]]] | None:
    """A stored message of ours -> (MsgType, SendingTime, body fields after the header)."""
    mtype = sent_at = None
    body = []
    for field in wire.split(b"\x01")[:-2]:  # drop the trailer (10=) and the empty tail
        tag, _, val = field.partition(b"=")
        t = int(tag)
        if t in (8, 9, 49, 56, 34, 43, 122):
            continue
        if t == 35:
            mtype = val
        elif t == 52:
            sent_at = val
        else:
            body.append((t, val))
    return None if mtype is None else (mtype, sent_at, body)
