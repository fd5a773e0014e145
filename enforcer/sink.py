"""Decisions on their way to the `decisions` table.

The order path queues one tuple per decision (under the engine's lock, a list append); the
poll thread's `flush` takes the queue and batch-appends it to the store in one ingest. A
failed append puts the rows back at the head of the queue (order kept), counts
`flush_errors` and raises an alert: the decision log on disk is the source of truth, the
table catches up at the next flush or, after a crash, from `recovery.recover`'s pending
rows (`extend`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from enforcer import recovery


class DecisionSink:
    """Queue of decision rows for `store` (None: nothing is queued). `lock` is the engine's
    (the order path holds it while queueing); `flush` takes its own lock besides, so two
    flushes never interleave their batches."""

    def __init__(self, store: Any | None, *, lock: Any, alert: Callable[[str, str], None],
                 counters: dict[str, int], lots: Any | None = None) -> None:
        self._store, self._lock, self._alert, self._counters = store, lock, alert, counters
        self._lots = lots  # the rows' qty goes to the table in venue units (enforcer.lots)
        self._flush_lock = threading.Lock()
        self._rows: list[tuple] = []

    def queue(self, d, kind: str, trader, strategy, sym, side, qty, price) -> None:
        """One decision row (`recovery.decisions_table`'s tuple); caller holds the lock."""
        if self._store is not None:
            self._rows.append((d, kind, trader, strategy, sym, side, qty, price))

    def extend(self, rows: Iterable[tuple]) -> None:
        """Rows rebuilt by recovery (decided before a restart, not yet in the table)."""
        self._rows.extend(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[tuple]:
        """A copy of the queued rows, oldest first."""
        with self._lock:
            return list(self._rows)

    def flush(self, log_id: str) -> int:
        """Batch-append the queued rows under `log_id`; returns rows written (0 on error:
        the rows stay queued and an alert is raised)."""
        if self._store is None:
            return 0
        with self._flush_lock:
            with self._lock:
                batch, self._rows = self._rows, []
            if not batch:
                return 0
            try:
                n = self._store.ingest("decisions", recovery.decisions_table(batch, log_id,
                                                                             self._lots))
            except Exception as e:
                with self._lock:
                    self._rows[:0] = batch
                self._counters["flush_errors"] += 1
                self._alert("flush_error", f"{type(e).__name__}: {e}")
                return 0
            self._counters["flushed"] += n
            return n
