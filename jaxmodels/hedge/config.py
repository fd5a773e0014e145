"""Configuration of the hedger: frozen, keyword-only dataclasses that round-trip to JSON/TOML
(``to_dict`` / ``from_dict`` reject unknown fields).

Units: time in trading days, volatility per sqrt(day) (0.01 = 1 % a day), variance per day,
quantities in shares, money in the price's currency. The defaults are Kolm and Ritter's
(2019) setup: S0 = K = 100, 10 days, 5 hedges a day, sigma 0.01 a day, kappa 0.1, tick 0.1,
multiplier 5, cost = multiplier x tick x (|n| + 0.01 n^2), one call on 100 shares, hedge
positions of 0 to 100 shares.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from jaxmodels.config import Conf as _Conf
from jaxmodels.config import check as _check

MODELS: tuple[str, ...] = ("gbm", "heston")
OBJECTIVES: tuple[str, ...] = ("kr", "mv", "mvg", "cvar")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MarketConfig(_Conf):
    """Price paths. ``model``: "gbm" (driftless geometric Brownian motion, volatility
    ``sigma_daily``) or "heston" (variance mean-reverting at ``mean_reversion_per_day`` to
    ``sigma_daily**2`` with vol of variance ``vol_of_var_daily``, correlation ``rho``; the
    variance starts at ``sigma_daily**2 * v0_ratio``)."""

    model: str = "gbm"
    s0: float = 100.0
    sigma_daily: float = 0.01
    days: float = 10.0
    steps_per_day: int = 5
    mean_reversion_per_day: float = 0.5
    vol_of_var_daily: float = 0.004
    rho: float = -0.7
    v0_ratio: float = 1.0

    def __post_init__(self) -> None:
        c = "MarketConfig"
        _check(c, "model", self.model, self.model in MODELS, f"one of {MODELS}")
        _check(c, "s0", self.s0, self.s0 > 0, "must be > 0")
        _check(c, "sigma_daily", self.sigma_daily, self.sigma_daily > 0, "must be > 0")
        _check(c, "days", self.days, self.days > 0, "must be > 0")
        _check(c, "steps_per_day", self.steps_per_day, self.steps_per_day >= 1, "must be >= 1")
        _check(c, "rho", self.rho, -1 <= self.rho <= 1, "must be in [-1, 1]")

    @property
    def n_steps(self) -> int:
        return int(round(self.days * self.steps_per_day))


@dataclasses.dataclass(frozen=True, kw_only=True)
class CostConfig(_Conf):
    """Trading cost of n shares at price S: multiplier * tick * (|n| + quadratic * n^2)
    + proportional_bps * 1e-4 * |n| * S (Kolm-Ritter's is the first term)."""

    multiplier: float = 5.0
    tick: float = 0.1
    quadratic: float = 0.01
    proportional_bps: float = 0.0

    def __post_init__(self) -> None:
        for k in ("multiplier", "tick", "quadratic", "proportional_bps"):
            _check("CostConfig", k, getattr(self, k), getattr(self, k) >= 0, "must be >= 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class BookConfig(_Conf):
    """A book of European options on one underlying: quantity (shares, signed: > 0 long),
    strike, expiry (days from now, >= the hedging horizon) and call (True) or put."""

    qty: tuple[float, ...] = (100.0,)
    strike: tuple[float, ...] = (100.0,)
    expiry_days: tuple[float, ...] = (10.0,)
    is_call: tuple[bool, ...] = (True,)

    def __post_init__(self) -> None:
        n = len(self.qty)
        _check("BookConfig", "qty", self.qty, n >= 1, "at least one option")
        for k in ("strike", "expiry_days", "is_call"):
            _check("BookConfig", k, getattr(self, k), len(getattr(self, k)) == n,
                   f"needs {n} values, one per option")
        _check("BookConfig", "strike", self.strike, min(self.strike) > 0, "must be > 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgentConfig(_Conf):
    """The no-trade-band policy network and its training by analytic policy gradient.

    ``objective``: "kr" maximises the sum of Kolm-Ritter rewards dw - kappa/2 dw^2; "mv"
    the mean-variance of the total P&L W, E[W] - kappa/2 Var[W]; "mvg" E[W] - kappa/2
    Var[W + costs] (no reward for paying costs in winning paths);
    "cvar" minimises the CVaR at ``cvar_level`` of the hedging loss (Rockafellar-Uryasev).
    ``seeds`` networks train at once (vmap); the one with the best objective on
    ``val_paths`` validation paths (their own seed) is kept."""

    objective: str = "mv"
    kappa: float = 0.1
    cvar_level: float = 0.95
    hidden: tuple[int, ...] = (32, 32)
    learning_rate: float = 3e-3
    train_steps: int = 300
    batch_paths: int = 1024
    seeds: int = 4
    seed: int = 0
    val_paths: int = 4096
    val_seed: int = 7777
    max_shares: float = 100.0

    def __post_init__(self) -> None:
        c = "AgentConfig"
        _check(c, "objective", self.objective, self.objective in OBJECTIVES,
               f"one of {OBJECTIVES}")
        _check(c, "kappa", self.kappa, self.kappa >= 0, "must be >= 0")
        _check(c, "cvar_level", self.cvar_level, 0 < self.cvar_level < 1, "must be in (0, 1)")
        _check(c, "train_steps", self.train_steps, self.train_steps >= 1, "must be >= 1")
        _check(c, "seeds", self.seeds, self.seeds >= 1, "must be >= 1")
        _check(c, "max_shares", self.max_shares, self.max_shares > 0, "must be > 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class HedgeConfig(_Conf):
    """Everything a hedger is trained and evaluated on."""

    market: MarketConfig = dataclasses.field(default_factory=MarketConfig)
    costs: CostConfig = dataclasses.field(default_factory=CostConfig)
    book: BookConfig = dataclasses.field(default_factory=BookConfig)
    agent: AgentConfig = dataclasses.field(default_factory=AgentConfig)

    def replace(self, **kw: Any) -> HedgeConfig:
        return dataclasses.replace(self, **kw)


def heston_config(**agent: Any) -> HedgeConfig:
    """Heston paths with Kolm-Ritter costs and the CVaR objective (issue 16's second goal).

    The book is short one call on 100 shares, as in Buehler et al.'s deep hedging: a long
    call's loss is capped at its premium, so not hedging it at all is already CVaR-optimal
    there and the comparison would say nothing."""
    return HedgeConfig(market=MarketConfig(model="heston"), book=BookConfig(qty=(-100.0,)),
                       agent=AgentConfig(objective="cvar", **agent))
