"""Model-layer benchmarks: scoring latency, tree throughput, training time, and the
walk-forward quality figures of issue #7 on simulated days the models never trained on.

Quality plan: 4 session days x 2 symbols x 120 min (normal, flash crash, volatile, flash
crash), one seed each; folds are whole days, so every test day is an unseen seed/scenario.
Layer 1 is also trained on its own TRAINING store (3 days x 3 symbols x 120 min, seeds
61-63, 2 % fat-finger rate and 150 orders/min, so it sees thousands of errors and its
threshold is set on ~70k validation orders) and tested on the orders of the four quality
days (unseen seeds, 1 % rate so that recall per error kind rests on ~200 errors).
"""

from __future__ import annotations

import statistics
import tempfile
import time

import numpy as np

from bench import AAPL, GOOG

PLAN = [("normal", 41, 120, None, 0.01), ("flash_crash", 42, 120, 70.0, 0.01),
        ("volatile", 43, 120, 50.0, 0.01), ("flash_crash", 44, 120, 90.0, 0.01)]


L1_TRAIN = [("normal", 61, 120, None), ("volatile", 62, 120, 50.0), ("normal", 63, 120, None)]
L1_TRAIN_RATE, L1_TRAIN_ORDERS_PER_MIN = 0.02, 150.0


def _layer1_train_store(store) -> None:
    """Simulate the layer-1 training days (high error rate and order flow) into ``store``."""
    import datetime as dt

    from adaptrisk import evalstore
    from features.build import build as build_features
    from sim import SimConfig, simulate

    for i, (day, (sc, seed, minutes, onset)) in enumerate(
            zip(evalstore.days(len(L1_TRAIN), dt.date(2026, 5, 4)), L1_TRAIN, strict=True)):
        tables = simulate(SimConfig(
            scenario=sc, n_symbols=3, minutes=float(minutes), seed=seed, onset_minute=onset,
            fat_finger_rate=L1_TRAIN_RATE, oms_orders_per_min=L1_TRAIN_ORDERS_PER_MIN,
            session_date=day)).tables()
        for name, t in evalstore.with_order_ids(tables, i).items():
            store.ingest(name, t)
    build_features(store)


def _layer1(test_store, cfg) -> list[dict]:
    """Layer 1 trained on the training store, tested on ``test_store``'s orders."""
    from jaxmodels import evaluate as ev
    from jaxmodels import gbdt, model
    from jaxmodels.data import order_rows
    from tsdb import Store

    with tempfile.TemporaryDirectory() as d, Store.from_conf(f"duckdb::path={d}/t.duckdb") as s:
        _layer1_train_store(s)
        tr = order_rows(s)
    y, known = model.labels(tr)
    tm, tmet = gbdt.fit(model.order_inputs(tr, cfg.gbdt)[known], y[known], cfg.gbdt)
    te = order_rows(test_store)
    yt, kt = model.labels(te)
    flag = tm.flag(model.order_inputs(te, cfg.gbdt)[kt])
    c = ev.classification(yt[kt], flag)
    kind = np.asarray(te.column("error_kind").fill_null("").to_pylist(), object)[kt]
    by = {k: round(v, 3) for k, v in ev.recall_by_kind(yt[kt], flag, kind).items()}
    note = (f"trained on {tmet['train_errors']} errors / {tmet['train_rows']} orders, "
            f"threshold on {tmet['valid_rows']} validation orders; tested on {c['tp'] + c['fn']}"
            f" errors and {c['fp'] + c['tn']} valid orders of unseen seeds; recall by kind {by}")
    return [_row("fat_finger_trainstore", "recall", c["recall"], "", ">= 0.99 at FPR <= 0.001",
                 c["recall"] >= 0.99 and c["fpr"] <= 0.001, note),
            _row("fat_finger_trainstore", "fpr", c["fpr"], "", "<= 0.001", c["fpr"] <= 0.001,
                 f"{c['fp']} valid orders flagged of {c['fp'] + c['tn']}")]


def _row(bench, metric, value, unit, goal, met, note=""):
    return {"bench": bench, "metric": metric, "value": value, "unit": unit, "goal": goal,
            "met": met, "note": note}


