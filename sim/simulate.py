"""Entry point: ``simulate(SimConfig) -> SimResult`` (six Arrow tables + event count)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from sim.config import SimConfig
from sim.engine import P_LIMIT_ASK, P_LIMIT_BID, P_MKT_BUY, P_MKT_SELL, run_book
from sim.errors import MSG_CAPACITY, SimCapacityWarning
from sim.latent import BIN_S, build_params, latent_factors, n_bins_for, neutral_regime
from sim.oms import ERROR_KINDS, STRATEGY_OF, TRADER_NAMES, OmsFlow, generate_orders
from sim.scenarios import build_scenario
from sim.tables import (
    TABLE_NAMES,
    levels_array,
    make_table,
    price_array,
    str_array,
    ts_array,
)

NEW_YORK = ZoneInfo("America/New_York")


def session_open_ns(day: dt.date, open_utc_s: float | None = None) -> int:
    """09:30 America/New_York on ``day`` as UTC nanoseconds since the epoch, or, in 24/7
    mode, ``open_utc_s`` seconds after UTC midnight of ``day``."""
    if open_utc_s is not None:
        return (day - dt.date(1970, 1, 1)).days * 86_400_000_000_000 + int(round(open_utc_s * 1e9))
    local = dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=NEW_YORK)
    return int(local.timestamp()) * 1_000_000_000


@dataclasses.dataclass(frozen=True)
class SimResult:
    """The simulated session: six Arrow tables whose schemas equal ``sql/duckdb`` DDL."""

    trades: pa.Table
    quotes: pa.Table
    book: pa.Table
    orders: pa.Table
    labels_orders: pa.Table
    labels_events: pa.Table
    n_book_events: int  # events the LOB engine processed in the session (limit/market/cancel)
    open_ns: int  # session open, UTC ns
    config: SimConfig

    def tables(self) -> dict[str, pa.Table]:
        """Tables keyed by their store name (trades, quotes, book, orders, labels_*)."""
        return {name: getattr(self, name) for name in TABLE_NAMES}


def _run_symbol(seed, p0, params, cfg, end_ns, ext, sym):
    """Run the engine for one symbol, growing the output buffers if they overflow."""
    mkt = (params[:, P_MKT_BUY] + params[:, P_MKT_SELL]).sum() * BIN_S
    lim = (params[:, P_LIMIT_BID] + params[:, P_LIMIT_ASK]).sum() * BIN_S
    cap_t = int(3 * mkt + 200 * ext[0].shape[0] + 10_000)
    cap_q = int(2.5 * (lim + mkt) + 10_000)
    factor = 1
    while True:
        out = run_book(
            np.uint32(seed), p0, 3 * p0, params, BIN_S, np.log(cfg.limit_size_median),
            np.log(cfg.market_size_median), cfg.size_sigma, cfg.refill_lots, cfg.refill_boost,
            ext[0], ext[1], ext[2], cfg.burn_in_s, end_ns, cfg.snapshot_interval_ns,
            cap_t * factor, cap_q * factor,
        )
        if out[0] == 0:
            return out
        factor *= 2
        warnings.warn(MSG_CAPACITY.format(sym=sym, events=out[1], factor=factor),
                      SimCapacityWarning, stacklevel=3)


def _cat(parts, i):
    return np.concatenate([p[i] for p in parts]) if parts else np.zeros(0)


def simulate(cfg: SimConfig) -> SimResult:
    """Simulate ``cfg.minutes`` of the session from the 09:30 New York open.

    Same ``cfg`` => bit-identical tables. Every timestamp lies in
    ``[open, open + minutes]``; tables are sorted by time (then symbol).
    """
    open_ns = session_open_ns(cfg.session_date, cfg.open_utc_s)
    end_ns = int(round(cfg.minutes * 60e9))
    names = cfg.symbol_names
    ss = np.random.SeedSequence(cfg.seed)
    s_lat, s_px, s_sc, s_eng, s_oms = ss.spawn(5)
    h, f = latent_factors(cfg, np.random.Generator(np.random.PCG64(s_lat)))
    rng_px = np.random.Generator(np.random.PCG64(s_px))
    lo, hi = np.log(cfg.price_min), np.log(cfg.price_max)
    p0s = np.rint(np.exp(rng_px.uniform(lo, hi, cfg.n_symbols)) / cfg.tick_size).astype(np.int64)
    p0s[cfg.stress_symbol] = int(round(cfg.stress_open_price / cfg.tick_size))
    scen = build_scenario(cfg, np.random.Generator(np.random.PCG64(s_sc)),
                          int(p0s[cfg.stress_symbol]))
    eng_seeds = s_eng.generate_state(cfg.n_symbols, np.uint32)
    oms_rngs = [np.random.Generator(np.random.PCG64(s)) for s in s_oms.spawn(cfg.n_symbols)]
    no_ext = (np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64))
    trades, quotes, snaps, flows = [], [], [], []
    n_events = 0
    for i, sym in enumerate(names):
        stress = i == cfg.stress_symbol
        reg = scen.regime if stress else neutral_regime(n_bins_for(cfg))
        params = build_params(cfg, h[i], f[i], reg)
        ext = (scen.ext_ns, scen.ext_side, scen.ext_qty) if stress else no_ext
        _, n_ev, tr, qu, sn = _run_symbol(eng_seeds[i], int(p0s[i]), params, cfg, end_ns, ext, sym)
        n_events += int(n_ev)
        code = np.full(tr[0].shape[0], i, np.int64)
        trades.append((*tr, code))
        quotes.append((*qu, np.full(qu[0].shape[0], i, np.int64)))
        snaps.append((*sn, np.full(sn[0].shape[0], i, np.int64)))
        seller = ((scen.ext_ns, scen.ext_qty) if stress and scen.ext_ns.shape[0]
                  and cfg.scenario != "news_jump" else None)  # the sweep is not the firm's
        fl = generate_orders(cfg, oms_rngs[i], end_ns, qu, seller)
        flows.append((*fl, np.full(fl.ts_ns.shape[0], i, np.int64)))
    tick = cfg.tick_size
    return SimResult(
        trades=_trades_table(trades, names, open_ns, tick),
        quotes=_quotes_table(quotes, names, open_ns, tick),
        book=_book_table(snaps, names, open_ns, tick, cfg.snapshot_interval_ns),
        **_orders_tables(flows, names, open_ns),
        labels_events=_events_table(scen.events, names[cfg.stress_symbol], open_ns),
        n_book_events=n_events,
        open_ns=open_ns,
        config=cfg,
    )


def _trades_table(parts, names, open_ns, tick):
    ts, px, sz, sd, sym = (_cat(parts, i) for i in range(5))
    o = np.lexsort((sym, ts))  # stable: a sweep's prints keep their book order
    side = (sd[o] < 0).astype(np.int64)
    return make_table("trades", [
        ts_array(ts[o] + open_ns), str_array(sym[o], names), price_array(px[o], tick),
        pa.array(sz[o], pa.float64()), str_array(side, ("B", "S")),
        pa.array(np.arange(1, o.shape[0] + 1, dtype=np.int64)),
    ])


def _quotes_table(parts, names, open_ns, tick):
    ts, b, a, bs, as_, sym = (_cat(parts, i) for i in range(6))
    o = np.lexsort((sym, ts))
    return make_table("quotes", [
        ts_array(ts[o] + open_ns), str_array(sym[o], names), price_array(b[o], tick),
        price_array(a[o], tick), pa.array(bs[o], pa.float64()), pa.array(as_[o], pa.float64()),
    ])


def _book_table(parts, names, open_ns, tick, snap_ns):
    n_snap = parts[0][0].shape[0]
    bpx, bsz, apx, asz, sym = (_cat(parts, i) for i in range(5))
    ts = np.tile(np.arange(n_snap, dtype=np.int64) * snap_ns, len(parts))
    o = np.lexsort((sym, ts))
    return make_table("book", [
        ts_array(ts[o] + open_ns), str_array(sym[o], names), levels_array(bpx[o], tick),
        levels_array(bsz[o], None), levels_array(apx[o], tick), levels_array(asz[o], None),
    ])


def _orders_tables(parts, names, open_ns):
    cols = [_cat(parts, i) for i in range(len(OmsFlow._fields) + 1)]
    ts, trader, side, qty, price, market, error, sym = cols
    o = np.lexsort((sym, ts))
    ts, trader, side, qty, price, market, error, sym = (c[o] for c in cols)
    oid = np.arange(1, ts.shape[0] + 1, dtype=np.int64)
    ts_a, sym_a = ts_array(ts + open_ns), str_array(sym, names)
    orders = make_table("orders", [
        ts_a, pa.array(oid), str_array(trader, TRADER_NAMES), str_array(trader, STRATEGY_OF),
        sym_a, str_array((side < 0).astype(np.int64), ("B", "S")),
        pa.array(qty.astype(np.float64)),  # whole lots, as the orders DDL's DOUBLE holds them
        pa.array(price, pa.float64(), mask=market.astype(bool)),
        str_array(market.astype(np.int64), ("LIMIT", "MARKET")),
    ])
    labels = make_table("labels_orders", [
        pa.array(oid), ts_a, sym_a, pa.array(error > 0), str_array(error, ERROR_KINDS),
    ])
    return {"orders": orders, "labels_orders": labels}


def _events_table(events, sym, open_ns):
    return make_table("labels_events", [
        pa.array([sym] * len(events), pa.string()),
        pa.array([e[0] for e in events], pa.string()),
        ts_array(np.array([e[1] for e in events], np.int64) + open_ns),
        ts_array(np.array([e[2] for e in events], np.int64) + open_ns),
        pa.array([e[3] for e in events], pa.string()),
    ])
