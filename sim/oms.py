"""The firm's own OMS order flow and its fat-finger errors.

Orders are generated after the book has been simulated: each order looks up the top of
book in force at its timestamp (from the symbol's quote rows) to set its limit price.
Ordinary firm orders do not hit the simulated book (the firm is a small part of the
market); the flash-crash seller's clips do (they are exogenous market orders of the
engine) and appear here as MARKET orders of ``T_SELLER`` / ``EXEC_SELL``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.config import SimConfig
from sim.latent import u_shape
from sim.scenarios import SELLER_STRATEGY, SELLER_TRADER

# name, strategy, median qty (lots), lognormal sigma, P(MARKET), P(marketable | LIMIT),
# mean passive offset behind the touch (ticks), share of the flow
TRADERS: tuple[tuple[str, str, float, float, float, float, float, float], ...] = (
    ("T_MM1", "MM", 5.0, 0.5, 0.00, 0.05, 1.0, 0.20),
    ("T_MM2", "MM", 8.0, 0.5, 0.00, 0.05, 1.5, 0.16),
    ("T_MOMO1", "MOMO", 15.0, 0.6, 0.30, 0.40, 0.5, 0.10),
    ("T_MOMO2", "MOMO", 20.0, 0.6, 0.25, 0.40, 0.5, 0.09),
    ("T_ARB1", "STATARB", 10.0, 0.7, 0.10, 0.20, 1.0, 0.14),
    ("T_ARB2", "STATARB", 25.0, 0.7, 0.10, 0.20, 1.0, 0.11),
    ("T_EXEC1", "EXEC", 30.0, 0.5, 0.30, 0.30, 0.5, 0.10),
    ("T_EXEC2", "EXEC", 45.0, 0.5, 0.30, 0.30, 0.5, 0.10),
)
TRADER_NAMES: tuple[str, ...] = tuple(t[0] for t in TRADERS) + (SELLER_TRADER,)
STRATEGY_OF: tuple[str, ...] = tuple(t[1] for t in TRADERS) + (SELLER_STRATEGY,)
SELLER_IDX = len(TRADERS)
MAX_VALID_QTY = 400  # ordinary orders are clipped here (a 500-lot static cap never bites)
POPULATION_MEDIAN = 15.0  # lots: about the median order of the default population above
CLIP_TRADER = 6  # T_EXEC1 sends the clip algo's orders

ERROR_KINDS: tuple[str, ...] = (
    "", "qty_x10", "qty_x100", "qty_x1000", "price_decimal", "price_through_book",
    "notional_as_qty",
)
_QTY_KINDS = np.array([1, 2, 3, 6])  # applicable to MARKET and LIMIT
_ALL_KINDS = np.array([1, 2, 3, 4, 5, 6])  # LIMIT only for 4 and 5


class OmsFlow(NamedTuple):
    """One symbol's OMS orders, sorted by time; all arrays have length n_orders.

    ts_ns int64 (ns after the open), trader int64 (index into TRADER_NAMES), side int8
    (+1 buy, -1 sell), qty int64 lots, price float64 (NaN for MARKET), market bool,
    error int64 (index into ERROR_KINDS, 0 = valid).
    """

    ts_ns: np.ndarray
    trader: np.ndarray
    side: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    market: np.ndarray
    error: np.ndarray


def _arrival_times(cfg: SimConfig, rng: np.random.Generator, end_ns: int) -> np.ndarray:
    n_sec = int(np.ceil(end_ns / 1e9))
    lam = cfg.oms_orders_per_min / 60.0 * u_shape(cfg, np.arange(n_sec) + 0.5)
    counts = rng.poisson(lam)
    start = np.repeat(np.arange(n_sec, dtype=np.int64) * 1_000_000_000, counts)
    ts = start + (rng.random(start.shape[0]) * 1e9).astype(np.int64)
    return np.sort(ts[ts <= end_ns])


def generate_orders(
    cfg: SimConfig,
    rng: np.random.Generator,
    end_ns: int,
    quotes: tuple[np.ndarray, ...],
    seller: tuple[np.ndarray, np.ndarray] | None,
) -> OmsFlow:
    """OMS orders of one symbol over ``[0, end_ns]`` ns after the open.

    ``quotes`` is the engine's (ts_ns, bid_tick, ask_tick, ...) for this symbol (first row
    at ts 0); ``seller`` is (ts_ns, qty) of the aggressive seller's MARKET sells or None.
    """
    tick = cfg.tick_size
    ts = _arrival_times(cfg, rng, end_ns)
    n = ts.shape[0]
    w = np.array([t[7] for t in TRADERS])
    trader = rng.choice(len(TRADERS), size=n, p=w / w.sum())
    med, sig, p_mkt, p_cross, off = (np.array([t[i] for t in TRADERS])[trader] for i in range(2, 7))
    side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    cap = MAX_VALID_QTY
    if cfg.oms_size_median is not None:  # another population: every size law rescaled
        med = med * (cfg.oms_size_median / POPULATION_MEDIAN)
        cap = max(MAX_VALID_QTY, int(8 * cfg.oms_size_median))
    qty = np.clip(np.rint(med * np.exp(sig * rng.standard_normal(n))), 1, cap)
    qty = qty.astype(np.int64)
    if cfg.oms_clip_share > 0:  # an algo slicing one parent into identical clips
        clip = rng.random(n) < cfg.oms_clip_share
        trader = np.where(clip, CLIP_TRADER, trader)
        qty = np.where(clip, max(int(np.rint(np.median(med))), 1), qty)
        side = np.where(clip, np.int8(-1 if rng.random() < 0.5 else 1), side).astype(np.int8)
    if cfg.oms_block_share > 0:  # block traders: rare orders 20x their trader's median
        blk = rng.random(n) < cfg.oms_block_share
        qty = np.where(blk, np.clip(np.rint(20 * med), 1, 40 * cap), qty).astype(np.int64)
    market = rng.random(n) < p_mkt
    q_ts, q_bid, q_ask = quotes[0], quotes[1], quotes[2]
    k = np.searchsorted(q_ts, ts, side="right") - 1
    bid, ask = q_bid[k].astype(np.float64), q_ask[k].astype(np.float64)
    bid = np.where(bid < 0, ask - 1, bid)
    ask = np.where(ask < 0, bid + 1, ask)
    cross = rng.random(n) < p_cross
    behind = np.floor(rng.exponential(1.0, n) * off)
    through = rng.integers(0, 3, n)
    px_t = np.where(side == 1, np.where(cross, ask + through, bid - behind),
                    np.where(cross, bid - through, ask + behind))
    px_t = np.maximum(px_t, 1.0)
    price = np.where(market, np.nan, np.round(px_t * tick, 6))
    error = np.zeros(n, np.int64)
    bad = np.flatnonzero(rng.random(n) < cfg.fat_finger_rate)
    for i in bad:
        kinds = _QTY_KINDS if market[i] else _ALL_KINDS
        kind = int(kinds[rng.integers(0, kinds.shape[0])])
        error[i] = kind
        if kind in (1, 2, 3):
            qty[i] *= 10**kind
        elif kind == 4:
            price[i] = np.round(price[i] * (10.0 if rng.random() < 0.5 else 0.1), 6)
        elif kind == 5:
            pct = rng.uniform(0.05, 0.20)
            ref = ask[i] if side[i] == 1 else bid[i]
            price[i] = np.round(np.round(ref * (1.0 + side[i] * pct)) * tick, 6)
        else:
            qty[i] = max(1, int(np.rint((bid[i] + ask[i]) * 0.5 * tick * qty[i])))
    if seller is not None and seller[0].shape[0]:
        m = seller[0].shape[0]
        ts = np.concatenate([ts, seller[0]])
        trader = np.concatenate([trader, np.full(m, SELLER_IDX)])
        side = np.concatenate([side, np.full(m, -1, np.int8)])
        qty = np.concatenate([qty, seller[1].astype(np.int64)])
        price = np.concatenate([price, np.full(m, np.nan)])
        market = np.concatenate([market, np.ones(m, bool)])
        error = np.concatenate([error, np.zeros(m, np.int64)])
    o = np.argsort(ts, kind="stable")
    trader = trader.astype(np.int64)
    return OmsFlow(ts[o], trader[o], side[o], qty[o], price[o], market[o], error[o])