def _median_time(fn, n):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def _speed(model_tm, mm) -> list[dict]:
    out = []
    x100 = np.random.default_rng(0).normal(size=(100, mm.anomaly.n_features)).astype(np.float32)
    score = mm.anomaly.scorer
    score(mm.anomaly.params, x100).block_until_ready()
    t = _median_time(lambda: score(mm.anomaly.params, x100).block_until_ready(), 300)
    out.append(_row("vae_score", "latency_100_symbols", t * 1e3, "ms", "<= 1 ms", t <= 1e-3,
                    "one jit call on a batch of 100 standardised vectors, after compilation"))
    from jaxmodels.gbdt import predict_logit

    n = 1 << 20
    xo = np.random.default_rng(1).lognormal(size=(n, model_tm.feat.max() + 1)).astype(np.float32)
    xo = np.pad(xo, ((0, 0), (0, len(model_tm.config.inputs) - xo.shape[1])))
    args = (model_tm.feat, model_tm.thr, model_tm.leaf, np.float32(model_tm.base))
    predict_logit(xo, *args).block_until_ready()
    t = _median_time(lambda: predict_logit(xo, *args).block_until_ready(), 5)
    out.append(_row("tree_inference", "orders_per_s", n / t, "1/s", ">= 1e6", n / t >= 1e6,
                    f"{model_tm.n_trees} trees (padded {len(model_tm.feat)}), depth "
                    f"{model_tm.feat.shape[1]}, batch 2^20"))
    return out


def _train_day() -> dict:
    from adaptrisk import evalstore
    from jaxmodels import gbdt, model
    from jaxmodels.config import ModelsConfig
    from jaxmodels.data import events, market_rows, order_rows
    from tsdb import Store

    cfg = ModelsConfig()
    with tempfile.TemporaryDirectory() as d, Store.from_conf(f"duckdb::path={d}/day.duckdb") as s:
        evalstore.build(s, [("normal", 51, 390, None, 0.01)], n_symbols=1, out=lambda *_: None)
        t0 = time.perf_counter()
        rows = market_rows(s, cfg.vae.inputs)
        mm, _ = model.fit_market(rows, model.normal_mask(rows, events(s)), cfg.vae)
        _, sm, _ = mm.score(rows)
        orders = order_rows(s)
        y, known = model.labels(orders)
        x = model.order_inputs(orders, cfg.gbdt, (rows.ts, rows.sym, sm))
        gbdt.fit(x[known], y[known], cfg.gbdt)
        t = time.perf_counter() - t0
    return _row("train_symbol_day", "seconds", t, "s", "<= 60 s", t <= 60,
                f"{len(rows.ts):,} buckets, {orders.num_rows:,} orders, VAE "
                f"{cfg.vae.max_steps} steps max + trees, incl. reading from DuckDB")


def _quality() -> tuple[list[dict], object, object]:
    from adaptrisk import evalstore
    from jaxmodels import gbdt, model, walkforward
    from jaxmodels.config import ModelsConfig
    from tsdb import Store

    cfg = ModelsConfig()
    with tempfile.TemporaryDirectory() as d, Store.from_conf(f"duckdb::path={d}/q.duckdb") as s:
        evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
        rep = walkforward.run(s, cfg, folds=len(PLAN))
        # a model for the speed rows
        from jaxmodels.data import events, market_rows, order_rows

        rows = market_rows(s, cfg.vae.inputs)
        mm, _ = model.fit_market(rows, model.normal_mask(rows, events(s)), cfg.vae)
        orders = order_rows(s)
        y, known = model.labels(orders)
        tm, _ = gbdt.fit(model.order_inputs(orders, cfg.gbdt)[known], y[known], cfg.gbdt)
        l1_rows = _layer1(s, cfg)
    o = rep["overall"]
    l1, st = o["layer1_model"], o["layer1_static"]
    x10 = [f["layer1"]["model_recall_by_kind"].get("qty_x10") for f in rep["folds"]
           if "layer1" in f]
    x10 = [v for v in x10 if v is not None]
    out = [
        _row("fat_finger_walkforward", "recall", l1["recall"], "", ">= 0.99 at FPR <= 0.001",
             l1["recall"] >= 0.99 and l1["fpr"] <= 0.001,
             f"FPR {l1['fpr']:.4f}, precision {l1['precision']:.3f}; static rules recall "
             f"{st['recall']:.3f} FPR {st['fpr']:.4f}; qty_x10 recall per fold {x10}"),
        _row("fat_finger_walkforward", "fpr", l1["fpr"], "", "<= 0.001", l1["fpr"] <= 0.001,
             f"{l1['fp']} valid orders flagged of {l1['fp'] + l1['tn']}"),
    ]
    l2 = o["layer2_model"]
    crash = [e for f in rep["folds"] for e in f["layer2"]["model"]["events"]
             if e["event"] == "flash_crash"]
    ok = bool(crash) and all(e["delay_s"] is not None and e["delay_s"] <= 2.0
                             and e["before_trough"] for e in crash)
    worst = max((e["delay_s"] for e in crash if e["delay_s"] is not None), default=None)
    out.append(_row("flash_crash", "max_delay_to_high_alert", worst, "s",
                    "<= 2 s and before the trough", ok,
                    "; ".join(f"{e['delay_s']} s (trough {e['trough_s']} s)" for e in crash)))
    fa = l2["false_alerts_per_6p5h_day"]
    vol = o["layer2_static_vol"]
    out.append(_row("layer2", "false_high_alerts_per_symbol_day", fa, "1/day", "<= 1",
                    fa is not None and fa <= 1.0,
                    f"{l2['false_alerts']} episodes in {l2['normal_sym_hours']:.1f} normal "
                    f"symbol-hours; static vol rule {vol['false_alerts_per_6p5h_day']:.2f}/day "
                    f"with median delay {vol['median_delay_s']} s"))
    lim = o.get("limits", {})
    out.append(_row("limits", "valid_orders_blocked_normal", lim.get("valid_blocked_dynamic"),
                    "orders", "-", None,
                    f"static {lim.get('valid_blocked_static')} of "
                    f"{lim.get('valid_normal_orders')}; seller qty accepted in crash: dynamic "
                    f"{lim.get('seller_qty_accepted_dynamic')} vs static "
                    f"{lim.get('seller_qty_accepted_static')}"))
    return l1_rows + out, tm, mm


