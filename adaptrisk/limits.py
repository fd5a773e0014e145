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
from tsdb.instruments import Instruments

_BUILT_IN = StaticCaps()


def caps_from(lim: SymLimits, model_caps: StaticCaps, lot_size: float = 1.0) -> StaticCaps:
    """The enforcer's limits of one symbol, field by field tightened by a cap the models
    config sets below them (values kept as they are: a cap of 1.5 BTC stays 1.5), with the
    symbol's lot size. A model cap at its built-in default is no setting: those defaults
    stand in only when no rule set is handed over (they had clipped a block desk's static
    100,000-lot max order to 10,000 and its 10 M position to 100,000, which blocked 2,000 of
    its calm orders that its own rules allow)."""
    def cap(k: str) -> float:
        own = getattr(model_caps, k)
        return getattr(lim, k) if own == getattr(_BUILT_IN, k) else min(getattr(lim, k), own)

    return StaticCaps(**{k: cap(k) for k in CAP_FIELDS}, lot_size=float(lot_size))


def with_static_caps(cfg: ModelsConfig, static: StaticLimits | Path | str | None = None,
                     instruments: Instruments | Path | str | None = None) -> ModelsConfig:
    """``cfg`` with ``calib.caps`` / ``calib.symbol_caps`` taken from the enforcer's static
    rule set (a ``StaticLimits``, a TOML path, or None for the enforcer's default file) and
    each symbol's lot size from ``instruments`` (the table the enforcer converts lots with;
    None: every lot is 1)."""
    if not isinstance(static, StaticLimits):
        static = StaticLimits.load(static or DEFAULT_STATIC_LIMITS)
    if instruments is not None and not isinstance(instruments, Instruments):
        instruments = Instruments.load(instruments)
    lots = {} if instruments is None else {
        i.sym: float(i.lot_size) for i in instruments.instruments if float(i.lot_size) != 1.0}
    own = cfg.calib.caps
    syms = sorted(set(static.symbols) | set(lots))
    calib = dataclasses.replace(
        cfg.calib, caps=caps_from(static.defaults, own),
        symbol_caps={s: caps_from(static.symbols.get(s, static.defaults), own,
                                  lots.get(s, 1.0)) for s in syms})
    return dataclasses.replace(cfg, calib=calib)
