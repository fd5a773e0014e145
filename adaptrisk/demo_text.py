"""Printed text of the demo: the crash table, static against adaptive, alert episodes."""

from __future__ import annotations

import functools

import numpy as np

from adaptrisk.report import ALERT_TIERS, NS, TIER_NAMES, local_time, ny_time, rel, zone_label


def _f(v, fmt: str) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)


def format_crash(facts: dict, table: list[dict], lim: dict) -> str:
    onset, sq = facts["onset_ns"], facts["static_max_qty"]
    lines = [f"== Around the crash onset: {facts['sym']}, {ny_time(onset)} New York ==",
             "(one row per 100 ms bucket; rv_1m = 1-minute realized vol in bps per sqrt(s); "
             "anomaly = smoothed VAE score)",
             f"{'t (s)':>7} {'mid':>9} {'rv_1m':>7} {'spread_bps':>10} {'imbalance':>9} "
             f"{'trade/order':>11} {'anomaly':>8}  state"]
    for r in table:
        lines.append(f"{r['t']:+7.1f} {_f(r['mid'], '9.3f')} {_f(r['rv_1m_bps'], '7.2f')} "
                     f"{_f(r['spread_bps'], '10.2f')} {_f(r['imbalance'], '9.2f')} "
                     f"{_f(r['trade_to_order'], '11.2f')} {_f(r['anomaly'], '8.2f')}  {r['state']}")
    lines += ["", f"== Static {sq}-lot limit against the adaptive system ==",
              "max order size in force (lots), from 10 s before the onset to the trough:",
              f"{'t (s)':>8} {'static':>7} {'adaptive':>9}  {'state':<9} reason"]
    lts = np.asarray(lim.get("ts", []), np.int64)
    stop = facts["trough_ns"] or onset + 120 * NS
    show = np.flatnonzero((lts >= onset - 10 * NS) & (lts <= stop))
    before = np.flatnonzero(lts < onset - 10 * NS)
    if len(before):
        show = np.concatenate([before[-1:], show])
    for i in show[:25]:
        lines.append(f"{(lts[i] - onset) / NS:+8.1f} {sq:7d} {int(lim['max_order_qty'][i]):9d}  "
                     f"{lim['state'][i]:<9} {lim['reason'][i]}")
    if len(show) > 25:
        lines.append(f"   ... {len(show) - 25} more changes before the trough")
    return "\n".join(lines + ["", format_headline(facts)])


def format_headline(facts: dict) -> str:
    """The closing lines of the crash report: alert and cut times, the trough, the seller's
    200-lot order, calm blocks, fat-fingers and the seller's lots. ``facts`` is
    ``report.crash_facts`` or the ``summary.json`` written from it (the README's demo block
    is this text, rendered from a run's ``summary.json``)."""
    onset, sq = facts["onset_ns"], facts["static_max_qty"]
    drop = (facts["trough_mid"] / facts["arrival_mid"] - 1) * 100 if facts["trough_mid"] else float("nan")
    lines = [
        f"first High alert:        {rel(facts['first_high_alert_ns'], onset)} from the onset",
        f"first limit cut:         {rel(facts['first_cut_ns'], onset)}; tightest during the crash: "
        f"{facts['min_dynamic_qty_in_crash']:.0f} lots (static stays {sq})",
        f"price trough:            {rel(facts['trough_ns'], onset)} "
        f"({facts['arrival_mid']:.3f} -> {_f(facts['trough_mid'], '.3f')}, {drop:+.2f} %)",
    ]
    lo = facts.get("large_order")
    if lo:
        why = f" ({lo['dynamic_reasons']})" if lo["dynamic_reasons"] else ""
        lines.append(f"seller's {lo['qty']}-lot MARKET sell at {rel(lo['ts'], onset)}: static "
                     f"{lo['static']}, adaptive {lo['dynamic']}{why}")
    if facts.get("orders"):
        lines += [
            f"valid orders blocked in calm periods: static {facts['calm_blocked_static']}, adaptive "
            f"{facts['calm_blocked_dynamic']} (of {facts['calm_valid_orders']:,} calm valid orders; "
            f"{facts.get('calm_blocked_dynamic_layer1', 0)} of them layer 1's fat-finger flags)",
            f"fat-finger errors injected: {facts['fat_fingers']}; caught by static "
            f"{facts['fat_fingers_caught_static']}, by adaptive {facts['fat_fingers_caught_dynamic']}"
            f"; missed by static {facts['fat_fingers'] - facts['fat_fingers_caught_static']}, "
            f"by adaptive {facts['fat_fingers'] - facts['fat_fingers_caught_dynamic']}",
        ]
        for k, v in facts["fat_finger_kinds"].items():
            lines.append(f"    {k:<20} {v['n']} injected: static caught {v['static']}, "
                         f"adaptive caught {v['dynamic']}")
    if facts.get("seller"):
        lines += [
            f"aggressive seller {facts['seller']}, {facts['seller_orders']} sell orders during the crash:",
            f"    lots let through: static {facts['seller_lots_static']:,}, adaptive "
            f"{facts['seller_lots_dynamic']:,}",
            f"    selling shortfall vs the arrival mid {facts['arrival_mid']:.3f} (each order at the "
            f"best bid when sent): static {facts['seller_shortfall_static']:,.0f}, adaptive "
            f"{facts['seller_shortfall_dynamic']:,.0f}",
        ]
    return "\n".join(lines)


