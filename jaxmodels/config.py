"""Configuration of the model layer: frozen, keyword-only dataclasses that round-trip to
TOML/JSON (``to_dict`` / ``from_dict`` reject unknown fields).

Durations carry their unit in the field name; rates are fractions (0.001 = 0.1 %).
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any

from jaxmodels.errors import MSG_BAD_VALUE, MSG_UNKNOWN_FIELDS, ModelError

TIERS: tuple[str, ...] = ("NORMAL", "ELEVATED", "HIGH_ALERT", "CRITICAL")
STATES: tuple[str, ...] = ("ACTIVE", "REDUCING", "HALTED")

# Market-state inputs of the VAE (columns of the features table) and how each is shaped
# before robust standardisation: "log" = log1p(max(x, 0)), "slog" = sign(x) log1p(|x|).
MARKET_INPUTS: tuple[str, ...] = (
    "spread_bps", "imbalance_l1", "imbalance_l5", "book_pressure", "depth5_bid", "depth5_ask",
    "trade_count", "volume", "signed_volume", "quote_updates", "quote_rate_1s",
    "trade_to_order_1s", "ret_1s", "ret_10s", "rv_1m", "locked_crossed", "large_trade",
)
LOG_INPUTS: tuple[str, ...] = (
    "spread_bps", "depth5_bid", "depth5_ask", "trade_count", "volume", "quote_updates",
    "quote_rate_1s", "trade_to_order_1s",
)
SIGNED_LOG_INPUTS: tuple[str, ...] = ("signed_volume",)
# Order-level inputs of the boosted trees (layer 1): columns of ``jaxmodels.data.order_rows``,
# sizes only against the trader's own history and the symbol's volume, never absolute (a
# model on log qty or notional flagged 98 % of orders of traders with 300-500-lot medians):
# each is proportional to qty given the baseline, or the trader's log-qty z-score / scale,
# so ``jaxmodels.layer1`` can invert the trees into a max qty per (sym, trader). Price
# errors are the gate's collar's (in size they look like valid orders).
ORDER_INPUTS: tuple[str, ...] = (
    "qty_over_trader_median", "qty_over_trader_max", "log_qty_z", "log_qty_scale",
    "qty_over_vol_20m", "qty_over_avg_trade",
)


class Conf:
    """Mixin: plain-dict round trip that rejects unknown fields. Nested configs (a field
    typed as a ``Conf`` subclass, or ``dict[str, <Conf subclass>]``) are found from the
    dataclass's type hints, so every config module of the model layer shares this one."""

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            out[f.name] = v.to_dict() if isinstance(v, Conf) else (
                list(v) if isinstance(v, tuple) else (
                    {k: x.to_dict() for k, x in v.items()} if isinstance(v, dict) else v))
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]):
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(d) - set(fields))
        if unknown:
            raise ModelError(MSG_UNKNOWN_FIELDS.format(cls=cls.__name__, names=unknown))
        subs, maps = _nested(cls)
        kw = {}
        for k, v in d.items():
            if k in maps and isinstance(v, dict):
                kw[k] = {s: maps[k].from_dict(x) for s, x in v.items()}
            elif k in subs and isinstance(v, dict):
                kw[k] = subs[k].from_dict(v)
            else:
                kw[k] = tuple(v) if isinstance(v, list) else v
        return cls(**kw)


_Conf = Conf  # this module's own classes keep their short base name


@functools.cache
def _nested(cls: type) -> tuple[dict[str, type], dict[str, type]]:
    """({field: Conf subclass}, {field: Conf subclass of a dict[str, ...] field}) of cls."""
    subs, maps = {}, {}
    for name, hint in typing.get_type_hints(cls).items():
        if isinstance(hint, type) and issubclass(hint, Conf):
            subs[name] = hint
        elif typing.get_origin(hint) is dict:
            val = typing.get_args(hint)[1]
            if isinstance(val, type) and issubclass(val, Conf):
                maps[name] = val
    return subs, maps


