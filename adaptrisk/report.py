"""What the demo's report says, computed from the run's own tables (never from labels alone).

``crash_facts`` reads the store after a run (features, risk_scores, risk_limits, decisions
and, for simulated data, the label tables used only to know where the stress was) and
returns a JSON-able dict; ``adaptrisk.demo_text.format_crash`` prints it for a risk officer.
Times are UTC ns in the dict and seconds relative to the onset in print.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np

NS = 1_000_000_000
TIER_NAMES = {"NORMAL": "Normal", "ELEVATED": "Elevated", "HIGH_ALERT": "High alert",
              "CRITICAL": "Critical"}
ALERT_TIERS = ("HIGH_ALERT", "CRITICAL")
NY = ZoneInfo("America/New_York")


def columns(tbl) -> dict[str, np.ndarray]:
    """Arrow table -> {name: numpy array}; NULL numbers become NaN, text stays objects."""
    return {n: tbl.column(n).to_numpy() for n in tbl.column_names}


def market_window(store, sym: str, t0: int, t1: int) -> dict[str, np.ndarray]:
    return columns(store.query_file("report/market_window.sql", {"sym": sym, "t0": t0, "t1": t1}))


def limits_series(store, sym: str, t1: int) -> dict[str, np.ndarray]:
    return columns(store.query_file("report/limits_series.sql", {"sym": sym, "t1": t1}))


def decisions(store, mode: str = "replay") -> dict[str, np.ndarray]:
    return columns(store.query_file("report/decisions.sql", {"mode": mode}))


def events(store) -> list[dict]:
    rows = store.query_file("report/events.sql").to_pylist()
    for r in rows:
        r["detail"] = json.loads(r["detail"] or "{}")
    return rows


def in_force(series: dict[str, np.ndarray], ts: np.ndarray, field: str, default: float):
    """Value of ``field`` in the latest limits row at or before each ts (``default`` before
    the first row)."""
    if len(series.get("ts", [])) == 0:
        return np.full(len(ts), default, np.float64)
    i = np.searchsorted(series["ts"].astype(np.int64), ts, side="right") - 1
    vals = np.asarray(series[field], np.float64)
    return np.where(i >= 0, vals[np.maximum(i, 0)], default)


def calm_mask(ts: np.ndarray, sym: np.ndarray, evs: list[dict]) -> np.ndarray:
    """True where an order is outside every labelled event window of its symbol, with the
    same margins the models use for "normal" rows (jaxmodels.model)."""
    from jaxmodels.evaluate import in_windows
    from jaxmodels.model import NORMAL_MARGIN_AFTER_NS, NORMAL_MARGIN_BEFORE_NS

    kinds = tuple({e["event"] for e in evs})
    return ~in_windows(ts, sym, evs, kinds, NORMAL_MARGIN_BEFORE_NS, NORMAL_MARGIN_AFTER_NS)


def _first(ts: np.ndarray, mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(ts[idx[0]]) if len(idx) else None


def crash_facts(store, *, static_qty: int, mode: str = "replay") -> dict:
    """The headline numbers of a simulated flash-crash run (see the module docstring)."""
    evs = events(store)
    crash = next((e for e in evs if e["event"] == "flash_crash"), None)
    if crash is None:
        raise ValueError("no flash_crash event in labels_events: not a flash-crash run")
    sym, onset, end = crash["sym"], crash["start_ns"], crash["end_ns"]
    seller_ev = next((e for e in evs if e["event"] == "aggressive_seller" and e["sym"] == sym), None)
    large_ev = next((e for e in evs if e["event"] == "large_order" and e["sym"] == sym), None)
    seller = (seller_ev or {}).get("detail", {}).get("trader")

    mk = market_window(store, sym, onset - 300 * NS, onset + 300 * NS)
    ts = mk["ts"].astype(np.int64)
    after = (ts >= onset) & (ts <= onset + 180 * NS)
    trough_i = np.flatnonzero(after)[np.nanargmin(mk["mid"][after])] if after.any() else None
    pre = mk["mid"][(ts < onset)]
    arrival = float(pre[~np.isnan(pre)][-1]) if len(pre) and (~np.isnan(pre)).any() else float("nan")
    alert = np.isin(mk["tier"], ALERT_TIERS)
    first_alert = _first(ts, alert & (ts >= onset - 60 * NS))
    lim = limits_series(store, sym, onset + 300 * NS)
    lts = lim["ts"].astype(np.int64) if len(lim.get("ts", [])) else np.zeros(0, np.int64)
    at_onset = float(in_force(lim, np.array([onset]), "max_order_qty", static_qty)[0])
    first_cut = _first(lts, (lts >= onset) & (np.asarray(lim.get("max_order_qty", []), float)
                                               < static_qty)) if len(lts) else None
    facts = {
        "sym": sym, "onset_ns": onset, "end_ns": end, "static_max_qty": static_qty,
        "arrival_mid": arrival,
        "trough_ns": int(ts[trough_i]) if trough_i is not None else None,
        "trough_mid": float(mk["mid"][trough_i]) if trough_i is not None else None,
        "first_high_alert_ns": first_alert, "first_cut_ns": first_cut,
        "max_qty_at_onset": at_onset,
        "min_dynamic_qty_in_crash": float(np.min(in_force(
            lim, ts[(ts >= onset) & (ts <= end)], "max_order_qty", static_qty), initial=static_qty)),
    }
    facts.update(_order_facts(store, mode, evs, seller, large_ev, onset, end, arrival))
    return facts


def _order_facts(store, mode, evs, seller, large_ev, onset, end, arrival) -> dict:
    d = decisions(store, mode)
    if len(d.get("ts", [])) == 0:
        return {"orders": 0}
    ts = d["ts"].astype(np.int64)
    err = d["is_error"].astype(bool)
    s_rej, d_rej = d["static_verdict"] == "REJECT", d["dynamic_verdict"] == "REJECT"
    calm = calm_mask(ts, d["sym"], evs) & ~err
    # blocked by layer 1's fat-finger flag alone: a classifier's false positives, judged
    # against its stated false-positive rate, not against the static rule set
    layer1 = np.array([r == "FAT_FINGER" for r in d["dynamic_reasons"]], bool) & ~s_rej
    out = {
        "orders": int(len(ts)), "calm_valid_orders": int(calm.sum()),
        "calm_blocked_static": int((calm & s_rej).sum()),
        "calm_blocked_dynamic": int((calm & d_rej).sum()),
        "calm_blocked_dynamic_layer1": int((calm & d_rej & layer1).sum()),
        "fat_fingers": int(err.sum()),
        "fat_fingers_caught_static": int((err & s_rej).sum()),
        "fat_fingers_caught_dynamic": int((err & d_rej).sum()),
        "fat_finger_kinds": {k: {"n": int((d["error_kind"] == k).sum()),
                                 "static": int(((d["error_kind"] == k) & s_rej).sum()),
                                 "dynamic": int(((d["error_kind"] == k) & d_rej).sum())}
                             for k in sorted(set(d["error_kind"][err]))},
    }
    if seller is None:
        return out
    sel = (d["trader"] == seller) & (ts >= onset) & (ts <= end) & (d["side"] == "S")
    qty = d["qty"].astype(np.float64)
    bid = d["bid"].astype(np.float64)
    if large_ev is not None:
        big = sel & (ts == large_ev["start_ns"]) & (qty == large_ev["detail"].get("qty", -1))
        if big.any():
            i = int(np.flatnonzero(big)[0])
            out["large_order"] = {"ts": int(ts[i]), "qty": int(qty[i]), "order_id": int(d["order_id"][i]),
                                  "static": str(d["static_verdict"][i]),
                                  "dynamic": str(d["dynamic_verdict"][i]),
                                  "dynamic_reasons": str(d["dynamic_reasons"][i] or ""),
                                  "static_reasons": str(d["static_reasons"][i] or "")}
    for name, ok in (("static", ~s_rej), ("dynamic", ~d_rej)):
        acc = sel & ok
        out[f"seller_lots_{name}"] = int(qty[acc].sum())
        out[f"seller_orders_{name}"] = int(acc.sum())
        out[f"seller_shortfall_{name}"] = float(np.nansum(qty[acc] * (arrival - bid[acc])))
    out["seller"] = seller
    out["seller_orders"] = int(sel.sum())
    return out


def crash_table(store, sym: str, onset: int, before_s: float = 2.0, after_s: float = 3.0
                ) -> list[dict]:
    """One row per 100 ms bucket around the onset: the mission's table."""
    mk = market_window(store, sym, onset - int(before_s * NS), onset + int(after_s * NS))
    rows = []
    for i in range(len(mk.get("ts", []))):
        tier = mk["tier"][i]
        rows.append({"t": (int(mk["ts"][i]) - onset) / NS, "mid": mk["mid"][i],
                     "rv_1m_bps": mk["rv_1m"][i] * 1e4, "spread_bps": mk["spread_bps"][i],
                     "imbalance": mk["imbalance_l1"][i], "trade_to_order": mk["trade_to_order_1s"][i],
                     "anomaly": mk["anomaly_score"][i], "state": TIER_NAMES.get(tier, "-")})
    return rows


def ny_time(ns: int) -> str:
    return local_time(ns, NY)


def local_time(ns: int, zone: ZoneInfo | str = NY) -> str:
    """HH:MM:SS.mmm of UTC ns ``ns`` in ``zone`` (a calendar's tz: New York, Chicago, UTC)."""
    z = ZoneInfo(zone) if isinstance(zone, str) else zone
    t = dt.datetime.fromtimestamp(ns / NS, tz=dt.UTC).astimezone(z)
    return t.strftime("%H:%M:%S.%f")[:-3]


def zone_label(zone: str) -> str:
    """How the report names a calendar's zone: 'New York' for America/New_York, 'UTC'."""
    return zone.rsplit("/", 1)[-1].replace("_", " ") if "/" in zone else zone


def rel(ns: int | None, onset: int) -> str:
    return "never" if ns is None else f"{(ns - onset) / NS:+.1f} s"
