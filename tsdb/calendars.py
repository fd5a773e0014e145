"""Trading calendars: when a venue trades, as sessions of UTC nanoseconds.

A calendar maps a *session label* (the exchange's trading date) to its open and close, UTC
ns, or None when it does not trade. A session may start on the calendar day before its label
(CME Globex: Sunday 17:00 Chicago opens Monday's session). Three kinds:

- :class:`tsdb.config.Session`: fixed local hours on listed weekdays (a small config for
  custom sessions; ``open > close`` means overnight, opening the day before the label).
- :class:`ExchangeCalendar`: a maintained calendar from ``exchange_calendars`` (``XNYS``:
  09:30-16:00 New York with holidays and half days), optionally with a daily close cap that
  puts back a break the library leaves out (``CME``: CMES holidays and early closes, every
  session closing by 16:00 Chicago, reopening 17:00).
- :class:`AlwaysOpen`: 24/7 (crypto); one session per UTC day, midnight to midnight.

``calendar(spec)`` builds one from a name or a dict; ``CALENDAR_NAMES`` lists the names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

import numpy as np

from tsdb.config import NS_PER_DAY, Session, _to_ns

EPOCH = dt.date(1970, 1, 1)
ALIASES = {"24/7": "24/7", "crypto": "24/7", "nyse-hours": "nyse-hours", "XNYS": "XNYS",
           "NYSE": "XNYS", "CME": "CME"}
CALENDAR_NAMES = ("nyse-hours", "XNYS", "CME", "24/7", "any exchange_calendars name",
                  "{tz, open, close, days}")


def label_of(day_num: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day_num))


def sessions(cal: Any, lo_ns: int, hi_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """(opens, closes) UTC ns, int64, sorted, of ``cal``'s sessions that overlap [lo, hi].
    Works for any calendar with ``bounds_ns(label)``; sessions reach at most a day either
    side of their label."""
    opens, closes = [], []
    for d in range(int(lo_ns) // NS_PER_DAY - 1, int(hi_ns) // NS_PER_DAY + 2):
        b = cal.bounds_ns(label_of(d))
        if b is not None and b[1] >= lo_ns and b[0] <= hi_ns:
            opens.append(b[0])
            closes.append(b[1])
    return np.array(opens, np.int64), np.array(closes, np.int64)


def inside(cal: Any, ts: np.ndarray) -> np.ndarray:
    """Mask of UTC ns timestamps that fall in one of ``cal``'s sessions, open and close
    included. Vectorised: one binary search over the batch's sessions."""
    if isinstance(cal, AlwaysOpen) or ts.size == 0:
        return np.ones(ts.shape, bool)
    opens, closes = sessions(cal, int(ts.min()), int(ts.max()))
    if opens.size == 0:
        return np.zeros(ts.shape, bool)
    if opens.size == 1:  # the usual batch: one session, no per-row search
        return (ts >= opens[0]) & (ts <= closes[0])
    i = np.searchsorted(opens, ts, side="right") - 1
    return (i >= 0) & (ts <= closes[np.maximum(i, 0)])


def labels_for_days(cal: Any, day_nums: list[int]) -> list[dt.date]:
    """Session labels whose sessions overlap any of the UTC days ``day_nums`` (days since
    the epoch), oldest first: the sessions a feature build has to visit."""
    out: set[dt.date] = set()
    for d in day_nums:
        lo, hi = int(d) * NS_PER_DAY, (int(d) + 1) * NS_PER_DAY - 1
        for k in (d - 1, d, d + 1):
            b = cal.bounds_ns(label_of(k))
            if b is not None and b[1] > lo and b[0] <= hi:  # a close at midnight: day before
                out.add(label_of(k))
    return sorted(out)


