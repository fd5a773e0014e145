"""The report of ``adaptrisk evaluate`` (``adaptrisk.evaluate.run``): per-scenario summaries
over the seeds and the printed tables, static against adaptive. Plain dicts in, plain dicts
and text out; no simulation or model here."""

from __future__ import annotations

import numpy as np


def summarise(cases: list[dict], bound: float | None = None) -> dict:
    """Per scenario: the metrics over its seeds, static and adaptive: false High per
    symbol-day (a session of the scenario's calendar) and per 6.5 h-equivalent; on calm
    scenarios whether the adaptive false High count is consistent with the stated
    ``bound``, an expected rate per 6.5 h of normal rows: ``bound_p_value`` = P(N >=
    observed) for N Poisson with mean bound x 6.5 h-equivalents (rare, separate episodes),
    and ``within_stated_bound`` is p >= 0.05 (a point comparison would call 6 episodes in 6
    days against a bound of 0.83 a violation though 5 are expected)."""
    out: dict[str, dict] = {}
    calm_minutes = np.sort([x for c in cases for x in c.get("minute_high_ratio", ())])
    for name in dict.fromkeys(c["scenario"] for c in cases):
        cs = [c for c in cases if c["scenario"] == name]
        days = sum(c["normal_symbol_days"] for c in cs)
        eq = sum(c.get("normal_6_5h_days", c["normal_symbol_days"]) for c in cs)
        row = {"kind": cs[0]["kind"], "seeds": [c["seed"] for c in cs],
               "calendar": cs[0].get("calendar"), "normal_symbol_days": days,
               "normal_6_5h_days": eq}
        for k in ("adaptive", "static"):
            n = sum(c["false_high"][k] for c in cs)
            row[f"false_high_per_symbol_day_{k}"] = n / days if days else None
            row[f"false_high_per_6_5h_{k}"] = n / eq if eq else None
            for what in ("blocked_calm", "halted_calm", "breaker_calm"):
                row[f"{what}_{k}"] = sum(c.get(what, {}).get(k, 0) for c in cs)
            why: dict[str, int] = {}  # the rules that blocked them, over the seeds
            for c in cs:
                for r, m in c.get("blocked_calm_reasons", {}).get(k, {}).items():
                    why[r] = why.get(r, 0) + m
            row[f"blocked_calm_reasons_{k}"] = dict(sorted(why.items(), key=lambda x: -x[1]))
        row["valid_calm_orders"] = sum(c["valid_calm_orders"] for c in cs)
        row["errors_blocked"] = _errors_blocked(cs)
        row["bound_p_value"] = row["within_stated_bound"] = None
        if bound is not None and eq and row["kind"] == "calm":
            from scipy.stats import poisson

            n = sum(c["false_high"]["adaptive"] for c in cs)
            p = float(poisson.sf(n - 1, bound * eq))
            row["bound_p_value"], row["within_stated_bound"] = p, bool(p >= 0.05)
        if cs[0]["kind"] == "stress":
            for k in ("adaptive", "static"):
                d = [c.get("high_delay_s", {}).get(k) for c in cs]
                row[f"high_delay_s_{k}"] = d
                row[f"missed_{k}"] = sum(x is None for x in d)
            for k in ("move_s", "trough_s", "critical_delay_s", "limit_cut_s",
                      "loosened_before_trough_s", "max_order_qty_before_trough",
                      "move_at_high_bps"):
                row[k] = [c.get(k) for c in cs]
            row["goal_met"] = sum(bool(c.get("goal_met")) for c in cs)
            row["event"] = next((c["event"] for c in cs if c.get("event")), None)
            row["high_ratio_by_goal"] = [c.get("high_ratio_by_goal") for c in cs]
            row["high_ratio_peak"] = [c.get("high_ratio_peak") for c in cs]
            row["false_high_per_6_5h_at_goal"] = [
                crossings_per_6_5h(calm_minutes, r) for r in row["high_ratio_by_goal"]]
        out[name] = row
    return out


def crossings_per_6_5h(minute_maxima: np.ndarray, level: float | None) -> float | None:
    """Episodes per 6.5 h of normal minutes (sorted ``minute_maxima`` of the calm
    scenarios' ``high_ratio``) with a HIGH level at ``level`` x today's: what an alert
    as early as the evidence allowed would have cost in false alerts (None without calm
    minutes or evidence)."""
    n = len(minute_maxima)
    if level is None or n == 0:
        return None
    above = n - int(np.searchsorted(minute_maxima, level, side="right"))
    return round(390.0 * above / n, 3)


def _errors_blocked(cases: list[dict]) -> dict[str, dict[str, int]]:
    """{error kind: {"n", "adaptive", "static"}} summed over ``cases``: the labelled order
    errors and how many each run rejected."""
    out: dict[str, dict[str, int]] = {}
    for c in cases:
        for kind, e in c.get("errors_blocked", {}).items():
            acc = out.setdefault(kind, {"n": 0, "adaptive": 0, "static": 0})
            for f in acc:
                acc[f] += e[f]
    return dict(sorted(out.items()))


