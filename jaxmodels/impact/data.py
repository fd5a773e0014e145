"""Impact labels -> model arrays.

Size inputs ``s`` (float[n, 3], each non-decreasing in the order size): ``log1p(qty /
depth1)`` and ``log1p(qty / depth5)`` (size against the opposite touch and the opposite
side's top-5 lots) and ``log1p(100 qty / volume_5m)`` (size in percent of the 5 minutes'
volume). Context ``c`` (float[n, 7]): log spread (bps), ``log1p`` of the 5-minute
volatility (bps), the anomaly score (0 without one), side (+1 buy, -1 sell), ``log1p``
depth1, depth5 and volume_5m. Both are standardised with the training
rows' mean and standard deviation (a positive scale keeps the size path monotone).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

SIZE_INPUTS: tuple[str, ...] = ("log_qty_over_depth1", "log_qty_over_depth5",
                                "log_pct_of_volume_5m")
CONTEXT_INPUTS: tuple[str, ...] = ("log_spread_bps", "log_sigma_5m_bps", "anomaly_score",
                                   "side", "log_depth1", "log_depth5", "log_volume_5m")
HORIZON_S = 300.0  # volume_5m's window; sigma is scaled to it


@dataclasses.dataclass(frozen=True, slots=True)
class ImpactRows:
    """Usable label rows (finite inputs, depth and volume > 0), arrays of length n.

    ``ts`` int64 UTC ns; ``sym`` object; ``side`` float64 (+1 buy, -1 sell); ``qty``,
    ``depth1``, ``depth5``, ``volume_5m`` lots; ``y`` realised slippage bps; ``spread_bps``;
    ``sigma_bps`` 5-minute volatility in bps (rv_1m x sqrt(300 s) x 1e4); ``anomaly``.
    """

    ts: np.ndarray
    sym: np.ndarray
    side: np.ndarray
    qty: np.ndarray
    depth1: np.ndarray
    depth5: np.ndarray
    volume_5m: np.ndarray
    y: np.ndarray
    spread_bps: np.ndarray
    sigma_bps: np.ndarray
    anomaly: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, idx) -> ImpactRows:
        return ImpactRows(*(getattr(self, f.name)[idx] for f in dataclasses.fields(self)))


def _f(t: pa.Table, name: str) -> np.ndarray:
    return np.asarray(t.column(name).to_numpy(zero_copy_only=False), np.float64)


def rows_from_table(t: pa.Table) -> ImpactRows:
    """Label rows (``impact/label_rows.sql`` columns) -> ImpactRows, unusable rows dropped."""
    depth, vol, rv = _f(t, "depth5"), _f(t, "volume_5m"), _f(t, "rv_1m")
    d1 = _f(t, "depth1")
    y, spread = _f(t, "slippage_bps"), _f(t, "spread_bps")
    ok = (np.isfinite(depth) & (depth > 0) & (d1 > 0) & np.isfinite(vol) & (vol > 0) & np.isfinite(rv)
          & np.isfinite(y) & np.isfinite(spread) & (spread > 0))
    an = np.nan_to_num(_f(t, "anomaly_score"))
    side = np.where(np.asarray(t.column("side").to_pylist(), object) == "B", 1.0, -1.0)
    return ImpactRows(
        ts=np.asarray(t.column("ts_ns").to_numpy(), np.int64)[ok],
        sym=np.asarray(t.column("sym").to_pylist(), object)[ok], side=side[ok],
        qty=_f(t, "qty")[ok], depth1=d1[ok], depth5=depth[ok], volume_5m=vol[ok], y=y[ok],
        spread_bps=spread[ok], sigma_bps=(rv * np.sqrt(HORIZON_S) * 1e4)[ok], anomaly=an[ok])


def size_inputs(qty, depth1, depth5, volume_5m) -> np.ndarray:
    """float64[n, 3] size inputs, non-decreasing in ``qty`` (lots)."""
    qty = np.asarray(qty, np.float64)
    return np.stack([np.log1p(qty / np.asarray(depth1, np.float64)),
                     np.log1p(qty / np.asarray(depth5, np.float64)),
                     np.log1p(100.0 * qty / np.asarray(volume_5m, np.float64))], axis=-1)


def context_inputs(r: ImpactRows) -> np.ndarray:
    """float64[n, 7] market context of each row (no size)."""
    return np.stack([np.log(r.spread_bps), np.log1p(r.sigma_bps), r.anomaly, r.side,
                     np.log1p(r.depth1), np.log1p(r.depth5), np.log1p(r.volume_5m)], axis=-1)


CLIP = 8.0  # standardised inputs beyond +-8 sd are clipped (a clip is non-decreasing)


@dataclasses.dataclass(frozen=True, slots=True)
class Scaler:
    """Mean and standard deviation per column. A column that was constant in training
    (std <= 1e-6, e.g. anomaly scores of a store that was never scored) maps to 0: the
    network learned nothing about it, so a later value must not reach its weights."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Scaler:
        return cls(mean=x.mean(0), std=x.std(0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        inv = np.where(self.std > 1e-6, 1.0 / np.maximum(self.std, 1e-6), 0.0)
        return np.clip((x - self.mean) * inv, -CLIP, CLIP).astype(np.float32)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Scaler:
        return cls(mean=np.asarray(d["mean"], np.float64), std=np.asarray(d["std"], np.float64))


def day_of(ts: np.ndarray) -> np.ndarray:
    """int64[n] UTC day number of each ns timestamp (the walk-forward unit)."""
    return np.asarray(ts, np.int64) // (86_400 * 10**9)
