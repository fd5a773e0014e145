"""FIX 4.4 acceptor: a TCP listener on 127.0.0.1 with one thread per connection.

    acceptor = FixAcceptor(enforcer, config=FixConfig(port=0))
    acceptor.start()            # binds; acceptor.port is the port actually bound
    ...
    acceptor.stop()             # closes the listener and every connection

Layers: `parser` (bytes -> frames, never raises) -> `session` (logon, sequence numbers,
resends, heartbeats, session Rejects; each counterparty's `SessionState` persists in a
`store` journal and outlives connections) -> `gateway` (orders -> commands -> one
`Enforcer.submit_once` call -> ExecutionReports; accepted orders to the downstream venue).
The downstream is the built-in `ExchangeSim` (FixConfig.downstream = 'sim') or nothing
('none'). No exception from one connection reaches another or the listener: a failure
inside a connection thread is counted, that connection is closed, the rest go on.
"""

from __future__ import annotations

import gc
import logging
import select
import socket
import sys
import threading
import time

from enforcer.fix.config import ExchangeSimConfig, FixConfig
from enforcer.fix.exchange_sim import ExchangeSim
from enforcer.fix.gateway import FixGateway
from enforcer.fix.schedule import session_day
from enforcer.fix.session import FixSession
from enforcer.fix.state import SessionState
from enforcer.fix.store import SessionStore, session_file, session_peers

log = logging.getLogger("adaptrisk.enforcer.fix")

RECV_BYTES = 65536
FREEZE_EVERY_S = 1.0  # see FixAcceptor._refreeze
GIL_SWITCH_S = 0.0002  # GIL hand-over bound for the order path (CPython default 0.005)


