"""Execution advice for the front ends: the newest ``exec_advice`` row per symbol, read from
the store by a small poller (the impact model runs elsewhere; nothing here calls it).

    board = AdviceBoard(store)     # store: any tsdb Store
    board.get("SIM00")             # dict of the row in force, or None; polls at most
                                   # every min_interval_s of the injected clock
    board.fix_fields("SIM00")      # the same row as FIX (tag, value) pairs 8014-8017 for
                                   # an accepted order's ack: a dict lookup, never a query
    board.start(); board.stop()    # a thread polling every min_interval_s (FIX-only
                                   # daemons: the order path itself never polls)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from enforcer.fix import codec as C
from tsdb.config import UNBOUNDED_NS
from tsdb.errors import StoreError

NO_WATERMARK = -UNBOUNDED_NS
FIELDS = ("ts_ns", "sym", "algo", "participation_cap", "clip_qty", "impact_max_qty",
          "budget_bps", "parent_qty", "predicted_cost_bps", "model_version")


def fix_pairs(row: dict) -> tuple[tuple[int, object], ...]:
    """An exec_advice row -> the FIX fields an accepted order's ack carries:
    8014 algo, 8015 participation cap (fraction), 8016 clip qty, 8017 impact max qty (venue
    units, as the table holds them: whole values as ints, 0.05 BTC as 0.05)."""
    return ((C.ADVISED_ALGO, str(row["algo"])),
            (C.ADVISED_PARTICIPATION, float(row["participation_cap"])),
            (C.ADVISED_CLIP_QTY, _venue_qty(row["clip_qty"])),
            (C.IMPACT_MAX_QTY, _venue_qty(row["impact_max_qty"])))


def _venue_qty(v) -> int | float:
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2.0**53 else v


class AdviceBoard:
    """Newest advice per symbol; ``poll`` merges rows newer than the last seen."""

    def __init__(self, store, *, min_interval_s: float = 1.0,
                 clock: Callable[[], int] = time.time_ns) -> None:
        self._store = store
        self._min_ns = int(min_interval_s * 1e9)
        self._clock = clock
        self._rows: dict[str, dict] = {}
        self._fix: dict[str, tuple] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
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
                    self._fix[row["sym"]] = fix_pairs(row)
                    n += 1
                self._seen = max(self._seen, int(row["ts_ns"]))
            return n

    def get(self, sym: str) -> dict | None:
        """The advice in force for ``sym`` (polling first when the last poll is older than
        ``min_interval_s``), or None."""
        if self._polled is None or self._clock() - self._polled >= self._min_ns:
            self.poll()
        return self._rows.get(sym)

    def fix_fields(self, sym: str) -> tuple[tuple[int, object], ...]:
        """The advice in force for ``sym`` as FIX pairs (``fix_pairs``), () when none. Never
        polls: the order path reads what the last poll left (one dict lookup)."""
        return self._fix.get(sym, ())

    def start(self) -> None:
        """Poll every ``min_interval_s`` (wall time) on a daemon thread until ``stop``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="advice-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            self.poll()
            if self._stop.wait(self._min_ns / 1e9):
                return
