"""Market data intake for ``adaptrisk live``: a recorded session replayed in event time.

``ReplayFeed(source, speed=10)`` loads the ``trades``, ``quotes`` and ``book`` rows of a
recorded session (a DuckDB file other than the live store, opened read-only, or a folder of
``<table>.parquet`` files) sorted by ``ts``, and hands them out as the replay clock passes
them: event time ``t0 + (wall - wall0) x speed``. ``take(until_ns)`` returns the rows with
``ts <= until_ns`` not handed out yet, one Arrow table per table, so the caller ingests each
as one batch (all or nothing, validated like any other batch).

Live rows pushed as they happen do not come through here: they are posted to the live
process's ``/store/ingest/{table}`` endpoint (Arrow IPC over HTTP, see ``tsdb.remote``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from adaptrisk.errors import UsageError

TABLES = ("trades", "quotes", "book")
OMS = ("orders",)  # the firm's OMS flow, replayed with the market when the source holds it


def load_session(source: str | Path, *, sym: str | None = None) -> dict[str, pa.Table]:
    """{table: rows sorted by ts} of a recorded session; tables absent from it are left out.

    ``source``: a DuckDB file (opened read-only) or a folder holding ``trades.parquet``,
    ``quotes.parquet``, ``book.parquet`` (any subset, at least one), and ``orders`` (the OMS
    flow, optional: layer 1 publishes from it). ``sym`` keeps one symbol."""
    path = Path(source)
    if path.is_dir():
        out = {}
        for t in TABLES + OMS:
            f = path / f"{t}.parquet"
            if f.is_file():
                import pyarrow.parquet as pq

                tbl = pq.read_table(f)
                out[t] = tbl
    elif path.is_file():
        from tsdb import Store

        with Store.from_conf(f"duckdb::path={path};read_only=true", session=None) as src:
            have = set(src.tables())
            out = {t: src.query(f'SELECT * FROM "{t}"') for t in TABLES + OMS if t in have}
    else:
        raise UsageError(f"replay source {source} is neither a DuckDB file nor a folder")
    res = {}
    for t, tbl in out.items():
        if "ts" not in tbl.column_names:
            raise UsageError(f"replay source {source}: table {t} has no ts column")
        if sym is not None:
            tbl = tbl.filter(pc.equal(tbl.column("sym"), sym))
        if tbl.num_rows:
            idx = pc.sort_indices(tbl, [("ts", "ascending")])
            res[t] = tbl.take(idx)
    if not set(res) & set(TABLES):
        raise UsageError(f"replay source {source} holds no trades, quotes or book rows")
    return res


class ReplayFeed:
    """A recorded session replayed at ``speed`` x real time from ``start_ns`` (default: its
    first event; a later one joins mid-session: what came before arrives in the first take,
    as one catch-up batch). ``clock`` is the ns clock it runs on (a test passes its own)."""

    def __init__(self, tables: dict[str, pa.Table], *, speed: float,
                 start_ns: int | None = None,
                 clock: Callable[[], int] = time.monotonic_ns) -> None:
        if not speed > 0:
            raise UsageError(f"--speed must be > 0, got {speed}")
        self.tables = tables
        self.speed = float(speed)
        self._ts = {t: tbl.column("ts").cast(pa.int64()).to_numpy() for t, tbl in tables.items()}
        self._pos = dict.fromkeys(tables, 0)
        first = min(int(a[0]) for a in self._ts.values())
        self.end_ns = max(int(a[-1]) for a in self._ts.values())
        # joining mid-session: the first take hands out everything before start_ns at once
        self.start_ns = first if start_ns is None else max(int(start_ns), first)
        self._clock = clock
        self._wall0: int | None = None

    def start(self) -> None:
        """Start the replay clock now (idempotent)."""
        if self._wall0 is None:
            self._wall0 = self._clock()

    def now_ns(self) -> int:
        """Event time of the replay now (UTC ns), capped at the session's last event."""
        if self._wall0 is None:
            return self.start_ns
        return min(self.start_ns + int((self._clock() - self._wall0) * self.speed), self.end_ns)

    def wall_of(self, event_ns: int) -> int:
        """The monotonic-clock ns at which the replay reaches ``event_ns``."""
        base = self._wall0 if self._wall0 is not None else self._clock()
        return base + int((event_ns - self.start_ns) / self.speed)

    def event_at(self, wall_ns):
        """The replay's event time at wall-clock ``wall_ns`` (scalar or numpy array)."""
        base = self._wall0 if self._wall0 is not None else self._clock()
        return self.start_ns + ((wall_ns - base) * self.speed).astype("int64") \
            if hasattr(wall_ns, "astype") else self.start_ns + int((wall_ns - base) * self.speed)

    @property
    def done(self) -> bool:
        return all(self._pos[t] >= len(a) for t, a in self._ts.items())

    def take(self, until_ns: int) -> dict[str, pa.Table]:
        """Rows with ``ts <= until_ns`` not taken yet: {table: Arrow table} (non-empty only)."""
        out = {}
        for t, a in self._ts.items():
            lo = self._pos[t]
            hi = int(np.searchsorted(a, until_ns, side="right"))
            if hi > lo:
                out[t] = self.tables[t].slice(lo, hi - lo)
                self._pos[t] = hi
        return out


def last_quotes(quotes: pa.Table) -> list[tuple[str, float | None, float | None, int]]:
    """(sym, bid, ask, ts) of the newest quote of each symbol in ``quotes``."""
    if quotes.num_rows == 0:
        return []
    d = quotes.select(["sym", "bid", "ask", "ts"]).to_pydict()
    last: dict[str, int] = {}
    for i, s in enumerate(d["sym"]):
        last[s] = i
    ts = quotes.column("ts").cast(pa.int64()).to_pylist()
    return [(s, d["bid"][i], d["ask"][i], ts[i]) for s, i in last.items()]
