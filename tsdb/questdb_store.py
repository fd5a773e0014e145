"""The QuestDB backend: ILP over HTTP in (the ``questdb`` client), PG wire out (psycopg).

``questdb::addr=HOST:9000;pg=HOST:8812;user=admin;password=quest`` (``pg`` defaults to
HOST:8812, user/password to QuestDB's defaults). Needs QuestDB >= 9.1 (TIMESTAMP_NS).

A batch is validated against the logical schema first (the same checks, the same
``BatchRejected`` as DuckDB), then flushed as one transactional ILP/HTTP request per table;
a server rejection is raised as ``QuestDBStoreError(WRITE)`` carrying the server's reason.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping

import pyarrow as pa

from tsdb import canonical
from tsdb.config import UNBOUNDED_NS, Session
from tsdb.errors import QuestDBStoreError, StoreErrorCode
from tsdb.questdb_encode import PROTOCOL_VERSION, encode, from_pg, pg_placeholders, select_logical
from tsdb.store import SQL_ROOT, Params, Store

_KEYS = {"addr", "pg", "user", "password", "dbname", "timeout_ms"}


def ilp_conf(params: dict[str, str]) -> str:
    """The ``questdb`` client's own configuration string for ILP over HTTP."""
    conf = f"http::addr={params['addr']};protocol_version={PROTOCOL_VERSION};"
    if "user" in params:
        conf += f"username={params['user']};password={params.get('password', '')};"
    if "timeout_ms" in params:
        conf += f"request_timeout={params['timeout_ms']};"
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
        return files

    def tables(self) -> list[str]:
        rows = self._execute("SELECT table_name FROM tables()", None, StoreErrorCode.QUERY)
        return sorted(r[0] for r in rows)

    def table_schema(self, table: str) -> pa.Schema:
        return canonical.table_schema(table)

    def _write(self, table: str, batch: pa.Table) -> None:
        buf = encode(table, batch)
        with self._lock:
            try:
                self._sender.flush(buf, transactional=True)
            except Exception as exc:  # the client's IngressError carries the server's reason
                raise QuestDBStoreError(StoreErrorCode.WRITE, f"{table}: QuestDB rejected the batch: {exc}") from None

    def query(self, sql: str, params: Params = None) -> pa.Table:
        """Run QuestDB SQL; ``params`` bind its ``$1, $2, ...`` in order (a sequence)."""
        if isinstance(params, Mapping):
            raise QuestDBStoreError(StoreErrorCode.QUERY, "QuestDB queries bind $1, $2, ... from a "
                                    f"sequence, not names {sorted(params)}")
        if params is not None:
            sql, params = pg_placeholders(sql, params)
        with self._lock:
            cur = self._cursor(sql, params, StoreErrorCode.QUERY)
            names = [d.name for d in cur.description] if cur.description else []
            rows = cur.fetchall() if cur.description else []
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def query_file(self, relpath: str, params: Params = None) -> pa.Table:
        if not (SQL_ROOT / "questdb" / relpath).is_file():
            raise QuestDBStoreError(StoreErrorCode.QUERY, f"not supported on QuestDB: no "
                                    f"sql/questdb/{relpath} (this query exists for DuckDB only)")
        return super().query_file(relpath, params)

    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        since = 0 if since_ns is None else int(since_ns)
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
            return self._pg.execute(sql, params)
        except psycopg.Error as exc:
            raise QuestDBStoreError(code, f"QuestDB: {exc}") from None

    def _execute(self, sql: str, params: Params, code: StoreErrorCode) -> list[tuple]:
        with self._lock:
            cur = self._cursor(sql, params, code)
            return cur.fetchall() if cur.description else []


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
