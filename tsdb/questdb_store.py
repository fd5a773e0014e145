"""The QuestDB backend: ILP over HTTP in (the ``questdb`` client), PG wire out (psycopg).

``questdb::addr=HOST:9000;pg=HOST:8812;user=admin;password=quest`` (``pg`` defaults to
HOST:8812, user/password to QuestDB's defaults). Needs QuestDB >= 9.1 (TIMESTAMP_NS).
Optional keys: ``dbname`` (qdb), ``timeout_ms`` (the ILP client's ``request_timeout``: 10 s
by default, which the client extends for a big request by its minimum-throughput allowance),
``max_buf_size`` (bytes, default 100 MiB: the largest ILP request; a bigger batch is flushed
in several requests below it). Query time is bounded by the server's ``query.timeout``
(60 s by default; the project's test server sets 600 s).

A batch is validated against the logical schema first (the same checks, the same
``BatchRejected`` as DuckDB), then flushed as one transactional ILP/HTTP request per table
(several when it encodes to more than ``max_buf_size``: each is transactional, and the batch
was validated whole first); a server rejection is raised as ``QuestDBStoreError(WRITE)``
carrying the server's reason. Query errors are one line.

Reads see this store's own writes: QuestDB applies WAL commits shortly after acknowledging
them, so a query after a write waits until the written tables have applied every commit
(``wal_tables()``); writes of other processes show up when the server has applied them.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Sequence

import pyarrow as pa

from tsdb import canonical
from tsdb.config import UNBOUNDED_NS, Session
from tsdb.errors import QuestDBStoreError, StoreErrorCode
from tsdb.questdb_encode import (
    PROTOCOL_VERSION,
    encode_chunks,
    from_pg,
    one_line_error,
    pg_placeholders,
    select_logical,
)
from tsdb.store import SQL_ROOT, Params, Store

_KEYS = {"addr", "pg", "user", "password", "dbname", "timeout_ms", "max_buf_size"}
MAX_BUF_SIZE = 100 * 1024 * 1024  # the questdb client's default max_buf_size
BOOL_COLUMNS = "-- boolean columns:"  # a query file's INT 0/1/NULL columns read as booleans
SETTLE_TIMEOUT_S = 120.0
MIGRATE = "migrate/fractional_sizes.sql"  # ALTERs for a table made by an older DDL
# PG type OIDs QuestDB answers with -> Arrow types (others are inferred from the values)
PG_TYPES = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(),
            700: pa.float32(), 701: pa.float64(), 25: pa.string(), 1043: pa.string()}  # longest wait for the server to apply this store's own writes


def ilp_conf(params: dict[str, str]) -> str:
    """The ``questdb`` client's own configuration string for ILP over HTTP."""
    conf = f"http::addr={params['addr']};protocol_version={PROTOCOL_VERSION};"
    if "user" in params:
        conf += f"username={params['user']};password={params.get('password', '')};"
    if "timeout_ms" in params:
        conf += f"request_timeout={params['timeout_ms']};"
    if "max_buf_size" in params:
        conf += f"max_buf_size={params['max_buf_size']};"
    return conf


