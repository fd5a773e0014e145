"""Impact baselines, fitted per symbol: slippage = half-spread + Y sigma (Q / V)^beta.

``sigma`` is the 5-minute volatility in bps and ``V`` the 5 minutes' volume (lots), as in
``jaxmodels.impact.data``. ``beta`` = 1/2 is the square-root law; 3/5 is the temporary
impact of Almgren, Thum, Hauptmann and Li (2005). ``Y`` is the least-absolute-deviation fit
(a weighted median, so the baseline is tuned to the mean absolute error it is judged on);
``fit_exponent`` also fits ``beta`` (least squares on a grid, closed-form ``Y`` per beta).
"""

from __future__ import annotations

import dataclasses

import numpy as np

SQRT, ALMGREN = 0.5, 0.6


def weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    """The w-weighted median of v (0 when there is no weight)."""
    if not len(v) or w.sum() <= 0:
        return 0.0
    o = np.argsort(v)
    cw = np.cumsum(w[o])
    return float(v[o][np.searchsorted(cw, 0.5 * cw[-1])])


def driver(sigma_bps, qty, volume, beta: float) -> np.ndarray:
    """sigma (Q / V)^beta, float64[n] bps per unit of Y."""
    return np.asarray(sigma_bps, np.float64) * (np.asarray(qty, np.float64)
                                                 / np.asarray(volume, np.float64)) ** beta


def fit_y_lad(excess: np.ndarray, x: np.ndarray) -> float:
    """argmin_Y sum |excess - Y x| (x >= 0): the x-weighted median of excess / x."""
    ok = x > 0
    return weighted_median(excess[ok] / x[ok], x[ok])


@dataclasses.dataclass(frozen=True, slots=True)
class PowerLaw:
    """Per-symbol Y of one exponent; ``y_all`` for symbols not seen in training."""

    beta: float
    y: dict
    y_all: float

    def predict(self, sym, spread_bps, sigma_bps, qty, volume) -> np.ndarray:
        """float64[n] predicted slippage, bps."""
        ys = np.array([self.y.get(s, self.y_all) for s in sym], np.float64)
        return np.asarray(spread_bps) / 2 + ys * driver(sigma_bps, qty, volume, self.beta)


def fit_power_law(sym, spread_bps, sigma_bps, qty, volume, y, beta: float) -> PowerLaw:
    """Fit Y per symbol (and over all rows) by least absolute deviation."""
    sym = np.asarray(sym, object)
    excess = np.asarray(y, np.float64) - np.asarray(spread_bps) / 2
    x = driver(sigma_bps, qty, volume, beta)
    ys = {s: fit_y_lad(excess[sym == s], x[sym == s]) for s in sorted(set(sym))}
    return PowerLaw(beta=beta, y=ys, y_all=fit_y_lad(excess, x))


def fit_exponent(spread_bps, sigma_bps, qty, volume, y,
                 grid: np.ndarray | None = None) -> tuple[float, float]:
    """(beta, Y) minimising the squared error of half-spread + Y sigma (Q/V)^beta; beta on a
    0.001 grid over [0.05, 1.5], Y closed-form per beta."""
    grid = np.arange(0.05, 1.5001, 0.001) if grid is None else grid
    excess = np.asarray(y, np.float64) - np.asarray(spread_bps) / 2
    best = (np.inf, 0.5, 0.0)
    for b in grid:
        x = driver(sigma_bps, qty, volume, b)
        yy = float(x @ excess / max(x @ x, 1e-300))
        sse = float(((excess - yy * x) ** 2).sum())
        if sse < best[0]:
            best = (sse, float(b), yy)
    return best[1], best[2]
