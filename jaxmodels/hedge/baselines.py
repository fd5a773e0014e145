"""Classical hedges, as policies of :mod:`jaxmodels.hedge.rollout`.

* ``no_hedge``: hold no shares.
* ``bs_delta``: hold minus the book's Black-Scholes delta, rounded to whole shares, at
  every step (the volatility used is the one the book is marked at).
* ``whalley_wilmott``: trade only when the position leaves the no-trade band
  -delta +- H around the delta hedge, and then to the band's near edge; Whalley and Wilmott
  (1997): H = (3 lambda S Gamma^2 / (2 gamma))^(1/3) with lambda the proportional cost
  rate and gamma the risk aversion (``pp``, a scalar, 1/currency); Gamma is the book's
  gamma (shares / currency), lambda = multiplier x tick / S + proportional_bps x 1e-4.
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxmodels.hedge.env import EnvParams, EnvState, greeks


def no_hedge(pp, obs, state: EnvState, params: EnvParams):
    del pp, obs, params
    return jnp.zeros_like(state.h)


def bs_delta(pp, obs, state: EnvState, params: EnvParams):
    del pp, obs
    return -jnp.round(greeks(state, params).delta)


def ww_half_width(s, gamma_book, risk_aversion, params: EnvParams):
    """Whalley-Wilmott half width of the no-trade band (shares)."""
    lam = params.cost_mult * params.tick / s + params.cost_bps * 1e-4
    return (1.5 * lam * s * gamma_book**2 / risk_aversion) ** (1.0 / 3.0)


def whalley_wilmott(pp, obs, state: EnvState, params: EnvParams):
    """pp: the risk aversion gamma (scalar > 0, 1/currency)."""
    del obs
    g = greeks(state, params)
    half = ww_half_width(state.s, g.gamma, pp, params)
    return jnp.round(jnp.clip(state.h, -g.delta - half, -g.delta + half))
