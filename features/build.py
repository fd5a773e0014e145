"""Run the market-state query and materialise it into the ``features`` table, incrementally.

A build walks the session days holding data; per day it extends each symbol's rows from its
last stored bucket (or the open) to the last complete bucket, in time chunks, seeding each
query with the stored row at its grid origin so an incremental result equals a full one.
Python only passes parameters and moves Arrow results; all computing happens in the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from features.config import DEFAULT_CONFIG, FeatureConfig
from features.errors import MSG_GRID, FeatureError
from tsdb.config import NS_PER_DAY
from tsdb.store import Store

MARKET_SQL = "features/market_state.sql"
STEP_SQL = "features/market_step.sql"
STATE_COLUMNS = ("r", "ret_1s", "ref_ret_1s")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class BuildReport:
    """What a build added: rows written per day (UTC date), the queries it ran, and how many
    of those were single-bucket steps (``market_step.sql``)."""

    rows: int
    days: dict[str, int]
    queries: int
    steps: int = 0


def market_state_params(
    config: FeatureConfig, *, t0: int, t1: int, emit_after: int, ref_sym: str | None
) -> dict:
    """Bound parameters of ``market_state.sql`` (all times UTC ns on the bucket grid)."""
    return {
        "t0": int(t0), "t1": int(t1), "w": config.bucket_ns, "emit_after": int(emit_after),
        "ref_sym": ref_sym, "n1s": config.n1s, "n10s": config.n10s, "n1m": config.n1m,
    }


def market_state(
    store: Store, config: FeatureConfig, *, t0: int, t1: int, emit_after: int,
    ref_sym: str | None,
) -> pa.Table:
    """Market-state rows for buckets ending in ``(emit_after, t1]`` on the grid from ``t0``.

    Returns an Arrow table with the ``features`` table's columns then the ``features_state``
    ones (``STATE_COLUMNS``), sorted by (ts, sym); rows already stored for a symbol are left
    out. ``t0`` must be far enough before
    ``emit_after`` (``config.lookback_buckets``) for the windows, or be the session open.
    """
    params = market_state_params(config, t0=t0, t1=t1, emit_after=emit_after, ref_sym=ref_sym)
    return store.query_file(MARKET_SQL, params)


def step_params(config: FeatureConfig, *, t1: int, open_ns: int, ref_sym: str | None) -> dict:
    """Bound parameters of ``market_step.sql``."""
    return {
        "t1": int(t1), "w": config.bucket_ns, "open": int(open_ns), "ref_sym": ref_sym,
        "n1s": config.n1s, "n10s": config.n10s, "n1m": config.n1m,
    }


def market_step(
    store: Store, config: FeatureConfig, *, t1: int, open_ns: int, ref_sym: str | None
) -> pa.Table:
    """The bucket ending at ``t1`` for every symbol, from the events in it and the stored
    rows of the previous 60 s; same columns as :func:`market_state`. Valid when every
    symbol's rows are stored through ``t1 - w`` and back to ``t1 - 60 s`` (``build`` checks)."""
    return store.query_file(STEP_SQL, step_params(config, t1=t1, open_ns=open_ns, ref_sym=ref_sym))


def build(
    store: Store, config: FeatureConfig = DEFAULT_CONFIG, *, since_ns: int | None = None,
    until_ns: int | None = None,
) -> BuildReport:
    """Extend ``features`` with every complete bucket after the last stored one per symbol.

    ``since_ns`` skips buckets ending at or before it; ``until_ns`` caps the last bucket end.
    A bucket is complete when some event at or after its end exists, or when it is the last
    bucket of its session and an event falls inside it. Running build twice adds nothing.
    """
    if store.dialect != "duckdb":  # QuestDB, kdb+: their own query files / q functions
        from features.dialect import build_server

        per_day, queries = build_server(store, config, since_ns=since_ns, until_ns=until_ns)
        return BuildReport(rows=sum(per_day.values()), days=per_day, queries=queries)
    since = -(2**62) if since_ns is None else int(since_ns)
    days = store.query_file("features/data_days.sql", {"since": max(since, 0)})
    total, per_day, queries, steps = 0, {}, 0, 0
    for label, bounds, member in session_plan(config, days.column("day").to_pylist()):
        n, q, st = _build_day(store, config, bounds, since, until_ns, member)
        queries += q
        steps += st
        if n:
            per_day[label.isoformat()] = per_day.get(label.isoformat(), 0) + n
            total += n
    return BuildReport(rows=total, days=per_day, queries=queries, steps=steps)


def session_plan(config: FeatureConfig, day_nums: list[int]):
    """(session label, (open, close) UTC ns, member) for every session of every calendar in
    ``config.session`` that overlaps the UTC days ``day_nums``, a calendar's sessions oldest
    first. ``member(sym)`` says whether a symbol follows that calendar (None: every symbol,
    when there is one calendar)."""
    from tsdb.calendars import labels_for_days
    from tsdb.instruments import single

    instruments = single(config.session)
    cals = instruments.calendars()
    for cal in cals:
        member = None if len(cals) == 1 else (lambda s, c=cal: instruments.member(c, s))
        for label in labels_for_days(cal, day_nums):
            yield label, cal.bounds_ns(label), member


