"""Serve a DuckDB store that this process owns to other processes (see ``tsdb.remote``).

``store_app(store, token=None)`` is a FastAPI app to mount at ``/store`` on the owner's HTTP
server. Reads run on their own DuckDB cursor (an independent connection to the same
in-process database, MVCC snapshot), so an analyst's long query never holds the store's
lock that the writer needs. Only read statements are accepted (``duckdb.extract_statements``
classifies them: SELECT, EXPLAIN); writes go through ``/ingest/{table}``, validated by
``Store.ingest`` exactly as a local batch, all or nothing.
"""

from __future__ import annotations

import hmac
import threading
from typing import Any

import duckdb
import pyarrow as pa
from fastapi import Request  # module level: route annotations are resolved from here

from tsdb.errors import BatchRejected, StoreError
from tsdb.remote import ARROW_STREAM, from_ipc, to_ipc

READ_TYPES = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


def read_only_error(sql: str) -> str | None:
    """None when every statement of ``sql`` is a read, else a one-line reason."""
    try:
        stmts = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        return f"{e}".splitlines()[0]
    if not stmts:
        return "empty query"
    for s in stmts:
        if s.type not in READ_TYPES:
            return (f"read-only endpoint: {s.type.name} statements are not allowed "
                    "(push rows to /store/ingest/TABLE)")
    return None


class _Readers(threading.local):
    cur: Any = None


class StoreService:
    """The handlers of ``store_app``; ``on_ingest(table, batch)`` is called after a pushed
    batch has landed."""

    def __init__(self, store, *, token: str | None = None, on_ingest=None) -> None:
        self.store, self.token, self.on_ingest = store, token, on_ingest
        self._readers = _Readers()

    def _cursor(self):
        if self._readers.cur is None:
            self._readers.cur = self.store.connection.cursor()
        return self._readers.cur

    def _authorised(self, request) -> bool:
        if self.token is None:
            return True
        got = request.headers.get("authorization", "")
        return hmac.compare_digest(got.encode(), f"Bearer {self.token}".encode())

    def info(self) -> dict:
        return {"dialect": self.store.dialect, "tables": self.store.tables()}

    def schema(self, table: str):
        from fastapi.responses import JSONResponse, Response

        try:
            sch = self.store.table_schema(table)
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=404)
        return Response(sch.serialize().to_pybytes(), media_type=ARROW_STREAM)

    async def query(self, request):
        from fastapi.responses import JSONResponse

        try:
            body = await request.json()
            sql, params = body["sql"], body.get("params")
            if not isinstance(sql, str) or not isinstance(params, list | dict | None):
                raise TypeError("sql must be text and params a list, an object or null")
        except (ValueError, KeyError, TypeError) as e:
            return JSONResponse({"detail": f"bad query request: {e}"}, status_code=400)
        why = read_only_error(sql)
        if why is not None:
            return JSONResponse({"detail": why}, status_code=403)
        return await _run_in_thread(lambda: _read(self._cursor(), sql, params))

    async def ingest(self, table: str, request, session: str = "default"):
        from fastapi.responses import JSONResponse

        if not self._authorised(request):
            return JSONResponse({"detail": "missing or bad bearer token"}, status_code=401)
        try:
            batch = from_ipc(await request.body())
        except (pa.ArrowInvalid, OSError) as e:
            return JSONResponse({"detail": f"body is not an Arrow IPC stream: {e}"},
                                status_code=400)
        kw = {"session": None} if session == "none" else {}
        try:
            n = await _run_in_thread(lambda: self.store.ingest(table, batch, **kw))
        except BatchRejected as e:
            return JSONResponse({"detail": {"table": e.table, "row": e.row, "column": e.column,
                                            "reason": e.reason}}, status_code=422)
        except StoreError as e:
            return JSONResponse({"detail": str(e)}, status_code=400)
        if self.on_ingest is not None and n:
            self.on_ingest(table, batch)
        return {"rows": n}


def store_app(store, *, token: str | None = None, on_ingest=None):
    """FastAPI app serving ``store`` (a ``DuckDBStore``): info, schema, query, ingest."""
    from fastapi import FastAPI

    svc = StoreService(store, token=token, on_ingest=on_ingest)
    app = FastAPI(title="adaptrisk live store", docs_url=None, redoc_url=None)
    app.add_api_route("/info", svc.info, methods=["GET"])
    app.add_api_route("/schema/{table}", svc.schema, methods=["GET"])

    async def query(request: Request):
        return await svc.query(request)

    async def ingest(table: str, request: Request, session: str = "default"):
        return await svc.ingest(table, request, session)

    app.add_api_route("/query", query, methods=["POST"])
    app.add_api_route("/ingest/{table}", ingest, methods=["POST"])
    return app


def _read(cur, sql: str, params):
    from fastapi.responses import JSONResponse, Response

    try:
        tbl = cur.execute(sql, params).to_arrow_table() if params else cur.sql(sql)
        if not isinstance(tbl, pa.Table):
            tbl = tbl.to_arrow_table() if tbl is not None else pa.table({})
    except duckdb.Error as e:
        return JSONResponse({"detail": f"{e}".splitlines()[0]}, status_code=400)
    return Response(to_ipc(tbl), media_type=ARROW_STREAM)


async def _run_in_thread(fn):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)