def format_report(rep: dict) -> str:
    """One table per scenario: metric, static, adaptive."""
    lines = [f"training seeds {rep['train_seeds']}; evaluated seeds {rep['seeds']}; "
             f"thresholds {', '.join(f'{t:.3g}' for t in rep['thresholds'])}"]
    conf = rep.get("conformal") or {}
    stress = rep.get("stress") or {}
    if rep.get("false_high_bound_per_day") is not None:
        lines.append(f"stated bound: <= {rep['false_high_bound_per_day']:.2f} false High "
                     f"episodes per 6.5 h of normal rows = VAE {conf['false_high_bound_per_day']:.2f} "
                     f"(conformal, {conf['blocks']} held-out minutes) + stress statistics "
                     f"{stress.get('false_high_bound_per_day', 0.0):.2f} (conformal, "
                     f"{stress.get('blocks_level', 0)} normal minutes); each calm row "
                     "checks it over its 6.5 h-equivalents")
    lines.append("symbol-day: one session of the scenario's calendar (6.5 h XNYS, 23 h CME, "
                 "24 h 24/7); calm orders blocked: valid orders outside stress windows "
                 "through the enforcer's fair replay (fills, cancels, expiry)")
    if stress.get("silent"):
        lines.append(f"stress statistics silent: {stress.get('blocks_level', 0)} normal minutes "
                     f"certify only {stress.get('certified_per_day') or float('inf'):.2f} false "
                     "High per symbol-day")
    elif stress.get("thresholds"):
        lines.append("stress HIGH_ALERT levels: " + ", ".join(
            f"{k} {v:.3g}" for k, v in stress["thresholds"].items()))

    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, list):
            return " ".join(fmt(x) for x in v)
        return f"{v:.2f}" if isinstance(v, float) else str(v)

    for name, r in rep["summary"].items():
        eq = r.get("normal_6_5h_days", r["normal_symbol_days"])
        lines += ["", f"== {name} ({r['kind']}; {r.get('calendar') or 'nyse-hours'}; seeds "
                  f"{fmt(r['seeds'])}; {r['normal_symbol_days']:.2f} normal symbol-days "
                  f"(sessions of the calendar) = {eq:.2f} x 6.5 h)",
                  f"{'metric':<34}{'static':>22}{'adaptive':>22}"]
        rows = [("false High / symbol-day (session)", r["false_high_per_symbol_day_static"],
                 r["false_high_per_symbol_day_adaptive"]),
                ("false High / 6.5 h-equivalent", r.get("false_high_per_6_5h_static"),
                 r.get("false_high_per_6_5h_adaptive")),
                (f"valid calm orders blocked (of {r['valid_calm_orders']})",
                 r["blocked_calm_static"], r["blocked_calm_adaptive"]),
                ("  ...by a HALTED row / latch, apart", r.get("halted_calm_static"),
                 r.get("halted_calm_adaptive")),
                ("  ...by a tripped breaker, apart", r.get("breaker_calm_static"),
                 r.get("breaker_calm_adaptive"))]
        for kind, e in (r.get("errors_blocked") or {}).items():
            rows.append((f"{kind} errors blocked (of {e['n']})", e["static"], e["adaptive"]))
        if r.get("within_stated_bound") is not None:
            rows.append(("within the stated bound (Poisson p)", None,
                         f"{r['within_stated_bound']} (p {r['bound_p_value']:.2f})"))
        if r["kind"] == "stress":
            rows += [("first High alert after onset, s", r["high_delay_s_static"],
                      r["high_delay_s_adaptive"]),
                     ("missed", r["missed_static"], r["missed_adaptive"]),
                     ("first CRITICAL, s", None, r["critical_delay_s"]),
                     ("price moved 0.5 %, s", r["move_s"], r["move_s"]),
                     ("trough, s", r["trough_s"], r["trough_s"]),
                     ("first limit cut, s", None, r["limit_cut_s"]),
                     ("limit loosened before trough, s", None, r["loosened_before_trough_s"]),
                     ("max order qty cut..trough (min-max)", None,
                      [f"{a:g}-{b:g}" if a is not None else None for a, b in
                       (x or (None, None) for x in r["max_order_qty_before_trough"])]),
                     ("price moved at first High, bps", None, r["move_at_high_bps"]),
                     ("evidence by +2 s / High level", None, r.get("high_ratio_by_goal")),
                     ("  false High / 6.5 h at that level", None,
                      r.get("false_high_per_6_5h_at_goal")),
                     ("evidence peak in the event / level", None, r.get("high_ratio_peak")),
                     ("goal met (<= 2 s; vacuum: or before move)", None,
                      f"{r['goal_met']}/{len(r['seeds'])}")]
        for label, s, a in rows:
            lines.append(f"{label:<34}{fmt(s):>22}{fmt(a):>22}")
    return "\n".join(lines)