GRID = "sim/grids/issue11.toml"
GRID_SEEDS = [51, 52, 53]  # measured once, after the last change (training seeds 101-105)


def grid_rows(rep: dict) -> list[dict]:
    """Issue 11's goals from an ``adaptrisk evaluate`` report (``adaptrisk.evaluate.run``)."""
    out = []
    summ = rep["summary"]
    for name, r in summ.items():
        if r["kind"] == "stress":
            d = [x for x in r["high_delay_s_adaptive"] if x is not None]
            n = len(r["seeds"])
            worst = max(d) if len(d) == n else None
            note = (f"seeds {r['seeds']}: adaptive {r['high_delay_s_adaptive']}, static "
                    f"{r['high_delay_s_static']}; price moved 0.5 % at {r['move_s']}; moved "
                    f"{r.get('move_at_high_bps')} bps at the first High; limits loosened "
                    f"before the trough at {r['loosened_before_trough_s']}; "
                    f"goal met {r['goal_met']}/{n}; evidence by +2 s "
                    f"{r.get('high_ratio_by_goal')} x the High level (peak in the event "
                    f"{r.get('high_ratio_peak')}): a level that low would raise "
                    f"{r.get('false_high_per_6_5h_at_goal')} false High per 6.5 h on the "
                    "calm scenarios' minutes")
            # the issue states the goal for crash, vacuum and grind; a jump that recovers is
            # in the grid without one (reported, not judged)
            judged = r.get("event") != "news_jump"
            out.append(_row("grid", f"{name}_worst_high_alert_delay", worst, "s",
                            "<= 2 s (vacuum: or before the price moves)" if judged else "-",
                            r["goal_met"] == n if judged else None, note))
        else:  # the goal's unit: a 6.5 h day (a 24 h or CME session is several of them)
            v = r.get("false_high_per_6_5h_adaptive", r["false_high_per_symbol_day_adaptive"])
            note = (f"{r.get('normal_6_5h_days', r['normal_symbol_days']):.2f} 6.5 h days "
                    f"({r['normal_symbol_days']:.2f} sessions of {r.get('calendar')}: "
                    f"{r['false_high_per_symbol_day_adaptive']:.2f} per session), seeds "
                    f"{r['seeds']}; static rv rule {r.get('false_high_per_6_5h_static', 0):.2f}"
                    f"/6.5 h; valid calm orders blocked adaptive {r['blocked_calm_adaptive']} "
                    f"{r.get('blocked_calm_reasons_adaptive')} static "
                    f"{r['blocked_calm_static']} {r.get('blocked_calm_reasons_static')} of "
                    f"{r['valid_calm_orders']}; within the stated bound: "
                    f"{r.get('within_stated_bound')} (p {r.get('bound_p_value')})")
            out.append(_row("grid", f"{name}_false_high_per_6_5h_day", v, "1/6.5 h",
                            "<= 1", v is not None and v <= 1, note))
            out += gate_rows(name, r)
    conf = rep.get("conformal") or {}
    st = rep.get("stress") or {}
    bound = rep.get("false_high_bound_per_day")
    out.append(_row("grid", "stated_false_high_bound_per_symbol_day", bound, "1/day", "<= 1",
                    bound is not None and bound <= 1,
                    f"VAE {conf.get('false_high_bound_per_day')} (conformal, "
                    f"{conf.get('blocks')} held-out normal minutes) + stress statistics "
                    f"{st.get('false_high_bound_per_day')} (conformal, {st.get('blocks_level')} "
                    "normal minutes; union bound, exchangeable sessions)"))
    return out


