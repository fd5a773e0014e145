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
    (The duplicate rule's count and window are part of the rule set: `StaticLimits`.)
    breaker_rejects_per_s: global circuit breaker trips when this many rejects fall in
        one wall-clock second of order time (0 disables it).
    fat_finger_window / fat_finger_min_history: the trader's median qty is taken over
        their last `window` orders (refreshed every poll); below `min_history` orders the
        fat-finger rule is not applied to that trader.
    decision_log_path: the local append-only log (None: no log, tests/dry runs only).
    expire_after: replay only (`enforcer/replay_venue.py`): an order still resting this
        long after it was sent expires and releases its open qty (the orders table has no
        time in force); None: day orders, expiring at the end of their UTC day.
    fsync: 'always' (fsync every record before submit returns), 'interval' (write(2)
        every record before submit returns, fsync once per poll), 'never' (write only).
    instruments_path: the instruments table (`tsdb.instruments`, TOML/JSON) whose
        lot_size per symbol converts venue units at the enforcer's edges into the lot
        counts it decides on (`enforcer.lots`); None: every symbol's lot is 1.
    """

    mode: str = "enforce"
    ab_share: float = 0.5
    poll_interval: timedelta = timedelta(milliseconds=100)
    staleness_bound: timedelta = timedelta(seconds=5)
    flush_interval: timedelta = timedelta(milliseconds=200)
    breaker_rejects_per_s: int = 1000
    fat_finger_window: int = 256
    fat_finger_min_history: int = 20
    decision_log_path: Path | None = None
    fsync: str = "interval"
    static_limits_path: Path = DEFAULT_STATIC_LIMITS
    expire_after: timedelta | None = None
    instruments_path: Path | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not 0.0 <= self.ab_share <= 1.0:
            raise ConfigError(f"ab_share must be in [0, 1], got {self.ab_share}")
        if self.fsync not in FSYNC_POLICIES:
            raise ConfigError(f"fsync must be one of {FSYNC_POLICIES}, got {self.fsync!r}")
        for name in ("poll_interval", "staleness_bound", "flush_interval"):
            v = getattr(self, name)
            if not isinstance(v, timedelta) or v <= timedelta(0):
                raise ConfigError(f"{name} must be a positive timedelta, got {v!r}")
        if self.expire_after is not None and (not isinstance(self.expire_after, timedelta)
                                              or self.expire_after <= timedelta(0)):
            raise ConfigError(f"expire_after must be a positive timedelta or None, "
                              f"got {self.expire_after!r}")
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
        for name in ("poll_interval", "staleness_bound", "flush_interval", "expire_after"):
            if kw.get(name) is not None:
                kw[name] = _td(kw[name], name)
        for name in ("decision_log_path", "static_limits_path", "instruments_path"):
            if kw.get(name) is not None:
                kw[name] = Path(kw[name])
        return cls(**kw)


@dataclass(frozen=True, slots=True, kw_only=True)
class SymLimits:
    """Per-symbol static limits. Units: venue units (max_order_qty, max_position: the
    enforcer floors them to whole lots of the symbol, `enforcer.lots`), currency, bps,
    multiple of median qty.

    Field names are the risk_limits columns they cap (one name per concept)."""

    max_order_qty: float
    max_notional: float
    price_band_bps: float
    max_position: float
    fat_finger_threshold: float

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise ConfigError(f"{f.name} must be a finite number, got {v!r}")
            if v <= 0:
                raise ConfigError(f"{f.name} must be > 0, got {v!r}")


MAX_IDENTICAL_CAP = 1024  # the duplicate rule keeps this many accepted ts per key, at most


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateRule:
    """The duplicate rule of one strategy: an order is rejected DUPLICATE when
    `max_identical` ACCEPTED orders equal to it in (strategy, sym, side, qty, price) already
    fall within `window` before it (ts - window <= their ts), i.e. it would be one more than
    `max_identical`. Default 10 within 1 s: vn.py's DuplicateOrderRule
    (vnpy_riskmanager/rules/duplicate_order_rule.py, `duplicate_order_limit = 10`) counts
    identical requests per day and blocks at the 10th; here only accepted orders count and
    the count is per sliding window, so an algo slicing identical clips at a steady pace
    is not blocked, a runaway loop is."""

    max_identical: int = 10
    window: timedelta = timedelta(seconds=1)

    def __post_init__(self) -> None:
        n = self.max_identical
        if type(n) is not int or not 1 <= n <= MAX_IDENTICAL_CAP:
            raise ConfigError(f"max_identical must be an int in [1, {MAX_IDENTICAL_CAP}], "
                              f"got {n!r}")
        if not isinstance(self.window, timedelta) or self.window <= timedelta(0):
            raise ConfigError(f"duplicate window must be a positive duration, got "
                              f"{self.window!r}")

    @property
    def window_ns(self) -> int:
        return int(self.window.total_seconds() * 1e9)


def _duplicate_rule(d: dict[str, Any], where: str, base: DuplicateRule) -> DuplicateRule:
    unknown = set(d) - {"max_identical", "window_s"}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    w = d.get("window_s")
    return DuplicateRule(max_identical=d.get("max_identical", base.max_identical),
                         window=base.window if w is None else _td(w, f"{where}.window_s"))


# the limits of a symbol: SymLimits' fields, the risk_limits columns they cap
LIMIT_FIELDS = ("max_order_qty", "max_notional", "price_band_bps", "max_position",
                "fat_finger_threshold")
_SYM_FIELDS = LIMIT_FIELDS


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticLimits:
    """The static rule set. `version` is 'static:<name>:<sha256 prefix of the file>'.

    Symbols not in `symbols` are UNKNOWN_SYMBOL unless `allow_unknown_symbols`, in which
    case they get `defaults`. `throttle_rate` (orders/s) and `throttle_burst` (orders)
    define each strategy's token bucket. `duplicate` is the duplicate rule of every strategy
    not in `duplicate_by_strategy` (TOML: [duplicate] max_identical, window_s and
    [duplicate.strategies.NAME]). With `reject_without_reference`, an order for a
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
    duplicate: DuplicateRule = DuplicateRule()
    duplicate_by_strategy: dict[str, DuplicateRule] = field(default_factory=dict)

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

    def duplicate_for(self, strategy: str) -> DuplicateRule:
        """The duplicate rule of `strategy`."""
        return self.duplicate_by_strategy.get(strategy, self.duplicate)

    @property
    def duplicate_depth(self) -> int:
        """Accepted ts kept per duplicate key: the largest max_identical of any strategy."""
        return max([self.duplicate.max_identical,
                    *(r.max_identical for r in self.duplicate_by_strategy.values())])

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
        allowed = {"name", "defaults", "symbols", "restricted", "throttle", "duplicate"}
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
        dup = dict(doc.get("duplicate", {}))
        per = dup.pop("strategies", {})
        if not isinstance(per, dict):
            raise ConfigError("duplicate.strategies: expected a table per strategy")
        dup_rule = _duplicate_rule(dup, "duplicate", DuplicateRule())
        return cls(
            version=f"static:{doc.get('name', 'unnamed')}:{digest}",
            defaults=defaults,
            symbols=syms,
            restricted=frozenset(restricted.get("symbols", ())),
            allow_unknown_symbols=bool(flags.get("allow_unknown_symbols", False)),
            reject_without_reference=bool(flags.get("reject_without_reference", True)),
            throttle_rate=int(thr.get("rate_per_s", 100)),
            throttle_burst=int(thr.get("burst", 200)),
            duplicate=dup_rule,
            duplicate_by_strategy={
                k: _duplicate_rule(v if isinstance(v, dict) else {"?": v},
                                   f"duplicate.strategies.{k}", dup_rule)
                for k, v in per.items()},
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
    for k in ("max_order_qty", "max_position"):  # venue units: whole values stay ints
        v = kw[k]
        if isinstance(v, float) and v.is_integer() and abs(v) < 2.0**53:
            kw[k] = int(v)
    return SymLimits(**kw)
