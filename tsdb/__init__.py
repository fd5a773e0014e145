"""Time-series store layer: the Store protocol, its backends, schema and bulk ingest.

Build a store from a connection string::

    from tsdb import Store
    with Store.from_conf("duckdb::path=data/adaptrisk.duckdb") as store:
        store.ingest("trades", arrow_table)
        store.query("SELECT sym, count(*) FROM trades GROUP BY sym")
"""

from tsdb.config import DEFAULT_SESSION, Session, parse_conf
from tsdb.errors import (
    BatchRejected,
    DuckDBStoreError,
    KdbStoreError,
    QuestDBStoreError,
    StoreError,
    StoreErrorCode,
)
from tsdb.store import Store

__all__ = [
    "DEFAULT_SESSION",
    "BatchRejected",
    "DuckDBStoreError",
    "KdbStoreError",
    "QuestDBStoreError",
    "Session",
    "Store",
    "StoreError",
    "StoreErrorCode",
    "parse_conf",
]
