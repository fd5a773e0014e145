"""Concept drift: is the live market still the one the promoted model was trained on?

Per input feature of the VAE, the two-sample Kolmogorov-Smirnov statistic and the
population stability index (PSI, 10 quantile bins of the training window) of the live
window vs the training window; the same for the smoothed anomaly score (live vs training
window, both scored by the promoted model). Thresholds are ``DriftConfig``. A check writes
one ``drift_alerts`` row per feature, one for the score and one summary verdict; while the
newest verdict of the model in force says drifting, ``publish.publish`` issues static
limits with reason 'drift' (when ``CalibConfig.drift_fallback``) until a retrained model is
promoted.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jaxmodels.config import DriftConfig, ModelsConfig
from jaxmodels.data import market_rows

PSI_EPS = 1e-4  # floor of a bin share, so an empty bin gives a large but finite PSI


def ks_stat(ref: np.ndarray, live: np.ndarray) -> float:
    """Two-sample KS statistic sup |F_ref - F_live| of float[n], float[m] (NaN dropped);
    NaN when either side is empty."""
    a = np.sort(ref[np.isfinite(ref)])
    b = np.sort(live[np.isfinite(live)])
    if not len(a) or not len(b):
        return float("nan")
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def psi(ref: np.ndarray, live: np.ndarray, bins: int = 10) -> float:
    """Population stability index sum (p_live - p_ref) ln(p_live / p_ref) over ``bins``
    quantile bins of ``ref`` (ties merged; NaN dropped); NaN when either side is empty."""
    a, b = ref[np.isfinite(ref)], live[np.isfinite(live)]
    if not len(a) or not len(b):
        return float("nan")
    edges = np.unique(np.quantile(a, np.linspace(0, 1, bins + 1)[1:-1]))
    pa_ = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
    pb_ = np.bincount(np.searchsorted(edges, b, side="right"), minlength=len(edges) + 1)
    p = np.maximum(pa_ / len(a), PSI_EPS)
    q = np.maximum(pb_ / len(b), PSI_EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def compare(ref: np.ndarray, live: np.ndarray, names: tuple[str, ...], cfg: DriftConfig,
            ref_score: np.ndarray | None = None,
            live_score: np.ndarray | None = None) -> dict:
    """Drift of live rows float[m, F] vs reference rows float[n, F] (columns ``names``).

    Returns {features: [{name, ks, psi, drifting}], score: {...} or None, n_drifting,
    drifting}: a feature drifts when KS > ks_max or PSI > psi_max; the window drifts when
    at least ``max_drifting_features`` features do or the score PSI > score_psi_max.
    """
    feats = []
    for j, n in enumerate(names):
        k, p = ks_stat(ref[:, j], live[:, j]), psi(ref[:, j], live[:, j])
        feats.append({"name": n, "ks": k, "psi": p,
                      "drifting": bool(k > cfg.ks_max or p > cfg.psi_max)})
    score = None
    if ref_score is not None and live_score is not None:
        k, p = ks_stat(ref_score, live_score), psi(ref_score, live_score)
        score = {"name": "anomaly_score", "ks": k, "psi": p,
                 "drifting": bool(p > cfg.score_psi_max)}
    n = sum(f["drifting"] for f in feats)
    return {"features": feats, "score": score, "n_drifting": n,
            "drifting": bool(n >= cfg.max_drifting_features or (score and score["drifting"]))}


def _sample(n: int, k: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices of an evenly random subsample of at most k of n rows."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def check(store, reg, cfg: ModelsConfig, *, since: int, until: int = 2**62,
          write: bool = True, max_rows: int = 200_000) -> dict:
    """Compare buckets in (since, until] with the promoted VAE's training window; write the
    verdict to ``drift_alerts`` and, when drifting and ``cfg.calib.drift_fallback``, static
    ``risk_limits`` rows (reason 'drift') for the live symbols. Returns the comparison plus
    ``model``, ``rows_written`` and ``static_rows``."""
    from jaxmodels import calibrate, persist

    mid = reg.promoted("vae")
    if mid is None:
        return {"model": None, "drifting": False, "why": "no promoted model"}
    mm = persist.load_market(reg, mid)
    win = reg.manifest(mid).get("training_window") or {}
    ref = market_rows(store, mm.inputs, int(win["start_ns"]) - 1, int(win["end_ns"]))
    live = market_rows(store, mm.inputs, since, until)
    if not len(live.ts) or not len(ref.ts):
        return {"model": mid, "drifting": False, "why": "no live or no training rows"}
    _, sm_ref, _ = mm.score(ref)
    _, sm_live, _ = mm.score(live)
    ir, il = _sample(len(ref.ts), max_rows), _sample(len(live.ts), max_rows, 1)
    out = compare(ref.x[ir], live.x[il], mm.inputs, cfg.drift, sm_ref[ir], sm_live[il])
    ts, t0 = int(live.ts.max()), int(live.ts.min())
    out.update(model=mid, live_rows=len(live.ts), train_rows=len(ref.ts), rows_written=0,
               static_rows=0)
    if write:
        rows = out["features"] + [out["score"]]
        kinds = ["feature"] * len(out["features"]) + ["score"]
        rows.append({"name": "*", "ks": None, "psi": None, "drifting": out["drifting"]})
        kinds.append("summary")
        out["rows_written"] = store.ingest("drift_alerts", alerts_table(
            ts, t0, win, rows, kinds, mid), session=None)
        if out["drifting"] and cfg.calib.drift_fallback:
            reason = f"drift: {out['n_drifting']} features, score psi {out['score']['psi']:.3g}"
            lim = calibrate.static_rows(ts, live.syms, cfg.calib, reason)
            out["static_rows"] = store.append_limits(lim)
    return out


def alerts_table(ts: int, live_start: int, win: dict, rows: list[dict], kinds: list[str],
                 model: str) -> pa.Table:
    """Arrow table with the ``drift_alerts`` columns (sym '*')."""
    n = len(rows)
    tsa = lambda v: pa.array([int(v)] * n, pa.timestamp("ns"))  # noqa: E731
    f = lambda k: pa.array([None if r[k] is None or not np.isfinite(r[k]) else float(r[k])  # noqa: E731
                            for r in rows], pa.float64())
    return pa.table({
        "ts": tsa(ts), "sym": pa.array(["*"] * n, pa.string()),
        "kind": pa.array(kinds, pa.string()), "name": pa.array([r["name"] for r in rows]),
        "ks": f("ks"), "psi": f("psi"),
        "drifting": pa.array([bool(r["drifting"]) for r in rows], pa.bool_()),
        "live_start": tsa(live_start), "train_start": tsa(win["start_ns"]),
        "train_end": tsa(win["end_ns"]), "model_version": pa.array([model] * n, pa.string()),
    })


def in_drift(store, model: str) -> bool:
    """True when the newest drift verdict of ``model`` says drifting."""
    r = store.query_file("models/drift_state.sql", {"model": model}).to_pylist()
    return bool(r and r[0]["drifting"])
