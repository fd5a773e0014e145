"""A minimal blocking FIX 4.4 initiator, for tests, benchmarks and operators' smoke checks.

    with FixClient("127.0.0.1", port, sender="OMS1") as c:
        c.logon()
        c.send("D", new_order_fields(cl_ord_id=1, sym="AAPL", side="B", qty=10, price=100.0))
        er = c.expect(b"8")          # FixMsg

Every wait is bounded by `timeout` seconds; `recv` returns None when it runs out.
"""

from __future__ import annotations

import socket
import time

from enforcer.fix import codec as C
from enforcer.fix.parser import FixFramer, FixMsg, ParseError


def new_order_fields(*, cl_ord_id, sym: str, side: str = "B", qty=10, price=None,
                     ord_type: str | None = None, account: str | None = None) -> list:
    """Body of a NewOrderSingle. side 'B'/'S' (or raw '1'/'2'); price None -> MARKET."""
    side = {"B": "1", "S": "2"}.get(side, side)
    ord_type = ord_type or ("1" if price is None else "2")
    return [(C.CL_ORD_ID, cl_ord_id), (C.ACCOUNT, account), (C.SYMBOL, sym), (C.SIDE, side),
            (C.ORDER_QTY, qty), (C.ORD_TYPE, ord_type),
            (C.PRICE, price if price is None or isinstance(price, str) else repr(price)),
            (C.TRANSACT_TIME, C.fix_time(time.time_ns()))]


class FixClient:
    def __init__(self, host: str, port: int, *, sender: str = "CLIENT",
                 target: str = "ADAPTRISK", timeout: float = 5.0, seq: int = 1) -> None:
        self.sender, self.target, self.timeout = sender, target, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = seq  # next MsgSeqNum to send (sessions keep theirs across connections)
        self._framer = FixFramer(max_message_bytes=1 << 20)
        self._pending: list[FixMsg | ParseError] = []

    def __enter__(self) -> FixClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def encode(self, msg_type: str, body, *, seq: int | None = None, poss_dup=False) -> bytes:
        """Wire bytes for the next (or the given) MsgSeqNum; advances `seq` if not given."""
        if seq is None:
            seq, self.seq = self.seq, self.seq + 1
        now = time.time_ns()
        return C.encode(msg_type, body, sender=self.sender, target=self.target, seq=seq,
                        ts_ns=now, poss_dup=poss_dup,
                        orig_sending_time=C.fix_time(now).encode() if poss_dup else None)

    def send(self, msg_type: str, body=(), **kw) -> None:
        self.sock.sendall(self.encode(msg_type, list(body), **kw))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def logon(self, heartbeat_s: int = 30, *, reset: bool = True,
              password: str | None = None) -> FixMsg:
        """Logon; returns the acceptor's Logon. This client keeps no message store, so by
        default it asks for a fresh session (ResetSeqNumFlag=Y, MsgSeqNum 1); with
        reset=False it continues at `self.seq`, as a persistent initiator would."""
        if reset:
            self.seq = 1
        self.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, heartbeat_s),
                        (C.RESET_SEQ, "Y" if reset else None), (C.PASSWORD, password)])
        return self.expect(b"A")

    def recv(self, timeout: float | None = None) -> FixMsg | ParseError | None:
        """Next message; None on timeout or when the peer closed."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, OSError):
                return None
            if not data:
                return None
            self._pending.extend(self._framer.feed(data))
        return self._pending.pop(0)

    def expect(self, msg_type: bytes, timeout: float | None = None) -> FixMsg:
        """Next message of `msg_type`, skipping heartbeats; AssertionError otherwise."""
        while True:
            m = self.recv(timeout)
            if m is None or isinstance(m, ParseError):
                raise AssertionError(f"expected 35={msg_type!r}, got {m!r}")
            if m.get(C.MSG_TYPE) == b"0" and msg_type != b"0":
                continue
            if m.get(C.MSG_TYPE) != msg_type:
                raise AssertionError(f"expected 35={msg_type!r}, got {m!r}")
            return m

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True when the peer closes the connection within `timeout` (messages skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except TimeoutError:
                continue
            except OSError:
                return True
        return False
