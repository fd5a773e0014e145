"""The enforcer's background thread: poll the limits every interval (or at once when the
feed is woken), flush queued decisions every few polls, survive anything."""

from __future__ import annotations

import threading
from collections.abc import Callable

from enforcer.feed import LimitsFeed


class PollLoop:
    """Calls `poll()` every `poll_s` seconds, or sooner when `feed.wake()` is called or a
    symbol's limits in force expire before then (`LimitsFeed.wait_s`), and
    `flush()` every `flush_every` polls; an exception becomes an alert, never the end of
    the loop. `start` is idempotent; `stop` wakes the thread and joins it."""

    def __init__(self, *, poll: Callable[[], None], flush: Callable[[], int],
                 feed: LimitsFeed, alert: Callable[[str, str], None], poll_s: float,
                 flush_every: int) -> None:
        self._poll, self._flush, self._feed, self._alert = poll, flush, feed, alert
        self._poll_s, self._flush_every = poll_s, max(1, flush_every)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="enforcer-poll", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            try:
                self._poll()
                i += 1
                if i % self._flush_every == 0:
                    self._flush()
            except Exception as e:  # the loop must survive anything
                self._alert("poll_loop_error", repr(e))
            # the interval, or less when someone wakes it or limits in force expire sooner
            self._feed.wait(self._feed.wait_s(self._poll_s))

    def stop(self) -> None:
        self._stop.set()
        self._feed.wake()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
