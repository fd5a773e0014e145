"""The FIX session day: when one trading day's sessions end and the next day's begin.

A session day ends at a wall-clock time in a time zone (`FixConfig.session_reset_time` and
`session_reset_zone`, by default 17:00 America/New_York, the usual US end of day); an
instant at or after that time belongs to the next day. At the roll the acceptor archives
each session's journal and starts its sequence numbers at 1, and the engine compacts its
order ledger to the orders still open (`FixAcceptor.roll_session_day`). Pure functions of
the clock: tests drive them with a fake one (STYLE.md 8).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from enforcer.errors import ConfigError


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ConfigError if there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(f"unknown time zone {name!r}") from e


def session_day(ts_ns: int, reset_time: dtime, zone_name: str) -> str:
    """The session day ('YYYY-MM-DD') the instant `ts_ns` (UTC ns) belongs to: the local
    date in `zone_name`, plus one day at or after `reset_time` (local wall clock)."""
    sec, ns = divmod(ts_ns, 1_000_000_000)
    local = datetime.fromtimestamp(sec, UTC).replace(microsecond=ns // 1000)
    local = local.astimezone(zone(zone_name))
    day = local.date()
    if local.time().replace(tzinfo=None) >= reset_time:
        day += timedelta(days=1)
    return day.isoformat()


def parse_time(v: object) -> dtime:
    """A reset time from config: a `datetime.time` (TOML `17:00:00`) or 'HH:MM[:SS]'."""
    if isinstance(v, dtime):
        return v
    if isinstance(v, str):
        try:
            return dtime.fromisoformat(v)
        except ValueError:
            pass
    raise ConfigError(f"session_reset_time must be a time like '17:00', got {v!r}")
