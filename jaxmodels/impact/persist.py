"""Registry round trip of the impact model (kind ``impact``): the network's parameters as
arrays, the configuration, scalers and conformal widening in the manifest."""

from __future__ import annotations

import jax
import numpy as np

from jaxmodels.impact.config import ImpactConfig
from jaxmodels.impact.data import CONTEXT_INPUTS, SIZE_INPUTS, Scaler
from jaxmodels.impact.train import ImpactModel
from jaxmodels.registry import Registry, flatten, unflatten

KIND = "impact"


def save(reg: Registry, m: ImpactModel, metrics: dict, window: dict | None = None) -> str:
    """Store ``m``; returns its registry id."""
    params = jax.tree_util.tree_map(np.asarray, m.params)
    return reg.save(KIND, {f"params/{k}": v for k, v in flatten(dict(params)).items()}, {
        "inputs": list(SIZE_INPUTS + CONTEXT_INPUTS), "config": m.config.to_dict(),
        "normalisation": {"size": m.s_scaler.to_dict(), "context": m.c_scaler.to_dict()},
        "widen": m.widen, "training_window": window,
        "metrics": {k: v for k, v in metrics.items() if k != "history"}})


def config_of(saved: dict) -> ImpactConfig:
    """A manifest's configuration; one saved before ``interval_scale`` existed was widened
    in half-spread units."""
    return ImpactConfig.from_dict({"interval_scale": "half"} | saved)


def load(reg: Registry, mid: str) -> ImpactModel:
    arrays, man = reg.load(mid)
    params = unflatten({k.split("/", 1)[1]: v for k, v in arrays.items()})
    norm = man["normalisation"]
    return ImpactModel(params=params, config=config_of(man["config"]),
                       s_scaler=Scaler.from_dict(norm["size"]),
                       c_scaler=Scaler.from_dict(norm["context"]), widen=float(man["widen"]))