def ddl_statements() -> list[tuple[str, str]]:
    """(file, statement) in the listed order of ``sql/questdb/ORDER``."""
    folder = SQL_ROOT / "questdb"
    names = [ln.strip() for ln in (folder / "ORDER").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    out = []
    for name in names:
        text = "\n".join(ln for ln in (folder / name).read_text().splitlines()
                         if not ln.lstrip().startswith("--")).strip()
        out.append((name, text.rstrip(";")))
    return out


class QuestDBStore(Store):
    """Store over a QuestDB server."""

    dialect = "questdb"

    def __init__(self, params: dict[str, str], *, session: Session | None) -> None:
        unknown = set(params) - _KEYS
        if unknown or "addr" not in params:
            raise QuestDBStoreError(StoreErrorCode.BAD_CONF,
                                    f"questdb needs addr=HOST:PORT; unknown keys {sorted(unknown)}")
        import psycopg

        self.params = params
        self.session = session
        try:
            self.max_buf_size = int(params.get("max_buf_size", MAX_BUF_SIZE))
        except ValueError:
            raise QuestDBStoreError(StoreErrorCode.BAD_CONF, "questdb max_buf_size must be a "
                                    f"number of bytes, not {params['max_buf_size']!r}") from None
        self._unsettled: set[str] = set()
        host = params["addr"].rsplit(":", 1)[0]
        pg = params.get("pg", f"{host}:8812")
        pg_host, _, pg_port = pg.rpartition(":")
        self._lock = threading.RLock()
        try:
            self._pg = psycopg.connect(host=pg_host, port=int(pg_port), user=params.get("user", "admin"),
                                       password=params.get("password", "quest"),
                                       dbname=params.get("dbname", "qdb"), autocommit=True,
                                       connect_timeout=5)
        except psycopg.Error as exc:
            raise QuestDBStoreError(StoreErrorCode.CONNECT, f"cannot reach QuestDB PG wire at {pg}: {_one_line(exc)}") from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from questdb.ingress import Sender
        self._sender = Sender.from_conf(ilp_conf(params))
        self._sender.establish()
        self._closed = False
        self.apply_schema()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._sender.close()
                self._pg.close()
                self._closed = True

    def apply_schema(self) -> list[str]:
        files = []
        for name, stmt in ddl_statements():
            self._execute(stmt, None, StoreErrorCode.SCHEMA)
            files.append(name)
        self._migrate()
        return files

    def _migrate(self) -> list[str]:
        """Widen the quantity columns a table made by an older DDL still holds as LONG to
        DOUBLE (``sql/questdb/migrate/fractional_sizes.sql`` lists them); rows are kept.
        Returns the statements run (none once migrated); waits until they are applied."""
        text = self.sql_text(MIGRATE)
        stmts = [r[0] for r in self._execute(text, None, StoreErrorCode.SCHEMA)]
        for stmt in stmts:
            self._execute(stmt, None, StoreErrorCode.SCHEMA)
            with self._lock:
                self._unsettled.add(stmt.split()[2])
        if stmts:
            self.settle()
        return stmts

    def tables(self) -> list[str]:
        rows = self._execute("SELECT table_name FROM tables()", None, StoreErrorCode.QUERY)
        return sorted(r[0] for r in rows)

    def table_schema(self, table: str) -> pa.Schema:
        return canonical.table_schema(table)

    def _write(self, table: str, batch: pa.Table) -> None:
        # leave room for the HTTP framing the client counts against the same limit
        bufs = encode_chunks(table, batch, self.max_buf_size - min(64 * 1024, self.max_buf_size // 10))
        with self._lock:
            for i, buf in enumerate(bufs):
                try:
                    self._sender.flush(buf, transactional=True)
                except Exception as exc:  # the client's IngressError carries the server's reason
                    done = f" ({i} of {len(bufs)} parts landed)" if i else ""
                    raise QuestDBStoreError(StoreErrorCode.WRITE, f"{table}: QuestDB rejected "
                                            f"the batch{done}: {_one_line(exc)}") from None
                self._unsettled.add(table)

    def settle(self, timeout_s: float = SETTLE_TIMEOUT_S, tables: Sequence[str] = ()) -> None:
        """Wait until the server has applied every commit this store wrote (WAL apply is
        asynchronous), and every commit to ``tables`` (e.g. after a TRUNCATE sent as SQL, which
        goes through the WAL too); raise QuestDBStoreError(WRITE) for a suspended table or on
        timeout."""
        with self._lock:
            self._unsettled.update(tables)
            if not self._unsettled:
                return
            names = sorted(self._unsettled)
            deadline = time.monotonic() + timeout_s
            pause = 0.002
            while True:
                rows = self._pg.execute(
                    "SELECT name, suspended, writerTxn, sequencerTxn, errorMessage "
                    "FROM wal_tables()").fetchall()
                lag = {r[0]: r for r in rows if r[0] in self._unsettled}
                bad = [r for r in lag.values() if r[1]]
                if bad:
                    self._unsettled.clear()
                    raise QuestDBStoreError(StoreErrorCode.WRITE, f"{bad[0][0]}: QuestDB "
                                            f"suspended the table: {bad[0][4]}")
                self._unsettled = {n for n, r in lag.items() if r[2] < r[3]}
                if not self._unsettled:
                    return
                if time.monotonic() > deadline:
                    raise QuestDBStoreError(StoreErrorCode.WRITE, f"QuestDB has not applied "
                                            f"the writes to {names} after {timeout_s:.0f} s")
                time.sleep(pause)
                pause = min(pause * 2, 0.05)

    def query(self, sql: str, params: Params = None) -> pa.Table:
        """Run QuestDB SQL; ``params`` bind its ``$1, $2, ...`` in order (a sequence) or its
        ``$name`` (a mapping, the names of the DuckDB twin)."""
        if params is not None:
            try:
                sql, params = pg_placeholders(sql, params)
            except ValueError as exc:
                raise QuestDBStoreError(StoreErrorCode.QUERY, str(exc)) from None
        with self._lock:
            cur = self._cursor(sql, params, StoreErrorCode.QUERY)
            desc = [(d.name, d.type_code) for d in cur.description] if cur.description else []
            rows = cur.fetchall() if cur.description else []
        # typed by the column's PG type, so an empty or all-NULL column is not Arrow's null
        return pa.table({n: pa.array([r[i] for r in rows], PG_TYPES.get(oid))
                         for i, (n, oid) in enumerate(desc)})

    def query_file(self, relpath: str, params: Params = None) -> pa.Table:
        """Run ``sql/questdb/<relpath>``. QuestDB has no NULL boolean: a file that returns a
        nullable boolean sends it as INT 0/1/NULL and names it on a line
        ``-- boolean columns: a, b``; those come back as booleans with NULLs."""
        if not (SQL_ROOT / "questdb" / relpath).is_file():
            raise QuestDBStoreError(StoreErrorCode.QUERY, f"not supported on QuestDB: no "
                                    f"sql/questdb/{relpath} (this query exists for DuckDB only)")
        text = self.sql_text(relpath)
        t = self.query(text, params)
        for line in text.splitlines():
            if line.startswith(BOOL_COLUMNS):
                for name in (n.strip() for n in line[len(BOOL_COLUMNS):].split(",")):
                    i = t.column_names.index(name)
                    vals = [None if v is None else bool(v) for v in t.column(i).to_pylist()]
                    t = t.set_column(i, name, pa.array(vals, pa.bool_()))
        return t

    def insert_query(self, table: str, relpath: str, params: Params = None, *,
                     after_ns: int | None = None, syms: list[str] | None = None) -> None:
        """``INSERT INTO table`` the rows of the query file ``relpath`` (its columns named like
        the table's, timestamps as LONG ns; extra columns dropped), on the server: no rows
        cross the wire. ``after_ns`` keeps rows with ts > it, ``syms`` rows of these symbols
        (bound parameters, one per symbol). The server applies the rows
        asynchronously; this store's next read waits for them."""
        schema = self.table_schema(table)
        cols = ", ".join(f"{f.name}::TIMESTAMP_NS AS {f.name}" if pa.types.is_timestamp(f.type)
                         else f.name for f in schema)
        body = self.sql_text(relpath).rstrip().rstrip(";")
        where = "" if after_ns is None else f" WHERE ts > {int(after_ns)}"
        sql = f"INSERT INTO {table} SELECT {cols} FROM (\n{body}\n){where}"
        if params is not None or syms is not None:
            sql, params = pg_placeholders(sql, params or [])
        if syms is not None:  # after the placeholder pass: these are psycopg's own %s
            cond = f"sym IN ({', '.join(['%s'] * len(syms))})" if syms else "false"
            sql += f" {'AND' if where else 'WHERE'} {cond}"
            params = [*params, *syms]
        with self._lock:
            self._cursor(sql, params, StoreErrorCode.WRITE)
            self._unsettled.add(table)

    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        t = self.query_file("queries/latest_limits.sql", [since])
        ts = pa.array(t.column("ts_ns").to_pylist(), pa.int64()).cast(pa.timestamp("ns"))
        t = t.drop_columns(["ts_ns"])
        t = pa.Table.from_arrays([ts, *t.columns], names=["ts", *t.column_names])
        return t.cast(canonical.table_schema("risk_limits"))

    def latest_heartbeats(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        t = self.query_file("queries/latest_heartbeats.sql", [since])
        return from_pg({n: t.column(n).to_pylist() for n in t.column_names},
                       canonical.table_schema("publisher_heartbeat"))

    def read_table(self, table: str) -> pa.Table:
        """Every row of ``table`` in the logical schema (timestamps in ns, NULLs restored)."""
        schema = self.table_schema(table)
        with self._lock:
            cur = self._cursor(select_logical(table, schema), None, StoreErrorCode.QUERY)
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
        return from_pg({n: [r[i] for r in rows] for i, n in enumerate(names)}, schema)

    def count(self, table: str) -> int:
        if table not in canonical.tables():
            raise QuestDBStoreError(StoreErrorCode.UNKNOWN_TABLE, f"unknown table {table!r}")
        return int(self._execute(f'SELECT count() FROM "{table}"', None, StoreErrorCode.QUERY)[0][0])

    def _cursor(self, sql: str, params: Params, code: StoreErrorCode):
        import psycopg

        if self._closed:
            raise QuestDBStoreError(StoreErrorCode.CLOSED, "store is closed")
        try:
            self.settle()
            return self._pg.execute(sql, params)
        except psycopg.Error as exc:
            raise QuestDBStoreError(code, f"QuestDB: {one_line_error(str(exc))}") from None

    def _execute(self, sql: str, params: Params, code: StoreErrorCode) -> list[tuple]:
        with self._lock:
            cur = self._cursor(sql, params, code)
            return cur.fetchall() if cur.description else []


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
