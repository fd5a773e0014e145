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


def _one_sym(sym, trades, quotes, book, t0, w, n_k, kk, n1s, n10s, n1m) -> dict[str, list]:
    ws = w / 1e9
    tc = [0] * n_k
    vol = [0] * n_k
    sv = [0] * n_k
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
        if b is not None and a is not None and b < a and (last_v[k] is None or r["ts"] >= last_v[k][0]):
            last_v[k] = (r["ts"], (b + a) / 2)
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
        if sxx > 0 and syy > 0:
            out[k] = max(-1.0, min(1.0, float(da @ db) / math.sqrt(sxx * syy)))
    return out
