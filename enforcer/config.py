"""Enforcer configuration: `EnforcerConfig` (daemon) and `StaticLimits` (the static rule set).

Both are frozen, keyword-only dataclasses that reject unknown fields and round-trip to
TOML-able dicts (`to_dict` / `from_dict`). Durations are `timedelta`, rates are ints per
second; nothing is parsed from strings inside the engine.

The static rule set (a 15c3-5-style floor, `static_limits.toml`) is both the cap (a model
row is clipped so it never loosens past it) and the fallback (used alone whenever the
dynamic limits are stale or the store does not answer).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from enforcer.errors import ConfigError
from tsdb.validate import LIMIT_STATES

DEFAULT_STATIC_LIMITS = Path(__file__).with_name("static_limits.toml")
MODES = ("enforce", "shadow", "ab")
FSYNC_POLICIES = ("always", "interval", "never")
STATES = LIMIT_STATES  # risk_limits.state, defined once with the schema (tsdb.validate)


def _check_keys(cls: type, d: dict[str, Any]) -> None:
    allowed = {f.name for f in fields(cls)}
    unknown = set(d) - allowed
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")


def _td(v: Any, name: str) -> timedelta:
    if isinstance(v, timedelta):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        return timedelta(seconds=float(v))
    raise ConfigError(f"{name}: expected seconds (number) or timedelta, got {v!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EnforcerConfig:
    """Daemon settings.

    mode: 'enforce' (dynamic verdict enforced), 'shadow' (static verdict enforced, dynamic
        logged beside it) or 'ab' (a share `ab_share` of strategies, chosen by a blake2b
        hash of the strategy id, gets dynamic limits; the rest static).
    poll_interval: how often `poll()` runs in the background thread.
    staleness_bound: a symbol's dynamic limits stay in force while its newest
        publisher_heartbeat row was written less than this ago (wall clock) and the
        publisher was less than this behind the market; otherwise that symbol falls back
        to the static rule set (alert in `state()`). A store that does not answer drops
        every symbol to static at once.
    flush_interval: how often pending decisions are batch-appended to `decisions`.
    duplicate_window: an order equal (strategy, sym, side, qty, price) to an ACCEPTED one
        within this window is rejected DUPLICATE.
    breaker_rejects_per_s: global circuit breaker trips when this many rejects fall in
        one wall-clock second of order time (0 disables it).
    fat_finger_window / fat_finger_min_history: the trader's median qty is taken over
        their last `window` orders (refreshed every poll); below `min_history` orders the
        fat-finger rule is not applied to that trader.
    decision_log_path: the local append-only log (None: no log, tests/dry runs only).
    fsync: 'always' (fsync every record before submit returns), 'interval' (write(2)
        every record before submit returns, fsync once per poll), 'never' (write only).
    """

    mode: str = "enforce"
    ab_share: float = 0.5
    poll_interval: timedelta = timedelta(milliseconds=100)
    staleness_bound: timedelta = timedelta(seconds=5)
    flush_interval: timedelta = timedelta(milliseconds=200)
    duplicate_window: timedelta = timedelta(seconds=1)
    breaker_rejects_per_s: int = 1000
    fat_finger_window: int = 256
    fat_finger_min_history: int = 20
    decision_log_path: Path | None = None
    fsync: str = "interval"
    static_limits_path: Path = DEFAULT_STATIC_LIMITS

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.ab_share <= 1.0:
            raise ConfigError(f"ab_share must be in [0, 1], got {self.ab_share}")
        if self.fsync not in FSYNC_POLICIES:
            raise ConfigError(f"fsync must be one of {FSYNC_POLICIES}, got {self.fsync!r}")
        for name in ("poll_interval", "staleness_bound", "flush_interval", "duplicate_window"):
            v = getattr(self, name)
            if not isinstance(v, timedelta) or v <= timedelta(0):
                raise ConfigError(f"{name} must be a positive timedelta, got {v!r}")
        if self.fat_finger_window < 1 or self.fat_finger_min_history < 1:
            raise ConfigError("fat_finger_window and fat_finger_min_history must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        """TOML/JSON-able dict: durations in seconds (float), paths as str."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, timedelta):
                v = v.total_seconds()
            elif isinstance(v, Path):
                v = str(v)
            if v is not None:
                out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EnforcerConfig:
        _check_keys(cls, d)
        kw = dict(d)
        for name in ("poll_interval", "staleness_bound", "flush_interval", "duplicate_window"):
            if name in kw:
                kw[name] = _td(kw[name], name)
        for name in ("decision_log_path", "static_limits_path"):
            if kw.get(name) is not None:
                kw[name] = Path(kw[name])
        return cls(**kw)


