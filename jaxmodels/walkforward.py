"""Walk-forward backtest: train on folds 1..k, test on fold k+1, for k = 1..K-1.

Folds are whole sessions (``session_starts``) when the store holds at least K (each simulated
day is a different seed / scenario, so test days are never seen in training), else equal shares of
the feature buckets in time. Per test fold: layer 1 (trees vs the static max-qty + 5 %
collar rules) on labelled orders; layer 2 (delay from each stress onset to tier >=
HIGH_ALERT, false HIGH alerts per symbol-hour in normal periods) vs a static rule that
alerts when rv_1m exceeds the same quantile of its training-normal values; limits (valid
orders blocked in normal periods, the aggressive seller's accepted qty in the crash),
dynamic vs static.
"""

from __future__ import annotations

import numpy as np

from jaxmodels import evaluate as ev
from jaxmodels import gbdt, layer1, model, publish
from jaxmodels.calibrate import caps_for
from jaxmodels.config import TIERS, ModelsConfig
from jaxmodels.data import MarketRows, events, market_rows, order_rows

NS_PER_DAY = 86_400_000_000_000
SESSION_GAP_NS = 30 * 60 * 10**9  # a quiet stretch this long ends a session
HIGH = TIERS.index("HIGH_ALERT")


def session_starts(ts: np.ndarray) -> np.ndarray:
    """Sorted start times (UTC ns) of the sessions in ``ts``: a new session after a quiet
    stretch longer than ``SESSION_GAP_NS`` (an equity night, a futures maintenance break),
    and, inside a stretch with no such gap lasting more than a day (a 24/7 market, whose
    calendar sessions are UTC days), at each UTC midnight. A CME evening session (23 h,
    across midnight UTC) stays whole. No calendar needed: what the store holds says it."""
    u = np.unique(np.asarray(ts, np.int64))
    if len(u) == 0:
        return u
    new = np.concatenate([[True], np.diff(u) > SESSION_GAP_NS])
    stretch = np.cumsum(new) - 1
    first = u[new]
    last = np.append(u[np.flatnonzero(new)[1:] - 1], u[-1])
    long_ = (last - first > NS_PER_DAY)[stretch]
    day = u // NS_PER_DAY
    new[1:] |= (day[1:] != day[:-1]) & (stretch[1:] == stretch[:-1]) & long_[1:]
    return u[new]


def fold_bounds(ts: np.ndarray, k: int) -> list[tuple[int, int]]:
    """K (lo, hi] time ranges covering ``ts``: whole sessions (``session_starts``) when there
    are >= K of them, so no session (a CME evening crossing midnight UTC) is split between
    training and test; else equal shares of the time stamps."""
    if k < 2:
        raise ValueError("need at least 2 folds")
    starts = session_starts(ts)
    if len(starts) >= k:
        firsts = [int(g[0]) for g in np.array_split(starts, k)]
        his = [f - 1 for f in firsts[1:]] + [int(np.max(ts))]
        return [(f - 1, h) for f, h in zip(firsts, his, strict=True)]
    u = np.unique(ts)
    cuts = [int(u[int(round(i * (len(u) - 1) / k))]) for i in range(k + 1)]
    cuts[0] -= 1
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def run(store, cfg: ModelsConfig | None = None, *, folds: int = 3,
        loosen_after: int = 50) -> dict:
    """Run the walk-forward backtest on everything in the store; returns the JSON report."""
    cfg = cfg or ModelsConfig()
    rows = market_rows(store, cfg.vae.inputs)
    if len(rows.ts) == 0:
        raise ValueError("the features table is empty: run `adaptrisk features build` first")
    evs = events(store)
    normal = model.normal_mask(rows, evs)
    orders = order_rows(store)
    bounds = fold_bounds(rows.ts, folds)
    out = []
    for k in range(1, folds):
        train = rows.ts <= bounds[k - 1][1]
        lo, hi = bounds[k]
        test = (rows.ts > lo) & (rows.ts <= hi)
        out.append(_fold(k, rows, train, test, normal, evs, orders, (lo, hi), cfg, loosen_after))
    return {"folds": out, "overall": _overall(out), "config": cfg.to_dict(),
            "bounds": bounds}


