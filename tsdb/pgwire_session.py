"""One PG-wire client's protocol state over its own DuckDB cursors (no sockets here).

A :class:`Session` takes decoded frontend messages and writes backend messages to an
:class:`Output`. It owns two cursors of the served database: ``run`` executes queries
(each in its own ``BEGIN TRANSACTION READ ONLY`` ... ``COMMIT``), ``meta`` only parses and
describes. Results stream ``fetch_rows`` rows at a time, so a session holds at most one
chunk of rows whatever the result's size.

Transactions: BEGIN / COMMIT / ROLLBACK move the client's state (ReadyForQuery I/T/E, and
PostgreSQL's "current transaction is aborted" rule after an error in a block) but every
statement still runs in its own DuckDB transaction: an analyst's connection left "idle in
transaction" must not hold a snapshot that keeps the writer from checkpointing. Statements
of one block therefore do not share a snapshot.

One open result per session: DuckDB runs one streaming result per cursor, so starting a
statement closes a suspended portal (Execute with a row limit) of the same session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import duckdb

from tsdb import pgwire_codec as wire
from tsdb.pgwire_guard import Refused, Step, plan
from tsdb.pgwire_types import TEXT, decode_param, pg_oid, text_out

IN_FAILED_TXN = "25P02"
PROTOCOL_VIOLATION = "08P01"


def sqlstate(exc: duckdb.Error) -> str:
    """PostgreSQL SQLSTATE for a DuckDB error (XX000 when no closer class fits)."""
    msg = str(exc)
    if isinstance(exc, duckdb.ParserException):
        return "42601"
    if isinstance(exc, duckdb.CatalogException):
        return "42883" if "Function with name" in msg else "42P01"
    if isinstance(exc, duckdb.BinderException):
        return "42703" if "column" in msg.lower() else "42000"
    if isinstance(exc, duckdb.InterruptException):
        return "57014"
    if isinstance(exc, duckdb.TransactionException) and "read-only" in msg:
        return "25006"
    if isinstance(exc, duckdb.OutOfMemoryException):
        return "53200"
    if isinstance(exc, duckdb.ConversionException | duckdb.InvalidInputException):
        return "22000"
    if isinstance(exc, duckdb.OutOfRangeException):
        return "22003"
    return "XX000"


class Output:
    """Backend bytes gathered and handed to ``send`` at flush, or once ``limit`` is passed."""

    def __init__(self, send: Callable[[bytes], None], limit: int = 256 * 1024) -> None:
        self._send, self._limit = send, limit
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if self._size >= self._limit:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            data, self._parts, self._size = b"".join(self._parts), [], 0
            self._send(data)


@dataclasses.dataclass(slots=True)
class Prepared:
    step: Step | None  # None: an empty query string
    param_oids: tuple[int, ...]


@dataclasses.dataclass(slots=True)
class Portal:
    step: Step | None
    params: list[Any]
    started: bool = False
    closed: bool = False  # its result was dropped for a later statement
    done: bool = False
    columns: list[tuple[str, int]] | None = None
    encode: Callable[[tuple], bytes] | None = None  # a row to its DataRow
    peeked: list[tuple] = dataclasses.field(default_factory=list)


class Session:
    """Protocol state of one connection; every method writes its answers to ``out``."""

    def __init__(self, run: duckdb.DuckDBPyConnection, meta: duckdb.DuckDBPyConnection,
                 out: Output, *, fetch_rows: int) -> None:
        self.run, self.meta, self.out, self.fetch_rows = run, meta, out, fetch_rows
        self.txn = "I"
        self.statements: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.active: Portal | None = None  # the portal whose result is open on ``run``
        self.skip_to_sync = False
        self.extended = False  # set per message: an error skips to Sync only when True

    # -- answers ------------------------------------------------------------------------
    def error(self, code: str, message: str) -> None:
        self.out.write(wire.error_response(code, message))
        if self.txn == "T":
            self.txn = "E"
        self.skip_to_sync = self.extended

    def ready(self) -> None:
        self.out.write(wire.ready_for_query(self.txn))
        self.out.flush()

    # -- simple query ----------------------------------------------------------------------
    def query(self, sql: str) -> None:
        steps = self._plan(sql)
        if steps == []:
            self.out.write(wire.empty_query_response())
        for step in steps or ():
            if not self._run_step(Portal(step, []), describe=True, max_rows=0):
                break
        self.ready()

    def _plan(self, sql: str) -> list[Step] | None:
        try:
            return plan(self.meta, sql)
        except Refused as exc:
            self.error(exc.code, str(exc))
        except duckdb.Error as exc:
            self.error(sqlstate(exc), str(exc))
        return None

    # -- extended query ------------------------------------------------------------------
    def parse(self, msg: wire.Parse) -> None:
        if msg.name and msg.name in self.statements:
            return self.error("42P05", f'prepared statement "{msg.name}" already exists')
        steps = self._plan(msg.query)
        if steps is None:
            return None
        if len(steps) > 1:
            return self.error("42601", "cannot insert multiple commands into a prepared statement")
        step = steps[0] if steps else None
        n = max(step.n_params if step else 0, len(msg.param_oids))
        oids = msg.param_oids + (0,) * (n - len(msg.param_oids))
        self.statements[msg.name] = Prepared(step, oids)
        self.out.write(wire.parse_complete())
        return None

    def bind(self, msg: wire.Bind) -> None:
        prep = self.statements.get(msg.statement)
        if prep is None:
            return self.error("26000", f'prepared statement "{msg.statement}" does not exist')
        if any(f != 0 for f in msg.result_formats):
            return self.error("0A000", "binary result format is not supported; request text")
        n, formats = len(prep.param_oids), msg.param_formats
        if len(msg.params) != n or len(formats) not in (0, 1, n):
            return self.error(PROTOCOL_VIOLATION, f"bind message supplies {len(msg.params)} "
                                                  f"parameters, but the statement needs {n}")
        try:
            params = [
                decode_param(oid, (formats[i] if len(formats) > 1 else
                                   formats[0] if formats else 0) == 1, raw)
                for i, (oid, raw) in enumerate(zip(prep.param_oids, msg.params, strict=True))
            ]
        except (ValueError, UnicodeDecodeError) as exc:
            return self.error("22P02", str(exc))
        self._drop_portal(msg.portal)
        self.portals[msg.portal] = Portal(prep.step, params)
        self.out.write(wire.bind_complete())
        return None

    def describe(self, msg: wire.Describe) -> None:
        if msg.kind == "S":
            prep = self.statements.get(msg.name)
            if prep is None:
                return self.error("26000", f'prepared statement "{msg.name}" does not exist')
            self.out.write(wire.parameter_description([o or TEXT for o in prep.param_oids]))
            if prep.step is None or prep.step.action != "query":
                return self.out.write(wire.no_data())
            try:
                rel = self.meta.sql(prep.step.sql, params=[None] * len(prep.param_oids) or None)
            except duckdb.Error as exc:
                return self.error(sqlstate(exc), str(exc))
            cols = [(c, pg_oid(str(t))) for c, t in zip(rel.columns, rel.types, strict=True)]
            return self.out.write(wire.row_description(cols))
        portal = self._portal(msg.name)
        if portal is None:
            return None
        if portal.step is None or portal.step.action != "query":
            return self.out.write(wire.no_data())
        if self._start(portal):
            self.out.write(wire.row_description(portal.columns or []))
        return None

    def execute(self, msg: wire.Execute) -> None:
        portal = self._portal(msg.portal)
        if portal is not None:
            self._run_step(portal, describe=False, max_rows=max(msg.max_rows, 0))

    def close(self, msg: wire.Close) -> None:
        if msg.kind == "S":
            self.statements.pop(msg.name, None)
        else:
            self._drop_portal(msg.name)
        self.out.write(wire.close_complete())

    def sync(self) -> None:
        self.skip_to_sync = False
        if self.txn == "I":  # the implicit transaction ends: its portals go
            for name in list(self.portals):
                self._drop_portal(name)
        self.ready()

    # -- running ----------------------------------------------------------------------------
    def _portal(self, name: str) -> Portal | None:
        portal = self.portals.get(name)
        if portal is None or portal.closed:
            why = "does not exist" if portal is None else "was closed by a later statement"
            self.error("34000", f'portal "{name}" {why}')
            return None
        return portal

    def _run_step(self, portal: Portal, *, describe: bool, max_rows: int) -> bool:
        """Run one step to CommandComplete (or PortalSuspended); False after an error."""
        step = portal.step
        if step is None:
            self.out.write(wire.empty_query_response())
            return True
        if self.txn == "E" and step.action not in ("commit", "rollback"):
            self.error(IN_FAILED_TXN, "current transaction is aborted, commands ignored until "
                                      "end of transaction block")
            return False
        if step.action != "query":
            tag = step.tag
            if step.action == "begin":
                self.txn = "T"
            elif step.action in ("commit", "rollback"):
                tag = "ROLLBACK" if self.txn == "E" else tag
                self.txn = "I"
            self.out.write(wire.command_complete(tag))
            return True
        if not self._start(portal):
            return False
        if describe:
            self.out.write(wire.row_description(portal.columns or []))
        return self._stream(portal, max_rows)

    def _start(self, portal: Portal) -> bool:
        """Open the portal's result on ``run`` (once); False after an error."""
        if portal.started:
            return True
        self._release()
        assert portal.step is not None
        try:
            self.run.execute("BEGIN TRANSACTION READ ONLY")
            self.run.execute(portal.step.sql, portal.params or None)
            desc = self.run.description or []
        except duckdb.Error as exc:
            self._rollback()
            self.error(sqlstate(exc), str(exc))
            return False
        portal.columns = [(d[0], pg_oid(str(d[1]))) for d in desc]
        portal.encode = wire.data_row_encoder([text_out(oid) for _, oid in portal.columns])
        portal.started, self.active = True, portal
        return True

    def _fetch(self, portal: Portal, n: int) -> list[tuple]:
        rows, portal.peeked = portal.peeked[:n], portal.peeked[n:]
        if len(rows) < n and not portal.done:
            more = self.run.fetchmany(n - len(rows))
            if not more:
                self._finish(portal)
            rows += more
        return rows

    def _stream(self, portal: Portal, max_rows: int) -> bool:
        assert portal.encode is not None
        sent = 0
        try:
            while True:
                want = self.fetch_rows if not max_rows else min(self.fetch_rows, max_rows - sent)
                if want == 0:  # the client's row limit: suspend if any row is left
                    portal.peeked = self._fetch(portal, 1)
                    if portal.peeked:
                        self.out.write(wire.portal_suspended())
                        return True
                    break
                rows = self._fetch(portal, want)
                if not rows:
                    break
                self.out.write(b"".join(map(portal.encode, rows)))
                sent += len(rows)
        except duckdb.Error as exc:
            self._release()
            self.error(sqlstate(exc), str(exc))
            return False
        # like PostgreSQL, the count is of the rows this Execute sent, not the portal's total
        tag = portal.step.tag if portal.step else "SELECT"
        self.out.write(wire.command_complete(f"SELECT {sent}" if tag == "SELECT" else tag))
        return True

    def _finish(self, portal: Portal) -> None:
        """The result is read to its end: end its DuckDB transaction."""
        portal.done = True
        if self.active is portal:
            self.active = None
            self.run.execute("COMMIT")

    def _rollback(self) -> None:
        try:
            self.run.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction was open

    def _release(self) -> None:
        """Drop the open result, if any (a suspended portal, a failed stream)."""
        if self.active is not None:
            self.active.closed = not self.active.done
            self.active = None
            try:
                self.run.abort()
            except duckdb.Error:
                pass
            self._rollback()

    def _drop_portal(self, name: str) -> None:
        portal = self.portals.pop(name, None)
        if portal is not None and portal is self.active:
            self._release()

    def cancel(self) -> None:
        """Interrupt the running query (from another thread: a CancelRequest, a stop)."""
        try:
            self.run.interrupt()
        except duckdb.Error:
            pass  # the cursor is already closed
