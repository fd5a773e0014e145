"""Read-only PostgreSQL wire endpoint over the live process's embedded DuckDB database.

DuckDB lets one process own a database file; analysts reach the live store through this
endpoint with any PostgreSQL client (psql, psycopg 3, pandas over psycopg)::

    srv = PgWireServer(store, host="127.0.0.1", port=0)  # a DuckDBStore or a connection
    srv.start()                                           # returns at once; srv.port bound
    ...                                                   # psql -h 127.0.0.1 -p <port>
    srv.stop()

Each client gets a thread and two cursors of the served database (``con.cursor()``: an
independent connection to the same in-process database). DuckDB runs readers beside the
writer under MVCC, so a query neither takes the store's lock nor blocks an ingest, and it
sees what was committed when it started. Only read statements run (``tsdb.pgwire_guard``),
results stream ``fetch_rows`` rows at a time, at most ``max_connections`` clients are
served at once, and a message larger than ``max_message_bytes`` or one that does not
decode closes that client's connection with an error while the others go on.

Supported: startup (SSL and GSSAPI encryption refused with 'N', so clients fall back to
plain TCP), trust or cleartext-password authentication, CancelRequest (psycopg's
``cancel_safe``, psql's Ctrl-C), the simple query protocol with several statements, the
extended protocol (Parse, Bind, Describe, Execute with row limits, Close, Sync, Flush) with
text or binary parameters (binary for bool, ints, floats, bytea, text, date,
timestamp[tz], uuid) and text results; types as ``tsdb.pgwire_types`` says (DuckDB
``TIMESTAMP_NS`` goes out as ``timestamp``, truncated to microseconds: PostgreSQL has no
nanosecond type). Not supported: SSL, binary results, COPY, LISTEN/NOTIFY, function calls,
SCRAM/MD5 authentication, named server-side cursors (psycopg's ``cursor(name=...)`` sends
DECLARE), session settings (SET is acknowledged and not applied; sessions run in UTC), and
PostgreSQL catalog queries beyond what DuckDB's own ``pg_catalog`` answers (psql's ``\\d``
fails; SQLAlchemy's PostgreSQL dialect sends ``SHOW TRANSACTION ISOLATION LEVEL`` on
connect, which DuckDB does not parse, so pandas goes through a psycopg connection).

Why our own server: ``buenavista`` 0.5, the maintained Python option, fails on DuckDB 2
(``fetch_record_batch`` is gone), and patching that is the small part: its ErrorResponse
carries no SQLSTATE (a client cannot tell a read-only refusal from a syntax error), it
finds transactions by substring ("begin" anywhere in the lower-cased text), rewrites SQL
with regexes, reads a query ending in ``}`` as a JSON "extension" call, converts every
cell with ``as_py``, has no read-only mode, no connection cap and no message size limit,
and brings sqlglot. ``riffq`` has no wheel for this Python. The subset above is five small
modules: messages as bytes (``pgwire_codec``), types and values (``pgwire_types``), which
statements run (``pgwire_guard``), one client's protocol state (``pgwire_session``), and
sockets and threads (this module).
"""

from __future__ import annotations

import hmac
import itertools
import logging
import secrets
import socket
import threading
from typing import Any

import duckdb

from tsdb import pgwire_codec as wire
from tsdb.pgwire_session import Output, Session

log = logging.getLogger("adaptrisk.tsdb.pgwire")

SERVER_VERSION = "15.0 (adaptrisk duckdb)"
_STARTUP_TIMEOUT_S = 10.0
_ACCEPT_POLL_S = 0.2


