"""Black-Scholes prices and greeks of European options and of a book of them (jitted).

Zero rates and dividends. Units: ``tau`` in days, ``vol`` per sqrt(day) (0.01 = 1 % a day),
so ``vol * sqrt(tau)`` is the total standard deviation of log price to expiry. At
``tau <= 0`` an option is worth its payoff: delta is the exercise indicator (+1 / -1 in the
money, 0 out of it) and gamma and vega are 0.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.stats import norm

_TINY = 1e-12


class Greeks(NamedTuple):
    """price (currency), delta (d price / d S), gamma (d delta / d S, 1/currency),
    vega (d price / d vol, vol per sqrt(day)); each shaped like the broadcast inputs."""

    price: jax.Array
    delta: jax.Array
    gamma: jax.Array
    vega: jax.Array


def _greeks(s, k, tau, vol, is_call) -> Greeks:
    s, k = jnp.asarray(s), jnp.asarray(k)
    live = tau > 0
    sd = jnp.maximum(jnp.where(live, vol * jnp.sqrt(jnp.maximum(tau, 0.0)), 1.0), _TINY)
    d1 = jnp.log(s / k) / sd + 0.5 * sd
    d2 = d1 - sd
    call = s * norm.cdf(d1) - k * norm.cdf(d2)
    price_live = jnp.where(is_call, call, call - s + k)  # put-call parity, zero rate
    delta_live = jnp.where(is_call, norm.cdf(d1), norm.cdf(d1) - 1.0)
    pdf = norm.pdf(d1)
    gamma_live = pdf / (s * sd)
    vega_live = s * pdf * jnp.sqrt(jnp.maximum(tau, 0.0))
    itm_call = (s > k).astype(s.dtype)
    payoff = jnp.where(is_call, jnp.maximum(s - k, 0.0), jnp.maximum(k - s, 0.0))
    delta_exp = jnp.where(is_call, itm_call, (s < k).astype(s.dtype) * -1.0)
    zero = jnp.zeros_like(gamma_live)
    return Greeks(jnp.where(live, price_live, payoff), jnp.where(live, delta_live, delta_exp),
                  jnp.where(live, gamma_live, zero), jnp.where(live, vega_live, zero))


bs_greeks = jax.jit(_greeks)
bs_greeks.__doc__ = """Black-Scholes price and greeks: s, k (currency), tau (days), vol (per
sqrt(day)), is_call (bool); all broadcast together. Returns :class:`Greeks`."""


def book_greeks(s, tau_to_expiry, vol, qty, strike, is_call) -> Greeks:
    """Greeks of a book: the sum over its options of qty x the option's greeks.

    s: () spot; tau_to_expiry, qty, strike, is_call: (n_options,); vol: () per sqrt(day).
    Returns scalar price (currency), delta (shares), gamma (shares / currency) and vega."""
    g = _greeks(s, strike, tau_to_expiry, vol, is_call)
    return Greeks(*(jnp.sum(qty * x) for x in g))


book_greeks_jit = jax.jit(book_greeks)
