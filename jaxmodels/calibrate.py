"""Calibrator: tier, anomaly score and market state -> limits per symbol and strategy.

Inputs per row (one symbol's buckets in time order): ``tier`` int8 (0 NORMAL .. 3 CRITICAL),
``score`` (smoothed anomaly score), ``rv_1m`` (1/sqrt(s)), ``depth5_bid/ask`` (lots),
``spread_bps``, ``mid`` (currency), ``ret_10s`` (log-return). Every dynamic limit is the
tighter of a tier-scaled static cap and a market-scaled value, and never looser than the
static cap. Limits are rounded down to a 1-2-5 grid (bands to 5 bps) and loosen only after
``loosen_after`` calm buckets, so rows are written only when a limit really changes. The
circuit breaker (HALTED) latches: only an operator resets it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from jaxmodels.config import STATES, TIERS, CalibConfig, StaticCaps

FIELDS = ("max_order_qty", "max_notional", "price_band_bps", "max_position",
          "fat_finger_threshold")
STATIC_VERSION = "static"


def nice_floor(x: np.ndarray) -> np.ndarray:
    """Round positive values down to the 1-2-5 series (0 stays 0)."""
    x = np.asarray(x, np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    p = 10.0 ** np.floor(np.log10(x[pos]))
    m = x[pos] / p
    out[pos] = np.where(m >= 5, 5, np.where(m >= 2, 2, 1)) * p
    return out


def sig_ceil(x: np.ndarray, digits: int = 2) -> np.ndarray:
    """Round positive values up to ``digits`` significant digits (0 stays 0)."""
    x = np.asarray(x, np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    p = 10.0 ** (np.floor(np.log10(x[pos])) - (digits - 1))
    out[pos] = np.ceil(np.round(x[pos] / p, 9)) * p
    return out


def static_limits(caps: StaticCaps) -> dict[str, float]:
    """The static floor as one limits row (state ACTIVE)."""
    return {"max_order_qty": caps.max_order_qty, "max_notional": caps.max_notional,
            "price_band_bps": caps.price_band_bps, "max_position": caps.max_position,
            "fat_finger_threshold": caps.fat_finger_threshold, "state": "ACTIVE"}


def dynamic_limits(m: dict[str, np.ndarray], tier: np.ndarray, caps: StaticCaps,
                   cfg: CalibConfig) -> dict[str, np.ndarray]:
    """Limits per row (float64[n] each, ``state`` int8[n] index into STATES), before the
    change filter. Missing market inputs fall back to the tier-scaled static cap."""
    t = np.asarray(tier, np.int64)
    qm, pm, bm, fm = (np.asarray(getattr(cfg, k))[t] for k in
                      ("qty_mult", "position_mult", "band_mult", "fat_finger_mult"))
    depth = np.fmin(np.asarray(m["depth5_bid"], float), np.asarray(m["depth5_ask"], float))
    least = cfg.min_order_qty * np.asarray(getattr(caps, "lot_size", 1.0), float)  # venue units
    tied = np.isfinite(depth) & (t >= TIERS.index(cfg.depth_tier))
    by_depth = np.where(tied, np.maximum(cfg.depth_mult * np.nan_to_num(depth), least), np.inf)
    qty = nice_floor(np.minimum(caps.max_order_qty * qm, by_depth))
    qty = np.minimum(np.maximum(qty, np.where(qm > 0, least, 0)), caps.max_order_qty)
    mid = np.asarray(m["mid"], float)
    move = np.nan_to_num(np.asarray(m["rv_1m"], float)) * np.sqrt(60.0) * 1e4
    spread = np.nan_to_num(np.asarray(m["spread_bps"], float))
    band = np.maximum(cfg.min_band_bps, cfg.band_sigmas * move + spread) * bm
    band = np.minimum(np.floor(band / 5.0) * 5.0, caps.price_band_bps)
    # the notional cap must not bind before the quantity cap on a correctly priced order:
    # quantity cap x mid with the price band as headroom, rounded UP (a 1-2-5 floor here cut
    # 200 lots x $24.9 to a 2,000 cap and blocked valid 86-lot orders); it still stops a
    # decimal-shifted price
    notional = np.where(np.isfinite(mid), sig_ceil(qty * mid * (1 + band / 1e4)), np.inf)
    notional = np.minimum(np.minimum(notional, caps.max_notional * np.maximum(qm, 1e-12)),
                          caps.max_notional)
    pos = np.minimum(nice_floor(caps.max_position * pm), caps.max_position)
    ff = np.floor(np.maximum(caps.fat_finger_threshold * fm, cfg.min_fat_finger) * 2) / 2
    ff = np.minimum(ff, caps.fat_finger_threshold)
    state = np.where(t >= TIERS.index(cfg.reducing_tier), 1, 0)
    ret = np.abs(np.nan_to_num(np.asarray(m["ret_10s"], float))) * 1e4
    state = np.where((t == 3) & (ret > cfg.halt_move_bps), 2, state)
    return {"max_order_qty": qty, "max_notional": notional, "price_band_bps": band,
            "max_position": pos, "fat_finger_threshold": ff, "state": state.astype(np.int8)}


def cool_down(ts: np.ndarray, tier: np.ndarray, hold_s: float) -> np.ndarray:
    """Tier used for limits: after a CRITICAL bucket, at least HIGH_ALERT for ``hold_s``
    seconds (int8[n]; ``ts`` UTC ns, one symbol, time order).

    A stress regime soon looks ordinary to a score standardised against its own recent past,
    while the market is still falling; a risk desk keeps limits tight for a cool-down after a
    critical alert instead of loosening with the first calm score. Brief HIGH_ALERT blips
    (the false alerts of calm periods seen so far never reached CRITICAL) start no cool-down."""
    t = np.asarray(tier, np.int8)
    hi, crit = TIERS.index("HIGH_ALERT"), TIERS.index("CRITICAL")
    if hold_s <= 0 or not (t >= crit).any():
        return t
    ts = np.asarray(ts, np.int64)
    none = np.iinfo(np.int64).min
    last = np.maximum.accumulate(np.where(t >= crit, ts, none))
    held = (last > none) & (ts - last <= int(hold_s * 1e9))
    return np.where(held, np.maximum(t, hi), t).astype(np.int8)


RECOVERY_KEYS = ("spread_bps", "depth", "rv_1m")


def market_keys(m: dict[str, np.ndarray]) -> np.ndarray:
    """float64[n, 3]: spread_bps, the thinner top-5 depth (lots) and rv_1m of inputs ``m``."""
    depth = np.fmin(np.asarray(m["depth5_bid"], float), np.asarray(m["depth5_ask"], float))
    return np.stack([np.asarray(m["spread_bps"], float), depth,
                     np.asarray(m["rv_1m"], float)], axis=-1)


def recovered(now: np.ndarray, ref: np.ndarray, ratio: float) -> np.ndarray:
    """bool[...]: the market ``now`` (float64[..., 3], ``market_keys``) is back near ``ref``
    (its values at the last NORMAL bucket): the spread at most ``ratio`` x, the thinner
    top-5 side at least 1 / ``ratio`` x and the 1-minute realized vol at most ``ratio`` x
    the reference. A missing value (NaN, here or in the reference) holds nothing up."""
    with np.errstate(invalid="ignore"):
        bad = ((now[..., 0] > ratio * ref[..., 0]) | (now[..., 1] * ratio < ref[..., 1])
               | (now[..., 2] > ratio * ref[..., 2]))
    return ~bad


def recovery_hold(ts: np.ndarray, tier: np.ndarray, limit_tier: np.ndarray,
                  m: dict[str, np.ndarray], cfg: CalibConfig) -> np.ndarray:
    """Tier used for limits, int8[n] (one symbol, time order): after a HIGH_ALERT or
    CRITICAL bucket of the score ``tier``, ``limit_tier`` stays at least at the highest
    score tier since the last recovered bucket (``hold_peak``) until a bucket below
    HIGH_ALERT whose market has recovered (``recovered`` against the market of
    the last NORMAL bucket before the newest alert bucket), at most ``recover_max_s`` after the last alert
    bucket (0 turns the hold off).

    Hysteresis tied to the market, not to the score: a score standardised against its own
    recent past calms down while a crash is still running (the tier fell back to NORMAL at
    +7.5 s in a crash whose price kept falling until +21.6 s); a wide spread, a thin book
    or a high realized vol keep the limits tight until they are back. The hold keeps the
    highest tier of the episode, not just HIGH_ALERT: a crash's limits went from CRITICAL's
    back to HIGH_ALERT's (10 -> 200 lots) 0.6 s before its trough."""
    t = np.asarray(tier, np.int8)
    out = np.asarray(limit_tier, np.int8)
    if cfg.recover_max_s <= 0 or len(t) == 0:
        return out
    ts = np.asarray(ts, np.int64)
    now = market_keys(m)
    hi = TIERS.index("HIGH_ALERT")
    ar = np.arange(len(t))
    last_normal = np.maximum.accumulate(np.where(t == 0, ar, -1))
    last_alert = np.maximum.accumulate(np.where(t >= hi, ar, -1))
    # the reference: the market at the last NORMAL bucket before the newest alert bucket
    idx = np.where(last_alert >= 1, last_normal[np.maximum(last_alert - 1, 0)], -1)
    ref = np.where((idx >= 0)[:, None], now[np.maximum(idx, 0)], np.nan)
    none = np.iinfo(np.int64).min
    alert = np.maximum.accumulate(np.where(t >= hi, ts, none))
    good = (t < hi) & recovered(now, ref, cfg.recover_ratio)
    rec = np.maximum.accumulate(np.where(good, ts, none))
    hold = (alert > none) & (alert > rec) & (ts - alert <= int(cfg.recover_max_s * 1e9))
    peak = hold_peak(t, good, 0)[0]
    return np.where(hold, np.maximum(out, peak), out).astype(np.int8)


