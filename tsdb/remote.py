"""A store owned by another process, reached over HTTP with Arrow IPC bodies.

DuckDB lets one process open a file for writing and no other process open it at all while
it does. ``adaptrisk live`` owns its DuckDB file for its whole life, so it serves the store
at ``/store`` on its HTTP port (``tsdb.serve``) and writes ``<file>.live.json`` beside the
file. ``tsdb.connect.connect("duckdb::path=<file>")`` finds that file when the lock is held
and returns a :class:`RemoteStore`: every command (``adaptrisk sql``, ``retrain``,
``models publish``, ``ingest``) then works unchanged against the live store.

Wire (all on 127.0.0.1): ``GET /store/info`` -> {"dialect", "tables"};
``GET /store/schema/{table}`` -> Arrow IPC schema; ``POST /store/query`` JSON {"sql",
"params"} -> Arrow IPC stream (read statements only); ``POST /store/ingest/{table}?session=
default|none`` Arrow IPC stream -> {"rows": n} (bearer token when the live process has one;
the batch is validated again there and rejected whole with the same one-line error).
Arrow keeps nanosecond timestamps and exact types, which PG wire (microseconds) does not.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import pyarrow as pa

from tsdb.config import UNBOUNDED_NS
from tsdb.errors import BatchRejected, StoreError, StoreErrorCode
from tsdb.store import _DEFAULT, Params, Store

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def discovery_path(db_path: str | os.PathLike) -> pathlib.Path:
    """``<file>.live.json``: where a live process announces the endpoint of its store."""
    return pathlib.Path(f"{db_path}.live.json")


def live_endpoint(db_path: str | os.PathLike) -> dict[str, Any] | None:
    """The announcement of a live process that owns ``db_path`` and is running, else None."""
    p = discovery_path(db_path)
    try:
        info = json.loads(p.read_text())
        pid = int(info["pid"])
        os.kill(pid, 0)  # raises if no such process
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def to_ipc(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, tbl.schema) as w:
        w.write_table(tbl)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


class RemoteStore(Store):
    """The Store protocol over a live process's ``/store`` endpoint (``url``: its base URL)."""

    def __init__(self, url: str, *, token: str | None = None, session: Any = None,
                 origin: str = "") -> None:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=600.0)
        self.url = url
        self.origin = origin or url
        self.session = session
        self._schemas: dict[str, pa.Schema] = {}
        self._ingest_session: Any = _DEFAULT
        info = self._json("GET", "/store/info")
        self.dialect = info["dialect"]
        self._tables = list(info["tables"])

    # -- plumbing ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kw):
        import httpx

        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as e:
            raise StoreError(StoreErrorCode.CONNECT,
                             f"live store {self.origin} at {self.url}: {e}") from None
        d = r.json().get("detail") if r.status_code == 422 else None
        if isinstance(d, dict) and path.startswith("/store/ingest/"):
            raise BatchRejected(d.get("table", path.rsplit("/", 1)[-1]), d.get("row"),
                                d.get("column"), d.get("reason", r.text))
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            code = StoreErrorCode.QUERY if path == "/store/query" else StoreErrorCode.WRITE
            raise StoreError(code, f"{detail}".splitlines()[0] if detail else
                             f"HTTP {r.status_code}")
        return r

    def _json(self, method: str, path: str, **kw) -> Any:
        return self._call(method, path, **kw).json()

    # -- Store protocol ---------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def apply_schema(self) -> list[str]:
        return []  # the owning process applied it

    def tables(self) -> list[str]:
        return list(self._json("GET", "/store/info")["tables"])

    def table_schema(self, table: str) -> pa.Schema:
        if table not in self._schemas:
            if table not in self._tables and table not in self.tables():
                raise StoreError(StoreErrorCode.UNKNOWN_TABLE, f"unknown table {table!r}")
            data = self._call("GET", f"/store/schema/{table}").content
            self._schemas[table] = pa.ipc.read_schema(pa.py_buffer(data))
        return self._schemas[table]

    def ingest(self, table: str, data, *, session: Any = _DEFAULT,
               parse_strings: bool = False, time_format: Any = None) -> int:
        self._ingest_session = session
        try:
            return super().ingest(table, data, session=session, parse_strings=parse_strings,
                                  time_format=time_format)
        finally:
            self._ingest_session = _DEFAULT

    def _write(self, table: str, batch: pa.Table) -> None:
        sess = "none" if self._ingest_session is None else "default"
        self._call("POST", f"/store/ingest/{table}", params={"session": sess},
                   content=to_ipc(batch), headers={"Content-Type": ARROW_STREAM})

    def query(self, sql: str, params: Params = None) -> pa.Table:
        if params is not None and not isinstance(params, list | tuple | dict):
            params = list(params)
        body = {"sql": sql, "params": list(params) if isinstance(params, tuple) else params}
        return from_ipc(self._call("POST", "/store/query", json=body).content)

    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        return self.query_file("queries/latest_limits.sql", {"since": since})

    def latest_heartbeats(self, since_ns: int | None = None) -> pa.Table:
        since = -UNBOUNDED_NS if since_ns is None else int(since_ns)
        return self.query_file("queries/latest_heartbeats.sql", {"since": since})

    def count(self, table: str) -> int:
        self.table_schema(table)  # unknown table -> StoreError
        return int(self.query(f'SELECT count(*) AS n FROM "{table}"').column(0)[0].as_py())
