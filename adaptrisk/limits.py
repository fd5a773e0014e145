"""One limits contract between the calibrator and the enforcer.

The enforcer's strict ``StaticLimits`` (``enforcer/static_limits.toml`` or the file given
with ``--static-limits``) is the static floor; the calibrator clips model limits to it.
jaxmodels never reads the enforcer's files: ``with_static_caps`` hands the caps over, field
by field under the same names (the ``risk_limits`` columns), so the limits written and the
limits the gate applies come from one file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from enforcer.config import DEFAULT_STATIC_LIMITS, StaticLimits, SymLimits
from jaxmodels.config import CAP_FIELDS, ModelsConfig, StaticCaps


def caps_from(lim: SymLimits, model_caps: StaticCaps) -> StaticCaps:
    """Field-wise tighter of the enforcer's limits of one symbol and the model's own caps."""
    return StaticCaps(**{k: type(getattr(model_caps, k))(min(getattr(lim, k),
                                                             getattr(model_caps, k)))
                         for k in CAP_FIELDS})


def with_static_caps(cfg: ModelsConfig, static: StaticLimits | Path | str | None = None
                     ) -> ModelsConfig:
    """``cfg`` with ``calib.caps`` / ``calib.symbol_caps`` taken from the enforcer's static
    rule set (a ``StaticLimits``, a TOML path, or None for the enforcer's default file)."""
    if not isinstance(static, StaticLimits):
        static = StaticLimits.load(static or DEFAULT_STATIC_LIMITS)
    own = cfg.calib.caps
    calib = dataclasses.replace(
        cfg.calib, caps=caps_from(static.defaults, own),
        symbol_caps={s: caps_from(lim, own) for s, lim in sorted(static.symbols.items())})
    return dataclasses.replace(cfg, calib=calib)
