"""What each store dialect is sent for a features build: query text (or q function) and args.

DuckDB runs ``sql/duckdb/features/*.sql`` with named parameters (``features.build``).
QuestDB runs ``sql/questdb/features/*.sql`` with positional ``$n`` (LONG UTC ns for times);
kdb+ calls the functions of ``sql/q/features_*.q`` over IPC with typed q atoms. The ``*_call``
functions are pure so tests pin them; ``build_server`` is the build for QuestDB and kdb+:
per session day it computes the market state from the open (a full, unseeded run) and
appends the buckets after the last one stored per symbol, so a second build adds nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.config import FeatureConfig
from tsdb.config import NS_PER_DAY

SERVER_DIALECTS = ("questdb", "q")


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One request: ``text`` is a query file (relative to ``sql/<dialect>/``) for SQL
    dialects or a q function name; ``args`` bind ``$1, $2, ...`` or the q arguments."""

    text: str
    args: list[Any] | dict[str, Any]


def _ts(ns: int):
    import pykx as kx

    return kx.TimestampAtom(np.datetime64(int(ns), "ns"))


def data_days_call(dialect: str, since_ns: int) -> Call:
    if dialect == "questdb":
        return Call("features/data_days.sql", [int(since_ns)])
    return Call(".ar.features.dataDays", [_ts(since_ns)])


def build_state_call(dialect: str, open_ns: int, close_ns: int) -> Call:
    if dialect == "questdb":
        return Call("features/build_state.sql", {"open": int(open_ns), "close": int(close_ns)})
    return Call(".ar.features.buildState", [_ts(open_ns), _ts(close_ns)])


def market_state_call(dialect: str, config: FeatureConfig, *, t0: int, t1: int,
                      ref_sym: str) -> Call:
    """Market state for buckets ending in ``(t0, t1]`` (t0 a session open)."""
    if dialect == "questdb":
        if config.bucket_ns != 100_000_000:
            raise ValueError("the QuestDB market-state query is written for 100 ms buckets "
                             "(SAMPLE BY takes no bind variable)")
        return Call("features/market_state.sql", [int(t0), int(t1), ref_sym])
    import pykx as kx

    return Call(".ar.features.marketState", [
        _ts(t0), _ts(t1), kx.TimespanAtom(np.timedelta64(config.bucket_ns, "ns")),
        kx.SymbolAtom(ref_sym)])


def order_features_call(dialect: str, config: FeatureConfig, *, since_ns: int,
                        until_ns: int) -> Call:
    """Order features for orders with ``since_ns < ts <= until_ns``. The q function takes one
    session open in UTC: the one of ``until_ns``'s day (of ``since_ns``'s when until is
    unbounded), so a range across a DST change needs one call per side of it."""
    if dialect == "questdb":
        from features.orders import order_params

        return Call("features/order_features.sql",
                    order_params(config, since_ns=since_ns, until_ns=until_ns))
    import pykx as kx

    ref = until_ns if until_ns < 2**62 else max(since_ns, 0)
    day = dt.date(1970, 1, 1) + dt.timedelta(days=int(ref) // NS_PER_DAY)
    return Call(".ar.features.orderFeatures", [
        _ts(since_ns), _ts(until_ns), kx.TimespanAtom(np.timedelta64(open_utc_ns(config, day), "ns")),
        kx.LongAtom(config.trader_history), kx.LongAtom(config.trader_min_history)])


def open_utc_ns(config: FeatureConfig, day: dt.date) -> int:
    """ns after UTC midnight of the session open on ``day`` (the last session day before, on
    a weekend or a holiday of the calendar; negative when the session opens the day before)."""
    for _ in range(14):
        if config.session.bounds_ns(day) is not None:
            break
        day -= dt.timedelta(days=1)
    open_ns = config.session.bounds_ns(day)[0]
    return open_ns - (day - dt.date(1970, 1, 1)).days * NS_PER_DAY


def run(store, call: Call) -> pa.Table:
    """Send ``call`` to ``store`` (a QuestDB or kdb+ store). The QuestDB order features come
    back with ``ts`` as a ns timestamp, like DuckDB's (the query sends LONG ns: PG wire
    carries microseconds)."""
    if store.dialect == "questdb":
        t = store.query_file(call.text, call.args)
        if call.text == "features/order_features.sql":
            i = t.column_names.index("ts")
            t = t.set_column(i, "ts", t.column(i).cast(pa.int64()).cast(pa.timestamp("ns")))
        return t
    return store.query(call.text, call.args)


def to_schema(tbl: pa.Table, schema: pa.Schema) -> pa.Table:
    """A server's result -> ``schema``: times from LONG ns or any timestamp unit to ns, NaN
    (QuestDB's and q's NULL double) -> NULL, other columns cast."""
    arrays = []
    for f in schema:
        col = tbl.column(f.name).combine_chunks()
        if pa.types.is_timestamp(f.type):
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.timestamp(col.type.unit))  # drop a time zone: UTC throughout
                col = col.cast(f.type)
            else:
                col = col.cast(pa.int64()).cast(f.type)
        elif pa.types.is_floating(f.type):
            col = col.cast(f.type)
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, f.type), col)
        else:
            col = col.cast(f.type)
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=schema)


def _ns_list(col: pa.ChunkedArray) -> list[int | None]:
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.timestamp("ns")).cast(pa.int64())
    return col.to_pylist()


