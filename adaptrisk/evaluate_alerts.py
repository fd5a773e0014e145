"""``adaptrisk evaluate``'s judge of the alerts, per scenario case: false High episodes per
symbol-day (a session of the symbol's calendar) and per 6.5 h of normal rows; for a stress
event the first High (adaptive and static), the first CRITICAL, the price's first 0.5 %
move and trough, the first limit cut and any loosening before the trough; and the evidence
in units of the High level (``MarketModel.score_detail``) by the goal's 2 s and at the
event's peak, with the calm minutes' maxima the report prices an earlier alert with."""

from __future__ import annotations

import numpy as np

NS = 1_000_000_000
DAY_S = 23_400.0  # a 6.5 h equivalent: the unit of the stated bound
BUCKET_S = 0.1  # features.config.FeatureConfig's bucket
MERGE_NS = 60 * NS
MOVE_BPS = 50.0  # "the price moves": |mid / onset mid - 1| beyond this
ALERT_GOAL_S = 2.0
HIGH = 2
LIQUIDITY_LEADS = ("liquidity_vacuum", "liquidity_withdrawal")


def minute_maxima(rows, ratio: np.ndarray, normal: np.ndarray) -> list[float]:
    """The largest ``high_ratio`` (``MarketModel.score_detail``) of every whole minute of
    normal rows, per symbol: how often a normal minute would cross a lower HIGH level
    (the merge window of false episodes is a minute, so a minute starts at most one)."""
    from jaxmodels.vae import block_maxima

    m = normal & np.isfinite(ratio)
    block = int(round(MERGE_NS / NS / BUCKET_S))
    return [round(float(x), 4) for x in block_maxima(ratio[m], rows.code[m], block)]


def evidence(rows, ratio: np.ndarray, ev: dict) -> dict:
    """The stress symbol's largest ``high_ratio`` within ``ALERT_GOAL_S`` of the onset of
    ``ev`` and over the whole event: above 1 is a High alert; below it, how far the
    evidence stayed from the level that states the false-alert bound."""
    m = rows.code == rows.syms.index(ev["sym"])
    t, r = rows.ts[m], ratio[m]
    on, end = int(ev["start_ns"]), int(ev["end_ns"])

    def peak(stop: int) -> float | None:
        w = (t >= on) & (t <= stop)
        return round(float(r[w].max()), 4) if w.any() else None

    return {"high_ratio_by_goal": peak(on + int(ALERT_GOAL_S * NS)),
            "high_ratio_peak": peak(end)}


def session_seconds(session, sym: str, ts_ns: int) -> float:
    """Length (s) of the session of ``sym`` (``session``: a calendar or ``Instruments``)
    that holds ``ts_ns``, or the last one before it: a symbol-day on that calendar (23,400
    on XNYS, 86,400 on a 24/7 market, 82,800 on CME). 6.5 h without a calendar."""
    from tsdb.calendars import sessions
    from tsdb.instruments import resolve

    if session is None:
        return DAY_S
    opens, closes = sessions(resolve(session, sym), int(ts_ns) - 8 * 86_400 * NS, int(ts_ns))
    before = np.flatnonzero(opens <= ts_ns)
    return float((closes[before[-1]] - opens[before[-1]]) / NS) if len(before) else DAY_S


def false_alerts(rows, adaptive: np.ndarray, static: np.ndarray, normal: np.ndarray,
                 session=None) -> dict:
    """High-alert episodes (merged within 60 s) that start on a normal row, adaptive and
    static: per symbol-day (``normal_symbol_days``: normal rows in units of the session of
    each symbol's calendar, ``session``: a calendar or ``Instruments``; None: 6.5 h) and per
    6.5 h-equivalent of normal rows (``normal_6_5h_days``, the unit of the stated bound)."""
    from jaxmodels import evaluate as ev

    counts = {"adaptive": 0, "static": 0}
    starts = []  # (symbol, seconds after its first bucket) of each adaptive false episode
    days = 0.0
    for c in range(len(rows.syms)):
        m = rows.code == c
        t, nm = rows.ts[m], normal[m]
        if len(t):
            days += float(nm.sum()) * BUCKET_S / session_seconds(session, rows.syms[c],
                                                                 int(t[0]))
        for k, a in (("adaptive", adaptive[m]), ("static", static[m])):
            eps = [a0 for a0, _ in ev.episodes(t, a, MERGE_NS) if nm[np.searchsorted(t, a0)]]
            counts[k] += len(eps)
            if k == "adaptive":
                starts += [(rows.syms[c], float((a0 - t[0]) / NS)) for a0 in eps]
    eq = float(normal.sum()) * BUCKET_S / DAY_S
    return {"normal_symbol_days": days, "normal_6_5h_days": eq,
            "false_high": counts, "false_high_starts_s": starts,
            "false_high_per_symbol_day": {k: v / days if days else None
                                          for k, v in counts.items()},
            "false_high_per_6_5h": {k: v / eq if eq else None for k, v in counts.items()}}