def gate_rows(name: str, r: dict) -> list[dict]:
    """The whole gate through the enforcer's replay of a calm scenario (risk_limits and
    layer 1's fat_finger_limits, the desk's static rules beside): valid calm orders blocked
    and, per labelled error kind, the share blocked (the fat-finger goals, judged at the
    gate rather than on the trees offline)."""
    n = r["valid_calm_orders"]
    share = r["blocked_calm_adaptive"] / n if n else None
    out = [_row("grid", f"{name}_gate_valid_blocked", share, "", "<= 0.001",
                share is not None and share <= 0.001,
                f"{r['blocked_calm_adaptive']} of {n} valid calm orders (static "
                f"{r['blocked_calm_static']}); {r.get('blocked_calm_reasons_adaptive')}")]
    errs = r.get("errors_blocked") or {}
    rec = {k: e["adaptive"] / e["n"] for k, e in errs.items() if e["n"]}
    if rec:
        worst = min(rec, key=rec.get)
        out.append(_row("grid", f"{name}_gate_error_recall_worst_kind", rec[worst], "",
                        ">= 0.99 per kind", rec[worst] >= 0.99,
                        f"worst {worst}; per kind blocked adaptive/static of n: " + ", ".join(
                            f"{k} {e['adaptive']}/{e['static']} of {e['n']}"
                            for k, e in errs.items())))
    return out


REAL_DAYS = (("GOOG", GOOG, 0), ("AAPL", AAPL, None))  # (symbol, sample, goal in episodes)


def _grid() -> list[dict]:
    from adaptrisk import evaluate as ev

    grid = ev.Grid.load(GRID)
    with tempfile.TemporaryDirectory() as d:
        trained = ev.train(grid, d)
    rep = ev.run(grid, GRID_SEEDS, out=lambda *_: None, trained=trained)
    return grid_rows(rep) + real_day_rows(trained[0])


def real_day_rows(mm) -> list[dict]:
    """The grid-trained market model (simulated days only) on the real LOBSTER days, read
    in place from ``../shared/data/lobster``: High alert episodes (merged within a minute,
    after the open's warm-up) and the largest evidence in units of the High level. The
    issue's goal is GOOG's 0; AAPL (level 1: top-of-book depth only) is reported."""
    from features.build import build
    from jaxmodels import evaluate as jev
    from jaxmodels.data import market_rows
    from tsdb import Store
    from tsdb.lobster import import_lobster

    out = []
    for sym, z, goal in REAL_DAYS:
        if not z.exists():
            continue
        with tempfile.TemporaryDirectory() as d, \
                Store.from_conf(f"duckdb::path={d}/real.duckdb") as s:
            import_lobster(s, z)
            build(s)
            rows = market_rows(s, mm.inputs)
        _, _, tier, ratio = mm.score_detail(rows)
        eps = jev.episodes(rows.ts, tier >= 2, 60 * 1_000_000_000)
        out.append(_row("grid", f"real_{sym.lower()}_day_high_alert_episodes", float(len(eps)),
                        "episodes", "0" if goal == 0 else "-",
                        len(eps) == goal if goal is not None else None,
                        f"{sym} 2012-06-21 (LOBSTER sample), model trained on the grid's "
                        f"simulated days only; largest evidence {float(ratio.max()):.3f} x "
                        f"the High level; {len(rows.ts):,} buckets"))
    return out