class _Client:
    """One accepted socket: startup, authentication, then messages to its Session."""

    def __init__(self, server: PgWireServer, sock: socket.socket, pid: int) -> None:
        self.server, self.sock, self.pid = server, sock, pid
        self.secret = secrets.randbits(31)
        self.session: Session | None = None
        self._rfile = sock.makefile("rb")
        self.out = Output(sock.sendall)

    # -- reading --------------------------------------------------------------------------
    def _read(self, n: int) -> bytes:
        data = self._rfile.read(n) if n else b""
        if len(data) != n:
            raise EOFError
        return data

    def _startup(self) -> wire.Startup | wire.CancelRequest:
        for _ in range(3):  # at most SSLRequest and GSSENCRequest before the startup
            msg = wire.decode_startup(self._read(wire.startup_length(self._read(4))))
            if not isinstance(msg, wire.SSLRequest | wire.GSSENCRequest):
                return msg
            self.sock.sendall(wire.SSL_REFUSED)
        raise wire.ProtocolError("too many encryption requests before the startup packet")

    def _next(self) -> wire.Message:
        kind, n = wire.message_length(self._read(5), self.server.max_message_bytes)
        return wire.decode_message(kind, self._read(n))

    # -- the connection's life -------------------------------------------------------------
    def serve(self) -> None:
        try:
            self.sock.settimeout(_STARTUP_TIMEOUT_S)
            first = self._startup()
            if isinstance(first, wire.CancelRequest):
                self.server.cancel(first.pid, first.secret)
                return
            if not self._authenticate(first.params.get("user", "")):
                return
            self.sock.settimeout(None)
            self._open_session(first.params)
            self._loop()
        except wire.ProtocolError as exc:
            self._fatal("08P01", str(exc))
        except (EOFError, OSError, ValueError):
            pass  # the client went away (ValueError: its file was closed by stop())
        except Exception as exc:  # a bug must end this connection only
            log.exception("pgwire connection %d failed", self.pid)
            self._fatal("XX000", f"internal error: {exc}")
        finally:
            self._close()

    def refuse(self) -> None:
        """Tell a client over the connection cap so (53300), as PostgreSQL does, and close."""
        try:
            self.sock.settimeout(_STARTUP_TIMEOUT_S / 5)
            self._startup()
        except (wire.ProtocolError, EOFError, OSError):
            pass
        self._fatal("53300", "sorry, too many clients already")
        for closer in (self._rfile.close, self.sock.close):
            try:
                closer()
            except OSError:
                pass

    def _authenticate(self, user: str) -> bool:
        password = self.server.password
        if password is not None:
            self.sock.sendall(wire.authentication_cleartext())
            msg = self._next()
            given = msg.password if isinstance(msg, wire.Password) else ""
            if not hmac.compare_digest(given.encode(), password.encode()):
                self._fatal("28P01", f'password authentication failed for user "{user}"')
                return False
        self.out.write(wire.authentication_ok())
        return True

    def _open_session(self, params: dict[str, str]) -> None:
        run, meta = self.server.cursor(), self.server.cursor()
        self.session = Session(run, meta, self.out, fetch_rows=self.server.fetch_rows)
        status = {
            "server_version": SERVER_VERSION, "server_encoding": "UTF8",
            "client_encoding": "UTF8", "DateStyle": "ISO, MDY", "TimeZone": "UTC",
            "IntervalStyle": "postgres", "integer_datetimes": "on",
            "standard_conforming_strings": "on", "is_superuser": "off",
            "application_name": params.get("application_name", ""),
            "session_authorization": params.get("user", ""),
        }
        for k, v in status.items():
            self.out.write(wire.parameter_status(k, v))
        self.out.write(wire.backend_key_data(self.pid, self.secret))
        self.session.ready()

    def _loop(self) -> None:
        s = self.session
        assert s is not None
        while True:
            msg = self._next()
            if isinstance(msg, wire.Terminate):
                return
            s.extended = not isinstance(msg, wire.Query)
            if isinstance(msg, wire.Sync):
                s.sync()
            elif s.skip_to_sync:
                continue  # after an error the extended protocol discards up to Sync
            elif isinstance(msg, wire.Flush):
                self.out.flush()
            elif isinstance(msg, wire.Query):
                s.query(msg.sql)
            elif isinstance(msg, wire.Parse):
                s.parse(msg)
            elif isinstance(msg, wire.Bind):
                s.bind(msg)
            elif isinstance(msg, wire.Describe):
                s.describe(msg)
            elif isinstance(msg, wire.Execute):
                s.execute(msg)
            elif isinstance(msg, wire.Close):
                s.close(msg)
            else:
                raise wire.ProtocolError(f"unexpected {type(msg).__name__} message")

    def _fatal(self, code: str, message: str) -> None:
        try:
            self.out.write(wire.error_response(code, message, severity="FATAL"))
            self.out.flush()
        except OSError:
            pass

    def _close(self) -> None:
        for closer in (self._close_cursors, self._rfile.close, self.sock.close):
            try:
                closer()
            except (OSError, duckdb.Error):
                pass
        self.server._forget(self)

    def _close_cursors(self) -> None:
        if self.session is not None:
            self.session.run.close()
            self.session.meta.close()

    def interrupt(self) -> None:
        """Cancel the running query and end the connection (server stop)."""
        if self.session is not None:
            self.session.cancel()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class PgWireServer:
    """Serve ``source`` (a DuckDBStore or a DuckDB connection) read-only over PG wire.

    ``port=0`` binds any free port; :attr:`port` tells which after :meth:`start`.
    ``password``: None trusts every client (bind to 127.0.0.1 then); otherwise clients send
    it in cleartext, so use it only where the network is trusted. ``fetch_rows`` is the
    chunk of rows a session holds in memory at once; ``max_message_bytes`` caps one
    frontend message (a query text, a Bind).
    """

    def __init__(self, source: Any, host: str = "127.0.0.1", port: int = 0, *,
                 password: str | None = None, max_connections: int = 16,
                 fetch_rows: int = 10_000, max_message_bytes: int = 16 * 1024 * 1024) -> None:
        con = source if isinstance(source, duckdb.DuckDBPyConnection) else source.connection
        # one cursor made now, in the owner's thread; every session cursor derives from it,
        # so the store's own connection is not touched again
        self._root = con.cursor()
        self.host, self.port = host, port
        self.password, self.max_connections = password, max_connections
        self.fetch_rows, self.max_message_bytes = fetch_rows, max_message_bytes
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._clients: dict[int, tuple[_Client, threading.Thread]] = {}
        self._pids = itertools.count(1)

    def __enter__(self) -> PgWireServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Bind and listen, then accept in a background thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError("PgWireServer already started")
        lsock = socket.create_server((self.host, self.port), backlog=64)
        lsock.settimeout(_ACCEPT_POLL_S)
        self._listener, self.port = lsock, lsock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="pgwire-accept", daemon=True)
        self._thread.start()
        log.info("pgwire listening on %s:%d", self.host, self.port)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, cancel running queries, close every connection and cursor."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            clients = list(self._clients.values())
        for client, _ in clients:
            client.interrupt()
        for _, thread in clients:
            thread.join(timeout_s)
        try:
            self._root.close()
        except duckdb.Error:
            pass

    @property
    def connections(self) -> int:
        """Clients connected now."""
        with self._lock:
            return len(self._clients)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor of the served database, set up for one session: UTC, no Python
        replacement scans, no progress bar."""
        cur = self._root.cursor()
        for setting in ("SET TimeZone = 'UTC'", "SET python_enable_replacements = false",
                        "SET enable_progress_bar = false"):
            cur.execute(setting)
        return cur

    def cancel(self, pid: int, secret: int) -> None:
        with self._lock:
            entry = self._clients.get(pid)
        if entry is not None and entry[0].secret == secret and entry[0].session is not None:
            entry[0].session.cancel()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                full = len(self._clients) >= self.max_connections
                if not full:
                    client = _Client(self, sock, next(self._pids))
                    thread = threading.Thread(target=client.serve, daemon=True,
                                              name=f"pgwire-{client.pid}")
                    self._clients[client.pid] = (client, thread)
            if full:  # answered after the client's SSL request, so it shows the reason
                refuser = _Client(self, sock, 0)
                threading.Thread(target=refuser.refuse, name="pgwire-refuse", daemon=True).start()
            else:
                thread.start()

    def _forget(self, client: _Client) -> None:
        with self._lock:
            self._clients.pop(client.pid, None)
