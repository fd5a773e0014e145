"""The logical schema every backend validates against: read from the DuckDB DDL files.

The DuckDB DDL in ``sql/duckdb/`` is the reference definition of the schema (types and NOT
NULL). QuestDB and kdb+ validate batches against it before encoding them, so all backends
reject the same bad batch with the same error.
"""

from __future__ import annotations

import functools

import pyarrow as pa


@functools.cache
def _reference():
    from tsdb.duckdb_store import DuckDBStore

    return DuckDBStore({"path": ":memory:", "threads": "1"}, session=None)


def table_schema(table: str) -> pa.Schema:
    """Arrow schema (with nullability) of a logical table."""
    return _reference().table_schema(table)


def tables() -> list[str]:
    return _reference().tables()
