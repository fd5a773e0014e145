"""Scheduled retraining: train a candidate, compare it with the promoted model on the
newest fold, register the candidate retrained on everything and promote it only if it is
not worse there. Idempotent: with no data newer than the promoted model's training
window it does nothing.

Dask fan-out: the candidate (older folds, scored on the newest) and the model trained on
everything are independent fits; with ``dask`` they run as two tasks on a Dask cluster
(``"local"``: a ``distributed.LocalCluster`` of 2 single-threaded worker processes). The
store is read here and only arrays travel, so workers need no database access. Each fit is
seeded and XLA on CPU is deterministic, so the registered model hash equals the in-process
one (tested).
"""

from __future__ import annotations

import numpy as np

from jaxmodels import evaluate as ev
from jaxmodels import model, persist, training
from jaxmodels.config import TIERS, ModelsConfig
from jaxmodels.data import events, market_rows
from jaxmodels.registry import Registry
from jaxmodels.walkforward import fold_bounds

HIGH = TIERS.index("HIGH_ALERT")


def _quality(mm: model.MarketModel, rows, normal, evs) -> dict:
    _, _, tier = mm.score(rows)
    st = ev.alert_stats(rows.ts, rows.sym, tier >= HIGH, normal, evs, rows.ctx["mid"])
    return {"detected": sum(1 for e in st["events"] if e["delay_s"] is not None),
            "events": len(st["events"]),
            "false_per_sym_hour": st["false_alerts_per_sym_hour"] or 0.0}


def _candidate(rows, normal, newest, evs, cfg: ModelsConfig) -> dict:
    """Fit on the rows before the newest fold; quality on the newest fold (a Dask task)."""
    cand, _ = model.fit_market(rows.take(~newest), normal[~newest], cfg.vae)
    return _quality(cand, rows.take(newest), normal[newest], evs)


def _client(address: str):
    """(Client, LocalCluster or None): ``"local"`` starts a 2-worker LocalCluster."""
    from distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    return Client(address), None


def not_worse(cand: dict, inc: dict, tol: float = 0.1) -> bool:
    """Candidate detects at least as many events and has at most ``tol`` more false alerts
    per symbol-hour."""
    return cand["detected"] >= inc["detected"] and \
        cand["false_per_sym_hour"] <= inc["false_per_sym_hour"] + tol


def retrain(store, reg: Registry, cfg: ModelsConfig, *, since: int = -(2**62), folds: int = 3,
            dask: str | None = None) -> dict:
    rows = market_rows(store, cfg.vae.inputs, since)
    if len(rows.ts) == 0:
        return {"action": "none", "why": "no feature rows"}
    inc_id = reg.promoted("vae")
    if inc_id is not None:
        w = reg.manifest(inc_id).get("training_window") or {}
        if w.get("end_ns", -1) >= int(rows.ts.max()):
            return {"action": "none", "why": f"{inc_id} already covers the newest data"}
    evs = events(store)
    normal = model.normal_mask(rows, evs)
    b = fold_bounds(rows.ts, folds)
    newest = rows.ts > b[-1][0]
    data = training.layer_data(store, cfg, since, 2**62)
    client, cluster = _client(dask) if dask else (None, None)
    try:
        submit = client.submit if client else training._run_here
        f_cand = submit(_candidate, rows, normal, newest, evs, cfg)
        f_full = submit(model.fit_layers, *data, cfg)
        q_c = f_cand.result()
        layers = f_full.result()
    finally:
        if client:
            client.close()
        if cluster:
            cluster.close()
    test = rows.take(newest)
    q_i = _quality(persist.load_market(reg, inc_id), test, normal[newest], evs) \
        if inc_id else None
    ok = q_i is None or not_worse(q_c, q_i)
    out = persist.register_layers(reg, *layers)
    if ok:
        reg.promote(out["vae"])
        if "gbdt" in out:
            reg.promote(out["gbdt"])
    return {"action": "promoted" if ok else "registered only", "candidate": q_c,
            "incumbent": q_i, "incumbent_id": inc_id, "new": {k: out[k] for k in ("vae", "gbdt")
                                                              if k in out},
            "dask": dask,
            "newest_fold_rows": int(np.sum(newest))}
