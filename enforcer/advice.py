"""Execution advice for the front ends: the newest ``exec_advice`` row per symbol, read from
the store by a small poller (the impact model runs elsewhere; nothing here calls it).

    board = AdviceBoard(store)     # store: any tsdb Store
    board.get("SIM00")             # dict of the row in force, or None; polls at most
                                   # every min_interval_s of the injected clock
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tsdb.errors import StoreError

NO_WATERMARK = -(2**62)
FIELDS = ("ts_ns", "sym", "algo", "participation_cap", "clip_qty", "impact_max_qty",
          "budget_bps", "parent_qty", "predicted_cost_bps", "model_version")


class AdviceBoard:
    """Newest advice per symbol; ``poll`` merges rows newer than the last seen."""

    def __init__(self, store, *, min_interval_s: float = 1.0,
                 clock: Callable[[], int] = time.time_ns) -> None:
        self._store = store
        self._min_ns = int(min_interval_s * 1e9)
        self._clock = clock
        self._rows: dict[str, dict] = {}
        self._seen = NO_WATERMARK
        self._polled: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int:
        """Read rows newer than the watermark; returns how many symbols changed (0 on a
        backend without the table: there is simply no advice)."""
        with self._lock:
            self._polled = self._clock()
            try:
                t = self._store.query_file("queries/latest_exec_advice.sql", [self._seen])
            except (StoreError, OSError):
                return 0
            n = 0
            for row in t.to_pylist():
                old = self._rows.get(row["sym"])
                if old is None or row["ts_ns"] >= old["ts_ns"]:
                    self._rows[row["sym"]] = {k: row[k] for k in FIELDS}
                    n += 1
                self._seen = max(self._seen, int(row["ts_ns"]))
            return n

    def get(self, sym: str) -> dict | None:
        """The advice in force for ``sym`` (polling first when the last poll is older than
        ``min_interval_s``), or None."""
        if self._polled is None or self._clock() - self._polled >= self._min_ns:
            self.poll()
        return self._rows.get(sym)
