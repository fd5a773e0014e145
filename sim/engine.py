"""Event-by-event limit order book for one symbol, compiled with numba.

The book is two arrays of resting lots indexed by absolute price in ticks (``bid_q``,
``ask_q``, length ``n_ticks``); only aggregate queue sizes per level are kept. Events
follow a Gillespie loop with piecewise-constant rates per time bin (``params`` rows):

* limit order on each side: price ``far_touch -/+ d`` ticks, ``d = dmin + floor(Exp(place))``
  (``dmin >= 1`` per side, raised when providers quote wider or lean one way),
  size lognormal; a limit never crosses (``d >= 1``), it may improve the spread.
* market order on each side: sweeps the opposite side level by level; one trade print
  per level touched, at that level's price.
* cancellation: hazard ``nu`` per resting lot; a cancel picks a level with probability
  proportional to its volume and removes a lognormal chunk (at most the queue).
* exogenous market orders (the firm's aggressive seller) at fixed nanosecond times.

Time is float seconds from the open (negative during burn-in, which is not recorded);
output timestamps are int64 nanoseconds from the open.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# columns of the per-bin ``params`` array
(P_LIMIT_BID, P_LIMIT_ASK, P_MKT_BUY, P_MKT_SELL, P_NU_BID, P_NU_ASK, P_PLACE, P_DMIN_BID,
 P_DMIN_ASK) = range(9)
N_PARAMS = 9
N_LEVELS = 10
MAX_PLACE_TICKS = 200
MAX_SIZE = 5000


@njit(cache=True)
def _draw_size(mu, sigma):
    s = int(np.exp(mu + sigma * np.random.standard_normal()) + 0.5)
    if s < 1:
        return 1
    if s > MAX_SIZE:
        return MAX_SIZE
    return s


@njit(cache=True)
def _next_bid(bid_q, start, vb):
    if vb <= 0:
        return -1
    i = start
    while i >= 0 and bid_q[i] == 0:
        i -= 1
    return i


@njit(cache=True)
def _next_ask(ask_q, start, va, n_ticks):
    if va <= 0:
        return n_ticks
    i = start
    while i < n_ticks and ask_q[i] == 0:
        i += 1
    return i


@njit(cache=True)
def _snapshot(bid_q, ask_q, bb, ba, vb, va, n_ticks, k, s_bpx, s_bsz, s_apx, s_asz):
    j = 0
    seen = 0
    i = bb
    while i >= 0 and j < N_LEVELS and seen < vb:
        if bid_q[i] > 0:
            s_bpx[k, j] = i
            s_bsz[k, j] = bid_q[i]
            seen += bid_q[i]
            j += 1
        i -= 1
    j = 0
    seen = 0
    i = ba
    while i < n_ticks and j < N_LEVELS and seen < va:
        if ask_q[i] > 0:
            s_apx[k, j] = i
            s_asz[k, j] = ask_q[i]
            seen += ask_q[i]
            j += 1
        i += 1


@njit(cache=True)
def run_book(  # noqa: C901 - one event loop, kept in one piece for the compiler
    seed, p0, n_ticks, params, bin_s, mu_limit, mu_market, sigma, refill_lots, refill_boost,
    ext_ns, ext_side, ext_qty, burn_s, end_ns, snap_ns, cap_trades, cap_quotes,
):
    """Simulate one symbol's book from ``-burn_s`` seconds to ``end_ns`` after the open.

    Args: ``params`` float64[n_bins, 9] rates per bin of ``bin_s`` seconds (columns
    ``P_*``); a side holding fewer than ``refill_lots`` lots gets its limit inflow raised
    by up to ``1 + refill_boost`` (liquidity providers refill a thin book); ``ext_*``
    sorted exogenous market orders (ns from open, +1 buy / -1 sell,
    lots); ``p0`` opening price in ticks; capacities bound the trade and quote outputs.

    Returns ``(status, n_events, trades, quotes, snaps)`` where status 0 = ok, 1 = out of
    capacity; trades = (ts_ns, px_tick, size, side) with side +1 buyer-initiated;
    quotes = (ts_ns, bid_tick, ask_tick, bid_sz, ask_sz) with -1 for an empty side;
    snaps = (bid_px, bid_sz, ask_px, ask_sz) int64[n_snap, 10], price -1 if unoccupied.
    """
    np.random.seed(seed)
    n_bins = params.shape[0]
    bid_q = np.zeros(n_ticks, np.int64)
    ask_q = np.zeros(n_ticks, np.int64)
    bb = p0
    ba = p0 + 1
    vb = 0
    va = 0
    for d in range(20):
        bid_q[bb - d] = 8
        ask_q[ba + d] = 8
        vb += 8
        va += 8
    mean_chunk = np.exp(mu_limit + 0.5 * sigma * sigma)
    n_snap = end_ns // snap_ns + 1
    t_ts = np.empty(cap_trades, np.int64)
    t_px = np.empty(cap_trades, np.int64)
    t_sz = np.empty(cap_trades, np.int64)
    t_sd = np.empty(cap_trades, np.int8)
    q_ts = np.empty(cap_quotes, np.int64)
    q_b = np.empty(cap_quotes, np.int64)
    q_a = np.empty(cap_quotes, np.int64)
    q_bs = np.empty(cap_quotes, np.int64)
    q_as = np.empty(cap_quotes, np.int64)
    s_bpx = np.full((n_snap, N_LEVELS), -1, np.int64)
    s_bsz = np.zeros((n_snap, N_LEVELS), np.int64)
    s_apx = np.full((n_snap, N_LEVELS), -1, np.int64)
    s_asz = np.zeros((n_snap, N_LEVELS), np.int64)
    nt = 0
    nq = 0
    n_ev = 0
    k_snap = 0
    k_ext = 0
    n_ext = ext_ns.shape[0]
    status = 0
    ref_b = bb
    ref_a = ba
    t = -burn_s
    opened = False
    while True:
        if t < 0.0:
            b = 0
            bin_end = 0.0
        else:
            b = int(t / bin_s)
            if b >= n_bins:
                b = n_bins - 1
            bin_end = (b + 1) * bin_s
            if b == n_bins - 1:
                bin_end = 1e18
        if t >= 0.0 and not opened:
            opened = True
            q_ts[0] = 0
            q_b[0] = bb if vb > 0 else -1
            q_a[0] = ba if va > 0 else -1
            q_bs[0] = bid_q[bb] if vb > 0 else 0
            q_as[0] = ask_q[ba] if va > 0 else 0
            nq = 1
        lb = params[b, P_LIMIT_BID]
        la = params[b, P_LIMIT_ASK]
        if vb < refill_lots:
            lb *= 1.0 + refill_boost * (1.0 - vb / refill_lots)
        if va < refill_lots:
            la *= 1.0 + refill_boost * (1.0 - va / refill_lots)
        mb = params[b, P_MKT_BUY]
        ms = params[b, P_MKT_SELL]
        cb = params[b, P_NU_BID] * vb / mean_chunk
        ca = params[b, P_NU_ASK] * va / mean_chunk
        r_tot = lb + la + mb + ms + cb + ca
        t_new = t - np.log(1.0 - np.random.random()) / r_tot
        cand = t_new if t_new < bin_end else bin_end
        if cand < 0.0:
            cand_ns = np.int64(-1)
        elif cand * 1e9 < 9.0e18:
            cand_ns = np.int64(cand * 1e9)
        else:  # beyond any session: clamp before the int64 conversion overflows
            cand_ns = np.int64(9_000_000_000_000_000_000)
        is_ext = k_ext < n_ext and ext_ns[k_ext] <= cand_ns
        if is_ext:
            ev_ns = ext_ns[k_ext]
        elif t_new >= bin_end:
            t = bin_end
            if t * 1e9 > end_ns:
                break
            continue
        else:
            ev_ns = cand_ns
        if ev_ns > end_ns:
            break
        while opened and k_snap < n_snap and k_snap * snap_ns < ev_ns:
            _snapshot(bid_q, ask_q, bb, ba, vb, va, n_ticks, k_snap, s_bpx, s_bsz, s_apx, s_asz)
            k_snap += 1
        # ---- choose and apply one event ----
        kind = 0  # 0 limit, 1 market, 2 cancel
        side = 1  # +1 bid/buy, -1 ask/sell
        qty = 0
        if is_ext:
            t = ev_ns / 1e9
            kind = 1
            side = ext_side[k_ext]
            qty = ext_qty[k_ext]
            k_ext += 1
        else:
            t = t_new
            u = np.random.random() * r_tot
            if u < lb:
                kind, side = 0, 1
            elif u < lb + la:
                kind, side = 0, -1
            elif u < lb + la + mb:
                kind, side = 1, 1
            elif u < lb + la + mb + ms:
                kind, side = 1, -1
            elif u < lb + la + mb + ms + cb:
                kind, side = 2, 1
            else:
                kind, side = 2, -1
        rec = opened and ev_ns >= 0
        if rec:
            n_ev += 1
        if kind == 0:
            size = _draw_size(mu_limit, sigma)
            d = int(-np.log(1.0 - np.random.random()) * params[b, P_PLACE])
            if d > MAX_PLACE_TICKS:
                d = MAX_PLACE_TICKS
            if side == 1:
                d += int(params[b, P_DMIN_BID])
                far = ba if va > 0 else ref_a
                px = far - d
                if px >= 1:
                    bid_q[px] += size
                    vb += size
                    if vb == size or px > bb:
                        bb = px
            else:
                d += int(params[b, P_DMIN_ASK])
                far = bb if vb > 0 else ref_b
                px = far + d
                if px < n_ticks - 1:
                    ask_q[px] += size
                    va += size
                    if va == size or px < ba:
                        ba = px
        elif kind == 1:
            if qty == 0:
                qty = _draw_size(mu_market, sigma)
            if side == 1:
                while qty > 0 and va > 0:
                    take = min(qty, ask_q[ba])
                    if rec:
                        if nt >= cap_trades:
                            status = 1
                            break
                        t_ts[nt] = ev_ns
                        t_px[nt] = ba
                        t_sz[nt] = take
                        t_sd[nt] = 1
                        nt += 1
                    ask_q[ba] -= take
                    va -= take
                    qty -= take
                    if ask_q[ba] == 0:
                        ref_a = ba
                        ba = _next_ask(ask_q, ba + 1, va, n_ticks)
            else:
                while qty > 0 and vb > 0:
                    take = min(qty, bid_q[bb])
                    if rec:
                        if nt >= cap_trades:
                            status = 1
                            break
                        t_ts[nt] = ev_ns
                        t_px[nt] = bb
                        t_sz[nt] = take
                        t_sd[nt] = -1
                        nt += 1
                    bid_q[bb] -= take
                    vb -= take
                    qty -= take
                    if bid_q[bb] == 0:
                        ref_b = bb
                        bb = _next_bid(bid_q, bb - 1, vb)
        else:
            chunk = _draw_size(mu_limit, sigma)
            if side == 1 and vb > 0:
                target = int(np.random.random() * vb)
                i = bb
                cum = bid_q[i]
                while cum <= target:
                    i -= 1
                    cum += bid_q[i]
                take = min(chunk, bid_q[i])
                bid_q[i] -= take
                vb -= take
                if i == bb and bid_q[i] == 0:
                    ref_b = bb
                    bb = _next_bid(bid_q, bb - 1, vb)
            elif side == -1 and va > 0:
                target = int(np.random.random() * va)
                i = ba
                cum = ask_q[i]
                while cum <= target:
                    i += 1
                    cum += ask_q[i]
                take = min(chunk, ask_q[i])
                ask_q[i] -= take
                va -= take
                if i == ba and ask_q[i] == 0:
                    ref_a = ba
                    ba = _next_ask(ask_q, ba + 1, va, n_ticks)
        if status != 0:
            break
        if rec:
            nb_ = bb if vb > 0 else -1
            na_ = ba if va > 0 else -1
            nbs = bid_q[bb] if vb > 0 else 0
            nas = ask_q[ba] if va > 0 else 0
            j = nq - 1
            if nb_ != q_b[j] or na_ != q_a[j] or nbs != q_bs[j] or nas != q_as[j]:
                if nq >= cap_quotes:
                    status = 1
                    break
                q_ts[nq] = ev_ns
                q_b[nq] = nb_
                q_a[nq] = na_
                q_bs[nq] = nbs
                q_as[nq] = nas
                nq += 1
    while status == 0 and opened and k_snap < n_snap:
        _snapshot(bid_q, ask_q, bb, ba, vb, va, n_ticks, k_snap, s_bpx, s_bsz, s_apx, s_asz)
        k_snap += 1
    trades = (t_ts[:nt], t_px[:nt], t_sz[:nt], t_sd[:nt])
    quotes = (q_ts[:nq], q_b[:nq], q_a[:nq], q_bs[:nq], q_as[:nq])
    snaps = (s_bpx, s_bsz, s_apx, s_asz)
    return status, n_ev, trades, quotes, snaps
