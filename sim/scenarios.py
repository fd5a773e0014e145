"""Scenario library: the regime overlay, exogenous orders and event labels of the stress
symbol. Other symbols always run the neutral regime.

Times are seconds (float) or nanoseconds (int64) after the open.
"""

from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np

from sim.config import SimConfig
from sim.latent import BIN_S, Regime, n_bins_for, neutral_regime

SELLER_TRADER = "T_SELLER"
SELLER_STRATEGY = "EXEC_SELL"
CLIP_QTY = 100
LARGE_QTY = 200
# flash-crash phases, seconds after onset
DROP_END_S = 30.0
STRESS_END_S = 60.0
RECOVERY_END_S = 180.0
SELLER_END_S = 25.0


class Scenario(NamedTuple):
    """What a scenario adds to the stress symbol.

    regime: per-bin multipliers; ext_ns/ext_side/ext_qty: int64/int8/int64[k] exogenous
    market orders (+1 buy, -1 sell) that hit the book; events: rows for labels_events as
    (event, start_ns, end_ns, detail_json).
    """

    regime: Regime
    ext_ns: np.ndarray
    ext_side: np.ndarray
    ext_qty: np.ndarray
    events: list[tuple[str, int, int, str]]


def _window(n_bins: int, start_s: float, end_s: float) -> slice:
    a = int(np.clip(np.floor(start_s / BIN_S), 0, n_bins))
    b = int(np.clip(np.ceil(end_s / BIN_S), 0, n_bins))
    return slice(a, b)


def _ns(t_s: float) -> int:
    return int(round(t_s * 1e9))


def _empty_ext() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64)


def build_scenario(cfg: SimConfig, rng: np.random.Generator, p0_ticks: int) -> Scenario:
    """The stress symbol's overlay for ``cfg.scenario`` (neutral for ``normal``).

    ``p0_ticks`` is the stress symbol's opening price in ticks: the flash crash spreads
    its liquidity over more ticks on a higher-priced symbol so the drop is about the same
    in percent whatever the price.
    """
    n = n_bins_for(cfg)
    reg = neutral_regime(n)
    end_s = cfg.minutes * 60.0
    on = cfg.onset_min * 60.0
    if cfg.scenario == "normal":
        return Scenario(reg, *_empty_ext(), [])
    if cfg.scenario == "volatile":
        stop = min(end_s, on + cfg.stress_minutes * 60.0)
        w = _window(n, on, stop)
        reg.activity[w] *= 3.0
        reg.place[w] *= 1.3
        detail = {"activity_mult": 3.0, "place_mult": 1.3}
        ev = [("high_volatility", _ns(on), _ns(stop), json.dumps(detail))]
        return Scenario(reg, *_empty_ext(), ev)
    if cfg.scenario == "liquidity_withdrawal":
        stop = min(end_s, on + cfg.stress_minutes * 60.0)
        w = _window(n, on, stop)
        for arr, m in ((reg.limit_bid, 0.45), (reg.limit_ask, 0.45), (reg.cancel_bid, 3.0),
                       (reg.cancel_ask, 3.0), (reg.place, 3.0)):
            arr[w] *= m
        detail = {"limit_mult": 0.45, "cancel_mult": 3.0, "place_mult": 3.0}
        return Scenario(reg, *_empty_ext(),
                        [("liquidity_withdrawal", _ns(on), _ns(stop), json.dumps(detail))])
    if cfg.scenario == "liquidity_vacuum":
        return _vacuum(cfg, rng, reg, on, end_s, p0_ticks / 4000.0)
    if cfg.scenario == "grind":
        return _grind(cfg, reg, on, end_s)
    if cfg.scenario == "news_jump":
        return _news_jump(cfg, rng, reg, on, end_s)
    return _flash_crash(cfg, rng, reg, on, end_s, p0_ticks / 4000.0)


VACUUM_LEAD_S = 6.0  # depth withdrawn and spread widened this long before the price moves
GRIND_P_BUY = 0.38  # takers lean to selling through a slow grind
JUMP_QTY = (600, 1200)  # lots of the news-like sweep (drawn uniformly)
JUMP_BUSY_S = 20.0  # activity x4 this long after the jump, then the book refills


def _vacuum(cfg: SimConfig, rng: np.random.Generator, reg: Regime, on: float, end_s: float,
            scale: float) -> Scenario:
    """Liquidity leads: for ``VACUUM_LEAD_S`` providers withdraw (limit inflow x0.25,
    cancel hazard x8, quotes >= 3 ticks from the far touch) with balanced takers, then a
    flash crash (its seller and phases, placements 0.75x as deep: a smaller drop)."""
    n = reg.activity.shape[0]
    lead = _window(n, on, min(end_s, on + VACUUM_LEAD_S))
    for arr, m in ((reg.limit_bid, 0.25), (reg.limit_ask, 0.25), (reg.cancel_bid, 8.0),
                   (reg.cancel_ask, 8.0)):
        arr[lead] *= m
    reg.dmin_bid[lead] = 3
    reg.dmin_ask[lead] = 3
    crash = _flash_crash(cfg, rng, reg, min(on + VACUUM_LEAD_S, end_s), end_s, 0.75 * scale)
    stop = min(end_s, on + VACUUM_LEAD_S + RECOVERY_END_S)
    detail = {"lead_s": VACUUM_LEAD_S, "limit_mult": 0.25, "cancel_mult": 8.0, "dmin": 3}
    events = [("liquidity_vacuum", _ns(on), _ns(stop), json.dumps(detail))]
    events += [e for e in crash.events if e[0] != "flash_crash"]
    return crash._replace(events=events)