class FixAcceptor:
    """FIX acceptor in front of one `Enforcer`.

    enforcer: the engine. config: `FixConfig`. exchange_config: for the built-in venue.
    clock: UTC ns (default `time.time_ns`). advice: an `enforcer.advice.AdviceBoard` (or
    anything with `fix_fields(sym)`) whose advice goes on accepted orders' acks (8014-8017);
    the caller polls it (`AdviceBoard.start`).
    """

    def __init__(self, enforcer, *, config: FixConfig | None = None,
                 exchange_config: ExchangeSimConfig | None = None, clock=None,
                 advice=None) -> None:
        self.config = config or FixConfig()
        self._clock = clock or time.time_ns
        self.venue: ExchangeSim | None = None
        self._enforcer = enforcer
        self.gateway = FixGateway(enforcer, config=self.config, clock=self._clock,
                                  sessions=self.session_for,
                                  advice=None if advice is None else advice.fix_fields)
        self._sessions: dict[str, SessionState] = {}
        self._sessions_lock = threading.Lock()
        log_path = getattr(getattr(enforcer, "cfg", None), "decision_log_path", None)
        self.store_dir = self.config.store_dir or (
            None if log_path is None else log_path.with_name(log_path.name + ".fix"))
        self._passwords = dict(self.config.passwords)
        if self.config.downstream == "sim":
            self.venue = ExchangeSim(on_report=self.gateway.on_report, config=exchange_config,
                                     on_batch=self.gateway.venue_batch)
            self.gateway.attach_venue(self.venue)
        self._listener: socket.socket | None = None
        self._threads: set[threading.Thread] = set()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.port = 0
        self._last_freeze = 0.0
        self._roll_lock = threading.Lock()
        self.counters = {"connections": 0, "refused": 0, "connection_errors": 0,
                         "day_rolls": 0}

    # -- sessions -----------------------------------------------------------------------

    def session_for(self, peer: str) -> SessionState:
        """The persistent session with counterparty `peer` (created, or reopened from its
        journal, on first use)."""
        with self._sessions_lock:
            st = self._sessions.get(peer)
            if st is None:
                cfg = self.config
                path = None if self.store_dir is None else \
                    session_file(self.store_dir, cfg.comp_id, peer)
                st = self._sessions[peer] = SessionState(
                    comp_id=cfg.comp_id, peer=peer, store=SessionStore(path), clock=self._clock,
                    begin_string=cfg.begin_string)
                st.custom_tags = peer not in cfg.standard_only
                st.durable = self._enforcer.flush_held
                if st.store.day is None:  # a new journal, or one from before days
                    st.store.set_day(self.session_day())
            return st

    # -- the session day ----------------------------------------------------------------

    def session_day(self, now: int | None = None) -> str:
        """The session day (YYYY-MM-DD) of `now` (UTC ns; default: the clock)."""
        cfg = self.config
        return session_day(self._clock() if now is None else now, cfg.session_reset_time,
                           cfg.session_reset_zone)

    def roll_session_day(self) -> str | None:
        """If the clock has passed the session day's end (`FixConfig.session_reset_time`):
        the engine compacts its order ledger to the orders still open (logged, so a
        restart does the same), and every session whose journal belongs to an earlier
        day is archived and starts again at 1 (a connected one is logged out first).
        Returns the new day, or None when nothing was due. Idempotent; called at start,
        from the accept loop and before every Logon."""
        if not self.config.daily_reset:
            return None
        now = self._clock()
        day = self.session_day(now)
        enf = self._enforcer
        if getattr(enf, "session_day", day) == day and all(
                st.store.day == day for st in self.sessions.values()):
            return None
        with self._roll_lock:
            rolled = None
            if getattr(enf, "session_day", day) != day:
                enf.roll_day(now, day)
                rolled = day
            for st in self.sessions.values():
                if st.store.day != day:
                    st.roll_day(day)
                    rolled = day
            if rolled is not None:
                self.counters["day_rolls"] += 1
                log.info("FIX session day %s begins", day)
            return rolled

    def _open_journals(self) -> None:
        """Open every session journal of the store directory (so a day roll reaches the
        sessions that have not logged on since the restart)."""
        if self.store_dir is None or not self.store_dir.is_dir():
            return
        for peer in session_peers(self.store_dir, self.config.comp_id):
            self.session_for(peer)

    @property
    def sessions(self) -> dict[str, SessionState]:
        with self._sessions_lock:
            return dict(self._sessions)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> int:
        """Bind, listen and start serving; returns the bound port.

        Also tunes the interpreter for latency (process-wide by nature):
        * lowers the GIL switch interval to `GIL_SWITCH_S` (never raises it): with the
          default 5 ms, a connection thread woken by a new order waits up to 5 ms for the
          GIL whenever the poll/flush or venue thread is running Python;
        * `gc.freeze()`: everything alive now (imports: pyarrow, duckdb, ... hundreds of
          thousands of objects) moves to the permanent generation, so the cyclic GC's
          full collections, which stop every thread, no longer walk it. Measured: 25-35
          ms full collections triggered by the flush thread's allocations -> the FIX
          thread's p99. Reference counting still frees everything as usual.
        """
        self._open_journals()
        self.roll_session_day()
        if sys.getswitchinterval() > GIL_SWITCH_S:
            sys.setswitchinterval(GIL_SWITCH_S)
        gc.collect()
        gc.freeze()
        self._last_freeze = time.monotonic()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.config.host, self.config.port))
        sock.listen(128)
        sock.settimeout(0.2)
        self._listener = sock
        self.port = sock.getsockname()[1]
        if self.venue is not None:
            self.venue.start()
            # the built-in venue keeps its book in memory: after a restart, the orders the
            # ledger (rebuilt from the decision log) still holds open go back to it, so
            # they can fill, be cancelled or expire (and release their exposure)
            self.gateway.reroute_open()
        else:
            self.gateway.settle_replaces()
        t = threading.Thread(target=self._accept_loop, name="fix-accept", daemon=True)
        t.start()
        self._threads.add(t)
        log.info("FIX acceptor listening on %s:%d", self.config.host, self.port)
        return self.port

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, stop the venue (queued work first)."""
        self._stopping.set()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self.venue is not None:
            self.venue.stop()
        for st in self.sessions.values():
            st.store.close()

    def __enter__(self) -> FixAcceptor:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._conns)

    # -- threads ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            self._refreeze()
            try:
                self.roll_session_day()
            except Exception:  # noqa: BLE001 -- keep accepting; the next tick retries
                log.exception("FIX session day roll failed")
            try:
                conn, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.05)
                continue
            with self._lock:
                full = len(self._conns) >= self.config.max_connections
                if not full:
                    self._conns.add(conn)
            if full:
                self.counters["refused"] += 1
                conn.close()
                continue
            self.counters["connections"] += 1
            t = threading.Thread(target=self._serve, args=(conn,), name="fix-conn", daemon=True)
            with self._lock:
                self._threads = {x for x in self._threads if x.is_alive()}
                self._threads.add(t)
            t.start()

    def _refreeze(self) -> None:
        """Once a second, what survived moves to the permanent generation (`gc.freeze`).

        The order path keeps every order's ledger entry alive; left to the cyclic GC,
        they pile up in the oldest generation, whose full collections stop every thread
        for as long as it takes to walk them (measured: 0.6 s at 80k orders). Frozen
        objects are still freed by reference counting when they die; only garbage in
        reference cycles that is a second old is never collected (the order path makes
        none)."""
        now = time.monotonic()
        if now - self._last_freeze >= FREEZE_EVERY_S:
            self._last_freeze = now
            gc.freeze()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(self.config.send_timeout.total_seconds())  # a stuck reader
        tick = self.config.timer_interval.total_seconds()
        cfg = self.config
        session = FixSession(comp_id=cfg.comp_id, send=conn.sendall, app=self.gateway,
                             clock=self._clock, registry=self, begin_string=cfg.begin_string,
                             max_message_bytes=cfg.max_message_bytes,
                             allowed_senders=cfg.allowed_senders, passwords=self._passwords,
                             reset_on_logon=cfg.reset_on_logon,
                             min_heartbeat_s=cfg.min_heartbeat_s,
                             max_heartbeat_s=cfg.max_heartbeat_s)
        try:
            alive = True
            while alive and not self._stopping.is_set():
                readable, _, _ = select.select([conn], [], [], tick)
                if not readable:
                    alive = session.on_timer()
                    continue
                data = conn.recv(RECV_BYTES)
                if not data:
                    break
                alive = session.on_bytes(data)
        except OSError:
            pass  # peer reset / shutdown by stop()
        except Exception:  # noqa: BLE001 — isolate the bug to this connection
            self.counters["connection_errors"] += 1
            log.exception("FIX connection failed; closing it")
        finally:
            session.close()
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass
