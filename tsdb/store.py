"""The Store protocol: every backend has this shape and is built from a connection string.

>>> with Store.from_conf("duckdb::path=:memory:") as store:
...     store.count("trades")
0
"""

from __future__ import annotations

import abc
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from tsdb.config import DEFAULT_SESSION, Session

SQL_ROOT = pathlib.Path(__file__).resolve().parent.parent / "sql"
Params = Sequence[Any] | Mapping[str, Any] | None
_DEFAULT = object()


class Store(abc.ABC):
    """A time-series store holding the adaptrisk schema.

    Backends: ``duckdb`` (embedded default), ``questdb`` and ``kdb``. A store is a context
    manager; methods are safe to call from several threads (each backend serialises them).
    """

    dialect: str = ""

    @staticmethod
    def from_conf(conf: str, *, session: Session | None = DEFAULT_SESSION) -> Store:
        """Open a store from ``"<backend>::key=value;..."``: ``tsdb.connect.connect``."""
        from tsdb.connect import connect

        return connect(conf, session=session)

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- schema ------------------------------------------------------------------------------
    @abc.abstractmethod
    def apply_schema(self) -> list[str]:
        """Apply the dialect's DDL files in their listed order (idempotent); return the files."""

    @abc.abstractmethod
    def tables(self) -> list[str]: ...

    @abc.abstractmethod
    def table_schema(self, table: str) -> pa.Schema:
        """The Arrow schema a batch for ``table`` must conform to."""

    # -- writes ------------------------------------------------------------------------------
    def ingest(
        self, table: str, data: pa.Table | pa.RecordBatch, *, session: Any = _DEFAULT,
        parse_strings: bool = False, time_format: Any = None,
    ) -> int:
        """Validate and append ``data`` to ``table`` in one transaction; return rows written.

        A bad row rejects the whole batch with :class:`~tsdb.errors.BatchRejected` naming the
        table, the row index and the column; the table is left unchanged. ``session``
        overrides the store's trading session for this call (``None`` disables the check).
        ``parse_strings`` parses text columns into the table's types (CSV input);
        ``time_format`` (a ``tsdb.timestamps.TimeFormat``) says the zone of naive text
        timestamps and the unit of integer epochs (default UTC, ns). Every
        backend validates here, against the same logical schema, then writes with ``_write``.
        """
        from tsdb.validate import check_rows, conform

        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if not isinstance(data, pa.Table):
            raise TypeError(f"ingest takes a pyarrow Table or RecordBatch, not {type(data).__name__}")
        sess = getattr(self, "session", None) if session is _DEFAULT else session
        from tsdb.timestamps import DEFAULT_TIME_FORMAT

        batch = conform(table, data, self.table_schema(table), parse_strings=parse_strings,
                        time_format=time_format or DEFAULT_TIME_FORMAT)
        check_rows(table, batch, sess)
        if batch.num_rows == 0:
            return 0
        self._write(table, batch)
        return batch.num_rows

    @abc.abstractmethod
    def _write(self, table: str, batch: pa.Table) -> None:
        """Append a validated batch (exactly the table's schema) atomically."""

    def ingest_parquet(self, table: str, path: str | pathlib.Path, **kw: Any) -> int:
        import pyarrow.parquet as pq

        return self.ingest(table, pq.read_table(path), **kw)

    def ingest_csv(self, table: str, path: str | pathlib.Path, **kw: Any) -> int:
        """CSV with a header row naming the table's columns; types come from the table."""
        import pyarrow.csv as pcsv

        schema = self.table_schema(table)
        # read as text and let validation cast, so a bad cell is reported with its row and column
        opts = pcsv.ConvertOptions(
            column_types={f.name: pa.string() for f in schema},
            strings_can_be_null=True,
        )
        return self.ingest(table, pcsv.read_csv(path, convert_options=opts), parse_strings=True, **kw)

    def append_limits(self, rows: pa.Table) -> int:
        """Append ``risk_limits`` rows (append-only; the latest per (sym, strategy) is in force)."""
        return self.ingest("risk_limits", rows, session=None)

    # -- reads -------------------------------------------------------------------------------
    @abc.abstractmethod
    def query(self, sql: str, params: Params = None) -> pa.Table:
        """Run ``sql`` (in this backend's dialect) with bound ``params``; return Arrow."""

    def query_file(self, relpath: str, params: Params = None) -> pa.Table:
        """Run the query in ``sql/<dialect>/<relpath>`` with bound ``params``."""
        return self.query(self.sql_text(relpath), params)

    def sql_text(self, relpath: str) -> str:
        path = (SQL_ROOT / self.dialect / relpath).resolve()
        if SQL_ROOT.resolve() not in path.parents:
            raise ValueError(f"query file {relpath!r} is outside sql/")
        return path.read_text()

    @abc.abstractmethod
    def latest_limits(self, since_ns: int | None = None) -> pa.Table:
        """The latest ``risk_limits`` row per (sym, strategy) among rows with ts > since_ns."""

    @abc.abstractmethod
    def latest_heartbeats(self, since_ns: int | None = None) -> pa.Table:
        """The newest ``publisher_heartbeat`` row per sym (by ts) among rows with
        published_ts > since_ns (all rows when None), in the table's schema."""

    @abc.abstractmethod
    def count(self, table: str) -> int: ...