def _fold(k, rows: MarketRows, train, test, normal, evs, orders, win, cfg, loosen_after):
    mm, mmet = model.fit_market(rows.take(train), normal[train], cfg.vae)
    tr, te = rows.take(train), rows.take(test)
    _, sm_tr, _ = mm.score(tr)
    _, sm_te, tier_te = mm.score(te)
    res = {"fold": k, "test_window": list(win), "train_rows": int(train.sum()),
           "test_rows": int(test.sum()), "thresholds": mmet["thresholds"]}
    # -- layer 2 vs a static volatility threshold -------------------------------------
    q_high = cfg.vae.tier_quantiles[1]
    rv_tr = tr.ctx["rv_1m"][normal[train]]
    rv_thr = float(np.nanquantile(rv_tr, q_high)) if np.isfinite(rv_tr).any() else np.inf
    nm_te = normal[test]
    dyn_alert = tier_te >= HIGH
    stat_alert = np.nan_to_num(te.ctx["rv_1m"]) > rv_thr
    res["layer2"] = {
        "model": ev.alert_stats(te.ts, te.sym, dyn_alert, nm_te, evs, te.ctx["mid"]),
        "static_vol": ev.alert_stats(te.ts, te.sym, stat_alert, nm_te, evs, te.ctx["mid"]),
        "alerts": ev.alert_list(te.ts, te.sym, dyn_alert, te.ctx["mid"], sm_te)}
    # -- layer 1 --------------------------------------------------------------------------
    y, known = model.labels(orders)
    ots = orders.column("ts_ns").to_numpy()
    o_tr = (ots <= win[0]) & known
    o_te = (ots > win[0]) & (ots <= win[1])
    scores = (np.r_[tr.ts, te.ts], np.r_[tr.sym, te.sym], np.r_[sm_tr, sm_te])
    if o_tr.any() and y[o_tr].any() and (o_te & known).any():
        x = model.order_inputs(orders, cfg.gbdt, scores)
        gate = layer1.invertible(cfg.gbdt.inputs)  # size inputs: fit as model.fit_layers
        fit = o_tr & layer1.training_mask(np.asarray(orders.column("error_kind").fill_null(
            "").to_pylist(), object), known) if gate else o_tr
        tm, tmet = gbdt.fit(x[fit], y[fit], cfg.gbdt)
        sel = o_te & known
        cols = ev.order_columns(orders.filter(sel))
        caps = cfg.calib.caps
        sflag = ev.static_order_flags(cols, caps)
        # at the gate: layer 1's max qty per order baseline, with the static rules (collar)
        flag = layer1.gate_flags(tm, x[sel], cols["qty"]) | sflag if gate else tm.flag(x[sel])
        res["layer1"] = {"model": ev.classification(y[sel], flag),
                         "static": ev.classification(y[sel], sflag),
                         "model_recall_by_kind": ev.recall_by_kind(y[sel], flag, cols["kind"]),
                         "static_recall_by_kind": ev.recall_by_kind(y[sel], sflag, cols["kind"]),
                         "n_trees": tmet["n_trees"], "threshold": tmet["threshold"]}
    # -- limits ---------------------------------------------------------------------------
    if o_te.any():
        res["limits"] = _limits(te, sm_te, tier_te, orders.filter(o_te), evs, cfg, loosen_after)
    return res


