"""Store configuration: connection strings and the trading-session calendar.

A connection string reads ``<backend>::key=value;key=value`` in the manner of the QuestDB
client's ``Sender.from_conf``: ``duckdb::path=data/adaptrisk.duckdb``,
``questdb::addr=HOST:9000;pg=HOST:8812``, ``kdb::host=HOST;port=5001``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from tsdb.errors import StoreError, StoreErrorCode

BACKENDS = ("duckdb", "questdb", "kdb")
NS_PER_DAY = 86_400_000_000_000
# "No bound" for a UTC ns time range (since/until): ~146 years either side of 1970, far
# enough from int64's ends (~292 years) that adding a duration to it cannot overflow.
UNBOUNDED_NS = 2**62


def parse_conf(conf: str) -> tuple[str, dict[str, str]]:
    """Split ``"backend::k=v;k=v"`` into ``(backend, {k: v})``; raise StoreError(BAD_CONF)."""
    if "::" not in conf:
        raise StoreError(
            StoreErrorCode.BAD_CONF,
            f"connection string {conf!r} must read '<backend>::key=value;...' with backend in {BACKENDS}",
        )
    backend, _, rest = conf.partition("::")
    backend = backend.strip().lower()
    if backend not in BACKENDS:
        raise StoreError(StoreErrorCode.BAD_CONF, f"unknown backend {backend!r}; expected one of {BACKENDS}")
    params: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(";"))):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise StoreError(StoreErrorCode.BAD_CONF, f"bad key=value pair {part!r} in {conf!r}")
        if key.strip() in params:
            raise StoreError(StoreErrorCode.BAD_CONF, f"key {key.strip()!r} given twice in {conf!r}")
        params[key.strip()] = value.strip()
    return backend, params


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Session:
    """Fixed local trading hours on listed weekdays: the default (09:30-16:00 New York,
    Monday to Friday, no holidays) and the small config for custom sessions.

    A row's UTC timestamp is inside the session labelled ``day`` (a weekday in ``days``,
    0 = Monday) when it falls in ``[open, close]`` local time. ``open > close`` is an
    overnight session that opens the day before its label (CME-style: 17:00-16:00 Chicago,
    days Monday-Friday, opens Sunday 17:00). ``None`` in an ingest call disables the check.
    Maintained calendars with holidays are in ``tsdb.calendars``.
    """

    tz: str = "America/New_York"
    open: dt.time = dt.time(9, 30)
    close: dt.time = dt.time(16, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # raises on an unknown zone
        if self.open == self.close:
            raise ValueError(f"session open {self.open} must differ from close {self.close}")
        if not self.days or any(d not in range(7) for d in self.days):
            raise ValueError(f"session days {self.days} must be weekdays 0 (Monday)..6")

    @property
    def name(self) -> str:
        return "nyse-hours" if self == Session() else "custom"

    def bounds_ns(self, day: dt.date) -> tuple[int, int] | None:
        """UTC ns of the open and close of the session labelled ``day``, or None when the
        label is not one of ``days``."""
        if day.weekday() not in self.days:
            return None
        zone = ZoneInfo(self.tz)
        first = day - dt.timedelta(days=1) if self.open > self.close else day
        o = dt.datetime.combine(first, self.open, tzinfo=zone)
        c = dt.datetime.combine(day, self.close, tzinfo=zone)
        return _to_ns(o), _to_ns(c)

    def describe(self) -> str:
        days = "weekdays" if self.days == (0, 1, 2, 3, 4) else f"days {list(self.days)}"
        night = ", opening the day before" if self.open > self.close else ""
        return f"{self.open}-{self.close} {self.tz}, {days}{night}"

    def to_dict(self) -> dict:
        d: dict = {"tz": self.tz, "open": self.open.isoformat(), "close": self.close.isoformat()}
        if self.days != (0, 1, 2, 3, 4):
            d["days"] = list(self.days)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Session:
        unknown = set(d) - {"tz", "open", "close", "days"}
        if unknown:
            raise ValueError(f"unknown session fields {sorted(unknown)}")
        kw: dict = {}
        if "tz" in d:
            kw["tz"] = d["tz"]
        for k in ("open", "close"):
            if k in d:
                kw[k] = dt.time.fromisoformat(d[k])
        if "days" in d:
            kw["days"] = tuple(int(x) for x in d["days"])
        return cls(**kw)


def _to_ns(t: dt.datetime) -> int:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    delta = t - epoch
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


DEFAULT_SESSION = Session()
