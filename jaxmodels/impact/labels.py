"""Building ``impact_labels``: the query ``impact/labels.sql`` run in the store, its rows
written back. Incremental: only orders after the newest stored label are added, so a rerun
writes nothing twice (on every backend, with or without dedup keys)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

FAR_FUTURE_NS = 2**62


def watermark(store) -> int | None:
    """UTC ns of the newest stored label, None when there is none."""
    t = store.query_file("impact/watermark.sql")
    v = t.column("ts_ns")[0].as_py() if t.num_rows else None  # QuestDB: no row when empty
    return None if v is None else int(v)


def label_table(store, since: int, until: int) -> pa.Table:
    """Rows of the label query for orders in (since, until], ``ts`` as timestamp[ns] on
    every backend (QuestDB answers LONG ns)."""
    t = store.query_file("impact/labels.sql", {"since": int(since), "until": int(until)})
    ts = t.column("ts")
    if not pa.types.is_timestamp(ts.type):
        ts = pa.array(np.asarray(ts.to_numpy(), np.int64)).view(pa.timestamp("ns"))
    return t.set_column(0, "ts", ts.cast(pa.timestamp("ns")))


def build(store, *, since: int | None = None, until: int | None = None) -> int:
    """Add the labels of orders in (max(since, newest label), until]; returns rows written."""
    last = watermark(store)
    lo = max(x for x in (since, last, -FAR_FUTURE_NS) if x is not None)
    t = label_table(store, lo, FAR_FUTURE_NS if until is None else until)
    return store.ingest("impact_labels", t, session=None) if t.num_rows else 0


def read(store, *, since: int = -FAR_FUTURE_NS, until: int = FAR_FUTURE_NS) -> pa.Table:
    """Stored labels in (since, until], sorted by time (``ts_ns`` int64 UTC ns)."""
    return store.query_file("impact/label_rows.sql", {"since": int(since), "until": int(until)})