def _limits(te: MarketRows, sm, tier, orders, evs, cfg: ModelsConfig, loosen_after) -> dict:
    lim_rows = publish.limits_for(te, sm, tier, cfg.calib, "backtest", loosen_after=loosen_after)
    cols = ev.order_columns(orders)
    y = np.asarray(orders.column("is_error").fill_null(False).to_pylist(), bool)
    caps = caps_for(cfg.calib, "*")
    dyn = ev.blocked(cols, ev.limits_in_force(cols, lim_rows, caps))
    stat = ev.blocked(cols, ev.limits_in_force(cols, None, caps))
    normal = ~ev.in_windows(cols["ts"], cols["sym"], evs, ev.STRESS_EVENTS,
                            model.NORMAL_MARGIN_BEFORE_NS, model.NORMAL_MARGIN_AFTER_NS)
    valid_normal = normal & ~y & (cols["trader"] != ev.SELLER_TRADER)
    seller = (cols["trader"] == ev.SELLER_TRADER) & ev.in_windows(
        cols["ts"], cols["sym"], evs, ("flash_crash",))
    return {"limit_rows": lim_rows.num_rows, "valid_normal_orders": int(valid_normal.sum()),
            "valid_blocked_dynamic": int((dyn & valid_normal).sum()),
            "valid_blocked_static": int((stat & valid_normal).sum()),
            "errors_blocked_dynamic": int((dyn & y).sum()),
            "errors_blocked_static": int((stat & y).sum()), "errors": int(y.sum()),
            "seller_orders": int(seller.sum()),
            "seller_qty_accepted_dynamic": float(cols["qty"][seller & ~dyn].sum()),
            "seller_qty_accepted_static": float(cols["qty"][seller & ~stat].sum())}


def _overall(folds: list[dict]) -> dict:
    out: dict = {}
    for layer in ("model", "static"):
        c = {k: sum(f["layer1"][layer][k] for f in folds if "layer1" in f)
             for k in ("tp", "fp", "fn", "tn")}
        if sum(c.values()):
            from jaxmodels.evaluate import classification

            y = np.r_[np.ones(c["tp"] + c["fn"], bool), np.zeros(c["fp"] + c["tn"], bool)]
            flag = np.r_[np.ones(c["tp"], bool), np.zeros(c["fn"], bool),
                         np.ones(c["fp"], bool), np.zeros(c["tn"], bool)]
            out[f"layer1_{layer}"] = classification(y, flag)
    for rule in ("model", "static_vol"):
        evs = [e for f in folds for e in f["layer2"][rule]["events"]]
        fa = sum(f["layer2"][rule]["false_alerts"] for f in folds)
        hrs = sum(f["layer2"][rule]["normal_sym_hours"] for f in folds)
        d = [e["delay_s"] for e in evs if e["delay_s"] is not None]
        out[f"layer2_{rule}"] = {
            "events": len(evs), "detected": len(d),
            "median_delay_s": float(np.median(d)) if d else None,
            "max_delay_s": float(max(d)) if d else None,
            "before_trough": sum(1 for e in evs if e["before_trough"]),
            "false_alerts": fa, "normal_sym_hours": hrs,
            "false_alerts_per_6p5h_day": fa / hrs * 6.5 if hrs else None}
    lim = [f["limits"] for f in folds if "limits" in f]
    if lim:
        out["limits"] = {k: sum(x[k] for x in lim) for k in lim[0]}
    return out


def summary_rows(report: dict) -> list[dict]:
    """One flat row per fold plus ``overall`` for the CLI table."""
    rows = []
    for f in report["folds"]:
        l1, l2, lim = f.get("layer1", {}), f["layer2"], f.get("limits", {})
        d = [e["delay_s"] for e in l2["model"]["events"]]
        rows.append({
            "fold": str(f["fold"]),
            "l1_recall": (l1.get("model") or {}).get("recall"),
            "l1_fpr": (l1.get("model") or {}).get("fpr"),
            "static_recall": (l1.get("static") or {}).get("recall"),
            "static_fpr": (l1.get("static") or {}).get("fpr"),
            "l2_delays_s": ",".join("miss" if x is None else f"{x:.1f}" for x in d),
            "l2_false_per_h": l2["model"]["false_alerts_per_sym_hour"],
            "vol_false_per_h": l2["static_vol"]["false_alerts_per_sym_hour"],
            "blocked_dyn": lim.get("valid_blocked_dynamic"),
            "blocked_static": lim.get("valid_blocked_static"),
            "seller_qty_dyn": lim.get("seller_qty_accepted_dynamic"),
            "seller_qty_static": lim.get("seller_qty_accepted_static")})
    return rows