def _grind(cfg: SimConfig, reg: Regime, on: float, end_s: float) -> Scenario:
    """A slow grind down over ``stress_minutes``: takers lean to selling, activity x1.5."""
    stop = min(end_s, on + cfg.stress_minutes * 60.0)
    w = _window(reg.activity.shape[0], on, stop)
    reg.activity[w] *= 1.5
    reg.p_buy[w] = GRIND_P_BUY
    detail = {"p_buy": GRIND_P_BUY, "activity_mult": 1.5}
    return Scenario(reg, *_empty_ext(), [("grind", _ns(on), _ns(stop), json.dumps(detail))])


def _news_jump(cfg: SimConfig, rng: np.random.Generator, reg: Regime, on: float,
               end_s: float) -> Scenario:
    """A news-like jump that recovers: one market order of ``JUMP_QTY`` lots sweeps the
    book (direction drawn), activity x4 for ``JUMP_BUSY_S``; providers then refill."""
    w = _window(reg.activity.shape[0], on, min(end_s, on + JUMP_BUSY_S))
    reg.activity[w] *= 4.0
    qty = int(rng.integers(JUMP_QTY[0], JUMP_QTY[1] + 1))
    side = 1 if rng.random() < 0.5 else -1
    ext_ns = np.array([_ns(on)], np.int64)
    stop = min(end_s, on + 120.0)
    detail = {"qty": qty, "side": side, "busy_s": JUMP_BUSY_S}
    return Scenario(reg, ext_ns, np.array([side], np.int8), np.array([qty], np.int64),
                    [("news_jump", _ns(on), _ns(stop), json.dumps(detail))])


def _flash_crash(
    cfg: SimConfig, rng: np.random.Generator, reg: Regime, on: float, end_s: float, scale: float
) -> Scenario:
    n = reg.activity.shape[0]
    drop = _window(n, on, min(end_s, on + DROP_END_S))
    stress = _window(n, on + DROP_END_S, min(end_s, on + STRESS_END_S))
    recov = _window(n, on + STRESS_END_S, min(end_s, on + RECOVERY_END_S))
    phases = (
        # window, limit_bid, limit_ask, cancel_bid, cancel_ask, place, dmin_bid, dmin_ask,
        # market, p_buy
        (drop, 12.0, 12.0, 45.0, 22.0, 1.5 * scale, 4, 3, 0.35, 0.2),
        (stress, 4.0, 4.0, 8.0, 8.0, 2.0 * scale, 3, 3, 0.4, 0.55),
        (recov, 1.0, 1.0, 1.5, 1.5, 1.5, 1, 2, 1.5, 0.6),
    )
    for w, lb, la, cb, ca, pl, mdb, mda, mk, pb in phases:
        reg.limit_bid[w] *= lb
        reg.limit_ask[w] *= la
        reg.cancel_bid[w] *= cb
        reg.cancel_ask[w] *= ca
        reg.place[w] *= pl
        reg.dmin_bid[w] = mdb
        reg.dmin_ask[w] = mda
        reg.market[w] *= mk
        reg.p_buy[w] = pb
    clip_t = [on]
    while True:
        nxt = clip_t[-1] + rng.uniform(1.0, 2.0)
        if nxt > on + SELLER_END_S:
            break
        clip_t.append(nxt)
    large_t = on + rng.uniform(20.0, 45.0)
    times = np.array(clip_t + [large_t])
    qty = np.array([CLIP_QTY] * len(clip_t) + [LARGE_QTY], np.int64)
    keep = times <= end_s
    ext_ns = np.round(times[keep] * 1e9).astype(np.int64)
    qty = qty[keep]
    side = np.full(ext_ns.shape[0], -1, np.int8)
    stop = min(end_s, on + RECOVERY_END_S)
    events = [("flash_crash", _ns(on), _ns(stop),
               json.dumps({"drop_s": DROP_END_S, "stress_s": STRESS_END_S,
                           "recovery_s": RECOVERY_END_S}))]
    if ext_ns.shape[0]:
        events.append(("aggressive_seller", int(ext_ns[0]), int(ext_ns.max()),
                       json.dumps({"trader": SELLER_TRADER, "strategy": SELLER_STRATEGY,
                                   "clip_qty": CLIP_QTY, "n_orders": int(ext_ns.shape[0]),
                                   "total_qty": int(qty.sum())})))
        if qty[-1] == LARGE_QTY:
            events.append(("large_order", int(ext_ns[-1]), int(ext_ns[-1]),
                           json.dumps({"trader": SELLER_TRADER, "qty": LARGE_QTY,
                                       "order_type": "MARKET", "side": "S"})))
    order = np.argsort(ext_ns, kind="stable")
    return Scenario(reg, ext_ns[order], side[order], qty[order], events)
