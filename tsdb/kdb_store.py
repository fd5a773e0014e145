"""The kdb+ backend over IPC with pykx: ``kdb::host=HOST;port=PORT[;user=..;password=..]``.

Works with an unlicensed pykx (``PYKX_UNLICENSED=true``): conversion happens in Python and
every q expression runs on the server. The schema (``sql/q/schema.q``) is applied statement
by statement when the store opens; batches go through ``.ar.upd`` (tickerplant style: one
``insert`` per batch, atomic in q's single-threaded server). Queries are q text, with the
query files under ``sql/q/`` holding lambdas called with bound arguments.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pyarrow as pa

from tsdb import canonical
from tsdb.config import Session
from tsdb.errors import KdbStoreError, StoreErrorCode
from tsdb.kdb_encode import (
    FEATURE_FILES,
    UPD_CALL,
    from_q,
    q_definitions,
    q_function,
    schema_statements,
    to_q,
)
from tsdb.store import Params, Store

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("PYKX_SUPPRESS_WARNINGS", "true")
_KEYS = {"host", "port", "user", "password", "timeout"}


class KdbStore(Store):
    """Store over a kdb+ process reached by IPC."""

    dialect = "q"

    def __init__(self, params: dict[str, str], *, session: Session | None) -> None:
        unknown = set(params) - _KEYS
        if unknown or "host" not in params or "port" not in params:
            raise KdbStoreError(StoreErrorCode.BAD_CONF,
                                f"kdb needs host=..;port=..; unknown keys {sorted(unknown)}")
        import pykx as kx

        self.session = session
        self._lock = threading.RLock()
        try:
            self._q = kx.SyncQConnection(
                host=params["host"], port=int(params["port"]), username=params.get("user", ""),
                password=params.get("password", ""), timeout=float(params.get("timeout", 10)),
            )
        except Exception as exc:
            raise KdbStoreError(StoreErrorCode.CONNECT,
                                f"cannot reach kdb+ at {params['host']}:{params['port']}: {' '.join(str(exc).split())}") from None
        self._closed = False
        self.apply_schema()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._q.close()
                self._closed = True

    def _call(self, expr: str, *args: Any, code: StoreErrorCode = StoreErrorCode.QUERY):
        with self._lock:
            if self._closed:
                raise KdbStoreError(StoreErrorCode.CLOSED, "store is closed")
            try:
                return self._q(expr, *args)
            except Exception as exc:
                raise KdbStoreError(code, f"kdb+: {exc}") from None

    def apply_schema(self) -> list[str]:
        """``schema.q`` then the feature functions (``sql/q/features_*.q``), statement by
        statement, as ``\\l`` of each file would."""
        for stmt in schema_statements():
            self._call(stmt, code=StoreErrorCode.SCHEMA)
        for name in FEATURE_FILES:
            for stmt in q_definitions(name):
                self._call(stmt, code=StoreErrorCode.SCHEMA)
        return ["schema.q", *(f"{n}.q" for n in FEATURE_FILES)]

    def tables(self) -> list[str]:
        return sorted(str(t) for t in self._call("tables[]").py())

    def table_schema(self, table: str) -> pa.Schema:
        return canonical.table_schema(table)

    def _write(self, table: str, batch: pa.Table) -> None:
        import pykx as kx

        self._call(UPD_CALL, kx.SymbolAtom(table), to_q(batch), code=StoreErrorCode.WRITE)

    def query(self, sql: str, params: Params = None) -> pa.Table:
        """Run q text, applied to ``params`` (pykx objects or Python values) when given."""
        import pykx as kx

        args = list(params.values()) if isinstance(params, dict) else list(params or [])
        res = self._call(sql, *args)
        if isinstance(res, kx.Table):
            return pa.Table.from_pandas(res.pd(), preserve_index=False)
        if isinstance(res, kx.KeyedTable):
            return pa.Table.from_pandas(res.pd().reset_index(), preserve_index=False)
        return pa.table({"value": [res.py()]})

    def query_file(self, relpath: str, params: Params = None) -> pa.Table:
        from tsdb.store import SQL_ROOT

        name = relpath.removesuffix(".q")
        if not (SQL_ROOT / "q" / f"{name}.q").is_file():
            raise KdbStoreError(StoreErrorCode.QUERY, f"not supported on kdb+: no sql/q/{name}.q "
                                f"(the query {relpath!r} exists for DuckDB only)")
        args = list(params.values()) if isinstance(params, dict) else list(params or [])
        return self.query(q_function(name), args or [None])  # a niladic lambda is applied to ::

    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        import numpy as np
        import pykx as kx

        since = np.datetime64(0 if since_ns is None else int(since_ns), "ns")  # data are post-1970
        res = self._call(q_function("latest_limits"), kx.TimestampAtom(since))
        return from_q(res.pd(), canonical.table_schema("risk_limits"))

    def latest_heartbeats(self, since_ns: int | None = None) -> pa.Table:
        import numpy as np
        import pykx as kx

        since = np.datetime64(0 if since_ns is None else int(since_ns), "ns")  # post-1970 data
        res = self._call(q_function("latest_heartbeats"), kx.TimestampAtom(since))
        return from_q(res.pd(), canonical.table_schema("publisher_heartbeat"))

    def read_table(self, table: str) -> pa.Table:
        """Every row of ``table`` in the logical schema (q nulls -> NULL, char vectors -> text)."""
        import pykx as kx

        res = self._call("{0!select from x}", kx.SymbolAtom(table))
        return from_q(res.pd(), self.table_schema(table))

    def count(self, table: str) -> int:
        import pykx as kx

        if table not in canonical.tables():
            raise KdbStoreError(StoreErrorCode.UNKNOWN_TABLE, f"unknown table {table!r}")
        return int(self._call("{count value x}", kx.SymbolAtom(table)).py())