def _origin(config: FeatureConfig, open_ns: int, after: dict[str, int],
            stored: dict[str, int | None]) -> int:
    """Grid origin of a server query: the open, or, when nothing of the session is stored yet
    (no seed rows needed), one look-back before the earliest symbol's first bucket (a long
    session's late start: ``features.build.data_start``); empty buckets change no value."""
    if any(v is not None for v in stored.values()):
        return open_ns
    w = config.bucket_ns
    k = (min(after.values()) - open_ns) // w - config.lookback_buckets
    return open_ns + max(0, k) * w


def _append_rows(store, tbl: pa.Table, schema: pa.Schema, open_ns: int, t1: int,
                 after: dict[str, int], only: list[str] | None = None) -> int:
    """Rows of a market-state result after each symbol's last stored bucket -> features
    (``only``: of these symbols)."""
    tbl = to_schema(tbl, schema)
    if only is not None:
        tbl = tbl.filter(pc.is_in(tbl.column("sym"), value_set=pa.array(only, pa.string())))
    ts = tbl.column("ts").cast(pa.int64()).to_numpy()
    keep = np.array([t > after.get(s, open_ns) and t <= t1
                     for t, s in zip(ts, tbl.column("sym").to_pylist(), strict=True)], bool)
    new = tbl.filter(pa.array(keep))
    if new.num_rows:
        store.ingest("features", new, session=None)
    return new.num_rows


def _step_ok_questdb(config: FeatureConfig, state: pa.Table, open_ns: int,
                     after: dict[str, int], t1: int) -> bool:
    """One new bucket for every symbol, each stored through the one before and back a full
    minute (``features.build._step_ok``): then ``market_step.sql`` gives the bucket from the
    events in it and the stored rows, instead of the day from the open."""
    from features.build import _step_ok

    rows = [{"last_stored": r["last_stored"], "first_stored": r.get("first_stored")}
            for r in state.to_pylist()]
    return _step_ok(config, rows, open_ns, min(after.values()), t1)


def _insert_questdb(store, call: Call, open_ns: int, t1: int, after: dict[str, int],
                    only: list[str] | None = None) -> int:
    """QuestDB: the market state goes into ``features`` by INSERT ... SELECT on the server
    (no rows over PG wire and back over ILP). Buckets at or before the earliest symbol's last
    stored one are cut; a later symbol's stored buckets are rewritten with the same values
    (``features`` dedups on (ts, sym)). ``only``: insert these symbols' rows. Returns the
    rows added (a count before and after)."""
    def stored() -> int:
        t = store.query_file("features/count_features.sql", [int(open_ns), int(t1)])
        return int(t.column(0)[0].as_py())

    before = stored()
    store.insert_query("features", call.text, call.args, after_ns=min(after.values()),
                       syms=only)
    # the running terms a single-bucket step reads back (r, ret_1s, ref_ret_1s), as DuckDB
    # stores them; the same query again, its other columns dropped
    store.insert_query("features_state", call.text, call.args, after_ns=min(after.values()),
                       syms=only)
    return stored() - before


def build_server(store, config: FeatureConfig, *, since_ns: int | None, until_ns: int | None):
    """``features.build.build`` for a QuestDB or kdb+ store: returns (rows per day, queries)."""
    since = -(2**62) if since_ns is None else int(since_ns)
    days = run(store, data_days_call(store.dialect, max(since, 0)))
    schema = store.table_schema("features")
    per_day: dict[str, int] = {}
    queries = 0
    from features.build import session_plan

    plan = session_plan(config, days.column(days.column_names[-1]).to_pylist())
    for day, (open_ns, close_ns), member in plan:
        state = run(store, build_state_call(store.dialect, open_ns, close_ns))
        if member is not None:
            state = state.filter(pa.array([member(s) for s in state.column("sym").to_pylist()],
                                          pa.bool_()))
        syms = state.column("sym").to_pylist()
        last_event = dict(zip(syms, _ns_list(state.column("last_event")), strict=True))
        stored = dict(zip(syms, _ns_list(state.column("last_stored")), strict=True))
        events = [v for v in last_event.values() if v is not None]
        if not events:
            continue
        from features.build import _grid_end

        t1 = _grid_end(open_ns, close_ns, config.bucket_ns, max(events))
        if until_ns is not None:
            t1 = min(t1, open_ns + (int(until_ns) - open_ns) // config.bucket_ns * config.bucket_ns)
        from features.build import data_start

        first = dict(zip(syms, _ns_list(state.column("first_event")), strict=True)) \
            if "first_event" in state.column_names else {}
        after = {s: max(stored[s] or data_start(open_ns, close_ns, config.bucket_ns,
                                                first.get(s)), since, open_ns) for s in syms}
        if t1 <= min(after.values()):
            continue
        ref = config.ref_sym if config.ref_sym is not None else min(syms)
        call = market_state_call(store.dialect, config, t0=_origin(config, open_ns, after,
                                                                    stored), t1=t1, ref_sym=ref)
        if store.dialect == "questdb" and _step_ok_questdb(config, state, open_ns, after, t1):
            from features.build import step_params

            call = Call("features/market_step.sql",
                        step_params(config, t1=t1, open_ns=open_ns, ref_sym=ref))
        queries += 1
        only = None if member is None else sorted(syms)
        if store.dialect == "questdb":
            n = _insert_questdb(store, call, open_ns, t1, after, only)
        else:
            n = _append_rows(store, run(store, call), schema, open_ns, t1, after, only)
        if n:
            per_day[day.isoformat()] = per_day.get(day.isoformat(), 0) + n
    return per_day, queries
