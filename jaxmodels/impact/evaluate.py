"""Walk-forward evaluation of the impact network against the baselines.

Folds: with labels on two or more UTC days, each day from the second is a test fold for a
model trained on every day before it; on one day (a real LOBSTER sample), the day is cut
into ``time_parts`` equal spans of time and each span from the second is tested after
training on the spans before. The baselines are fitted on the same training rows.
Figures: mean absolute error (bps) of the median against realised slippage, for the
network, the square-root law and the 3/5 law; coverage of the 10-90 % interval.
"""

from __future__ import annotations

import numpy as np

from jaxmodels.impact import baselines as B
from jaxmodels.impact.config import ImpactConfig
from jaxmodels.impact.data import ImpactRows, day_of
from jaxmodels.impact.train import ImpactModel, fit


def folds(r: ImpactRows, time_parts: int = 4, max_folds: int | None = None
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train mask, test mask) pairs in time order (rows of ``r`` are in time order)."""
    d = day_of(r.ts)
    days = np.unique(d)
    if len(days) >= 2:
        out = [(d < k, d == k) for k in days[1:]]
    else:
        edges = np.linspace(r.ts.min(), r.ts.max() + 1, time_parts + 1)
        part = np.clip(np.searchsorted(edges, r.ts, side="right") - 1, 0, time_parts - 1)
        out = [(part < k, part == k) for k in range(1, time_parts)]
    out = [(a, b) for a, b in out if a.sum() >= 10 and b.sum() >= 1]
    return out[-max_folds:] if max_folds else out


def baseline_predictions(tr: ImpactRows, te: ImpactRows) -> dict[str, np.ndarray]:
    """float64[n_test] predictions of the square-root and 3/5 laws fitted on ``tr``."""
    out = {}
    for name, beta in (("sqrt", B.SQRT), ("almgren", B.ALMGREN)):
        pl = B.fit_power_law(tr.sym, tr.spread_bps, tr.sigma_bps, tr.qty, tr.volume_5m, tr.y,
                             beta)
        out[name] = pl.predict(te.sym, te.spread_bps, te.sigma_bps, te.qty, te.volume_5m)
    return out


def scores(te: ImpactRows, q: np.ndarray, base: dict[str, np.ndarray]) -> dict:
    """Figures of one test set: MAE per predictor, coverage, rows."""
    out = {"rows": len(te), "mae_net": float(np.abs(q[:, 1] - te.y).mean()),
           "coverage_80": float(((q[:, 0] <= te.y) & (te.y <= q[:, 2])).mean())}
    for k, p in base.items():
        out[f"mae_{k}"] = float(np.abs(p - te.y).mean())
    out["mae_vs_sqrt"] = out["mae_net"] / out["mae_sqrt"] - 1 if out["mae_sqrt"] > 0 else 0.0
    walk = te.qty > te.depth1  # orders larger than the opposite touch: they walk the book
    out["walkers"] = int(walk.sum())
    if walk.any():
        out["mae_net_walkers"] = float(np.abs(q[walk, 1] - te.y[walk]).mean())
        out["mae_sqrt_walkers"] = float(np.abs(base["sqrt"][walk] - te.y[walk]).mean())
    return out


def walk_forward(r: ImpactRows, cfg: ImpactConfig | None = None, *, time_parts: int = 4,
                 max_folds: int | None = None) -> dict:
    """Per-fold and pooled figures (pooled over all test rows), plus each fold's model
    (trained on everything before its test span) for callers that replay it: ``models`` is
    a list of (model, first test ns, last test ns)."""
    per, pool_q, pool_b, pool_y, models = [], [], {}, [], []
    for tr_m, te_m in folds(r, time_parts, max_folds):
        tr, te = r.take(tr_m), r.take(te_m)
        model, met = fit(tr, cfg)
        q, base = model.predict(te), baseline_predictions(tr, te)
        per.append({"test_start_ns": int(te.ts.min()), "train_rows": len(tr),
                    **scores(te, q, base), "widen": met["widen"]})
        pool_q.append(q)
        pool_y.append(te)
        for k, v in base.items():
            pool_b.setdefault(k, []).append(v)
        models.append((model, int(te.ts.min()), int(te.ts.max())))
    if not per:
        return {"folds": [], "pooled": None, "models": []}
    te_all = ImpactRows(*(np.concatenate([getattr(t, f) for t in pool_y])
                          for f in ImpactRows.__dataclass_fields__))
    pooled = scores(te_all, np.concatenate(pool_q),
                    {k: np.concatenate(v) for k, v in pool_b.items()})
    return {"folds": per, "pooled": pooled, "models": models}


def at_touch_share(r: ImpactRows) -> float:
    """Share of orders filled exactly at the touch (slippage = half the spread)."""
    return float(np.isclose(r.y, r.spread_bps / 2, rtol=1e-9, atol=1e-9).mean()) if len(r) else 0.0


def implied_exponent(model: ImpactModel, r: ImpactRows, lo: float = 0.02, hi: float = 0.5
                     ) -> float:
    """The network's exponent: slope of log(predicted median - half spread) against log(Q/V)
    for Q/V on a grid in [lo, hi], averaged over the rows of ``r``."""
    frac = np.geomspace(lo, hi, 16)
    slopes = []
    for i in range(len(r)):
        one = r.take(np.full(len(frac), i))
        ex = model.predict(one, qty=frac * r.volume_5m[i])[:, 1] - r.spread_bps[i] / 2
        if (ex > 0).all():
            slopes.append(np.polyfit(np.log(frac), np.log(ex), 1)[0])
    return float(np.mean(slopes)) if slopes else float("nan")
