"""Registry round trips of both layers: arrays plus a JSON manifest per model."""

from __future__ import annotations

import numpy as np

from jaxmodels import gbdt, stress, vae
from jaxmodels.config import GBDTConfig, VAEConfig
from jaxmodels.model import MarketModel
from jaxmodels.prep import Norm
from jaxmodels.registry import Registry, flatten, unflatten


def save_market(reg: Registry, mm: MarketModel, metrics: dict) -> str:
    a = mm.anomaly
    return reg.save("vae", {f"params/{k}": v for k, v in flatten(a.params).items()}, {
        "inputs": list(mm.inputs), "config": a.config.to_dict(),
        "normalisation": {s: n.to_dict() for s, n in mm.norms.items()},
        "thresholds": [float(t) for t in a.thresholds],
        "stress": None if mm.stress is None else mm.stress.to_dict(),
        "training_window": metrics.get("training_window"),
        "metrics": {k: v for k, v in metrics.items() if k != "training_window"}})


def load_market(reg: Registry, mid: str) -> MarketModel:
    arrays, man = reg.load(mid)
    params = unflatten({k.split("/", 1)[1]: v for k, v in arrays.items()})
    cfg = VAEConfig.from_dict(man["config"])
    a = vae.AnomalyModel(params=params, config=cfg, n_features=len(man["inputs"]),
                         thresholds=np.asarray(man["thresholds"], np.float64))
    return MarketModel(anomaly=a, norms={s: Norm.from_dict(d) for s, d in
                                         man["normalisation"].items()},
                       inputs=tuple(man["inputs"]),
                       stress=stress.StressModel.from_dict(man["stress"])
                       if man.get("stress") else None)


def save_trees(reg: Registry, tm: gbdt.TreeModel, metrics: dict, window: dict | None) -> str:
    return reg.save("gbdt", {"feat": tm.feat, "thr": tm.thr, "leaf": tm.leaf}, {
        "inputs": list(tm.config.inputs), "config": tm.config.to_dict(), "base": tm.base,
        "threshold": tm.threshold, "n_trees": tm.n_trees, "normalisation": None,
        "training_window": window, "metrics": metrics})


def load_trees(reg: Registry, mid: str) -> gbdt.TreeModel:
    arrays, man = reg.load(mid)
    return gbdt.TreeModel(feat=arrays["feat"], thr=arrays["thr"], leaf=arrays["leaf"],
                          base=float(man["base"]), threshold=float(man["threshold"]),
                          config=GBDTConfig.from_dict(man["config"]), n_trees=man["n_trees"])


def register_layers(reg: Registry, mm, mmet, tm, tmet) -> dict:
    vid = save_market(reg, mm, mmet)
    out = {"vae": vid, "vae_metrics": {k: v for k, v in mmet.items() if k != "history"}}
    if tm is not None:
        out["gbdt"] = save_trees(reg, tm, {k: v for k, v in tmet.items() if k != "curve"},
                                 mmet["training_window"])
        out["gbdt_metrics"] = {k: v for k, v in tmet.items() if k != "curve"}
    return out