def _build_day(store, config, bounds, since, until_ns, member=None) -> tuple[int, int, int]:
    state = store.query_file("features/build_state.sql", {"open": bounds[0], "close": bounds[1]})
    rows = state.to_pylist()
    if member is not None:
        rows = [r for r in rows if member(r["sym"])]
    written, queries, steps, _ = extend_day(store, config, bounds, rows, since, until_ns,
                                            only=None if member is None else
                                            frozenset(r["sym"] for r in rows))
    return written, queries, steps


def extend_day(store, config: FeatureConfig, bounds: tuple[int, int], rows: list[dict],
               since: int, until_ns: int | None, *, only: frozenset[str] | None = None,
               ) -> tuple[int, int, int, int | None]:
    """Extend one session day from its per-symbol state ``rows`` ({sym, last_event,
    last_stored, first_stored}, UTC ns or None, as ``build_state.sql`` returns them; a live
    process keeps them in memory instead of querying). Returns (rows written, queries,
    single-bucket steps, the bucket end now stored through for every symbol with data, or
    None when nothing was due). ``only``: keep the results of these symbols (the ones on
    this session's calendar when symbols follow several)."""
    open_ns, close_ns = bounds
    w = config.bucket_ns
    events = [r["last_event"] for r in rows if r["last_event"] is not None]
    if not events:
        return 0, 0, 0, None
    t1 = _grid_end(open_ns, close_ns, w, max(events))
    if until_ns is not None:
        t1 = min(t1, open_ns + (int(until_ns) - open_ns) // w * w)
    for r in rows:
        if r["last_stored"] is not None and (r["last_stored"] - open_ns) % w:
            raise FeatureError(MSG_GRID.format(sym=r["sym"], w=w))
    with_data = [r for r in rows if r["last_event"] is not None]
    last = min(r["last_stored"] if r["last_stored"] is not None else
               data_start(open_ns, close_ns, w, r.get("first_event")) for r in with_data)
    emit_after = max(last, since, open_ns)
    if t1 <= emit_after:
        return 0, 0, 0, None
    ref = config.ref_sym if config.ref_sym is not None else min(r["sym"] for r in with_data)
    if _step_ok(config, rows, open_ns, emit_after, t1):
        tbl = _only(market_step(store, config, t1=t1, open_ns=open_ns, ref_sym=ref), only)
        return (store_rows(store, tbl) if tbl.num_rows else 0), 1, 1, t1
    chunk = max(config.lookback_buckets * 2, config.max_grid_rows // max(len(rows), 1)) * w
    written = queries = 0
    start = emit_after
    while start < t1:
        end = min(t1, start + chunk)
        k_back = (start - open_ns) // w - config.lookback_buckets
        t0 = open_ns + max(0, k_back) * w
        tbl = _only(market_state(store, config, t0=t0, t1=end, emit_after=start, ref_sym=ref),
                    only)
        queries += 1
        if tbl.num_rows:
            written += store_rows(store, tbl)
        start = end
    return written, queries, 0, t1


LONG_SESSION_NS = 12 * 3600 * 10**9


def data_start(open_ns: int, close_ns: int, w: int, first_event: int | None) -> int:
    """Where a symbol's rows start in a session that holds none of them yet: the open, or in a
    long session (over 12 h: 24/7, futures) the bucket end before its first event, so a tape
    that begins at 23:45 gets 15 minutes of buckets, not a day of empty ones. The buckets
    before a symbol's first event hold no events, so starting there changes no value."""
    if first_event is None or close_ns - open_ns <= LONG_SESSION_NS or first_event <= open_ns:
        return open_ns
    return open_ns + (int(first_event) - open_ns) // w * w


def _only(tbl: pa.Table, syms: frozenset[str] | None) -> pa.Table:
    if syms is None or tbl.num_rows == 0:
        return tbl
    return tbl.filter(pa.compute.is_in(tbl.column("sym"), value_set=pa.array(sorted(syms))))


def _step_ok(config: FeatureConfig, rows: list[dict], open_ns: int, emit_after: int,
             t1: int) -> bool:
    """One new bucket, every symbol stored through the one before, a full minute stored."""
    w = config.bucket_ns
    return (
        t1 - emit_after == w
        and (emit_after - open_ns) // w > config.lookback_buckets
        and all(r["last_stored"] == emit_after and r["first_stored"] is not None
                and r["first_stored"] <= t1 - config.n1m * w for r in rows)
    )


def store_rows(store: Store, tbl: pa.Table) -> int:
    """Append market-state rows: feature columns to ``features``, running state to
    ``features_state`` (same ts, sym). Returns the rows added."""
    feats = tbl.drop_columns([c for c in STATE_COLUMNS if c != "ret_1s"])
    state = tbl.select(["ts", "sym", *STATE_COLUMNS])
    n = store.ingest("features", feats, session=None)
    store.ingest("features_state", state, session=None)
    return n


def _grid_end(open_ns: int, close_ns: int, w: int, last_event: int) -> int:
    """Last complete bucket end: the close if an event is in the final bucket, else the
    last bucket end at or before the latest event."""
    if last_event >= close_ns - w:
        return close_ns
    return open_ns + (last_event - open_ns) // w * w


def day_of(ts_ns: int) -> dt.date:
    """UTC calendar date of a UTC ns timestamp."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(ts_ns) // NS_PER_DAY)
