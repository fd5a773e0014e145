"""Market-impact benchmarks (issue 15): walk-forward quality of the impact network against
the square-root law on simulated days and, separately, on the real LOBSTER day; interval
coverage; the exponent fitted on synthetic square-root data; the advised algorithm's
shortfall against always-TWAP in replayed crashes and normal sessions; inference latency.

Simulated plan: 5 session days x 3 symbols x 60 min, one seed each (normal, flash crash,
volatile, flash crash, flash crash); folds are whole days, so every test day (3, 4, 5) is a
seed the model never trained on, and the replays on a test day use that fold's model. Real:
GOOG (10 levels) and AAPL (level 1) of 2012-06-21 from ../shared/data/lobster, one day cut
into 4 spans of time, each span from the second tested after training on the spans before.
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np

from bench import LOBSTER

PLAN = [("normal", 71, 60, None, 0.0), ("flash_crash", 72, 60, 30.0, 0.0),
        ("volatile", 73, 60, 30.0, 0.0), ("flash_crash", 74, 60, 35.0, 0.0),
        ("flash_crash", 75, 60, 40.0, 0.0)]
ZIPS = ("LOBSTER_SampleFile_GOOG_2012-06-21_10.zip", "LOBSTER_SampleFile_AAPL_2012-06-21_1.zip")
STEPS = 3000
CRASH_OFFSETS_S = (0, 15, 30)
NORMAL_MINUTES = (10, 20, 45)


def _row(bench, metric, value, unit, goal, met, note=""):
    return {"bench": bench, "metric": metric, "value": value, "unit": unit, "goal": goal,
            "met": met, "note": note}


def _quality(name: str, ev: dict, share: float) -> list[dict]:
    p = ev["pooled"]
    gain = -p["mae_vs_sqrt"]
    folds = "; ".join(f"fold {i}: net {f['mae_net']:.3f} sqrt {f['mae_sqrt']:.3f} cov "
                      f"{f['coverage_80']:.3f} ({f['rows']} rows)" for i, f in
                      enumerate(ev["folds"], 1))
    return [
        _row(f"impact_{name}", "mae_below_sqrt_law", gain * 100, "%", ">= 15 %", gain >= 0.15,
             f"pooled out-of-sample MAE net {p['mae_net']:.4f} bps vs square-root "
             f"{p['mae_sqrt']:.4f}, 3/5 law {p['mae_almgren']:.4f} over {p['rows']} orders; "
             f"{share:.0%} of orders fill at the touch; orders larger than the touch "
             f"({p['walkers']}): net {p.get('mae_net_walkers', float('nan')):.3f} vs sqrt "
             f"{p.get('mae_sqrt_walkers', float('nan')):.3f}; {folds}"),
        _row(f"impact_{name}", "coverage_10_90", p["coverage_80"] * 100, "%", "78-82 %",
             0.78 <= p["coverage_80"] <= 0.82, "share of test orders inside [q10, q90]"),
    ]


def _sim_store(tmp: str):
    from adaptrisk import evalstore
    from jaxmodels.impact import labels
    from tsdb import Store

    s = Store.from_conf(f"duckdb::path={tmp}/sim.duckdb")
    evalstore.build(s, PLAN, n_symbols=3, out=lambda *_: None)
    labels.build(s)
    return s


def _real_store(tmp: str):
    from features.build import build
    from jaxmodels.impact import labels
    from tsdb import Store
    from tsdb.lobster import import_lobster

    s = Store.from_conf(f"duckdb::path={tmp}/lobster.duckdb")
    for z in ZIPS:
        import_lobster(s, LOBSTER / z)
    build(s)
    labels.build(s)
    return s


def _replays(store, models) -> dict[str, list[dict]]:
    """Advised vs TWAP on each test day with that fold's model: the crash symbol at and just
    after the onset ('crash'), every symbol at fixed minutes away from any crash
    ('normal')."""
    from jaxmodels.impact import replay

    ev = store.query("SELECT sym, epoch_ns(start_ts) AS t FROM labels_events "
                     "WHERE event = 'flash_crash'").to_pylist()
    syms = [r["sym"] for r in store.query("SELECT DISTINCT sym FROM trades ORDER BY 1")
            .to_pylist()]
    out: dict[str, list[dict]] = {"crash": [], "normal": []}
    for model, lo, hi in models:
        day0 = lo - (lo % 86_400_000_000_000)
        open_ns = day0 + (13 * 3600 + 30 * 60) * 10**9
        crashes = [e for e in ev if lo <= e["t"] <= hi]
        for e in crashes:
            for off in CRASH_OFFSETS_S:
                r = replay.compare(store, model, e["sym"], e["t"] + off * 10**9)
                if r:
                    out["crash"].append(r)
        for m in NORMAL_MINUTES:
            t0 = open_ns + m * 60 * 10**9
            for sym in syms:
                if any(e["sym"] == sym and abs(e["t"] - t0) < 600 * 10**9 for e in crashes):
                    continue
                r = replay.compare(store, model, sym, t0)
                if r:
                    out["normal"].append(r)
    return out


def _shortfall_rows(rep: dict[str, list[dict]]) -> list[dict]:
    out = []
    for kind, rows in rep.items():
        if not rows:
            out.append(_row("impact_advice", f"shortfall_vs_twap_{kind}", None, "bps",
                            "advised < TWAP", None, "no replay"))
            continue
        a = np.array([r["advised_bps"] for r in rows])
        t = np.array([r["twap_bps"] for r in rows])
        algos = {k: sum(r["algo"] == k for r in rows) for k in ("TWAP", "VWAP", "POV")}
        out.append(_row(
            "impact_advice", f"shortfall_vs_twap_{kind}", float((a - t).mean()), "bps",
            "advised < always-TWAP (mean)", bool((a - t).mean() < 0),
            f"{len(rows)} sell parents (reference size {int(np.median([r['parent_qty'] for r in rows]))} "
            f"lots median, 5 min, every schedule completes): advised {a.mean():.2f} bps vs "
            f"TWAP {t.mean():.2f}; advised better in {(a < t - 1e-9).sum()}, equal in "
            f"{np.isclose(a, t).sum()}; algos {algos}; replayed on the recorded book (our "
            "children leave no permanent impact)"))
    return out


def _exponent() -> list[dict]:
    from jaxmodels.impact import baselines as B
    from jaxmodels.impact.config import ImpactConfig
    from jaxmodels.impact.evaluate import implied_exponent
    from jaxmodels.impact.synthetic import power_law_rows
    from jaxmodels.impact.train import fit

    r = power_law_rows(20_000, beta=0.5, y_coef=0.8, noise_bps=0.5, seed=11)
    beta, y = B.fit_exponent(r.spread_bps, r.sigma_bps, r.qty, r.volume_5m, r.y)
    model, _ = fit(r, ImpactConfig(steps=STEPS))
    lo, hi = np.quantile(r.qty / r.volume_5m, [0.1, 0.9])  # where the training data lie
    net_beta = implied_exponent(model, power_law_rows(200, seed=12), lo=lo, hi=hi)
    return [
        _row("impact_synthetic", "fitted_exponent", beta, "", "0.50 +- 0.05",
             abs(beta - 0.5) <= 0.05, f"power-law baseline, free exponent, 20,000 synthetic "
             f"orders (half-spread + 0.8 sigma sqrt(Q/V) + N(0, 0.5 bps)); Y = {y:.3f}"),
        _row("impact_synthetic", "network_implied_exponent", net_beta, "", "0.50 +- 0.05",
             abs(net_beta - 0.5) <= 0.05, f"slope of log(median - half spread) on log(Q/V) "
             f"in [{lo:.4f}, {hi:.4f}] (10th-90th percentile of the training orders), network "
             "trained on the same synthetic orders, 200 unseen rows"),
    ]


def _latency(model) -> list[dict]:
    from jaxmodels.impact.synthetic import power_law_rows
    from jaxmodels.impact.train import predictor

    r = power_law_rows(100, seed=13)
    s, c, half = model.arrays(r)
    p = predictor(model.net)
    widen = model.widen_rows(r)
    p(model.params, s, c, half, widen).block_until_ready()

    def once():
        p(model.params, s, c, half, widen).block_until_ready()

    ts = []
    for _ in range(300):
        t = time.perf_counter()
        once()
        ts.append(time.perf_counter() - t)
    t = statistics.median(ts)
    ts2 = []
    for _ in range(100):
        t0 = time.perf_counter()
        model.predict(r)
        ts2.append(time.perf_counter() - t0)
    return [_row("impact_inference", "latency_100_symbols", t * 1e3, "ms", "<= 1 ms", t <= 1e-3,
                 f"one jit call on 100 prepared rows after compilation (median of 300); with "
                 f"numpy input preparation {statistics.median(ts2) * 1e3:.2f} ms")]


def run() -> list[dict]:
    from jaxmodels.impact import labels
    from jaxmodels.impact.config import ImpactConfig
    from jaxmodels.impact.data import rows_from_table
    from jaxmodels.impact.evaluate import at_touch_share, walk_forward

    cfg = ImpactConfig(steps=STEPS)
    out: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        sim = _sim_store(tmp)
        try:
            r = rows_from_table(labels.read(sim))
            ev = walk_forward(r, cfg, max_folds=3)
            out += _quality("sim", ev, at_touch_share(r))
            out += _shortfall_rows(_replays(sim, ev["models"]))
            out += _latency(ev["models"][-1][0])
        finally:
            sim.close()
        real = _real_store(tmp)
        try:
            r = rows_from_table(labels.read(real))
            out += _quality("lobster", walk_forward(r, cfg, time_parts=4), at_touch_share(r))
        finally:
            real.close()
    out += _exponent()
    return out
