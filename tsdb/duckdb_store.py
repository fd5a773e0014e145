"""The embedded DuckDB backend (the default): ``duckdb::path=data/adaptrisk.duckdb``.

Keys: ``path`` (a file, created with its folder, or ``:memory:``), ``threads`` (DuckDB
worker threads; default all cores), ``read_only`` (``true`` to open an existing file
read-only, so an analyst can query beside a running writer of another file).
"""

from __future__ import annotations

import pathlib
import sys
import threading
import warnings
from typing import Any

import duckdb
import pyarrow as pa

from tsdb.config import UNBOUNDED_NS, Session
from tsdb.errors import BatchRejected, DuckDBStoreError, StoreErrorCode
from tsdb.store import SQL_ROOT, Params, Store

_KEYS = {"path", "threads", "read_only"}
MIGRATE = "migrate/fractional_sizes.sql"  # ALTERs for a store made by an older DDL
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result",
                        category=UserWarning)


class DuckDBStore(Store):
    """Store over one DuckDB database; one connection, calls serialised by a lock."""

    dialect = "duckdb"

    def __init__(self, params: dict[str, str], *, session: Session | None) -> None:
        unknown = set(params) - _KEYS
        if unknown:
            raise DuckDBStoreError(
                StoreErrorCode.BAD_CONF, f"unknown duckdb keys {sorted(unknown)}; known: {sorted(_KEYS)}"
            )
        self.path = params.get("path", ":memory:")
        read_only = params.get("read_only", "false").lower() == "true"
        config: dict[str, Any] = {}
        if "threads" in params:
            config["threads"] = int(params["threads"])
        if self.path != ":memory:":
            pathlib.Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise DuckDBStoreError(StoreErrorCode.CONNECT, f"cannot open {self.path}: {exc}") from None
        # no progress bar unless a person is watching a terminal (CI logs stay clean)
        self._con.execute(f"SET enable_progress_bar = {'true' if sys.stderr.isatty() else 'false'}")
        self.session = session
        self._lock = threading.RLock()
        self._schemas: dict[str, pa.Schema] = {}
        self._closed = False
        if not read_only:
            self.apply_schema()

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._con.close()
                self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise DuckDBStoreError(StoreErrorCode.CLOSED, f"store {self.path} is closed")

    # -- schema ------------------------------------------------------------------------------
    def apply_schema(self) -> list[str]:
        folder = SQL_ROOT / "duckdb"
        files = [
            ln.strip() for ln in (folder / "ORDER").read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")
        ]
        with self._lock:
            self._check_open()
            for name in files:
                try:
                    self._con.execute((folder / name).read_text())
                except duckdb.Error as exc:
                    raise DuckDBStoreError(StoreErrorCode.SCHEMA, f"{name}: {exc}") from None
            self._migrate()
            self._schemas.clear()
        return files

    def _migrate(self) -> list[str]:
        """Widen the quantity columns a store made by an older DDL still holds as BIGINT to
        DOUBLE (``sql/duckdb/migrate/fractional_sizes.sql`` lists them), in one transaction:
        rows are kept, whole lots become whole doubles. Returns the statements run (none
        once migrated, so an open after the first pays one catalog query)."""
        name = MIGRATE
        stmts = [r[0] for r in self._con.execute(self.sql_text(name)).fetchall()]
        if not stmts:
            return []
        self._con.execute("BEGIN TRANSACTION")
        try:
            for stmt in stmts:
                self._con.execute(stmt)
            self._con.execute("COMMIT")
        except duckdb.Error as exc:
            self._con.execute("ROLLBACK")
            raise DuckDBStoreError(StoreErrorCode.SCHEMA, f"{name}: {exc}") from None
        return stmts

    def tables(self) -> list[str]:
        return [r[0] for r in self._fetch("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'main' ORDER BY table_name")]

    def table_schema(self, table: str) -> pa.Schema:
        with self._lock:
            if table not in self._schemas:
                self._check_table(table)
                empty = self._con.sql(f'SELECT * FROM "{table}" LIMIT 0').to_arrow_table()
                notnull = {
                    r[0] for r in self._con.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = ? AND is_nullable = 'NO'", [table]
                    ).fetchall()
                }
                self._schemas[table] = pa.schema(
                    [f.with_nullable(f.name not in notnull) for f in empty.schema]
                )
            return self._schemas[table]

    def _check_table(self, table: str) -> None:
        if table not in self.tables():
            raise DuckDBStoreError(StoreErrorCode.UNKNOWN_TABLE, f"unknown table {table!r}")

    # -- writes ------------------------------------------------------------------------------
    def _write(self, table: str, batch: pa.Table) -> None:
        # DuckDB scans an Arrow table whose fields are all nullable faster than one that
        # carries NOT NULL flags (5 M trades: 1.2-1.4 s against 1.8 s); validation has
        # checked the nulls already, so the flags are dropped (zero copy)
        batch = pa.Table.from_arrays(batch.columns, schema=pa.schema(
            [f.with_nullable(True) for f in batch.schema]))
        with self._lock:
            self._check_open()
            con = self._con
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("__ar_batch", batch)
                con.execute(f'INSERT INTO "{table}" SELECT * FROM __ar_batch')
                con.unregister("__ar_batch")
                con.execute("COMMIT")
            except duckdb.Error as exc:
                con.execute("ROLLBACK")
                con.unregister("__ar_batch")
                if isinstance(exc, duckdb.ConstraintException):
                    raise BatchRejected(table, None, None, str(exc)) from None
                raise DuckDBStoreError(StoreErrorCode.WRITE, f"{table}: {exc}") from None

    # -- reads -------------------------------------------------------------------------------
    def query(self, sql: str, params: Params = None) -> pa.Table:
        with self._lock:
            self._check_open()
            try:
                if params:
                    # a prepared execution plans the query once; con.sql(..., params) plans
                    # it again when materialised (13 ms of a 46 ms feature step), so bound
                    # queries take this path despite DuckDB's extra-copy warning (filtered
                    # once at import: catch_warnings is not thread-safe)
                    return self._con.execute(sql, params).to_arrow_table()
                rel = self._con.sql(sql)
                return rel.to_arrow_table() if rel is not None else pa.table({})
            except duckdb.Error as exc:
                raise DuckDBStoreError(StoreErrorCode.QUERY, f"{exc}") from None

    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        return self.query_file("queries/latest_limits.sql", {"since": since})

    def latest_heartbeats(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        return self.query_file("queries/latest_heartbeats.sql", {"since": since})

    def count(self, table: str) -> int:
        self._check_table(table)
        return int(self._fetch(f'SELECT count(*) FROM "{table}"')[0][0])

    def _fetch(self, sql: str, params: Params = None) -> list[tuple]:
        with self._lock:
            self._check_open()
            return self._con.execute(sql, params).fetchall()

    def sibling(self) -> DuckDBStore:
        """Another store over the same database on its own connection (``cursor()``) and its
        own lock: a reader or writer in another thread of this process (the live enforcer's
        poll beside the publisher) runs concurrently instead of queueing on this one's lock.
        Close it before this store."""
        with self._lock:
            self._check_open()
            other = object.__new__(DuckDBStore)
            other.path = self.path
            other._con = self._con.cursor()
            other.session = self.session
            other._lock = threading.RLock()
            other._schemas = {}
            other._closed = False
            return other

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection, for analysts and benchmarks (not thread-safe)."""
        return self._con