def fat_finger_rows(pops=None) -> list[dict]:
    """Layer 1 at the gate per trader population (issue 11 point 3; ``bench/fat_finger.py``):
    trained on 4 populations (seeds 201-204), measured on 5 others (seeds 301-305, each after
    one history day, seeds 5301-5305; ``pops`` = ``ff.DEV`` for development). The gate is
    the trees' max qty raised to the trader's demonstrated size; 'trees gate' is the gate
    before (the trees' max qty alone)."""
    from bench import fat_finger as ff
    from jaxmodels import layer1

    tm, met = ff.train(ff.pop_rows(ff.TRAIN))
    demo = layer1.Demonstrated()
    out = []
    for p, tbl, first in ff.pop_rows(pops or ff.TEST, first_day=True):
        r, orc = ff.score(tm, p, tbl), ff.oracle(p, tbl)
        worst = min(r["recall_gate"].values())
        kinds = "; ".join(f"{k} {r['recall_gate'][k]:.3f} (trees gate "
                          f"{r['recall_trees_gate'][k]:.3f}, trees {r['recall_trees'][k]:.3f}"
                          + (f", oracle {orc[k]:.3f}" if k in orc else "") + f", n {r['n_kind'][k]})"
                          for k in r["recall_gate"])
        name = f"fat_finger_{p.name}"
        out.append(_row(name, "recall_worst_kind", worst, "", ">= 0.99 per kind at FPR <= 0.001",
                        worst >= 0.99 and r["fpr_gate"] <= 0.001,
                        f"gate = max qty per (sym, trader): the trees', raised to the trader's "
                        f"demonstrated size ({demo}); price kinds judged by the 500 bps collar; "
                        f"{kinds}; oracle = true size law, level {orc['level_sigmas']:.2f} sigma"))
        out.append(_row(name, "fpr", r["fpr_gate"], "", "<= 0.001", r["fpr_gate"] <= 0.001,
                        f"of {r['valid']} valid orders; trees gate {r['fpr_trees_gate']:.4f}; "
                        f"trees alone {r['fpr_trees']:.4f}; trees gate and trees differ on "
                        f"{r['gate_vs_trees_disagree']} orders (not monotone)"))
        if r["blocks"]:
            b = r["blocks_blocked_gate"]
            cold = ff.score(tm, p, first)["blocks_blocked_gate"] if first is not None else None
            out.append(_row(name, "blocks_blocked", b, "", "<= 0.005", b <= 0.005,
                            f"{r['blocks']} legitimate blocks (20x the trader median) on the "
                            f"day after {p.history_days} history day(s); trees gate "
                            f"{r['blocks_blocked_trees_gate']:.4f} (the trees alone flag "
                            f"{r['blocks_flagged_trees']:.3f}: the fail-safe inversion blocks "
                            f"from the first flagged size, below the blocks); cold start (first "
                            f"day, nothing demonstrated yet) "
                            + ("-" if cold is None else f"{cold:.4f}")))
    out.append(_row("fat_finger_train", "orders", met["train_rows"] + met["valid_rows"], "",
                    "-", None, f"{met['train_errors']} size errors in training; "
                    f"{met['n_trees']} trees; inputs {', '.join(layer1.L1_INPUTS)}"))
    return out + _fat_finger_cost(tm)


def _fat_finger_cost(tm) -> list[dict]:
    """The gate's per-order cost of the layer-1 check (single path, a row in force vs none)
    and the calibrator's cost of inverting the trees per order baseline."""
    import math

    from enforcer.limits import Lim
    from enforcer.rules import order_mask
    from jaxmodels import layer1

    lim = Lim(500, 2e6, 500.0, 10**5, 25.0, 0, False, "v", "Normal")
    n = 200_000

    def loop(ff):
        for i in range(n):
            order_mask(lim, True, 10 + (i & 7), 100.0, 100.01, i, None, None, None, 12.0, 10,
                       10**9, 0, True, 1, ff)

    t_none = _median_time(lambda: loop(math.inf), 3) / n
    t_ff = _median_time(lambda: loop(40.0), 3) / n
    rng = np.random.default_rng(0)
    x = np.abs(rng.lognormal(size=(4096, len(tm.config.inputs)))).astype(np.float32)
    q = np.full(4096, 100.0)
    t_inv = _median_time(lambda: layer1.max_qty(tm, x, q), 3) / 4096
    return [_row("fat_finger_gate", "ns_per_order_single_path", t_ff * 1e9, "ns", "-", None,
                 f"order_mask with a layer-1 row; {t_none * 1e9:.0f} ns with none (the rule is "
                 f"one float compare; the engine adds one dict lookup per order)"),
            _row("fat_finger_publish", "us_per_order_baseline", t_inv * 1e6, "us", "-", None,
                 "inverting the trees into a max qty (grid + bisection), 4096 baselines")]


def run() -> list[dict]:
    rows, tm, mm = _quality()
    return rows + _speed(tm, mm) + [_train_day()] + _grid() + fat_finger_rows()


if __name__ == "__main__":
    import json
    import os

    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    for r in run():
        print(json.dumps(r, default=str))
