"""Configuration of the market + OMS simulator: one frozen, keyword-only dataclass.

``SimConfig`` rejects unknown fields and invalid values with ``SimConfigError`` (a
``ValueError``) at construction and round-trips through a plain dict (TOML/JSON-safe:
``session_date`` becomes an ISO string, ``symbols`` a list).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from sim.errors import MSG_BAD_VALUE, MSG_UNKNOWN_FIELDS, SimConfigError

SCENARIOS: tuple[str, ...] = ("normal", "volatile", "liquidity_withdrawal", "flash_crash",
                               "liquidity_vacuum", "grind", "news_jump")
SESSION_MINUTES = 390.0  # 09:30-16:00 New York
DAY_MINUTES = 1440.0  # the longest session of the 24/7 mode (``open_utc_s`` set)


def _bad(name: str, value: Any, why: str) -> SimConfigError:
    return SimConfigError(MSG_BAD_VALUE.format(name=name, value=value, why=why))


@dataclasses.dataclass(frozen=True, kw_only=True)
class SimConfig:
    """Everything that determines a simulated session; same config => bit-identical tables.

    Rates are per second of simulated time at the midday baseline (before the intraday
    U-shape, the latent volatility state and the regime multiply them); sizes are in lots;
    prices in currency units; durations carry their unit in the field name.
    """

    scenario: str = "normal"
    n_symbols: int = 1
    minutes: float = SESSION_MINUTES  # simulated from the open; 390 = full day (24/7: 1440)
    seed: int = 0
    session_date: dt.date = dt.date(2026, 6, 22)
    # 24/7 mode: the session opens this many seconds after UTC midnight of session_date, on
    # any day of the week (a crypto tape may cross midnight and weekends); None = 09:30 New
    # York on a weekday
    open_utc_s: float | None = None
    symbols: tuple[str, ...] | None = None  # default SIM00, SIM01, ...
    fat_finger_rate: float = 1.0 / 2000.0  # probability that an OMS order is erroneous
    snapshot_interval_ns: int = 100_000_000  # L2 book snapshot period
    stress_symbol: int = 0  # index of the symbol that gets the scenario's regime
    onset_minute: float | None = None  # stress onset; None = 60 % through the session
    stress_minutes: float = 15.0  # window length for volatile / liquidity_withdrawal
    # --- price grid ---
    tick_size: float = 0.01
    price_min: float = 20.0  # opening prices are log-uniform in [price_min, price_max]
    price_max: float = 80.0
    stress_open_price: float = 40.0  # the stress symbol opens here (crash calibrated at 40)
    # --- zero-intelligence order flow (midday baseline) ---
    limit_rate: float = 5.0  # limit submissions per second per side
    market_rate: float = 0.8  # market orders per second per side
    cancel_rate: float = 0.07  # cancel hazard per resting lot per second
    place_scale_ticks: float = 3.0  # mean distance (ticks) of a limit price from the far touch
    limit_size_median: float = 4.0  # lots, lognormal
    market_size_median: float = 5.0  # lots, lognormal
    size_sigma: float = 0.8  # lognormal shape of both size laws
    refill_lots: float = 150.0  # a side thinner than this (lots) gets extra limit inflow
    refill_boost: float = 4.0  # max extra limit inflow multiple on an empty side
    # --- latent state ---
    vol_of_vol: float = 0.4  # stationary sd of the log-activity factor
    vol_half_life_s: float = 300.0  # half-life of the log-activity factor
    common_vol_share: float = 0.5  # share of the log-activity variance common to all symbols
    flow_imbalance: float = 0.25  # max shift of P(market buy) away from 0.5
    flow_half_life_s: float = 60.0  # half-life of the order-flow imbalance factor
    common_flow_share: float = 0.5  # share of the imbalance variance common to all symbols
    # --- intraday U-shape: 1 + open_amp*exp(-t/tau) + close_amp*exp(-(390-t)/tau) ---
    u_open_amp: float = 3.0
    u_close_amp: float = 3.0
    u_tau_minutes: float = 20.0
    # --- OMS flow of the firm ---
    oms_orders_per_min: float = 15.0  # per symbol, midday baseline
    oms_size_median: float | None = None  # rescale the traders' size laws to this median
    oms_clip_share: float = 0.0  # share of orders from an algo sending identical clips
    oms_block_share: float = 0.0  # share of orders that are blocks (20x the trader median)
    burn_in_s: float = 120.0  # book warm-up before the open (not recorded)

    def __post_init__(self) -> None:  # noqa: C901 - a flat list of checks
        if self.scenario not in SCENARIOS:
            raise _bad("scenario", self.scenario, f"must be one of {SCENARIOS}")
        for name in ("n_symbols", "seed", "snapshot_interval_ns", "stress_symbol"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise _bad(name, v, "must be an int")
        if not 1 <= self.n_symbols <= 500:
            raise _bad("n_symbols", self.n_symbols, "must be in [1, 500]")
        if not 0 <= self.seed < 2**63:
            raise _bad("seed", self.seed, "must be in [0, 2**63)")
        if not 0 <= self.stress_symbol < self.n_symbols:
            raise _bad("stress_symbol", self.stress_symbol, "must index a symbol")
        if not 1_000_000 <= self.snapshot_interval_ns <= 60_000_000_000:
            raise _bad("snapshot_interval_ns", self.snapshot_interval_ns, "must be 1 ms..60 s")
        if not isinstance(self.session_date, dt.date) or isinstance(
            self.session_date, dt.datetime
        ):
            raise _bad("session_date", self.session_date, "must be a datetime.date")
        if self.session_date.weekday() >= 5 and self.open_utc_s is None:
            raise _bad("session_date", self.session_date, "must be a weekday (or set open_utc_s)")
        if self.open_utc_s is not None and not 0.0 <= self.open_utc_s < 86_400.0:
            raise _bad("open_utc_s", self.open_utc_s, "must be in [0, 86400) seconds")
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.type in ("float", "float | None") and v is not None:
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise _bad(f.name, v, "must be a finite number")
        longest = SESSION_MINUTES if self.open_utc_s is None else DAY_MINUTES
        if not 0.0 < self.minutes <= longest:
            raise _bad("minutes", self.minutes, f"must be in (0, {longest:g}]"
                       + ("" if self.open_utc_s is not None else " (1440 with open_utc_s)"))
        if self.oms_size_median is not None and not 1.0 <= self.oms_size_median <= 10_000:
            raise _bad("oms_size_median", self.oms_size_median, "must be in [1, 10000] lots")
        for name in ("oms_clip_share", "oms_block_share"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise _bad(name, getattr(self, name), "must be in [0, 0.5]")
        if not 0.0 <= self.fat_finger_rate <= 0.5:
            raise _bad("fat_finger_rate", self.fat_finger_rate, "must be in [0, 0.5]")
        if self.onset_minute is not None and not 0.0 <= self.onset_minute < self.minutes:
            raise _bad("onset_minute", self.onset_minute, "must be in [0, minutes)")
        positive = (
            "stress_minutes tick_size price_min price_max stress_open_price limit_rate "
            "market_rate cancel_rate "
            "refill_lots place_scale_ticks limit_size_median market_size_median size_sigma "
            "vol_half_life_s flow_half_life_s u_tau_minutes"
        ).split()
        for name in positive:
            if not getattr(self, name) > 0:
                raise _bad(name, getattr(self, name), "must be > 0")
        non_negative = "refill_boost vol_of_vol oms_orders_per_min burn_in_s u_open_amp u_close_amp"
        for name in non_negative.split():
            if not getattr(self, name) >= 0:
                raise _bad(name, getattr(self, name), "must be >= 0")
        for name in ("common_vol_share", "common_flow_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise _bad(name, getattr(self, name), "must be in [0, 1]")
        if not 0.0 <= self.flow_imbalance < 0.5:
            raise _bad("flow_imbalance", self.flow_imbalance, "must be in [0, 0.5)")
        if self.price_max < self.price_min:
            raise _bad("price_max", self.price_max, "must be >= price_min")
        if self.price_min / self.tick_size < 200:
            raise _bad("price_min", self.price_min, "must be >= 200 ticks")
        if self.stress_open_price / self.tick_size < 200:
            raise _bad("stress_open_price", self.stress_open_price, "must be >= 200 ticks")
        if self.price_max / self.tick_size > 1_000_000:
            raise _bad("price_max", self.price_max, "must be <= 1e6 ticks")
        if self.symbols is not None:
            if not isinstance(self.symbols, tuple) or not all(
                isinstance(s, str) and s for s in self.symbols
            ):
                raise _bad("symbols", self.symbols, "must be a tuple of non-empty strings")
            if len(self.symbols) != self.n_symbols or len(set(self.symbols)) != self.n_symbols:
                raise _bad("symbols", self.symbols, "must hold n_symbols distinct names")

    @property
    def onset_min(self) -> float:
        """Stress onset in minutes after the open (resolves the ``None`` default)."""
        return 0.6 * self.minutes if self.onset_minute is None else float(self.onset_minute)

    @property
    def symbol_names(self) -> tuple[str, ...]:
        """Symbol names, index-aligned with ``stress_symbol``."""
        if self.symbols is not None:
            return self.symbols
        return tuple(f"SIM{i:02d}" for i in range(self.n_symbols))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (TOML/JSON-safe) that ``from_dict`` turns back into an equal config."""
        out = dataclasses.asdict(self)
        out["session_date"] = self.session_date.isoformat()
        if self.symbols is None:
            del out["symbols"]
        else:
            out["symbols"] = list(self.symbols)
        if self.onset_minute is None:
            del out["onset_minute"]
        if self.oms_size_median is None:
            del out["oms_size_median"]
        if self.open_utc_s is None:
            del out["open_utc_s"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimConfig:
        """Build from a plain dict; unknown keys raise ``SimConfigError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SimConfigError(MSG_UNKNOWN_FIELDS.format(names=", ".join(unknown)))
        kw = dict(data)
        if isinstance(kw.get("session_date"), str):
            try:
                kw["session_date"] = dt.date.fromisoformat(kw["session_date"])
            except ValueError as exc:
                raise _bad("session_date", kw["session_date"], "not an ISO date") from exc
        if isinstance(kw.get("symbols"), list):
            kw["symbols"] = tuple(kw["symbols"])
        for name in ("minutes",):
            if isinstance(kw.get(name), int) and not isinstance(kw.get(name), bool):
                kw[name] = float(kw[name])
        return cls(**kw)