@dataclass(frozen=True, slots=True, kw_only=True)
class SymLimits:
    """Per-symbol static limits. Units: lots, currency, bps, multiple of median qty.

    Field names are the risk_limits columns they cap (one name per concept)."""

    max_order_qty: int
    max_notional: float
    price_band_bps: float
    max_position: int
    fat_finger_threshold: float

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise ConfigError(f"{f.name} must be a finite number, got {v!r}")
            if v <= 0:
                raise ConfigError(f"{f.name} must be > 0, got {v!r}")


_SYM_FIELDS = ("max_order_qty", "max_notional", "price_band_bps", "max_position",
               "fat_finger_threshold")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticLimits:
    """The static rule set. `version` is 'static:<name>:<sha256 prefix of the file>'.

    Symbols not in `symbols` are UNKNOWN_SYMBOL unless `allow_unknown_symbols`, in which
    case they get `defaults`. `throttle_rate` (orders/s) and `throttle_burst` (orders)
    define each strategy's token bucket. With `reject_without_reference`, an order for a
    symbol with no quote yet is rejected NO_REFERENCE_PRICE; otherwise the collar is
    skipped and a MARKET order is still rejected (its notional is unknown).
    """

    version: str
    defaults: SymLimits
    symbols: dict[str, SymLimits] = field(default_factory=dict)
    restricted: frozenset[str] = frozenset()
    allow_unknown_symbols: bool = False
    throttle_rate: int = 100
    throttle_burst: int = 200
    reject_without_reference: bool = True

    def __post_init__(self) -> None:
        if self.throttle_rate < 1 or self.throttle_burst < 1:
            raise ConfigError("throttle_rate and throttle_burst must be >= 1")
        if self.throttle_rate > 1_000_000 or self.throttle_burst > 1_000_000:
            raise ConfigError("throttle_rate and throttle_burst must be <= 1e6 (int64 maths)")

    def for_sym(self, sym: str) -> SymLimits | None:
        """Limits of `sym`, `defaults` for an unknown one if allowed, else None."""
        lim = self.symbols.get(sym)
        if lim is None and self.allow_unknown_symbols:
            return self.defaults
        return lim

    @classmethod
    def load(cls, path: Path | str) -> StaticLimits:
        """Parse a static limits TOML file (see enforcer/static_limits.toml)."""
        raw = Path(path).read_bytes()
        try:
            doc = tomllib.loads(raw.decode())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: {e}") from e
        return cls.from_dict(doc, digest=hashlib.sha256(raw).hexdigest()[:12])

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, digest: str = "") -> StaticLimits:
        allowed = {"name", "defaults", "symbols", "restricted", "throttle"}
        if set(doc) - allowed:
            raise ConfigError(f"static limits: unknown section(s) {sorted(set(doc) - allowed)}")
        d = dict(doc.get("defaults", {}))
        flags = {k: d.pop(k) for k in ("allow_unknown_symbols", "reject_without_reference")
                 if k in d}
        defaults = _sym_limits(d, "defaults", None)
        syms = {s: _sym_limits(v, f"symbols.{s}", defaults)
                for s, v in doc.get("symbols", {}).items()}
        thr = dict(doc.get("throttle", {}))
        if set(thr) - {"rate_per_s", "burst"}:
            raise ConfigError(f"throttle: unknown field(s) {sorted(set(thr))}")
        restricted = doc.get("restricted", {})
        if set(restricted) - {"symbols"}:
            raise ConfigError("restricted: only 'symbols' is allowed")
        return cls(
            version=f"static:{doc.get('name', 'unnamed')}:{digest}",
            defaults=defaults,
            symbols=syms,
            restricted=frozenset(restricted.get("symbols", ())),
            allow_unknown_symbols=bool(flags.get("allow_unknown_symbols", False)),
            reject_without_reference=bool(flags.get("reject_without_reference", True)),
            throttle_rate=int(thr.get("rate_per_s", 100)),
            throttle_burst=int(thr.get("burst", 200)),
        )


def _sym_limits(d: dict[str, Any], where: str, base: SymLimits | None) -> SymLimits:
    d = dict(d)
    unknown = set(d) - set(_SYM_FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    kw = {k: d.get(k, getattr(base, k) if base else None) for k in _SYM_FIELDS}
    missing = [k for k, v in kw.items() if v is None]
    if missing:
        raise ConfigError(f"{where}: missing field(s) {missing}")
    kw["max_order_qty"] = int(kw["max_order_qty"])
    kw["max_position"] = int(kw["max_position"])
    return SymLimits(**kw)
