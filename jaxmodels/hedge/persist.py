"""The hedger in the model registry: kind "hedge", the network's arrays plus a manifest
with its configuration, training record and out-of-sample evaluation."""

from __future__ import annotations

from jaxmodels.hedge.config import HedgeConfig
from jaxmodels.hedge.training import Trained, as_jax
from jaxmodels.registry import Registry, flatten, unflatten

KIND = "hedge"


def save(reg: Registry, cfg: HedgeConfig, trained: Trained, evaluation: dict | None) -> str:
    """Register a trained hedger; return its id."""
    return reg.save(KIND, {f"params/{k}": v for k, v in flatten(trained.params).items()}, {
        "config": cfg.to_dict(), "normalisation": None, "training_window": None,
        "training": {"wall_s": trained.wall_s, "backend": trained.backend,
                     "seed_kept": trained.seed, "val_objective": trained.val_objective,
                     "final_loss": [float(x) for x in trained.history[-1]]},
        "metrics": evaluation or {}})


def load(reg: Registry, mid: str) -> tuple[HedgeConfig, dict, dict]:
    """(config, network parameters as jax arrays, manifest) of hedger ``mid``."""
    arrays, man = reg.load(mid)
    params = unflatten({k.split("/", 1)[1]: v for k, v in arrays.items()})
    return HedgeConfig.from_dict(man["config"]), as_jax(params), man
