"""The main job: the flash-crash story end to end, from live computation.

``run_sim_demo``: simulate training days (seeds the demo never scores) -> train and promote
both model layers -> simulate the demo session (3 symbols, a flash crash on one) -> ingest ->
build features in the store -> score and calibrate limits (written as risk_limits rows) ->
replay the OMS flow through the enforcer's batch path, the static rule set beside the
adaptive limits (shadow) -> print the risk officer's tables and write ``reports/<run-id>/``.

``run_store_demo``: the same scoring and report on data already in a store (for example the
GOOG LOBSTER day): what the system saw on a real day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import time

import numpy as np

from adaptrisk import plots, report
from adaptrisk.demo_text import alert_episodes, format_crash, format_store_run

NS = report.NS
TRAIN_PLAN = (("normal", 101, 60, None, 0.01), ("flash_crash", 102, 60, 35.0, 0.01),
              ("volatile", 103, 60, 30.0, 0.01))


@dataclasses.dataclass(frozen=True, kw_only=True)
class DemoConfig:
    """One demo run. Paths are plain DuckDB files; ``train_plan`` rows are
    (scenario, seed, minutes, onset_minute or None, fat_finger_rate)."""

    db: str = "data/demo.duckdb"
    train_db: str = "data/demo-train.duckdb"
    live_db: str = ""  # the live leg's store; "" = demo-live.duckdb beside ``db``
    reports: str = "reports"
    run_id: str = ""
    symbols: int = 3
    minutes: float = 60.0
    seed: int = 2026
    session_date: dt.date = dt.date(2026, 7, 6)
    fat_finger_rate: float = 1 / 2000
    train_plan: tuple = TRAIN_PLAN
    window_s: tuple[float, float] = (2.0, 3.0)  # crash table rows before / after the onset

    def __post_init__(self) -> None:
        seeds = {p[1] for p in self.train_plan}
        if self.seed in seeds:
            raise ValueError(f"demo seed {self.seed} is also a training seed: scores must be out of sample")
        if self.symbols < 1 or self.minutes <= 0:
            raise ValueError("symbols and minutes must be positive")


class Progress:
    """Numbered progress lines with elapsed time (``out`` is print by default)."""

    def __init__(self, total: int, out=print) -> None:
        self.t0, self.k, self.total, self.out = time.perf_counter(), 0, total, out

    def step(self, msg: str) -> None:
        self.k += 1
        self.out(f"[{self.k}/{self.total} {time.perf_counter() - self.t0:5.1f}s] {msg}")

    def note(self, msg: str) -> None:
        self.out(f"      {msg}")


def _fresh(path: str) -> None:
    for p in (pathlib.Path(path), pathlib.Path(path + ".wal")):
        p.unlink(missing_ok=True)


def _run_dir(cfg: DemoConfig) -> pathlib.Path:
    rid = cfg.run_id or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    d = pathlib.Path(cfg.reports) / rid
    d.mkdir(parents=True, exist_ok=True)
    return d


def _static_qty() -> int:
    from enforcer.config import EnforcerConfig, StaticLimits

    return int(StaticLimits.load(EnforcerConfig().static_limits_path).defaults.max_order_qty)


def run_sim_demo(cfg: DemoConfig, out=print) -> dict:
    """Run the whole pipeline; return the facts (also written to ``summary.json``)."""
    from adaptrisk import evalstore
    from adaptrisk.limits import with_static_caps
    from enforcer.config import EnforcerConfig
    from enforcer.replay import replay
    from features.build import build as build_features
    from jaxmodels import publish, training
    from jaxmodels.config import ModelsConfig
    from jaxmodels.registry import Registry
    from sim import SimConfig, simulate
    from tsdb import Store

    run_dir = _run_dir(cfg)
    pr = Progress(9, out)
    pr.step(f"simulating {len(cfg.train_plan)} training days (seeds "
            f"{', '.join(str(p[1]) for p in cfg.train_plan)}) into {cfg.train_db}")
    _fresh(cfg.train_db)
    mcfg = with_static_caps(ModelsConfig())
    reg = Registry(str(run_dir / "models"))
    with Store.from_conf(f"duckdb::path={cfg.train_db}") as train:
        evalstore.build(train, list(cfg.train_plan), n_symbols=cfg.symbols, out=pr.note)
        pr.step("training layer 2 (VAE market anomaly) and layer 1 (boosted trees, fat-finger)")
        ids = training.train_and_register(train, reg, mcfg, since=-(2**62), until=2**62)
    for kind in ("vae", "gbdt"):
        if kind in ids:
            reg.promote(ids[kind])
            pr.note(f"promoted {ids[kind]}")
    pr.step(f"simulating the demo session: flash crash, {cfg.symbols} symbols x {cfg.minutes:g} min, "
            f"seed {cfg.seed} (not seen in training)")
    _fresh(cfg.db)
    res = simulate(SimConfig(scenario="flash_crash", n_symbols=cfg.symbols, minutes=cfg.minutes,
                             seed=cfg.seed, session_date=cfg.session_date,
                             fat_finger_rate=cfg.fat_finger_rate))
    with Store.from_conf(f"duckdb::path={cfg.db}") as store:
        pr.step(f"ingesting into {cfg.db}")
        counts = {name: store.ingest(name, tbl) for name, tbl in res.tables().items()}
        pr.note(", ".join(f"{k} {v:,}" for k, v in counts.items()))
        pr.step("building features in the store (SQL)")
        pr.note(f"{build_features(store).rows:,} feature rows")
        pr.step("scoring buckets and calibrating limits (risk_scores, risk_limits)")
        pub = publish.publish(store, reg, mcfg, since=-(2**62), until=2**62)
        pr.note(f"{pub['scores']:,} scores, {pub['limits']:,} limit rows, model {pub['model']}")
        pr.step("replaying the OMS flow through the enforcer: adaptive limits beside the static rules")
        rep = replay(store, EnforcerConfig())
        pr.note(f"{rep['orders']:,} orders: adaptive rejects {rep['rejected']}, "
                f"static rejects {rep['static_rejected']}")
        pr.step(f"report -> {run_dir}")
        facts = _sim_report(store, reg, run_dir, cfg, out)
        from adaptrisk import impact_story  # issue 15: impact advice at the onset

        facts["impact"] = impact_story.demo_section(cfg.train_db, store, facts,
                                                    run_dir / "report.html", out=pr.note)
    pr.step("live: the crash replayed through adaptrisk live at 10x, the seller's order over FIX")
    from adaptrisk.live import demo as live_demo

    facts["live"] = live_demo.run(cfg.db, str(run_dir / "models"), facts, out=pr.note,
                                  live_db=cfg.live_db or str(pathlib.Path(cfg.db).with_name(
                                      "demo-live.duckdb")))
    lv = facts["live"]
    plots.live_plot(run_dir / "live_max_qty.png", lv["series"], facts["onset_ns"],
                    _static_qty())
    plots.append_section(run_dir / "report.html", title="Live: adaptrisk live at 10x",
                         text="\n".join(lv["lines"]), images=[run_dir / "live_max_qty.png"])
    facts["train_seeds"] = [p[1] for p in cfg.train_plan]
    facts["demo_seed"] = cfg.seed
    facts["elapsed_s"] = round(time.perf_counter() - pr.t0, 1)
    (run_dir / "summary.json").write_text(json.dumps(facts, indent=1, default=float) + "\n")
    out(f"[done {facts['elapsed_s']:.1f}s] report: {run_dir / 'report.html'}")
    return facts


def _thresholds(reg) -> list[float]:
    from jaxmodels.persist import load_market

    mid = reg.promoted("vae")
    return [] if mid is None else [float(t) for t in load_market(reg, mid).anomaly.thresholds]


def _sim_report(store, reg, run_dir: pathlib.Path, cfg: DemoConfig, out) -> dict:
    static_qty = _static_qty()
    facts = report.crash_facts(store, static_qty=static_qty)
    sym, onset, end = facts["sym"], facts["onset_ns"], facts["end_ns"]
    table = report.crash_table(store, sym, onset, *cfg.window_s)
    lim = report.limits_series(store, sym, onset + 300 * NS)
    text = format_crash(facts, table, lim)
    out(text)
    mk = report.market_window(store, sym, onset - 300 * NS, onset + 300 * NS)
    ts = mk["ts"].astype(np.int64)
    d = report.decisions(store)
    here = (d["sym"] == sym) & (np.abs(d["ts"].astype(np.int64) - onset) <= 300 * NS)
    px = np.where(np.isnan(d["price"].astype(float)), d["bid"].astype(float), d["price"].astype(float))
    blocked = {
        "blocked by adaptive limits": (d["ts"][here & (d["dynamic_verdict"] == "REJECT")],
                                       px[here & (d["dynamic_verdict"] == "REJECT")],
                                       {"marker": "x", "color": "#c00000"}),
        "blocked by static rules": (d["ts"][here & (d["static_verdict"] == "REJECT")],
                                    px[here & (d["static_verdict"] == "REJECT")],
                                    {"marker": "o", "facecolors": "none", "edgecolors": "k"}),
    }
    imgs = [run_dir / n for n in ("price.png", "anomaly.png", "max_qty.png", "blocked.png")]
    plots.price_plot(imgs[0], mk, onset, end, sym)
    plots.anomaly_plot(imgs[1], mk, onset, _thresholds(reg))
    plots.max_qty_plot(imgs[2], ts, report.in_force(lim, ts, "max_order_qty", static_qty),
                       static_qty, onset)
    plots.price_plot(imgs[3], mk, onset, end, sym, blocked)
    plots.html_page(run_dir / "report.html", title=f"adaptrisk demo: flash crash on {sym}",
                    text=text, tables={"Around the onset (100 ms buckets)": table}, images=imgs)
    return facts


def run_store_demo(db: str, sym: str, reports: str = "reports", run_id: str = "", out=print,
                   *, features=None) -> dict:
    """Score a symbol already in a store (e.g. the GOOG LOBSTER day) and report its alerts.

    With no trained model at hand, the VAE is trained on the first half of the session and
    the whole day is scored (the second half is out of sample)."""
    from adaptrisk.common import conf
    from adaptrisk.limits import with_static_caps
    from features.build import build as build_features
    from jaxmodels import publish, training
    from jaxmodels.config import ModelsConfig
    from jaxmodels.registry import Registry
    from tsdb import Store
    from tsdb.config import DEFAULT_SESSION
    from tsdb.instruments import resolve

    with Store.from_conf(conf(db)) as store:
        # nothing is built or written before we know there is something to report on
        if store.query_file("report/symbol_rows.sql", {"sym": sym}).column("n")[0].as_py() == 0:
            raise ValueError(f"no market data for {sym!r} in {db}")
        run_dir = _run_dir(DemoConfig(reports=reports, run_id=run_id))
        pr = Progress(4, out)
        pr.step("building features in the store (incremental)")
        # features: a FeatureConfig whose session is the symbol's calendar (None: default)
        pr.note(f"{build_features(store, *([features] if features else [])).rows:,} new "
                "feature rows")
        span = store.query_file("report/session_span.sql", {"sym": sym}).to_pylist()[0]
        if span["first_ns"] is None:
            raise ValueError(f"no market data for {sym!r} in {db}")
        lo, hi = span["first_ns"], span["last_ns"]
        half = lo + (hi - lo) // 2
        zone = str(resolve(features.session if features else DEFAULT_SESSION, sym).tz)
        where = report.zone_label(zone)
        pr.step(f"training the VAE on the first half of the session ({report.local_time(lo, zone)}-"
                f"{report.local_time(half, zone)} {where})")
        reg, mcfg = Registry(str(run_dir / "models")), with_static_caps(ModelsConfig())
        ids = training.train_and_register(store, reg, mcfg, since=lo - 1, until=half)
        reg.promote(ids["vae"])
        pr.step("scoring the whole day and calibrating limits")
        pub = publish.publish(store, reg, mcfg, since=lo - 1, until=hi)
        pr.note(f"{pub['scores']:,} scores, {pub['limits']:,} limit rows")
        pr.step(f"report -> {run_dir}")
        mk = report.market_window(store, sym, lo, hi)
        eps = alert_episodes(mk, half, zone=zone)
        text = format_store_run(sym, db, lo, half, hi, mk, eps, zone)
        out(text)
        imgs = [run_dir / "price.png", run_dir / "anomaly.png"]
        xl = f"seconds from the open ({report.local_time(lo, zone)} {where})"
        plots.price_plot(imgs[0], mk, lo, lo, sym, xlabel=xl)
        plots.anomaly_plot(imgs[1], mk, lo, _thresholds(reg), xlabel=xl)
        plots.html_page(run_dir / "report.html", title=f"adaptrisk on {sym}: what the system saw",
                        text=text, tables={"High alerts": eps}, images=imgs)
    facts = {"sym": sym, "alerts": eps, "first_ns": lo, "train_until_ns": half, "last_ns": hi}
    (run_dir / "summary.json").write_text(json.dumps(facts, indent=1, default=float) + "\n")
    return facts
