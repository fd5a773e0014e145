"""Latent state and per-bin rates: stochastic activity (volatility), order-flow imbalance,
intraday U-shape, and the regime overlay, turned into the engine's ``params`` rows.

All arrays here are per 1-second bin of the session (``n_bins = ceil(minutes * 60)``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.config import SESSION_MINUTES, SimConfig
from sim.engine import (
    N_PARAMS,
    P_DMIN_ASK,
    P_DMIN_BID,
    P_LIMIT_ASK,
    P_LIMIT_BID,
    P_MKT_BUY,
    P_MKT_SELL,
    P_NU_ASK,
    P_NU_BID,
    P_PLACE,
)

BIN_S = 1.0  # seconds per parameter bin


class Regime(NamedTuple):
    """Per-bin multipliers (float64[n_bins]) a scenario applies to one symbol.

    ``dmin_bid``/``dmin_ask``: closest distance (ticks, >= 1) of a new bid/ask to the far touch;
    ``p_buy`` overrides P(market order is a buy) where it is not NaN.
    """

    activity: np.ndarray
    limit_bid: np.ndarray
    limit_ask: np.ndarray
    market: np.ndarray
    cancel_bid: np.ndarray
    cancel_ask: np.ndarray
    place: np.ndarray
    dmin_bid: np.ndarray
    dmin_ask: np.ndarray
    p_buy: np.ndarray


def neutral_regime(n_bins: int) -> Regime:
    """The identity overlay: all multipliers 1, no ``p_buy`` override."""
    ones = np.ones(n_bins)
    return Regime(*(ones.copy() for _ in range(9)), np.full(n_bins, np.nan))


def n_bins_for(cfg: SimConfig) -> int:
    """Number of 1-second parameter bins covering ``[0, minutes * 60]``."""
    return int(np.ceil(cfg.minutes * 60.0 / BIN_S)) + 1


@njit(cache=True)
def _ar1(eps, phi, x0):
    out = np.empty(eps.shape[0])
    x = x0
    for i in range(eps.shape[0]):
        x = phi * x + eps[i]
        out[i] = x
    return out


def ar1_path(rng: np.random.Generator, n: int, half_life_s: float, sd: float) -> np.ndarray:
    """Stationary Gaussian AR(1) on the 1-s grid: float64[n], stationary sd ``sd``."""
    phi = 0.5 ** (BIN_S / half_life_s)
    eps = rng.standard_normal(n) * sd * np.sqrt(1.0 - phi * phi)
    return _ar1(eps, phi, rng.standard_normal() * sd)


def latent_factors(cfg: SimConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Log-activity ``h`` and imbalance ``f`` per symbol: two float64[n_symbols, n_bins].

    Each is ``sqrt(c) * common + sqrt(1 - c) * idiosyncratic`` (c = the common share), so
    symbols share part of their volatility and part of their order-flow direction.
    """
    n = n_bins_for(cfg)
    hc = ar1_path(rng, n, cfg.vol_half_life_s, cfg.vol_of_vol)
    fc = ar1_path(rng, n, cfg.flow_half_life_s, 1.0)
    h = np.empty((cfg.n_symbols, n))
    f = np.empty((cfg.n_symbols, n))
    cv, cf = cfg.common_vol_share, cfg.common_flow_share
    for i in range(cfg.n_symbols):
        hi = ar1_path(rng, n, cfg.vol_half_life_s, cfg.vol_of_vol)
        fi = ar1_path(rng, n, cfg.flow_half_life_s, 1.0)
        h[i] = np.sqrt(cv) * hc + np.sqrt(1.0 - cv) * hi
        f[i] = np.sqrt(cf) * fc + np.sqrt(1.0 - cf) * fi
    return h, f


def u_shape(cfg: SimConfig, t_s: np.ndarray) -> np.ndarray:
    """Intraday activity multiplier at ``t_s`` seconds after the open (float64, same shape).

    ``1 + open_amp * exp(-m / tau) + close_amp * exp(-(close - m) / tau)``, m in minutes,
    close = 390 (a 24/7 session longer than that: its end, so the close term never grows
    past its amplitude; a 24-hour market has no auctions, so its grids set both to 0).
    """
    m = np.asarray(t_s, dtype=np.float64) / 60.0
    tau = cfg.u_tau_minutes
    close = max(SESSION_MINUTES, cfg.minutes)
    return (
        1.0
        + cfg.u_open_amp * np.exp(-m / tau)
        + cfg.u_close_amp * np.exp(-(close - m) / tau)
    )


def build_params(cfg: SimConfig, h: np.ndarray, f: np.ndarray, reg: Regime) -> np.ndarray:
    """Engine rates for one symbol: float64[n_bins, N_PARAMS] (see ``sim.engine.P_*``).

    Activity ``A = U(t) * exp(h - vol_of_vol**2 / 2) * regime.activity``; market orders
    scale with ``A``, limit inflow and cancel hazard with ``A**0.6``, so busy periods
    consume the book faster than it refills: spreads widen when volatility is high.
    """
    n = h.shape[0]
    t = np.arange(n) * BIN_S
    act = u_shape(cfg, t) * np.exp(h - 0.5 * cfg.vol_of_vol**2) * reg.activity
    p_buy = 0.5 + cfg.flow_imbalance * np.tanh(f)
    p_buy = np.where(np.isnan(reg.p_buy), p_buy, reg.p_buy)
    slow = act**0.6
    out = np.empty((n, N_PARAMS))
    out[:, P_LIMIT_BID] = cfg.limit_rate * slow * reg.limit_bid
    out[:, P_LIMIT_ASK] = cfg.limit_rate * slow * reg.limit_ask
    mkt = cfg.market_rate * act * reg.market * 2.0
    out[:, P_MKT_BUY] = mkt * p_buy
    out[:, P_MKT_SELL] = mkt * (1.0 - p_buy)
    out[:, P_NU_BID] = cfg.cancel_rate * slow * reg.cancel_bid
    out[:, P_NU_ASK] = cfg.cancel_rate * slow * reg.cancel_ask
    out[:, P_PLACE] = cfg.place_scale_ticks * reg.place
    out[:, P_DMIN_BID] = np.maximum(1.0, np.round(reg.dmin_bid))
    out[:, P_DMIN_ASK] = np.maximum(1.0, np.round(reg.dmin_ask))
    return out