def check(cls: str, name: str, value: Any, ok: bool, why: str) -> None:
    """Raise ModelError (one line) unless ``ok``: a config value out of its range."""
    if not ok:
        raise ModelError(MSG_BAD_VALUE.format(cls=cls, name=name, value=value, why=why))


_check = check


@dataclasses.dataclass(frozen=True, kw_only=True)
class VAEConfig(_Conf):
    """Layer-2 VAE: architecture, training and tier quantiles.

    Tiers come from the smoothed score held for ``persist_buckets`` buckets (its trailing
    minimum). ELEVATED opens at the ``tier_quantiles[0]`` quantile of that on held-out normal
    data; HIGH_ALERT and CRITICAL at the levels that held-out normal data would cross
    ``episodes_per_day`` times per symbol and 6.5 h session (alert episodes, merged within
    ``episode_merge_s``), extrapolated with an exponential tail fitted to the episode peaks
    above the ELEVATED level (peaks over threshold), and never below the quantiles
    ``tier_quantiles[1:]``. Windowed features are incomplete just after the open, so tiers are
    capped at ELEVATED for ``open_warmup_s``. ``ewma_half_life`` is in buckets (100 ms each
    by default). On each symbol the thresholds are multiplied by ``max(1, trailing q / u)``:
    q is the ``tier_quantiles[0]`` quantile of the symbol's own held score over its trailing
    ``tail_window`` buckets, u the ELEVATED threshold and the training rule re-applied to that trailing window
    (``vae.symbol_thresholds``), so an instrument
    with a heavier ordinary tail than the training ones (real vs simulated) is not in
    permanent alert. The stretch is at most ``tail_max_stretch``, and held scores of a
    session's first ``tail_skip_open_s`` never enter a tail window (warm-up scores are
    10-20x ELEVATED). HIGH_ALERT is at least the split-conformal level of 1-minute block
    maxima of the held-out normal scores (``vae.conformal_high``), which bounds the expected
    false HIGH episodes per symbol-day on exchangeable normal sessions; the bound is in the
    fit metrics (``conformal.false_high_bound_per_day``). ``score`` is ``recon`` (reconstruction error) or ``nelbo`` (negative ELBO).
    """

    inputs: tuple[str, ...] = MARKET_INPUTS
    hidden: int = 64
    latent: int = 6
    beta: float = 1.0
    learning_rate: float = 2e-3
    batch_size: int = 1024
    epochs: int = 4
    max_steps: int = 3000
    holdout_fraction: float = 0.25
    holdout_block: int = 3000  # rows (5 min of 100 ms buckets)
    score: str = "recon"
    ewma_half_life: float = 3.0
    clip_sigma: float = 30.0
    online_half_life: float = 6000.0  # buckets (10 min): trailing per-symbol re-standardising
    online_warm: int = 600  # buckets of history before the trailing statistics are used
    open_warmup_s: float = 120.0  # tiers capped at ELEVATED this long after a session opens
    tier_quantiles: tuple[float, float, float] = (0.995, 0.9995, 0.99995)
    episodes_per_day: tuple[float, float] = (0.5, 0.05)  # HIGH_ALERT, CRITICAL
    episode_merge_s: float = 60.0
    persist_buckets: int = 2
    tail_window: int = 36000  # buckets (1 h): per-symbol tail calibration of the thresholds
    tail_warm: int = 600  # buckets of history before it applies (0 tail_window = off)
    tail_block: int = 600  # buckets between refreshes of the trailing quantile
    tail_gate: float = 1.5  # own-tail ratio from which the symbol's own tail fit is used too
    tail_max_stretch: float = 8.0  # per-symbol thresholds never above training x this
    tail_skip_open_s: float = 300.0  # a session's first seconds never enter a tail window
    score_batch: int = 4096  # rows per scoring call
    score_block: int = 16  # rows per block inside a call (0: one matmul, see raw_scores)
    seed: int = 0

    def __post_init__(self) -> None:
        n = "VAEConfig"
        _check(n, "score", self.score, self.score in ("recon", "nelbo"), "recon or nelbo")
        q = self.tier_quantiles
        _check(n, "tier_quantiles", q, len(q) == 3 and 0 < q[0] < q[1] < q[2] < 1,
               "three increasing quantiles in (0, 1)")
        _check(n, "ewma_half_life", self.ewma_half_life, self.ewma_half_life >= 0, ">= 0")
        e = self.episodes_per_day
        _check(n, "episodes_per_day", e, len(e) == 2 and e[0] > e[1] > 0,
               "two decreasing positive rates (HIGH_ALERT, CRITICAL)")
        _check(n, "holdout_fraction", self.holdout_fraction,
               0 < self.holdout_fraction < 1, "in (0, 1)")
        _check(n, "tail_window", self.tail_window, self.tail_window >= 0, ">= 0")
        _check(n, "tail_max_stretch", self.tail_max_stretch, self.tail_max_stretch >= 1, ">= 1")
        _check(n, "tail_skip_open_s", self.tail_skip_open_s, self.tail_skip_open_s >= 0,
               ">= 0")
        for k in ("hidden", "latent", "batch_size", "epochs", "max_steps", "score_batch",
                  "persist_buckets", "tail_warm", "tail_block"):
            _check(n, k, getattr(self, k), getattr(self, k) >= 1, ">= 1")
        _check(n, "score_block", self.score_block, self.score_block >= 0, ">= 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StressConfig(_Conf):
    """Layer 2's interpretable stress statistics (``jaxmodels.stress``), beside the VAE.

    Per symbol and 100 ms bucket, against slow baselines of the session so far (as of the
    previous bucket; a new session after a gap starts them afresh): the |10 s| mid
    log-return in units of a slow L4 norm of 1 s returns (EWMA, half-life
    ``vol_half_life_s``, floored at ``vol_floor_bps`` per sqrt(s)); the mid's distance from
    its EWMA (half-life ``drift_half_life_s``) in units of that distance's standard deviation
    under a random walk at the slow L2 volatility; log spread above and log thinner top-5
    depth below their EWMAs (half-life ``base_half_life_s``), in units of their own slow RMS
    deviation (floored at ``disp_floor``); the mid's drift t-statistic over 100 ms returns
    weighted with half-life ``trend_half_life_s`` (self-normalised: ~|N(0, 1)| for a
    martingale at any volatility). Each is held ``persist_buckets`` (trailing minimum: a
    statistic must last 1 s; a normal market's single-bucket spread and depth flickers do
    not). No parameter is fitted to data but the calibration: each statistic is scaled by
    its largest 1-minute maximum on half of the normal minutes, the score is the larger of
    the largest scaled statistic and the scaled statistics' sum (joint evidence, scaled the
    same way), and HIGH_ALERT is the split-conformal level of that score on the other half
    at ``episodes_per_day`` false episodes per symbol-day (CRITICAL: ``critical_mult`` x it).
    Minutes of a session's first ``skip_open_s`` are left out of the calibration (tiers are
    capped at ELEVATED there). With too few normal minutes to certify at most
    ``max_bound_per_day`` false episodes the statistics stay silent: no alert without a
    stated bound."""

    enabled: bool = True
    vol_half_life_s: float = 1800.0
    base_half_life_s: float = 600.0
    drift_half_life_s: float = 300.0
    trend_half_life_s: float = 2.0
    vol_floor_bps: float = 0.2
    disp_floor: float = 0.05
    persist_buckets: int = 10
    episodes_per_day: float = 0.25
    max_bound_per_day: float = 0.5
    critical_mult: float = 2.0
    block_s: float = 60.0
    skip_open_s: float = 120.0
    bucket_s: float = 0.1

    def __post_init__(self) -> None:
        n = "StressConfig"
        for k in ("vol_half_life_s", "base_half_life_s", "drift_half_life_s",
                  "trend_half_life_s", "vol_floor_bps", "disp_floor", "episodes_per_day",
                  "max_bound_per_day", "block_s", "bucket_s"):
            _check(n, k, getattr(self, k), getattr(self, k) > 0, "> 0")
        _check(n, "persist_buckets", self.persist_buckets, self.persist_buckets >= 1, ">= 1")
        _check(n, "critical_mult", self.critical_mult, self.critical_mult >= 1, ">= 1")
        _check(n, "skip_open_s", self.skip_open_s, self.skip_open_s >= 0, ">= 0")


@dataclasses.dataclass(frozen=True, kw_only=True)
class GBDTConfig(_Conf):
    """Layer-1 boosted oblivious trees: ``depth`` levels per tree, ``n_bins`` histogram bins
    per feature (bin 0 holds missing values), ``target_fpr`` on valid validation orders."""

    inputs: tuple[str, ...] = ORDER_INPUTS
    n_bins: int = 64
    depth: int = 4
    max_trees: int = 120
    learning_rate: float = 0.2
    l2: float = 1.0
    min_hess: float = 1e-3
    early_stopping_rounds: int = 30
    valid_fraction: float = 0.3
    target_fpr: float = 0.001
    pos_weight: float = 5.0
    infer_batch: int = 65536
    seed: int = 0

    def __post_init__(self) -> None:
        n = "GBDTConfig"
        _check(n, "n_bins", self.n_bins, 4 <= self.n_bins <= 256, "in [4, 256]")
        _check(n, "depth", self.depth, 1 <= self.depth <= 10, "in [1, 10]")
        _check(n, "target_fpr", self.target_fpr, 0 < self.target_fpr < 1, "in (0, 1)")
        _check(n, "valid_fraction", self.valid_fraction, 0 < self.valid_fraction < 1, "(0, 1)")
        for k in ("max_trees", "early_stopping_rounds", "infer_batch"):
            _check(n, k, getattr(self, k), getattr(self, k) >= 1, ">= 1")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StaticCaps(_Conf):
    """The static floor the model limits are clipped to: the enforcer's ``StaticLimits``
    fields of the same names (lots, currency, bps, lots, multiple of the trader's median
    qty). ``adaptrisk`` hands them over (``adaptrisk.limits.with_static_caps``); jaxmodels
    never reads the enforcer's file. These defaults apply only when nothing is handed over."""

    max_order_qty: int = 10_000
    max_notional: float = 2_000_000.0
    price_band_bps: float = 500.0
    max_position: int = 100_000
    fat_finger_threshold: float = 25.0
    # venue units per lot (the instruments table's lot_size): the smallest order size the
    # calibrator leaves tradable is min_order_qty lots of it, so a cap stated in BTC can
    # tighten to 0.1 BTC instead of stopping at one whole unit
    lot_size: float = 1.0


# the limit fields (the risk_limits columns and the enforcer's StaticLimits fields)
CAP_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(StaticCaps)
                                    if f.name != "lot_size")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CalibConfig(_Conf):
    """Calibrator: tier multipliers (NORMAL, ELEVATED, HIGH_ALERT, CRITICAL) applied to the
    static caps and to the market-scaled limits; the dynamic value is then clipped to the cap.

    ``depth_mult`` / ``depth_tier``: from ``depth_tier`` up, max order qty <= depth_mult x
    min(top-5 bid, ask depth) lots. Below it the tier-scaled static cap is the max order:
    the book's absolute depth says nothing of a desk's normal size (tied at every tier, it
    blocked 22,718 of the 46,272 calm orders of a desk trading 2,000-lot medians in a
    ~100-lot book, none of them errors; from ELEVATED, whose rate no bound states, still
    279 of 15,340 on one day). From HIGH_ALERT its cost in a calm market is bounded by the
    stated false-High rate.
    ``fat_finger_mult``: the multiple of the trader's median (FAT_FINGER) per tier, times the
    static one. NORMAL and ELEVATED keep the static multiple: per trader, layer 1's
    ``fat_finger_limits`` rows tighten it from the trader's own history, and the enforcer
    applies both. At 0.4 (10x the median for every trader) it blocked the legitimate 20x
    blocks of a block desk's calm day (922 of them, each one the layer-1 gate lets through
    once the size is demonstrated); tightened from ELEVATED, whose rate no bound states,
    a calm day's blocks met it whenever the tier blinked.
    ``band_sigmas``: price band >= band_sigmas x 1-minute move (rv_1m x sqrt(60 s)) + spread.
    ``alert_hold_s``: after a CRITICAL bucket, limits stay at least at the
    HIGH_ALERT level for this many seconds (0 turns the cool-down off).
    ``recover_ratio`` / ``recover_max_s``: after a HIGH_ALERT or CRITICAL bucket the limits
    stay at least at the highest tier since the market last recovered, until the spread, the
    thinner top-5 depth and the 1-minute vol are back within ``recover_ratio`` of their
    values at the last NORMAL bucket
    (``calibrate.recovery_hold``), for at most ``recover_max_s`` after the last alert.
    ``halt_move_bps``: a CRITICAL tier with |10 s return| beyond this trips the breaker
    (HALTED, latched until an operator resets it).
    ``caps`` / ``symbol_caps``: the static floor for every symbol / per listed symbol
    (``calibrate.caps_for``), handed over from the enforcer's static rule set.
    """

    qty_mult: tuple[float, float, float, float] = (1.0, 0.5, 0.1, 0.02)
    position_mult: tuple[float, float, float, float] = (1.0, 0.5, 0.2, 0.05)
    band_mult: tuple[float, float, float, float] = (1.0, 0.8, 0.6, 0.4)
    fat_finger_mult: tuple[float, float, float, float] = (1.0, 1.0, 0.2, 0.12)
    depth_mult: float = 20.0
    depth_tier: str = "HIGH_ALERT"
    min_order_qty: int = 1
    band_sigmas: float = 8.0
    min_band_bps: float = 20.0
    min_fat_finger: float = 2.0
    halt_move_bps: float = 300.0
    alert_hold_s: float = 120.0  # cool-down: limits stay at HIGH_ALERT level this long after CRITICAL
    recover_ratio: float = 1.5  # market recovered: spread, vol <= x ref, depth >= ref / x
    recover_max_s: float = 600.0  # longest market-tied hold after an alert (0: off)
    reducing_tier: str = "CRITICAL"
    rel_change: float = 0.2
    strategies: tuple[str, ...] = ("*",)
    drift_fallback: bool = True
    caps: StaticCaps = StaticCaps()
    symbol_caps: dict[str, StaticCaps] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        n = "CalibConfig"
        for k in ("qty_mult", "position_mult", "band_mult", "fat_finger_mult"):
            v = getattr(self, k)
            _check(n, k, v, len(v) == 4 and all(0 <= x <= 1 for x in v), "4 values in [0, 1]")
        _check(n, "recover_ratio", self.recover_ratio, self.recover_ratio >= 1, ">= 1")
        _check(n, "reducing_tier", self.reducing_tier, self.reducing_tier in TIERS, str(TIERS))
        _check(n, "depth_tier", self.depth_tier, self.depth_tier in TIERS, str(TIERS))


@dataclasses.dataclass(frozen=True, kw_only=True)
class DriftConfig(_Conf):
    """Concept drift: per-feature KS statistic and PSI (10 quantile bins) vs the training
    window; a feature drifts when KS > ``ks_max`` or PSI > ``psi_max``."""

    ks_max: float = 0.2
    psi_max: float = 0.25
    score_psi_max: float = 0.25
    max_drifting_features: int = 3


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelsConfig(_Conf):
    """Everything of the model layer: registry root and the parts above."""

    root: str = "data/models"
    vae: VAEConfig = VAEConfig()
    stress: StressConfig = StressConfig()
    gbdt: GBDTConfig = GBDTConfig()
    calib: CalibConfig = CalibConfig()
    drift: DriftConfig = DriftConfig()
