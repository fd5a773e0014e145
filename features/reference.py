"""Numpy reference twins of the feature queries; used only by tests.

Plain loops over small inputs, written from the definitions in ``features/registry.py``,
not from the SQL: a property test runs a query and its twin on the same random data and
requires agreement. Inputs are Arrow tables shaped like the store's tables; outputs are
lists of row dicts keyed like the query's columns (None where the query gives NULL).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

MINUTE_NS = 60_000_000_000


def market_state_ref(
    trades: pa.Table, quotes: pa.Table, book: pa.Table, *, t0: int, t1: int, w: int,
    emit_after: int, ref_sym: str | None, n1s: int, n10s: int, n1m: int,
) -> list[dict]:
    """Rows of ``market_state.sql`` for a full (unseeded) run, sorted by (ts, sym)."""
    trades = trades.cast(trades.schema.set(0, pa.field("ts", pa.int64())))
    quotes = quotes.cast(quotes.schema.set(0, pa.field("ts", pa.int64())))
    book = book.cast(book.schema.set(0, pa.field("ts", pa.int64())))
    n_k = (t1 - t0) // w + 1

    def kk(ts: int) -> int | None:
        return (ts - t0 + w) // w if t0 - w <= ts < t1 else None

    syms = sorted({r["sym"] for t in (trades, quotes, book) for r in t.to_pylist()
                   if kk(r["ts"]) is not None})
    per_sym = {s: _one_sym(s, trades, quotes, book, t0, w, n_k, kk, n1s, n10s, n1m) for s in syms}
    ref = per_sym.get(ref_sym) if ref_sym is not None else None
    out = []
    for s, st in per_sym.items():
        ref_r1 = ref["ret_1s"] if ref is not None else [None] * n_k
        corr = _rolling_corr(st["ret_1s"], ref_r1, n1m)
        for k in range(1, n_k):
            ts = t0 + k * w
            if ts <= emit_after:
                continue
            row = {c: st[c][k] for c in st if c not in ("depth5",)}
            row["corr_ref_1m"] = corr[k]
            row["ts"] = ts
            row["sym"] = s
            out.append(row)
    out.sort(key=lambda r: (r["ts"], r["sym"]))
    return out


def _trade_buckets(sym, trades, t0, w, n_k, kk):
    tc, vol, sv = [0] * n_k, [0] * n_k, [0] * n_k
    mx: list = [None] * n_k
    sizes_by_min: dict[int, list[int]] = {}
    lo_min = (t0 - w) // MINUTE_NS * MINUTE_NS - MINUTE_NS
    for r in trades.to_pylist():
        if r["sym"] != sym:
            continue
        if lo_min <= r["ts"] < t0 + (n_k - 1) * w:
            sizes_by_min.setdefault(r["ts"] // MINUTE_NS, []).append(r["size"])
        k = kk(r["ts"])
        if k is None:
            continue
        tc[k] += 1
        vol[k] += r["size"]
        sv[k] += r["size"] if r["side"] == "B" else -r["size"]
        mx[k] = r["size"] if mx[k] is None else max(mx[k], r["size"])
    p95 = {m: float(np.quantile(np.array(v, float), 0.95)) for m, v in sizes_by_min.items()}
    large = []
    for k in range(n_k):
        thr = p95.get((t0 + (k - 1) * w) // MINUTE_NS - 1)
        large.append(bool(mx[k] is not None and thr is not None and mx[k] > thr))
    return tc, vol, sv, large


def _quote_buckets(sym, quotes, n_k, kk):
    nq = [0] * n_k
    last_q: list = [None] * n_k  # (ts, bid, ask)
    last_v: list = [None] * n_k  # (ts, mid)
    for r in quotes.to_pylist():
        if r["sym"] != sym or (k := kk(r["ts"])) is None:
            continue
        nq[k] += 1
        if last_q[k] is None or r["ts"] >= last_q[k][0]:
            last_q[k] = (r["ts"], r["bid"], r["ask"])
        b, a = r["bid"], r["ask"]
        valid = b is not None and a is not None and b < a
        if valid and (last_v[k] is None or r["ts"] >= last_v[k][0]):
            last_v[k] = (r["ts"], (b + a) / 2)
    return nq, last_q, last_v


def _one_sym(sym, trades, quotes, book, t0, w, n_k, kk, n1s, n10s, n1m) -> dict[str, list]:
    ws = w / 1e9
    tc, vol, sv, large = _trade_buckets(sym, trades, t0, w, n_k, kk)
    nq, last_q, last_v = _quote_buckets(sym, quotes, n_k, kk)
    last_b: list = [None] * n_k
    for r in book.to_pylist():
        if r["sym"] != sym or (k := kk(r["ts"])) is None:
            continue
        if last_b[k] is None or r["ts"] >= last_b[k][0]:
            last_b[k] = (r["ts"], _book_state(r["bid_sz"], r["ask_sz"]))

    q, mid, bk = _ffill([x and x[1:] for x in last_q]), _ffill([x and x[1] for x in last_v]), \
        _ffill([x and x[1] for x in last_b])
    out: dict[str, list] = {c: [None] * n_k for c in (
        "best_bid", "best_ask", "mid", "locked_crossed", "spread_bps", "imbalance_l1",
        "imbalance_l5", "book_pressure", "depth5_bid", "depth5_ask", "quote_rate_1s",
        "trade_to_order_1s", "ret_1s", "ret_10s", "rv_1m", "liq_recovery_rate", "depth5")}
    out.update(trade_count=tc, volume=vol, signed_volume=sv, quote_updates=nq, large_trade=large)
    r1 = [None] * n_k
    for k in range(n_k):
        if q[k] is not None:
            b, a = q[k]
            out["best_bid"][k], out["best_ask"][k] = b, a
            out["locked_crossed"][k] = bool(b is not None and a is not None and b >= a)
            if b is not None and a is not None and b < a:
                out["spread_bps"][k] = (a - b) / ((a + b) / 2) * 1e4
        out["mid"][k] = mid[k]
        if bk[k] is not None:
            for name, v in bk[k].items():
                out[name][k] = v
            out["depth5"][k] = bk[k]["depth5_bid"] + bk[k]["depth5_ask"]
        r1[k] = _lr(mid, k, 1)
        out["ret_1s"][k] = _lr(mid, k, n1s)
        out["ret_10s"][k] = _lr(mid, k, n10s)
        lo1 = max(0, k - n1s + 1)
        q1, t1_ = sum(nq[lo1:k + 1]), sum(tc[lo1:k + 1])
        out["quote_rate_1s"][k] = q1 / (min(n1s, k) * ws) if k > 0 else None
        out["trade_to_order_1s"][k] = t1_ / q1 if q1 else None
        rs = [x for x in r1[max(0, k - n1m + 1):k + 1] if x is not None]
        out["rv_1m"][k] = math.sqrt(sum(x * x for x in rs) / (len(rs) * ws)) if rs else None
        out["liq_recovery_rate"][k] = _liq(out["depth5"], large, k, n10s, ws)
    return out


def _book_state(bid_sz, ask_sz) -> dict[str, float | None]:
    b = [float(x) for x in bid_sz]
    a = [float(x) for x in ask_sz]
    wb = sum(x / (i + 1) for i, x in enumerate(b))
    wa = sum(x / (i + 1) for i, x in enumerate(a))
    b5, a5 = sum(b[:5]), sum(a[:5])

    def imb(x, y):
        return (x - y) / (x + y) if x + y else None

    return {"imbalance_l1": imb(b[0], a[0]), "imbalance_l5": imb(b5, a5),
            "book_pressure": imb(wb, wa), "depth5_bid": b5, "depth5_ask": a5}


def _ffill(xs: list) -> list:
    out, last = [], None
    for x in xs:
        last = x if x is not None else last
        out.append(last)
    return out


def _lr(mid: list, k: int, lag: int) -> float | None:
    if k - lag < 0 or mid[k] is None or mid[k - lag] is None:
        return None
    return math.log(mid[k] / mid[k - lag])


def _liq(depth5: list, large: list, k: int, n10s: int, ws: float) -> float | None:
    shock = next((j for j in range(k, max(-1, k - n10s), -1) if large[j]), None)
    if shock is None or shock >= k:
        return None
    pre = depth5[shock - 1] if shock >= 1 else None
    if pre is None or not pre > 0 or depth5[k] is None or depth5[shock] is None:
        return None
    return (depth5[k] - depth5[shock]) / (pre * (k - shock) * ws)


def _rolling_corr(x: list, y: list, n: int) -> list:
    out: list = [None] * len(x)
    for k in range(len(x)):
        pairs = [(a, b) for a, b in zip(x[max(0, k - n + 1):k + 1], y[max(0, k - n + 1):k + 1],
                                        strict=True) if a is not None and b is not None]
        if len(pairs) < 2:
            continue
        a = np.array([p[0] for p in pairs])
        b = np.array([p[1] for p in pairs])
        da, db = a - a.mean(), b - b.mean()
        sxx, syy = float(da @ da), float(db @ db)
        if sxx > 1e-10 * float(a @ a) and syy > 1e-10 * float(b @ b):
            out[k] = max(-1.0, min(1.0, float(da @ db) / math.sqrt(sxx * syy)))
        else:  # a constant series: undefined; the store's Welford sums may give NULL or +-1
            out[k] = math.nan
    return out


def order_features_ref(
    orders: list[dict], features: list[dict], risk_scores: list[dict], *, since: int, until: int,
    open_offset_ns: int, n_hist: int, min_hist: int,
) -> list[dict]:
    """Rows of ``order_features.sql``; ``ts`` fields are UTC ns ints. ``open_offset_ns``
    maps a UTC ts to ns since the session open of its day: ``secs = (ts - open_of_day)``,
    with ``open_of_day = (ts - open_offset_ns) // day * day + open_offset_ns`` (fixed offset)."""
    day = 86_400_000_000_000
    orders = sorted(orders, key=lambda o: (o["ts"], o["order_id"]))
    feats: dict[str, list[dict]] = {}
    lo = since - 20 * MINUTE_NS
    for f in sorted(features, key=lambda f: f["ts"]):
        if lo <= f["ts"] <= until:
            feats.setdefault(f["sym"], []).append(f)
    out = []
    for o in orders:
        if not since < o["ts"] <= until:
            continue
        prev = [p for p in orders if p["trader"] == o["trader"] and p["sym"] == o["sym"]
                and (p["ts"], p["order_id"]) < (o["ts"], o["order_id"])][-n_hist:]
        fs = feats.get(o["sym"], [])
        a = _asof(fs, o["ts"])
        fresh = a is not None and a["ts"] >= o["ts"] - MINUTE_NS
        mid = a["mid"] if fresh else None
        bid = a["best_bid"] if fresh else None
        ask = a["best_ask"] if fresh else None
        rv = a["rv_1m"] if fresh else None
        vol20 = _cum(fs, o["ts"], "volume") - _cum(fs, o["ts"] - 20 * MINUTE_NS, "volume")
        vol5 = _cum(fs, o["ts"], "volume") - _cum(fs, o["ts"] - 5 * MINUTE_NS, "volume")
        n5 = _cum(fs, o["ts"], "trade_count") - _cum(fs, o["ts"] - 5 * MINUTE_NS, "trade_count")
        qty, px, sgn = o["qty"], o["price"], 1 if o["side"] == "B" else -1
        qs = [p["qty"] for p in prev]
        ps = [p["price"] for p in prev if p["price"] is not None]
        rs = [r for r in risk_scores if r["sym"] == o["sym"] and r["ts"] <= o["ts"]]
        row = {
            "order_id": o["order_id"], "mid": mid,
            "qty_over_avg_trade": qty / (vol5 / n5) if n5 and vol5 else None,
            "qty_over_vol_20m": qty / vol20 if vol20 else None,
            "notional": qty * (px if px is not None else mid) if (px or mid) else None,
            "price_dev_bps": sgn * (px - mid) / mid * 1e4 if px and mid else None,
            "price_dev_vol": (sgn * math.log(px / mid) / (rv * math.sqrt(60.0))
                              if px and mid and rv else None),
            "cross_bps": _cross(o["side"], px, bid, ask, mid),
            "qty_z": _robust_z(qty, qs, min_hist),
            "price_z": _robust_z(px, ps, min_hist) if px is not None else None,
            "qty_over_trader_median": qty / float(np.median(qs)) if len(qs) >= min_hist else None,
            "qty_over_trader_max": qty / max(qs) if len(qs) >= min_hist else None,
            "touch_dev_spreads": _touch_spreads(o["side"], px, bid, ask),
            "secs_since_open": (o["ts"] - ((o["ts"] - open_offset_ns) // day * day
                                           + open_offset_ns)) / 1e9,
            "anomaly_score": max(rs, key=lambda r: r["ts"])["anomaly_score"] if rs else None,
        }
        out.append(row)
    return out


def _asof(rows: list[dict], t: int) -> dict | None:
    best = None
    for r in rows:
        if r["ts"] <= t:
            best = r
    return best


def _cum(rows: list[dict], t: int, col: str) -> int:
    return sum(r[col] for r in rows if r["ts"] <= t)


def _cross(side, px, bid, ask, mid):
    if px is None or mid is None:
        return None
    if side == "B":
        return max(px - ask, 0) / mid * 1e4 if ask is not None else None
    return max(bid - px, 0) / mid * 1e4 if bid is not None else None


def _touch_spreads(side, px, bid, ask):
    if px is None or bid is None or ask is None or ask - bid == 0:
        return None
    return (px - bid if side == "B" else ask - px) / (ask - bid)


def _robust_z(x, hist: list, min_hist: int):
    if len(hist) < min_hist:
        return None
    arr = np.array(hist, float)
    med = float(np.median(arr))
    mad = float(np.median(np.abs(arr - med)))
    return (x - med) / (1.4826 * mad) if mad > 0 else None
