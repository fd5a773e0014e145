"""The impact model's actions, written back as ``exec_advice`` rows: per symbol, the size cap
(the largest order whose predicted slippage is within the budget) and the execution
algorithm for a reference parent order (TWAP, VWAP or POV with a participation cap), chosen
by the schedule's predicted cost among those whose children the size cap lets through (the
gentlest when none does). Both sides are priced; the costlier side counts.

Runs beside the models (a batch job), never on the order path: the enforcer reads the rows.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from jaxmodels.impact import schedule
from jaxmodels.impact.config import AdviceConfig
from jaxmodels.impact.data import HORIZON_S, ImpactRows
from jaxmodels.impact.train import ImpactModel


def state_rows(t: pa.Table) -> dict[str, ImpactRows]:
    """``impact/market_state.sql`` rows -> per symbol, a two-row ImpactRows (buy, sell) with
    qty 1 (a placeholder: prices are asked at explicit sizes)."""
    out = {}
    for r in t.to_pylist():
        if r["spread_bps"] is None or not r["spread_bps"] > 0:
            continue  # no two-sided quote: no advice
        vol = max(float(r["volume_5m"] or 0), 1.0)
        rv = float(r["rv_1m"] or 0.0)
        d5 = [max(float(r["depth5_ask"] or 0), 1.0), max(float(r["depth5_bid"] or 0), 1.0)]
        d1 = [max(float(r["ask_size"] or 0), 1.0), max(float(r["bid_size"] or 0), 1.0)]
        f = np.asarray
        out[r["sym"]] = ImpactRows(
            ts=f([r["ts_ns"]] * 2, np.int64), sym=f([r["sym"]] * 2, object),
            side=f([1.0, -1.0]), qty=f([1.0, 1.0]), depth1=f(d1), depth5=f(d5),
            volume_5m=f([vol, vol]), y=f([np.nan, np.nan]),
            spread_bps=f([r["spread_bps"]] * 2, np.float64),
            sigma_bps=f([rv * math.sqrt(HORIZON_S) * 1e4] * 2),
            anomaly=f([float(r["anomaly_score"] or 0.0)] * 2))
    return out


def child_cost(model: ImpactModel, r: ImpactRows, sizes: np.ndarray) -> np.ndarray:
    """float64[k] predicted median slippage (bps) of orders of ``sizes`` lots, the costlier
    side of ``r``'s two rows."""
    sizes = np.maximum(np.asarray(sizes, np.float64), 1e-9)
    k = len(sizes)
    rep = r.take(np.repeat(np.arange(len(r)), k))
    q = model.predict(rep, qty=np.tile(sizes, len(r)))[:, 1].reshape(len(r), k)
    return q.max(axis=0)


def size_cap(model: ImpactModel, r: ImpactRows, cfg: AdviceConfig) -> int:
    """Largest qty (lots) on a geometric grid up to 10x the 5 minutes' volume whose
    predicted slippage is within ``budget_bps`` (0 when 1 lot is not). The grid is exact
    for a model non-decreasing in size (checked by the tests on a grid)."""
    top = max(10.0 * float(r.volume_5m[0]), 10.0 * float(r.depth5.max()), 10.0)
    grid = np.unique(np.round(np.geomspace(1.0, top, cfg.max_qty_grid)))
    ok = child_cost(model, r, grid) <= cfg.budget_bps
    return int(grid[ok].max()) if ok.any() else 0


def choose(model: ImpactModel, r: ImpactRows, forecast: np.ndarray, cfg: AdviceConfig,
           max_child: float = float("inf")) -> dict:
    """The cheapest schedule of the reference parent whose largest child (POV's sweep
    included) is within ``max_child`` lots (the size cap: a larger child would be refused);
    when none is, the one with the smallest largest child. Returns algo, participation cap,
    largest child and predicted cost (bps). ``forecast`` float[n] lots per child interval."""
    n = cfg.n_children
    f = np.asarray(forecast, np.float64)
    f = f if len(f) == n and f.sum() > 0 else np.full(n, float(r.volume_5m[0]) / n)
    parent = max(float(cfg.min_parent_qty), cfg.parent_share * float(r.volume_5m[0]))
    per = float(r.volume_5m[0]) * cfg.child_every_s / HORIZON_S
    cands = [("TWAP", 0.0, schedule.twap(parent, n)), ("VWAP", 0.0, schedule.vwap(parent, f))]
    cands += [("POV", p, schedule.pov(parent, f, p, per)) for p in cfg.pov_caps]
    best, best_key = None, None
    for algo, cap, kids in cands:
        live = kids[kids > 0]
        cost = schedule.schedule_cost(live, child_cost(model, r, live))
        clip = int(max(1, math.ceil(live.max())))
        key = (0, cost) if clip <= max_child else (1, clip, cost)
        if best_key is None or key < best_key:
            part = cap if algo == "POV" else float(np.max(kids[:n] / np.maximum(f, 1.0)))
            best_key = key
            best = {"algo": algo, "participation_cap": float(min(max(part, 1e-6), 1.0)),
                    "clip_qty": clip, "parent_qty": int(parent), "predicted_cost_bps": cost}
    return best


def advice_rows(model: ImpactModel, version: str, state: pa.Table,
                forecasts: dict[str, np.ndarray], cfg: AdviceConfig) -> pa.Table:
    """``exec_advice`` rows, one per symbol with a two-sided market in ``state``."""
    rows = []
    for sym, r in state_rows(state).items():
        cap = size_cap(model, r, cfg)
        c = choose(model, r, forecasts.get(sym, np.zeros(0)), cfg, max_child=max(cap, 1))
        rows.append({"ts": int(r.ts[0]), "sym": sym, **c, "impact_max_qty": cap,
                     "budget_bps": cfg.budget_bps, "model_version": version})
    cols = ("ts", "sym", "algo", "participation_cap", "clip_qty", "impact_max_qty",
            "budget_bps", "parent_qty", "predicted_cost_bps", "model_version")
    t = pa.table({k: [row[k] for row in rows] for k in cols}) if rows else None
    if t is None:
        return pa.table({k: pa.array([], pa.string() if k in ("sym", "algo", "model_version")
                                     else pa.float64()) for k in cols})
    return t.set_column(0, "ts", pa.array(np.asarray(t.column("ts").to_numpy(), np.int64))
                        .view(pa.timestamp("ns")))


def forecasts_from(t: pa.Table, n: int) -> dict[str, np.ndarray]:
    """``impact/volume_profile.sql`` rows -> lots per interval per symbol, float64[n]."""
    out: dict[str, np.ndarray] = {}
    for r in t.to_pylist():
        v = out.setdefault(r["sym"], np.zeros(n))
        if 0 <= int(r["k"]) < n:
            v[int(r["k"])] += float(r["volume"])
    return out


def advise(store, model: ImpactModel, version: str, at: int, cfg: AdviceConfig | None = None
           ) -> pa.Table:
    """Advice as of ``at`` (UTC ns) from the store's market state and the window before."""
    cfg = cfg or AdviceConfig()
    state = store.query_file("impact/market_state.sql", {"at": int(at)})
    step = int(cfg.child_every_s * 1e9)
    prof = store.query_file("impact/volume_profile.sql", {
        "since": int(at) - cfg.n_children * step, "step": step, "n": cfg.n_children})
    return advice_rows(model, version, state, forecasts_from(prof, cfg.n_children), cfg)


def write(store, rows: pa.Table) -> int:
    """Append advice rows; returns rows written."""
    return store.ingest("exec_advice", rows, session=None) if rows.num_rows else 0
