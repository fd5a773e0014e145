"""Scenario-grid evaluation (issue 11): the promoted market model's alerts and limits on
simulated sessions it never saw, static against adaptive, one Dask task per scenario and
seed.

A grid file (TOML or JSON) lists the training plan and the scenarios::

    train = [["normal", 101, 60, 0.01], ...]      # (scenario, seed, minutes, fat_finger_rate)
    [[scenarios]]
    name = "crash_10min"
    kind = "stress"                                # stress: alert delay; calm: false alerts
    sim = {scenario = "flash_crash", minutes = 30, onset_minute = 10, n_symbols = 2}

``sim`` is any ``sim.SimConfig`` fields but ``seed``; ``calendar`` (optional: a name of
``tsdb.calendars.CALENDAR_NAMES`` or a custom session dict; default "nyse-hours") is the
trading calendar every symbol of the scenario follows: ingest, feature sessions and the
symbol-day follow it (a 24/7 scenario sets ``sim.open_utc_s`` and may cross UTC midnight).
Training seeds may not be evaluated.
Per (scenario, seed) the stress symbol's first High alert after the onset is compared with
the static rule (rv_1m above the 99.95 % quantile of its training-normal values), with the
time the price first moved 0.5 % from the onset mid and the first limit cut; on every
symbol and normal row the false High alert episodes per symbol-day (one session of the
symbol's calendar: 6.5 h on XNYS, 24 h on a 24/7 market) and per 6.5 h-equivalent of
normal rows; and the valid calm orders blocked, counted through the enforcer's fair replay
(``enforcer.replay``: fills against the recorded quotes and trades, cancels and expiries
release exposure) of the scenario's OMS flow with the model's limits, the static rule set
beside them, a latched HALTED symbol's and a tripped breaker's blocks apart from the
limits' own (``rejected_by``). The report states
the model's bound on false High episodes per 6.5 h of normal rows (the VAE's conformal bound
plus the stress statistics', a union bound) and each calm scenario checks its count over
its 6.5 h-equivalents against it (one-sided Poisson). A slow grind's onset cannot be seen within 2 s by any detector (its
first minutes move less than an ordinary day's drift): each stress case also reports how
far the price had moved when the first High came (``move_at_high_bps``).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import tempfile
import tomllib

import numpy as np

from adaptrisk.evaluate_alerts import (
    HIGH,
    evidence,
    false_alerts,
    minute_maxima,
    stress_timing,
)
from adaptrisk.evaluate_replay import STRESS_EVENTS, heartbeats, replay_calm
from adaptrisk.evaluate_report import format_report, summarise

STATIC_RV_Q = 0.9995


@dataclasses.dataclass(frozen=True, kw_only=True)
class GridScenario:
    """One scenario of the grid: ``kind`` "stress" (alert delay) or "calm" (false alerts)."""

    name: str
    kind: str
    sim: dict
    calendar: str | dict | None = None  # tsdb.calendars.calendar spec; None: nyse-hours
    # the desk's static rule set for this flow: [defaults] fields of the enforcer's static
    # limits overridden (a block desk's max order is not 500 lots); None: the enforcer's file
    static: dict | None = None
    # calm days of the same flow simulated before the measured one (the sessions of the
    # calendar before it, other seeds): the traders' history that layer 1's demonstrated
    # sizes and the enforcer's medians start from; only the last day is measured
    history_days: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("stress", "calm"):
            raise ValueError(f"scenario {self.name}: kind must be stress or calm")
        if not 0 <= self.history_days <= 5 or (self.history_days and self.kind != "calm"):
            raise ValueError(f"scenario {self.name}: history_days must be 0..5, and 0 for a "
                             f"stress scenario (got {self.history_days})")
        if "seed" in self.sim:
            raise ValueError(f"scenario {self.name}: seeds come from --seeds, not the grid")
        self.session()  # an unknown calendar is refused when the grid is read
        if self.static is not None:
            with tempfile.TemporaryDirectory() as d:  # a bad field is refused now
                self.static_limits(pathlib.Path(d))

    def static_limits(self, folder: pathlib.Path) -> pathlib.Path:
        """The scenario's static rule set as a file in ``folder``: the enforcer's default
        file with ``static`` overriding its [defaults] (checked by ``StaticLimits.load``)."""
        from enforcer.config import DEFAULT_STATIC_LIMITS, ConfigError, StaticLimits

        if not self.static:
            return pathlib.Path(DEFAULT_STATIC_LIMITS)
        lines, in_defaults, seen = [], False, set()
        for ln in pathlib.Path(DEFAULT_STATIC_LIMITS).read_text().splitlines():
            head = ln.strip()
            if head.startswith("["):
                in_defaults = head == "[defaults]"
            key = head.split("=", 1)[0].strip() if "=" in head and in_defaults else None
            if key in self.static:
                ln, _ = f"{key} = {float(self.static[key])!r}", seen.add(key)
            lines.append(ln)
        missing = set(self.static) - seen
        if missing:
            raise ValueError(f"scenario {self.name}: static fields not in the enforcer's "
                             f"[defaults]: {sorted(missing)}")
        path = folder / f"static_{self.name}.toml"
        path.write_text("\n".join(lines) + "\n")
        try:
            StaticLimits.load(path)
        except ConfigError as e:
            raise ValueError(f"scenario {self.name}: static: {e}") from None
        return path

    def session(self):
        """The scenario's trading calendar (``tsdb.calendars``)."""
        from tsdb.calendars import calendar

        try:
            return calendar(self.calendar)
        except (ValueError, TypeError) as e:
            raise ValueError(f"scenario {self.name}: {e}") from None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Grid:
    """Training plan rows (scenario, seed, minutes, fat_finger_rate) and the scenarios."""

    train: tuple[tuple, ...]
    scenarios: tuple[GridScenario, ...]
    train_symbols: int = 3

    @property
    def train_seeds(self) -> set[int]:
        return {int(t[1]) for t in self.train}

    @classmethod
    def load(cls, path: str | pathlib.Path) -> Grid:
        p = pathlib.Path(path)
        doc = json.loads(p.read_text()) if p.suffix == ".json" else tomllib.loads(p.read_text())
        unknown = set(doc) - {"train", "scenarios", "train_symbols"}
        if unknown:
            raise ValueError(f"grid {p}: unknown keys {sorted(unknown)}")
        from adaptrisk.demo import TRAIN_PLAN

        train = tuple(tuple(t) for t in doc.get("train", [(s, seed, m, f)
                                                           for s, seed, m, _, f in TRAIN_PLAN]))
        scen = []
        for s in doc["scenarios"]:
            extra = set(s) - {f.name for f in dataclasses.fields(GridScenario)}
            if extra:
                raise ValueError(f"grid {p}: scenario {s.get('name', '?')}: unknown keys "
                                 f"{sorted(extra)}")
            scen.append(GridScenario(**s))
        scen = tuple(scen)
        return cls(train=train, scenarios=scen, train_symbols=int(doc.get("train_symbols", 3)))


