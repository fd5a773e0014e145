"""Features for a live process: the same queries as ``build``, without its bookkeeping scans.

``build`` finds its work by scanning the store (``data_days.sql``: the days holding events;
``build_state.sql``: each symbol's last event and stored buckets), which is right for a
one-shot command but grows with the day in a process that runs it every 100 ms. A live
process knows all of that already: the intake tells it each symbol's newest event
(``note_events``) and every step knows what it stored. ``LiveFeatures.step(until_ns)`` then
runs exactly what ``build`` would (``extend_day``: one ``market_step.sql`` for a single new
bucket, the range query for a catch-up), so the rows are the ones ``build`` writes.
"""

from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.compute as pc

from features.build import extend_day
from features.config import DEFAULT_CONFIG, FeatureConfig
from tsdb.calendars import session_of, sessions


class LiveFeatures:
    """Per-day, per-symbol build state kept in memory; seeded once per day from the store."""

    def __init__(self, store, config: FeatureConfig = DEFAULT_CONFIG) -> None:
        if config.session is None:
            raise ValueError("live features need a trading session (config.session)")
        if hasattr(config.session, "calendar_for") and len(config.session.calendars()) > 1:
            raise ValueError("live features follow one calendar; give the process the symbols "
                             "of one calendar (config.session)")
        self._cal = getattr(config.session, "default", config.session)
        self.store, self.config = store, config
        self._days: dict[tuple[int, int], dict[str, dict]] = {}
        self._lock = threading.Lock()  # the intake (or a push endpoint) and the loop
        self.queries = 0

    def _day(self, bounds: tuple[int, int], *, reseed: bool = False) -> dict[str, dict]:
        rows = self._days.get(bounds)
        if rows is None or reseed:  # what the store holds (first sight of the day, new symbol)
            tbl = self.store.query_file("features/build_state.sql",
                                        {"open": bounds[0], "close": bounds[1]})
            fresh = {r["sym"]: r for r in tbl.to_pylist()}
            for sym, r in (rows or {}).items():  # events noted in memory stay
                if sym in fresh and r["last_event"] is not None:
                    le = fresh[sym]["last_event"]
                    fresh[sym]["last_event"] = r["last_event"] if le is None else \
                        max(le, r["last_event"])
                elif sym not in fresh:
                    fresh[sym] = r
            rows = self._days[bounds] = fresh
        return rows

    def bounds(self, ts_ns: int) -> tuple[int, int] | None:
        """The session holding ``ts_ns`` (it may have opened the UTC day before)."""
        return session_of(self._cal, int(ts_ns))

    def note_events(self, table: pa.Table) -> None:
        """Record the newest event per symbol of a batch that has just been stored."""
        if table.num_rows == 0:
            return
        with self._lock:
            self._note(table)

    def _note(self, table: pa.Table) -> None:
        ts = table.column("ts").cast(pa.int64())
        lo, hi = pc.min(ts).as_py(), pc.max(ts).as_py()
        for b in sorted({(int(o), int(c)) for o, c in zip(*sessions(self._cal, lo, hi),
                                                          strict=True)}):
            rows = self._day(b)
            inside = pc.and_(pc.greater_equal(ts, b[0]), pc.less_equal(ts, b[1]))
            part = table.filter(inside)
            if part.num_rows == 0:
                continue
            g = pa.table({"sym": part.column("sym"), "ts": ts.filter(inside)}) \
                .group_by("sym").aggregate([("ts", "max")])
            for sym, t in zip(g.column("sym").to_pylist(), g.column("ts_max").to_pylist(),
                              strict=True):
                r = rows.setdefault(sym, {"sym": sym, "last_event": None, "last_stored": None,
                                          "first_stored": None})
                r["last_event"] = t if r["last_event"] is None else max(r["last_event"], t)

    def step(self, until_ns: int) -> int:
        """Store every bucket of ``until_ns``'s session day complete by ``until_ns``; returns
        rows written."""
        b = self.bounds(int(until_ns))
        if b is None:
            return 0
        with self._lock:
            rows = self._day(b)
            if not rows:
                return 0
            state = [dict(rows[s]) for s in sorted(rows)]
        n, q, _, t1 = extend_day(self.store, self.config, b, state, -(2**62), int(until_ns))
        self.queries += q
        if t1 is None:
            return n
        with self._lock:
            if any(r["last_event"] is not None and r["first_stored"] is None for r in state):
                self._day(b, reseed=True)  # a symbol's first rows: read them back once
                return n
            for r in state:
                if r["last_event"] is not None:
                    rows[r["sym"]]["last_stored"] = t1
                    rows[r["sym"]]["first_stored"] = r["first_stored"]
        return n
