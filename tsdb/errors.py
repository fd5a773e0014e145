"""Errors and warnings of the store layer: one error class per backend, each with a code enum."""

from __future__ import annotations

import enum


class StoreErrorCode(enum.Enum):
    """Why a store operation failed."""

    BAD_CONF = "bad_conf"  # connection string is malformed or names an unknown backend
    CONNECT = "connect"  # the backend could not be reached or opened
    SCHEMA = "schema"  # DDL could not be applied
    BAD_BATCH = "bad_batch"  # a batch failed validation; nothing was written
    UNKNOWN_TABLE = "unknown_table"
    QUERY = "query"  # the backend rejected a query
    WRITE = "write"  # the backend failed while writing a valid batch
    CLOSED = "closed"  # the store was used after close()


class StoreError(Exception):
    """Base class of every store failure; ``code`` says which kind."""

    def __init__(self, code: StoreErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class BatchRejected(StoreError):
    """A batch had a bad row; the whole batch was refused and the table left unchanged.

    ``row`` is the 0-based index of the first offending row in the batch (``None`` when the
    problem is the shape of the batch, such as a missing column).
    """

    def __init__(self, table: str, row: int | None, column: str | None, reason: str) -> None:
        where = f"row {row}" if row is not None else "batch"
        col = f", column {column!r}" if column else ""
        super().__init__(
            StoreErrorCode.BAD_BATCH, f"{table}: {where}{col}: {reason} (batch rejected, nothing written)"
        )
        self.table = table
        self.row = row
        self.column = column
        self.reason = reason


class DuckDBStoreError(StoreError):
    """A failure of the embedded DuckDB backend."""


class QuestDBStoreError(StoreError):
    """A failure of the QuestDB backend (ILP ingest or PG-wire query)."""


class KdbStoreError(StoreError):
    """A failure of the kdb+ backend (IPC via pykx)."""
