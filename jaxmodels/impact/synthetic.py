"""Synthetic impact rows with a known law: slippage = half-spread + Y sigma (Q/V)^beta +
noise, for the baselines' recovery test and the exponent benchmark."""

from __future__ import annotations

import numpy as np

from jaxmodels.impact.data import ImpactRows


def power_law_rows(n: int, *, beta: float = 0.5, y_coef: float = 0.8, noise_bps: float = 0.5,
                   syms: tuple[str, ...] = ("AAA", "BBB"), seed: int = 0) -> ImpactRows:
    """``n`` rows over ``syms``: lognormal sizes (1-5,000 lots), 5-minute volume 2,000-
    50,000 lots, sigma 5-40 bps, spread 1-10 bps, Gaussian noise of ``noise_bps``; one
    minute apart, in time order."""
    g = np.random.default_rng(seed)
    qty = np.clip(np.round(np.exp(g.normal(3.5, 1.3, n))), 1, 5000)
    vol = np.exp(g.uniform(np.log(2000), np.log(50000), n))
    sigma = g.uniform(5, 40, n)
    spread = g.uniform(1, 10, n)
    y = spread / 2 + y_coef * sigma * (qty / vol) ** beta + g.normal(0, noise_bps, n)
    depth = np.exp(g.uniform(np.log(50), np.log(2000), n))
    return ImpactRows(
        ts=np.arange(n, dtype=np.int64) * 60 * 10**9, sym=np.asarray(syms, object)[
            np.arange(n) % len(syms)], side=np.where(g.random(n) < 0.5, 1.0, -1.0),
        qty=qty, depth1=np.maximum(np.round(depth / 5), 1), depth5=depth, volume_5m=vol,
        y=y, spread_bps=spread, sigma_bps=sigma, anomaly=np.zeros(n))