def stress_timing(rows, tier, static_alert, lim, ev: dict) -> dict:
    """Seconds from the onset of ``ev`` to the first High alert (adaptive and static), to
    the first CRITICAL, to the price's first 0.5 % move and its trough within the event, to
    the first limit cut, and whether a limit loosened again before the trough."""
    code = rows.syms.index(ev["sym"])
    m = rows.code == code
    t, px = rows.ts[m], rows.ctx["mid"][m]
    on, end = int(ev["start_ns"]), int(ev["end_ns"])
    w = (t >= on) & (t <= end)

    def first(mask):
        hit = np.flatnonzero(mask & w)
        return float((t[hit[0]] - on) / NS) if len(hit) else None

    i0 = max(int(np.searchsorted(t, on)) - 1, 0)
    p0 = px[i0]
    with np.errstate(invalid="ignore"):
        moved = np.abs(px / p0 - 1.0) * 1e4 > MOVE_BPS
    trough = None
    if np.isfinite(px[w]).any():
        trough = float((t[w][np.nanargmin(px[w])] - on) / NS)
    out = {"event": ev["event"], "onset_s": float((on - rows.ts[m][0]) / NS),
           "high_delay_s": {"adaptive": first(tier[m] >= HIGH),
                            "static": first(static_alert[m])},
           "critical_delay_s": first(tier[m] >= 3), "move_s": first(moved),
           "trough_s": trough}
    out |= move_at_high(t, px, p0, on, out["high_delay_s"]["adaptive"])
    cut, loosened, qty = _limit_path(lim, ev["sym"], on, end, trough)
    out["limit_cut_s"], out["loosened_before_trough_s"] = cut, loosened
    out["max_order_qty_before_trough"] = qty  # (tightest, loosest after the first cut)
    # the goal: High alert <= 2 s after the onset, or before the price moves where
    # liquidity leads (the vacuum)
    d, mv = out["high_delay_s"]["adaptive"], out["move_s"]
    leads = ev["event"] in LIQUIDITY_LEADS and (mv is None or d is not None and d < mv)
    out["goal_met"] = d is not None and (d <= ALERT_GOAL_S or leads)
    return out


def move_at_high(t: np.ndarray, px: np.ndarray, p0: float, on: int,
                 delay: float | None) -> dict:
    """How far the mid had moved from the onset mid ``p0`` when the first High alert came
    (bps, None without one): the honest measure for a slow grind, whose onset no detector
    can see within 2 s (its first minutes look like an ordinary day's drift); also whether
    that was before the price first moved ``MOVE_BPS``."""
    if delay is None:
        return {"move_at_high_bps": None, "high_before_move": False}
    i = min(int(np.searchsorted(t, on + int(round(delay * NS)))), len(t) - 1)
    seen = px[max(int(np.searchsorted(t, on)), 0):i + 1]
    with np.errstate(invalid="ignore"):
        far = float(np.nanmax(np.abs(seen / p0 - 1.0))) * 1e4 if np.isfinite(seen).any() \
            else None
    return {"move_at_high_bps": far, "high_before_move": far is not None and far <= MOVE_BPS}


def _limit_path(lim, sym: str, on: int, end: int, trough: float | None):
    """(first max_order_qty cut after ``on``, first loosening after that cut and before the
    trough), seconds after the onset (None for none), and the (tightest, loosest)
    max_order_qty in force from the cut to the trough (None without a cut)."""
    import pyarrow.compute as pc

    rows = lim.filter(pc.and_(pc.equal(lim.column("sym"), sym),
                              pc.equal(lim.column("strategy"), "*")))
    ts = rows.column("ts").cast("int64").to_numpy()
    q = rows.column("max_order_qty").to_numpy().astype(float)
    before = q[ts < on]
    ref = before[-1] if len(before) else np.inf
    after = np.flatnonzero((ts >= on) & (ts <= end))
    cut = next((i for i in after if q[i] < ref), None)
    if cut is None:
        return None, None, None
    stop = on + (trough if trough is not None else (end - on) / NS) * NS
    loose = next((i for i in after if i > cut and ts[i] <= stop and q[i] > q[i - 1]), None)
    span = [i for i in after if i >= cut and ts[i] <= stop]  # empty: cut after the trough
    return (float((ts[cut] - on) / NS),
            None if loose is None else float((ts[loose] - on) / NS),
            (float(q[span].min()), float(q[span].max())) if span else None)