def alert_episodes(mk: dict, scored_from: int, merge_ns: int = 60 * NS,
                   zone: str = "America/New_York") -> list[dict]:
    """High-alert episodes of one symbol (HIGH_ALERT or CRITICAL buckets, gaps under
    ``merge_ns`` merged; ``jaxmodels.evaluate.alert_list``), each with its start and end in
    ``zone`` (the symbol's calendar), peak and the mid move from 30 s before to 30 s after its
    start."""
    from jaxmodels.evaluate import alert_list

    ts = np.asarray(mk.get("ts", []), np.int64)
    tier = mk.get("tier", np.array([], dtype=object))
    on = np.isin(tier, ALERT_TIERS)
    sym = np.zeros(len(ts), np.int64)  # one symbol
    score = np.asarray(mk.get("anomaly_score", []), np.float64)
    out = []
    for e in alert_list(ts, sym, on, np.asarray(mk.get("mid", []), np.float64), score,
                        merge_ns=merge_ns, around_ns=30 * NS):
        w = (ts >= e["start_ns"]) & (ts <= e["end_ns"])
        peak = np.flatnonzero(w)[int(np.nanargmax(score[w]))]
        out.append({"start": local_time(e["start_ns"], zone),
                    "end": local_time(e["end_ns"], zone), "zone": zone,
                    "buckets": int((on & w).sum()), "peak_tier": TIER_NAMES[tier[peak]],
                    "peak_score": e["peak_score"],
                    "mid_move_bps_60s": float("nan") if e["move_bps"] is None else e["move_bps"],
                    "in_training_half": bool(e["start_ns"] < scored_from)})
    return out


def format_store_run(sym, db, lo, half, hi, mk, eps, zone: str = "America/New_York") -> str:
    mid = np.asarray(mk["mid"], np.float64)
    ok = mid[~np.isnan(mid)]
    day = (ok[-1] / ok[0] - 1) * 100 if len(ok) else float("nan")
    lt = functools.partial(local_time, zone=zone)
    lines = [f"== {sym} in {db}: {lt(lo)}-{lt(hi)} {zone_label(zone)}, mid {ok[0]:.2f} -> "
             f"{ok[-1]:.2f} ({day:+.2f} %) ==",
             f"VAE trained on buckets up to {lt(half)}; alerts after that are out of sample.",
             f"High-alert episodes: {len(eps)} ({sum(not e['in_training_half'] for e in eps)} "
             "out of sample)"]
    for e in eps:
        lines.append(f"  {e['start']}-{e['end']}  peak {e['peak_tier']:<10} "
                     f"score {e['peak_score']:8.2f}  mid move +-30 s {e['mid_move_bps_60s']:+7.1f} bps"
                     f"{'  (training half)' if e['in_training_half'] else ''}")
    return "\n".join(lines)