def session_of(cal: Any, ts_ns: int) -> tuple[int, int] | None:
    """Bounds of the session holding ``ts_ns`` (the later one when a close equals the next
    open), or None between sessions."""
    found = None
    for k in (-1, 0, 1):
        b = cal.bounds_ns(label_of(int(ts_ns) // NS_PER_DAY + k))
        if b is not None and b[0] <= ts_ns <= b[1]:
            found = b
    return found


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class AlwaysOpen:
    """24/7: every UTC day is a session from midnight to the next midnight."""

    name: str = "24/7"
    tz: str = "UTC"
    open: dt.time = dt.time(0, 0)
    close: dt.time = dt.time(0, 0)

    def bounds_ns(self, day: dt.date) -> tuple[int, int]:
        d = (day - EPOCH).days
        return d * NS_PER_DAY, (d + 1) * NS_PER_DAY

    def describe(self) -> str:
        return "24/7, sessions midnight to midnight UTC"

    def to_dict(self) -> dict[str, str]:
        return {"calendar": self.name}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ExchangeCalendar:
    """A calendar of ``exchange_calendars`` by its name (``XNYS``, ``CMES``, ``XLON``, ...).

    ``close_cap``: a local time every session closes by (``dt.time(16)`` for CME Globex's
    daily 16:00-17:00 Chicago break, which the library's CMES calendar leaves out);
    ``alias``: the name it was asked for. Sessions cover the library's range (about 2006 to
    a year ahead); a timestamp outside it is outside the session.
    """

    source: str
    close_cap: dt.time | None = None
    alias: str = ""

    @property
    def name(self) -> str:
        return self.alias or self.source

    @property
    def tz(self) -> str:
        return str(_xcal(self.source).tz)

    @property
    def open(self) -> dt.time:
        return _xcal(self.source).open_times[-1][1]

    @property
    def close(self) -> dt.time:
        return self.close_cap or _xcal(self.source).close_times[-1][1]

    def bounds_ns(self, day: dt.date) -> tuple[int, int] | None:
        labels, opens, closes = _schedule(self.source, self.close_cap)
        d = (day - EPOCH).days
        i = int(np.searchsorted(labels, d))
        if i >= labels.size or labels[i] != d:
            return None
        return int(opens[i]), int(closes[i])

    def describe(self) -> str:
        labels, _, _ = _schedule(self.source, self.close_cap)
        cap = f", closing by {self.close_cap.isoformat('minutes')}" if self.close_cap else ""
        return (f"{self.name}: exchange_calendars {self.source} {self.open.isoformat('minutes')}"
                f"-{self.close.isoformat('minutes')} {self.tz}{cap}, holidays and early closes, "
                f"{label_of(labels[0])}..{label_of(labels[-1])}")

    def to_dict(self) -> dict[str, str]:
        return {"calendar": self.name}


@functools.cache
def _xcal(name: str):
    import exchange_calendars as xc

    return xc.get_calendar(name)


@functools.cache
def _schedule(name: str, close_cap: dt.time | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels as days since epoch, opens, closes UTC ns) of a library calendar."""
    cal = _xcal(name)
    s = cal.schedule
    labels = (s.index.values.astype("datetime64[D]").astype(np.int64))
    opens = s["open"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    closes = s["close"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    if close_cap is not None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(str(cal.tz))
        cap = np.array([_to_ns(dt.datetime.combine(label_of(d), close_cap, tzinfo=zone))
                        for d in labels], np.int64)
        closes = np.minimum(closes, cap)
    return labels, opens, closes


def calendar(spec: str | dict[str, Any] | None) -> Any:
    """A calendar from a name (``CALENDAR_NAMES``) or a custom session dict
    ``{tz, open, close, days}`` (``tsdb.config.Session``). None -> the default session."""
    from tsdb.config import DEFAULT_SESSION

    if spec is None or spec == "nyse-hours":
        return DEFAULT_SESSION
    if isinstance(spec, dict):
        if "calendar" in spec and len(spec) == 1:
            return calendar(spec["calendar"])
        return Session.from_dict(spec)
    name = ALIASES.get(spec, spec)
    if name == "24/7":
        return AlwaysOpen()
    if name == "CME":
        return ExchangeCalendar(source="CMES", close_cap=dt.time(16, 0), alias="CME")
    import exchange_calendars as xc

    if name not in xc.get_calendar_names():
        raise ValueError(f"unknown trading calendar {spec!r}; expected one of "
                         f"{', '.join(CALENDAR_NAMES)}")
    return ExchangeCalendar(source=name)
