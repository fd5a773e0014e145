"""Instruments: per symbol, the trading calendar it follows, its lot size and tick size.

An ``Instruments`` table is what a store, an ingest and a feature build take as their
``session``: each symbol is checked and bucketed on its own calendar (``calendar_for``),
symbols not listed on ``default``. It is read from TOML (or JSON)::

    default_calendar = "XNYS"             # names: tsdb.calendars.CALENDAR_NAMES
    [[instrument]]
    sym = "BTCUSD"
    calendar = "24/7"
    lot_size = 0.00000001                  # smallest quantity step, in units of the asset
    tick_size = 0.01                       # smallest price step, currency units
    [[instrument]]
    sym = "ES"
    calendar = { tz = "America/Chicago", open = "17:00", close = "16:00" }
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import tomllib
from collections.abc import Iterable
from typing import Any

from tsdb.calendars import calendar
from tsdb.config import DEFAULT_SESSION


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Instrument:
    """One symbol: its calendar (name or custom session dict), lot size and tick size."""

    sym: str
    calendar: str | dict = "nyse-hours"
    lot_size: float = 1.0
    tick_size: float = 0.01

    def __post_init__(self) -> None:
        if not self.sym:
            raise ValueError("instrument needs a sym")
        if not self.lot_size > 0 or not self.tick_size > 0:
            raise ValueError(f"{self.sym}: lot_size and tick_size must be > 0")

    def __hash__(self) -> int:
        return hash((self.sym, json.dumps(self.calendar, sort_keys=True), self.lot_size,
                     self.tick_size))


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Instruments:
    """Symbols -> calendars. ``default`` serves every symbol not in ``instruments``."""

    default: Any = DEFAULT_SESSION
    instruments: tuple[Instrument, ...] = ()
    _by_sym: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        seen: dict[str, Any] = {}
        for ins in self.instruments:
            if ins.sym in seen:
                raise ValueError(f"instrument {ins.sym!r} listed twice")
            seen[ins.sym] = calendar(ins.calendar)
        self._by_sym.update(seen)

    # Where one calendar is needed (order features' time of day, a live process), an
    # Instruments acts as its default calendar.
    @property
    def name(self) -> str:
        return self.default.name

    @property
    def tz(self) -> str:
        return self.default.tz

    @property
    def open(self) -> Any:
        return self.default.open

    @property
    def close(self) -> Any:
        return self.default.close

    def bounds_ns(self, day: Any) -> tuple[int, int] | None:
        return self.default.bounds_ns(day)

    def calendar_for(self, sym: str) -> Any:
        return self._by_sym.get(sym, self.default)

    def calendars(self) -> list[Any]:
        """Every distinct calendar, the default first."""
        out = [self.default]
        for c in self._by_sym.values():
            if c not in out:
                out.append(c)
        return out

    def groups(self, syms: Iterable[str]) -> dict[Any, list[str]]:
        """``syms`` grouped by calendar (each list sorted)."""
        out: dict[Any, list[str]] = {}
        for s in sorted(set(syms)):
            out.setdefault(self.calendar_for(s), []).append(s)
        return out

    def member(self, cal: Any, sym: str) -> bool:
        return self.calendar_for(sym) == cal

    def describe(self) -> str:
        listed = ", ".join(f"{s}: {c.name}" for s, c in self._by_sym.items())
        return f"default {self.default.name}" + (f"; {listed}" if listed else "")

    def to_dict(self) -> dict[str, Any]:
        d = self.default.to_dict()
        return {"default_calendar": d.get("calendar", d),
                "instrument": [dataclasses.asdict(i) for i in self.instruments]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Instruments:
        unknown = set(d) - {"default_calendar", "instrument"}
        if unknown:
            raise ValueError(f"unknown instruments fields {sorted(unknown)}")
        names = {f.name for f in dataclasses.fields(Instrument)}
        for r in d.get("instrument", []):
            extra = set(r) - names
            if extra or "sym" not in r:
                raise ValueError(f"instrument {r.get('sym', '?')!r}: unknown fields "
                                 f"{sorted(extra)}" if extra else "instrument without a sym")
        rows = tuple(Instrument(**r) for r in d.get("instrument", []))
        return cls(default=calendar(d.get("default_calendar")), instruments=rows)

    @classmethod
    def load(cls, path: str | pathlib.Path) -> Instruments:
        """From a TOML or JSON file (module docstring)."""
        p = pathlib.Path(path)
        text = p.read_text()
        d = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
        return cls.from_dict(d)


def resolve(session: Any, sym: str) -> Any:
    """The calendar of ``sym`` under ``session`` (a calendar, or ``Instruments``)."""
    return session.calendar_for(sym) if hasattr(session, "calendar_for") else session


def single(cal_or_instruments: Any) -> Instruments:
    """Any calendar as an ``Instruments`` with it as the default (already one: itself)."""
    if isinstance(cal_or_instruments, Instruments):
        return cal_or_instruments
    return Instruments(default=cal_or_instruments)