def hold_peak(t: np.ndarray, good: np.ndarray, before) -> tuple[np.ndarray, np.ndarray]:
    """Running maximum of the tiers ``t`` int8[..., K] restarted at every ``good`` (market
    recovered) bucket along the last axis, ``before`` [...] the maximum carried in from
    earlier rows; returns (int64[..., K], the maximum after the last row). Segment s's
    values are coded s * 4 + tier, so one cumulative maximum never crosses a restart."""
    t = np.asarray(t, np.int64)
    seg = np.cumsum(good, axis=-1)
    lead = np.asarray(before, np.int64)[..., None]
    cm = np.maximum.accumulate(np.concatenate([lead, seg * 4 + t], axis=-1), axis=-1)[..., 1:]
    peak = cm - seg * 4
    last = peak[..., -1] if peak.shape[-1] else np.asarray(before, np.int64)
    return peak, last


def episode_floor(vals: np.ndarray, on: np.ndarray, cur: np.ndarray,
                  was_on: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Limits float64[K, F] of one symbol's rows (time order) where, within each run of
    ``on`` rows (limit tier at least HIGH_ALERT), every field is its running minimum since
    the run began: while an alert holds, limits only tighten. Without it the depth-scaled
    max qty rose from 1 to 200 lots as the book refilled during a vacuum, 11 s after its
    onset and long before its trough. ``cur`` float64[F] and ``was_on``: the running minimum
    and whether the row before these was in a run. Returns (limits, cur, was_on) after the
    last row."""
    out = np.array(vals, np.float64, copy=True)
    on = np.asarray(on, bool)
    if len(on) == 0:
        return out, cur, was_on
    edge = np.diff(np.r_[0, on.astype(np.int8), 0])
    for a, b in zip(np.flatnonzero(edge == 1), np.flatnonzero(edge == -1), strict=True):
        seg = np.minimum.accumulate(out[a:b], axis=0)
        out[a:b] = np.minimum(seg, cur) if a == 0 and was_on else seg
    last = bool(on[-1])
    return out, (out[-1].copy() if last else np.asarray(cur, np.float64)), last


def hold_tight(lim: dict[str, np.ndarray], loosen_after: int) -> dict[str, np.ndarray]:
    """Tighten at once, loosen only after ``loosen_after`` buckets; latch HALTED."""
    out = {}
    n = max(int(loosen_after), 1)
    org = n // 2 if n % 2 else n // 2 - 1  # trailing window [i - n + 1, i]
    for k, v in lim.items():
        if k == "state":
            s = maximum_filter1d(v, n, origin=org, mode="nearest")
            halted = np.maximum.accumulate(s == 2)
            out[k] = np.where(halted, 2, s).astype(np.int8)
        else:
            out[k] = minimum_filter1d(v, n, origin=org, mode="nearest")
    return out


def change_rows(ts: np.ndarray, sym: str, lim: dict[str, np.ndarray], tier: np.ndarray,
                score: np.ndarray, *, strategy: str, model_version: str,
                last: dict | None = None) -> pa.Table:
    """``risk_limits`` rows where any limit or the state differs from the previous row (the
    first row is emitted unless it equals ``last``, the row already in force)."""
    cols = [np.asarray(lim[k], float) for k in FIELDS] + [lim["state"].astype(float)]
    mat = np.stack(cols, axis=1)
    changed = np.ones(len(ts), bool)
    changed[1:] = np.any(mat[1:] != mat[:-1], axis=1)
    if last is not None and len(ts):
        prev = np.array([float(last[k]) for k in FIELDS] + [STATES.index(last["state"])])
        changed[0] = bool(np.any(mat[0] != prev))
    idx = np.flatnonzero(changed)
    reasons = [f"tier={TIERS[int(tier[i])]} score={score[i]:.3g}"
               + (" breaker" if lim["state"][i] == 2 else "") for i in idx]
    return limits_table(ts[idx], [sym] * len(idx), [strategy] * len(idx),
                        {k: lim[k][idx] for k in FIELDS},
                        [STATES[int(s)] for s in lim["state"][idx]], reasons,
                        [model_version] * len(idx))


def calibrate_symbol(ts: np.ndarray, sym: str, market: dict[str, np.ndarray],
                     tier: np.ndarray, score: np.ndarray, cfg: CalibConfig, *,
                     model_version: str, loosen_after: int = 50,
                     last: dict | None = None) -> pa.Table:
    """All change rows of one symbol over its buckets, for every configured strategy."""
    caps = caps_for(cfg, sym)
    used = recovery_hold(ts, tier, cool_down(ts, tier, cfg.alert_hold_s), market, cfg)
    dyn = dynamic_limits(market, used, caps, cfg)
    floor, _, _ = episode_floor(np.stack([dyn[k] for k in FIELDS], axis=1),
                                used >= TIERS.index("HIGH_ALERT"), np.full(len(FIELDS), np.inf),
                                False)
    dyn |= {k: floor[:, i] for i, k in enumerate(FIELDS)}
    lim = hold_tight(dyn, loosen_after)
    if last is not None and last.get("state") == "HALTED":
        lim["state"] = np.full(len(ts), 2, np.int8)  # the breaker holds until an operator
    parts = [change_rows(ts, sym, lim, tier, score, strategy=s, model_version=model_version,
                         last=last) for s in cfg.strategies]
    return pa.concat_tables(parts)


def static_rows(ts: int, syms: list[str], cfg: CalibConfig, reason: str) -> pa.Table:
    """One static-limits row per symbol and strategy (no model, model deactivated, drift)."""
    rows = [(s, st, static_limits(caps_for(cfg, s))) for s in syms for st in cfg.strategies]
    return limits_table(
        np.full(len(rows), ts, np.int64), [r[0] for r in rows], [r[1] for r in rows],
        {k: np.array([r[2][k] for r in rows], float) for k in FIELDS},
        ["ACTIVE"] * len(rows), [reason] * len(rows), [STATIC_VERSION] * len(rows))


def limits_table(ts, sym, strategy, lim, state, reason, version) -> pa.Table:
    """Arrow table with the ``risk_limits`` columns."""
    return pa.table({
        "ts": pa.array(np.asarray(ts, np.int64), pa.timestamp("ns")),
        "sym": pa.array(sym, pa.string()), "strategy": pa.array(strategy, pa.string()),
        "max_order_qty": pa.array(np.asarray(lim["max_order_qty"], np.float64)),
        "max_notional": pa.array(np.asarray(lim["max_notional"], np.float64)),
        "price_band_bps": pa.array(np.asarray(lim["price_band_bps"], np.float64)),
        "max_position": pa.array(np.asarray(lim["max_position"], np.float64)),
        "fat_finger_threshold": pa.array(np.asarray(lim["fat_finger_threshold"], np.float64)),
        "state": pa.array(state, pa.string()), "reason": pa.array(reason, pa.string()),
        "model_version": pa.array(version, pa.string()),
    })


def heartbeat_table(ts, sym, *, publisher: str, model_version: str, market_ts,
                    published_ts) -> pa.Table:
    """Arrow table with the ``publisher_heartbeat`` columns, one row per (ts, sym).

    ``ts`` int64[n] end of the newest bucket judged for ``sym`` (str[n]), ``market_ts``
    int64[n] (or a scalar) the newest market event time received when writing, and
    ``published_ts`` the wall clock when writing (scalar or int64[n]); all UTC ns."""
    ts = np.asarray(ts, np.int64)
    n = len(ts)
    return pa.table({
        "ts": pa.array(ts, pa.timestamp("ns")),
        "sym": pa.array(list(sym), pa.string()),
        "publisher": pa.array([publisher] * n, pa.string()),
        "model_version": pa.array([model_version] * n, pa.string()),
        "market_ts": pa.array(np.broadcast_to(np.asarray(market_ts, np.int64), n),
                              pa.timestamp("ns")),
        "published_ts": pa.array(np.broadcast_to(np.asarray(published_ts, np.int64), n),
                                 pa.timestamp("ns")),
    })


def caps_for(cfg: CalibConfig, sym: str) -> StaticCaps:
    """The static floor of ``sym``: its entry in ``cfg.symbol_caps``, else ``cfg.caps``."""
    return cfg.symbol_caps.get(sym, cfg.caps)
