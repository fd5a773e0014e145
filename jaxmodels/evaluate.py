"""Evaluation metrics of the walk-forward backtest (plain numpy; no model code here).

Orders are the order-input table (``jaxmodels.data.order_rows``) as numpy columns; limits
are ``risk_limits``-shaped Arrow tables; times are UTC ns.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jaxmodels.calibrate import FIELDS, static_limits
from jaxmodels.config import StaticCaps

STRESS_EVENTS = ("flash_crash", "liquidity_withdrawal", "high_volatility")
SELLER_TRADER = "T_SELLER"


def classification(y: np.ndarray, flag: np.ndarray) -> dict:
    """Precision, recall, FPR, FNR and the confusion counts of ``flag`` vs labels ``y``."""
    y, flag = np.asarray(y, bool), np.asarray(flag, bool)
    tp, fp = int((flag & y).sum()), int((flag & ~y).sum())
    fn, tn = int((~flag & y).sum()), int((~flag & ~y).sum())
    div = lambda a, b: float(a / b) if b else None  # noqa: E731
    return {"precision": div(tp, tp + fp), "recall": div(tp, tp + fn), "fpr": div(fp, fp + tn),
            "fnr": div(fn, fn + tp), "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def recall_by_kind(y: np.ndarray, flag: np.ndarray, kind: np.ndarray) -> dict:
    return {k: float(flag[y & (kind == k)].mean()) for k in sorted(set(kind[y].tolist()))}


def static_order_flags(cols: dict, caps: StaticCaps, collar_bps: float = 500.0) -> np.ndarray:
    """The static rule set as an order-error detector: qty over the fixed max order qty, or
    a limit price outside a fixed collar (default 5 %) around the reference mid."""
    qty, px, mid = cols["qty"], cols["price"], cols["ref_mid"]
    with np.errstate(invalid="ignore"):
        off = np.abs(px - mid) / mid * 1e4
    return (qty > caps.max_order_qty) | (np.isfinite(off) & (off > collar_bps))


def episodes(ts: np.ndarray, on: np.ndarray, merge_ns: int) -> list[tuple[int, int]]:
    """Runs of ``on`` (one symbol's rows in time order) merged when closer than merge_ns."""
    idx = np.flatnonzero(on)
    out: list[list[int]] = []
    for i in idx:
        t = int(ts[i])
        if out and t - out[-1][1] <= merge_ns:
            out[-1][1] = t
        else:
            out.append([t, t])
    return [(a, b) for a, b in out]


def alert_stats(ts, sym, alert, normal, evs: list[dict], mid, *, merge_ns: int = 60_000_000_000,
                bucket_s: float = 0.1) -> dict:
    """Layer-2 quality of a boolean alert series (rows sorted by sym, ts).

    delays: per stress event in range, seconds from onset to the first alert in the event
    window (None = missed), and whether it came before the price trough; false alerts:
    alert episodes starting on normal rows, per symbol-hour of normal rows.
    """
    delays, false_eps = [], 0
    for s in sorted(set(sym.tolist())):
        m = sym == s
        t, a, nm, px = ts[m], alert[m], normal[m], mid[m]
        false_eps += sum(1 for (a0, _) in episodes(t, a, merge_ns)
                         if nm[np.searchsorted(t, a0)])
        for e in evs:
            if e["sym"] != s or e["event"] not in STRESS_EVENTS or not (t[0] <= e["start_ns"] <= t[-1]):
                continue
            w = (t >= e["start_ns"]) & (t <= e["end_ns"])
            hit = np.flatnonzero(a & w)
            first = float((t[hit[0]] - e["start_ns"]) / 1e9) if len(hit) else None
            trough = None
            if e["event"] == "flash_crash" and np.isfinite(px[w]).any():
                trough = float((t[w][np.nanargmin(px[w])] - e["start_ns"]) / 1e9)
            delays.append({"sym": s, "event": e["event"], "start_ns": int(e["start_ns"]),
                           "delay_s": first, "trough_s": trough,
                           "before_trough": None if trough is None or first is None
                           else first <= trough})
    hours = float(normal.sum()) * bucket_s / 3600.0
    return {"events": delays, "false_alerts": false_eps, "normal_sym_hours": hours,
            "false_alerts_per_sym_hour": false_eps / hours if hours else None}


def alert_list(ts, sym, alert, mid, score, *, merge_ns: int = 60_000_000_000,
               around_ns: int = 30_000_000_000) -> list[dict]:
    """Every alert episode with its time, peak score and the mid move around it (bps from
    ``around_ns`` before its start to ``around_ns`` after)."""
    out = []
    for s in sorted(set(sym.tolist())):
        m = sym == s
        t, px, sc = ts[m], mid[m], score[m]
        for a0, a1 in episodes(t, alert[m], merge_ns):
            i0 = max(np.searchsorted(t, a0 - around_ns), 0)
            i1 = min(np.searchsorted(t, a0 + around_ns), len(t) - 1)
            w = slice(i0, i1 + 1)
            p0, p1 = px[i0], px[i1]
            out.append({"sym": s, "start_ns": a0, "end_ns": a1,
                        "peak_score": float(np.nanmax(sc[(t >= a0) & (t <= a1)])),
                        "move_bps": float((p1 / p0 - 1) * 1e4) if p0 and np.isfinite(p0 * p1)
                        else None,
                        "range_bps": float((np.nanmax(px[w]) / np.nanmin(px[w]) - 1) * 1e4)})
    return out


def limits_in_force(orders: dict, limits: pa.Table | None, caps: StaticCaps) -> dict:
    """Per order, the limits of the latest row for its symbol at or before its time (the
    static limits before the first row, or everywhere when ``limits`` is None)."""
    n = len(orders["ts"])
    st = static_limits(caps)
    out = {k: np.full(n, float(st[k])) for k in FIELDS}
    out["state"] = np.zeros(n, np.int8)
    if limits is None or limits.num_rows == 0:
        return out
    lts = limits.column("ts").cast(pa.int64()).to_numpy()
    lsym = np.asarray(limits.column("sym").to_pylist(), object)
    lstate = np.array([("ACTIVE", "REDUCING", "HALTED").index(s)
                       for s in limits.column("state").to_pylist()], np.int8)
    vals = {k: limits.column(k).to_numpy().astype(float) for k in FIELDS}
    for s in set(orders["sym"].tolist()):
        om, lm = orders["sym"] == s, lsym == s
        if not lm.any():
            continue
        order = np.argsort(lts[lm], kind="stable")
        t = lts[lm][order]
        i = np.searchsorted(t, orders["ts"][om], side="right") - 1
        ok = i >= 0
        idx = np.flatnonzero(om)[ok]
        for k in FIELDS:
            out[k][idx] = vals[k][lm][order][i[ok]]
        out["state"][idx] = lstate[lm][order][i[ok]]
    return out


def blocked(orders: dict, lim: dict) -> np.ndarray:
    """bool[n]: orders the limits would deny, checked in time order with positions per
    (strategy, sym) built from the accepted orders (every accepted order assumed filled,
    nothing released: open exposure only grows, so a long session of resting orders is
    blocked by max_position). The walk-forward backtest's quick count; ``adaptrisk
    evaluate`` counts through the enforcer's fair replay instead (fills, cancels, expiry)."""
    n = len(orders["ts"])
    out = np.zeros(n, bool)
    pos: dict[tuple, float] = {}
    sign = np.where(orders["side"] == "B", 1.0, -1.0)
    px = np.where(np.isfinite(orders["price"]), orders["price"], orders["ref_mid"])
    with np.errstate(invalid="ignore", divide="ignore"):
        band = np.abs(orders["price"] / orders["ref_mid"] - 1.0) * 1e4
    ff = orders["qty_over_trader_median"]
    static_fail = ((orders["qty"] > lim["max_order_qty"])
                   | (orders["qty"] * px > lim["max_notional"])
                   | (np.isfinite(band) & (band > lim["price_band_bps"]))
                   | (np.isfinite(ff) & (ff > lim["fat_finger_threshold"]))
                   | (lim["state"] == 2))
    for i in range(n):
        key = (orders["strategy"][i], orders["sym"][i])
        p = pos.get(key, 0.0)
        q = p + sign[i] * orders["qty"][i]
        deny = static_fail[i] or abs(q) > lim["max_position"][i] or (
            lim["state"][i] == 1 and abs(q) > abs(p))
        out[i] = deny
        if not deny:
            pos[key] = q
    return out


def order_columns(tbl: pa.Table) -> dict:
    """numpy columns of the order-input table that the checks need."""
    def f(name):
        return np.asarray(tbl.column(name).cast(pa.float64()).fill_null(np.nan)
                          .to_numpy(zero_copy_only=False))

    return {"ts": tbl.column("ts_ns").to_numpy().astype(np.int64),
            "sym": np.asarray(tbl.column("sym").to_pylist(), object),
            "strategy": np.asarray(tbl.column("strategy").to_pylist(), object),
            "trader": np.asarray(tbl.column("trader").to_pylist(), object),
            "side": np.asarray(tbl.column("side").to_pylist(), object),
            "kind": np.asarray(tbl.column("error_kind").fill_null("").to_pylist(), object),
            "qty": f("qty"), "price": f("price"), "ref_mid": f("ref_mid"),
            "qty_over_trader_median": f("qty_over_trader_median")}


def in_windows(ts: np.ndarray, sym: np.ndarray, evs: list[dict], kinds: tuple[str, ...],
               before_ns: int = 0, after_ns: int = 0) -> np.ndarray:
    m = np.zeros(len(ts), bool)
    for e in evs:
        if e["event"] in kinds:
            m |= (sym == e["sym"]) & (ts >= e["start_ns"] - before_ns) & (ts <= e["end_ns"] + after_ns)
    return m
