"""Input shaping shared by the models: robust per-symbol standardisation, batch padding and
the EWMA smoother as an ``(init, update)`` pair with a vectorised twin.

Shapes: ``x`` is float32[n, F] (rows = (sym, bucket) or orders, columns = inputs in config
order); NaN marks a missing value.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.signal import lfilter


class Norm(NamedTuple):
    """Robust standardisation: ``(shape(x) - center) / scale``, clipped to +-clip."""

    center: np.ndarray  # float32[F]
    scale: np.ndarray  # float32[F]
    log_mask: np.ndarray  # bool[F]: log1p(max(x, 0)) first
    slog_mask: np.ndarray  # bool[F]: sign(x) log1p(|x|) first

    def to_dict(self) -> dict:
        return {k: np.asarray(v).tolist() for k, v in self._asdict().items()}

    @classmethod
    def from_dict(cls, d: dict) -> Norm:
        return cls(np.asarray(d["center"], np.float32), np.asarray(d["scale"], np.float32),
                   np.asarray(d["log_mask"], bool), np.asarray(d["slog_mask"], bool))


def shape_inputs(x: np.ndarray, log_mask: np.ndarray, slog_mask: np.ndarray) -> np.ndarray:
    """Apply the per-column log transforms; float32[n, F] -> float32[n, F] (NaN kept)."""
    x = np.asarray(x, np.float64)
    out = x.copy()
    if log_mask.any():
        out[:, log_mask] = np.log1p(np.maximum(x[:, log_mask], 0.0))
    if slog_mask.any():
        v = x[:, slog_mask]
        out[:, slog_mask] = np.sign(v) * np.log1p(np.abs(v))
    return out.astype(np.float32)


def fit_norm(x: np.ndarray, log_mask: np.ndarray, slog_mask: np.ndarray) -> Norm:
    """Median / IQR per column of the shaped inputs (std, then 1, where the IQR is 0)."""
    s = shape_inputs(x, log_mask, slog_mask).astype(np.float64)
    with np.errstate(all="ignore"):
        med = np.nanmedian(s, axis=0)
        q75, q25 = np.nanpercentile(s, [75, 25], axis=0)
        scale = (q75 - q25) / 1.349
        std = np.nanstd(s, axis=0)
    scale = np.where(scale > 1e-9, scale, np.where(std > 1e-9, std, 1.0))
    med = np.where(np.isfinite(med), med, 0.0)
    scale = np.where(np.isfinite(scale), scale, 1.0)
    return Norm(med.astype(np.float32), scale.astype(np.float32), log_mask, slog_mask)


def apply_norm(x: np.ndarray, norm: Norm, clip: float) -> np.ndarray:
    """Standardised inputs, float32[n, F]; missing values become 0 (the training median)."""
    s = (shape_inputs(x, norm.log_mask, norm.slog_mask) - norm.center) / norm.scale
    s = np.nan_to_num(s, nan=0.0, posinf=clip, neginf=-clip)
    return np.clip(s, -clip, clip).astype(np.float32)


def pad_rows(x: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Pad ``x`` (rows first) with zeros up to a multiple of ``size``; return (padded, n)."""
    n = x.shape[0]
    m = max(size, -(-n // size) * size)
    if m == n:
        return x, n
    pad = np.zeros((m - n,) + x.shape[1:], x.dtype)
    return np.concatenate([x, pad]), n


# -- EWMA: bias-corrected exponential average ---------------------------------------------------
class EWMAState(NamedTuple):
    """Running EWMA per series: ``value`` and ``weight`` float[...] (weight 0 = no data yet)."""

    value: np.ndarray
    weight: np.ndarray


def alpha_from_half_life(half_life: float) -> float:
    """Smoothing weight of the newest observation for a half-life in steps (0 = none)."""
    return 1.0 if half_life <= 0 else float(1.0 - 0.5 ** (1.0 / half_life))


def ewma_init(shape: tuple[int, ...] = ()) -> EWMAState:
    return EWMAState(np.zeros(shape, np.float64), np.zeros(shape, np.float64))


def ewma_update(state: EWMAState, x, alpha: float) -> tuple[EWMAState, np.ndarray]:
    """One step: returns the new state and the smoothed value (works on numpy or jax arrays)."""
    value = (1.0 - alpha) * state.value + alpha * x
    weight = (1.0 - alpha) * state.weight + alpha
    return EWMAState(value, weight), value / weight


def ewma_series(x: np.ndarray, alpha: float) -> np.ndarray:
    """Vectorised twin of folding ``ewma_update`` over a float[n] series from ``ewma_init``."""
    x = np.asarray(x, np.float64)
    if alpha >= 1.0 or x.size == 0:
        return x.copy()
    b, a = [alpha], [1.0, -(1.0 - alpha)]
    return lfilter(b, a, x) / lfilter(b, a, np.ones_like(x))


def ewma_grouped(x: np.ndarray, groups: np.ndarray, alpha: float) -> np.ndarray:
    """``ewma_series`` restarted at each change of ``groups`` (rows sorted by group, time)."""
    out = np.empty(len(x), np.float64)
    if len(x) == 0:
        return out
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(x)], strict=True):
        out[a:b] = ewma_series(x[a:b], alpha)
    return out


def online_standardise(z: np.ndarray, groups: np.ndarray, half_life: float,
                       warm: int) -> np.ndarray:
    """Re-standardise float32[n, F] against each group's own trailing EWMA mean and variance
    (as of the previous row, so a row never sees itself); rows before ``warm`` rows of history
    keep ``z``. Makes a model trained on some symbols usable on others (price level, tick
    size and depth differ) and on new days."""
    a = alpha_from_half_life(half_life)
    out = z.astype(np.float64).copy()
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(z)], strict=True):
        if hi - lo <= warm:
            continue
        seg = z[lo:hi].astype(np.float64)
        mu = np.stack([ewma_series(seg[:, j], a) for j in range(seg.shape[1])], axis=1)
        dev2 = np.empty_like(seg)
        dev2[0] = 0.0
        dev2[1:] = (seg[1:] - mu[:-1]) ** 2
        var = np.stack([ewma_series(dev2[:, j], a) for j in range(seg.shape[1])], axis=1)
        zz = np.zeros_like(seg)
        zz[1:] = (seg[1:] - mu[:-1]) / np.sqrt(var[:-1] + 0.05)
        out[lo + warm:hi] = zz[warm:]
    return out.astype(np.float32)