def parse_seeds(text: str) -> list[int]:
    """``"1-3,7"`` -> [1, 2, 3, 7]."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


# -- training ------------------------------------------------------------------------------------
def train(grid: Grid, workdir: str, cfg=None):
    """(market model, layer-1 trees or None, static rv_1m threshold, training metrics) on
    the grid's training plan (onsets at 55 % of each day, as the demo's; the trees on its
    labelled orders, as ``models train`` fits them)."""
    from adaptrisk import evalstore
    from adaptrisk.limits import with_static_caps
    from jaxmodels import model
    from jaxmodels.config import ModelsConfig
    from jaxmodels.data import events, market_rows, order_rows
    from tsdb import Store

    cfg = cfg or with_static_caps(ModelsConfig())
    plan = [(s, int(seed), float(m), None if s == "normal" else 0.55 * float(m), float(f))
            for s, seed, m, f in grid.train]
    path = pathlib.Path(workdir) / "train.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as st:
        evalstore.build(st, plan, n_symbols=grid.train_symbols, out=lambda *_: None)
        rows = market_rows(st, cfg.vae.inputs)
        evs = events(st)
        orders = order_rows(st)
    normal = model.normal_mask(rows, evs)
    mm, metrics, trees, _ = model.fit_layers(rows, normal, orders, cfg)
    rv = rows.ctx["rv_1m"][normal]
    return mm, trees, float(np.nanquantile(rv, STATIC_RV_Q)), metrics


# -- one task --------------------------------------------------------------------------------------
def run_case(mm, static_rv: float, scen: GridScenario, seed: int, calib=None,
             trees=None) -> dict:
    """Simulate ``scen`` with ``seed`` on its calendar, build its features in a scratch
    DuckDB, score it with ``mm``, publish layer 1's ``fat_finger_limits`` from ``trees``
    (None: none; the trader's demonstrated sizes under the desk's static multiple, as
    ``models publish`` does), replay its OMS flow through the enforcer with both and
    measure (what one Dask task runs)."""
    from adaptrisk.evalstore import with_order_ids
    from adaptrisk.limits import with_static_caps
    from enforcer.config import EnforcerConfig
    from features.build import build as build_features
    from features.config import FeatureConfig
    from jaxmodels import layer1, model, publish
    from jaxmodels.config import ModelsConfig
    from jaxmodels.data import ALL, events, market_rows
    from sim import SimConfig, simulate
    from tsdb import Store

    scfg = SimConfig.from_dict({**scen.sim, "seed": int(seed)})
    cal = scen.session()
    with tempfile.TemporaryDirectory() as d, \
            Store.from_conf(f"duckdb::path={pathlib.Path(d) / 's.duckdb'}", session=cal) as st:
        static = scen.static_limits(pathlib.Path(d))
        if scen.static or calib is None:  # the limits are clipped to the desk's own caps
            calib = with_static_caps(ModelsConfig(), static).calib
        days = history_configs(scfg, cal, scen.history_days) + [scfg]
        for k, day in enumerate(days):
            for name, t in with_order_ids(simulate(day).tables(), len(days) - 1 - k).items():
                st.ingest(name, t)
        # the measured session (the days before it: history, replayed but not counted)
        since = int(cal.bounds_ns(scfg.session_date)[0]) if len(days) > 1 else None
        build_features(st, FeatureConfig(session=cal))
        rows = market_rows(st, mm.inputs)
        evs = events(st)
        _, sm, tier, ratio = mm.score_detail(rows)
        lim = publish.limits_for(rows, sm, tier, calib, "eval")
        if trees is not None:
            demo = layer1.Demonstrated(fat_finger_threshold=calib.caps.fat_finger_threshold)
            layer1.publish_store(st, trees, "eval", since=ALL[0], until=ALL[1], demo=demo)
        calm = replay_calm(st, lim, heartbeats(rows), evs,
                           EnforcerConfig(static_limits_path=static), since_ns=since)
    if since is not None:
        day = rows.ts >= since
        rows, tier, ratio = rows.take(day), tier[day], ratio[day]
    # a calm scenario (an orderly-volatile day included) is normal throughout
    normal = (np.ones(len(rows.ts), bool) if scen.kind == "calm"
              else model.normal_mask(rows, evs))
    out = {"scenario": scen.name, "kind": scen.kind, "seed": int(seed),
           "minutes": scfg.minutes, "symbols": scfg.n_symbols, "calendar": cal.name}
    out |= false_alerts(rows, tier >= HIGH, rows.ctx["rv_1m"] > static_rv, normal, cal)
    out |= calm
    if scen.kind == "calm":
        out["minute_high_ratio"] = minute_maxima(rows, ratio, normal)
    if scen.kind == "stress":
        stress = scfg.symbol_names[scfg.stress_symbol]
        ev = [e for e in evs if e["sym"] == stress and e["event"] in STRESS_EVENTS]
        if ev:
            out |= stress_timing(rows, tier, rows.ctx["rv_1m"] > static_rv, lim, ev[0])
            out |= evidence(rows, ratio, ev[0])
    out["thresholds"] = [float(t) for t in mm.anomaly.thresholds]
    return out


def history_configs(scfg, cal, n: int) -> list:
    """``SimConfig`` of the ``n`` sessions of ``cal`` before ``scfg``'s, oldest first: the
    same scenario and flow with other seeds (``scfg.seed`` + 100,000 x k for the k-th day
    back)."""
    import dataclasses as dc
    import datetime as dt

    out, label = [], scfg.session_date
    while len(out) < n:
        label -= dt.timedelta(days=1)
        if cal.bounds_ns(label) is not None:
            back = len(out) + 1
            out.append(dc.replace(scfg, session_date=label, seed=scfg.seed + 100_000 * back))
    return out[::-1]


# -- the grid ----------------------------------------------------------------------------------
def run(grid: Grid, seeds: list[int], *, dask: str | None = None, out=print,
        workdir: str | None = None, trained: tuple | None = None) -> dict:
    """Train on the grid's plan (``trained``: what ``train`` returned for it, to reuse),
    then one Dask task per (scenario, seed): on the cluster at ``dask`` (an address), an
    in-process one for ``"inproc"``, else a LocalCluster. Returns the JSON report: per-case
    results and per-scenario summaries."""
    bad = sorted(set(seeds) & grid.train_seeds)
    if bad:
        raise ValueError(f"seeds {bad} are training seeds: evaluation must be out of sample")
    if not seeds:
        raise ValueError("no seeds to evaluate")
    from dask.distributed import Client, LocalCluster

    if trained is None:
        with tempfile.TemporaryDirectory(dir=workdir) as d:
            out(f"[evaluate] training on {len(grid.train)} days "
                f"(seeds {sorted(grid.train_seeds)})")
            trained = train(grid, d)
    mm, trees, static_rv, metrics = trained
    if dask and dask != "inproc":
        client, cluster = Client(dask), None
    else:
        cluster = (LocalCluster(processes=False, n_workers=1, threads_per_worker=2)
                   if dask == "inproc" else LocalCluster(n_workers=2, threads_per_worker=1))
        client = Client(cluster)
    try:
        jobs = [(s, seed) for s in grid.scenarios for seed in seeds]
        out(f"[evaluate] {len(jobs)} tasks ({len(grid.scenarios)} scenarios x "
            f"{len(seeds)} seeds) on {client.dashboard_link or 'dask'}")
        mm_f = client.scatter(mm, broadcast=True)
        futs = [client.submit(run_case, mm_f, static_rv, s, seed, trees=trees, pure=False)
                for s, seed in jobs]
        cases = client.gather(futs)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {"train_seeds": sorted(grid.train_seeds), "seeds": seeds,
            "static_rv_1m": static_rv, "conformal": metrics.get("conformal"),
            "stress": metrics.get("stress"),
            "false_high_bound_per_day": metrics.get("false_high_bound_per_day"),
            "thresholds": [float(t) for t in mm.anomaly.thresholds],
            "cases": cases,
            "summary": summarise(cases, metrics.get("false_high_bound_per_day"))}


__all__ = ["Grid", "GridScenario", "format_report", "history_configs", "parse_seeds", "run",
           "run_case", "summarise", "train"]
