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
    """The regular trading session used to reject market data stamped outside it.

    A row's UTC timestamp is inside the session when, on its exchange-local date (a weekday),
    it falls in ``[open, close]`` local time. ``None`` in an ingest call disables the check.
    """

    tz: str = "America/New_York"
    open: dt.time = dt.time(9, 30)
    close: dt.time = dt.time(16, 0)

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # raises on an unknown zone
        if not self.open < self.close:
            raise ValueError(f"session open {self.open} must be before close {self.close}")

    def bounds_ns(self, day: dt.date) -> tuple[int, int] | None:
        """UTC ns of the open and close on ``day``, or None on a weekend."""
        if day.weekday() >= 5:
            return None
        zone = ZoneInfo(self.tz)
        o = dt.datetime.combine(day, self.open, tzinfo=zone)
        c = dt.datetime.combine(day, self.close, tzinfo=zone)
        return _to_ns(o), _to_ns(c)

    def to_dict(self) -> dict[str, str]:
        return {"tz": self.tz, "open": self.open.isoformat(), "close": self.close.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Session:
        unknown = set(d) - {"tz", "open", "close"}
        if unknown:
            raise ValueError(f"unknown session fields {sorted(unknown)}")
        kw: dict = {}
        if "tz" in d:
            kw["tz"] = d["tz"]
        for k in ("open", "close"):
            if k in d:
                kw[k] = dt.time.fromisoformat(d[k])
        return cls(**kw)


def _to_ns(t: dt.datetime) -> int:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    delta = t - epoch
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


DEFAULT_SESSION = Session()
