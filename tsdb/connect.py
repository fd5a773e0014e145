"""Open a store from a connection string: the one place that knows every backend.

``tsdb.store`` (the protocol) imports no backend; this module picks one by the string's
prefix and imports only that one (pykx and psycopg stay unloaded for a DuckDB user).

>>> from tsdb.connect import connect
>>> with connect("duckdb::path=:memory:") as store:
...     store.count("trades")
0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsdb.config import DEFAULT_SESSION, Session, parse_conf

if TYPE_CHECKING:
    from tsdb.store import Store


def connect(conf: str, *, session: Session | None = DEFAULT_SESSION) -> Store:
    """Open the store of ``"<backend>::key=value;..."`` and apply its schema.

    Raises StoreError(BAD_CONF) for a malformed string, the backend's error (CONNECT) when
    it cannot be reached.
    """
    backend, params = parse_conf(conf)
    if backend == "duckdb":
        return _duckdb(params, session)
    if backend == "questdb":
        from tsdb.questdb_store import QuestDBStore

        return QuestDBStore(params, session=session)
    from tsdb.kdb_store import KdbStore

    return KdbStore(params, session=session)


def _duckdb(params: dict[str, str], session: Session | None) -> Store:
    """A DuckDB file, or, when ``adaptrisk live`` owns it (the file's lock is held and
    ``<file>.live.json`` names a running process), that process's store over HTTP."""
    from tsdb.duckdb_store import DuckDBStore
    from tsdb.errors import StoreError, StoreErrorCode

    try:
        return DuckDBStore(params, session=session)
    except StoreError as e:
        path = params.get("path", ":memory:")
        if e.code is not StoreErrorCode.CONNECT or path == ":memory:":
            raise
        from tsdb.remote import RemoteStore, live_endpoint

        info = live_endpoint(path)
        if info is None:
            raise
        import os

        token = os.environ.get(info["token_env"]) if info.get("token_env") else None
        return RemoteStore(info["url"], token=token, session=session,
                           origin=f"{path} (live pid {info['pid']})")
