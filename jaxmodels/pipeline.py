"""Glue between the store, the models, the registry and the calibrator.

``fit_market`` / ``score_market``: layer 2 on ``MarketRows``; ``fit_orders`` /
``order_inputs``: layer 1 on the order-input table; ``save_*`` / ``load_*``: registry round
trips; ``publish``: score the newest buckets, write ``risk_scores`` and the changed
``risk_limits`` rows (static rows when no market model is promoted).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from jaxmodels import calibrate, gbdt, vae
from jaxmodels.config import (
    LOG_INPUTS,
    SIGNED_LOG_INPUTS,
    CalibConfig,
    GBDTConfig,
    ModelsConfig,
    VAEConfig,
)
from jaxmodels.data import (
    MarketRows,
    event_mask,
    events,
    market_rows,
    span,
    to_matrix,
)
from jaxmodels.prep import Norm, apply_norm, fit_norm, online_standardise
from jaxmodels.registry import Registry, flatten, unflatten

NORMAL_MARGIN_BEFORE_NS = 60_000_000_000  # rows this close to an event are not "normal"
NORMAL_MARGIN_AFTER_NS = 300_000_000_000
GLOBAL = "*"
PUBLISHER = "models publish"  # publisher_heartbeat.publisher of a batch publish


@dataclasses.dataclass(frozen=True, kw_only=True)
class MarketModel:
    """Layer 2: the VAE, its per-symbol normalisers (``"*"`` for unseen symbols) and inputs."""

    anomaly: vae.AnomalyModel
    norms: dict[str, Norm]
    inputs: tuple[str, ...]

    def standardise(self, rows: MarketRows) -> np.ndarray:
        """Robust-standardised inputs, then (``online_half_life`` > 0) re-standardised
        against each symbol's trailing mean and variance; float32[n, F], clipped."""
        cfg = self.anomaly.config
        out = np.empty(rows.x.shape, np.float32)
        for i, s in enumerate(rows.syms):
            m = rows.code == i
            out[m] = apply_norm(rows.x[m], self.norms.get(s, self.norms[GLOBAL]),
                                cfg.clip_sigma)
        if cfg.online_half_life > 0:
            out = online_standardise(out, rows.code, cfg.online_half_life, cfg.online_warm)
        return np.clip(out, -cfg.clip_sigma, cfg.clip_sigma)

    def score(self, rows: MarketRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(raw float64[n], smoothed float64[n], tier int8[n]) for rows sorted by (sym, ts)."""
        cfg = self.anomaly.config
        raw = self.anomaly.raw_scores(self.standardise(rows))
        sm = self.anomaly.smooth(raw, rows.code)
        since = since_session_start(rows)
        tier = self.anomaly.tiers(sm, rows.code, since >= cfg.tail_skip_open_s * 1e9)
        warm = since < cfg.open_warmup_s * 1e9
        return raw, sm, np.where(warm, np.minimum(tier, 1), tier).astype(np.int8)


def since_session_start(rows: MarketRows, gap_ns: int = 3_600_000_000_000) -> np.ndarray:
    """ns since each row's symbol session began (a new session after a gap > ``gap_ns``)."""
    ts = rows.ts
    start = np.ones(len(ts), bool)
    start[1:] = (rows.code[1:] != rows.code[:-1]) | (np.diff(ts) > gap_ns)
    first = np.maximum.accumulate(np.where(start, np.arange(len(ts)), 0))
    return ts - ts[first] if len(ts) else ts


def masks(inputs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([n in LOG_INPUTS for n in inputs]),
            np.array([n in SIGNED_LOG_INPUTS for n in inputs]))


def normal_mask(rows: MarketRows, evs: list[dict]) -> np.ndarray:
    """bool[n]: rows outside every labelled event (with margins); all rows without labels."""
    return ~event_mask(rows, evs, before_ns=NORMAL_MARGIN_BEFORE_NS,
                       after_ns=NORMAL_MARGIN_AFTER_NS)


def fit_market(rows: MarketRows, normal: np.ndarray,
               cfg: VAEConfig) -> tuple[MarketModel, dict]:
    """Fit normalisers and the VAE on the normal rows of ``rows``."""
    lm, sm = masks(cfg.inputs)
    norms = {GLOBAL: fit_norm(rows.x[normal], lm, sm)}
    for i, s in enumerate(rows.syms):
        m = normal & (rows.code == i)
        if m.sum() >= 100:
            norms[s] = fit_norm(rows.x[m], lm, sm)
    mm = MarketModel(anomaly=vae.AnomalyModel(params={}, config=cfg, n_features=len(cfg.inputs),
                                              thresholds=np.full(3, np.inf)),
                     norms=norms, inputs=cfg.inputs)
    xs = mm.standardise(rows)
    model, metrics = vae.fit(xs[normal], rows.code[normal], cfg)
    metrics["training_window"] = {"start_ns": int(rows.ts.min()), "end_ns": int(rows.ts.max())}
    return dataclasses.replace(mm, anomaly=model), metrics


# -- layer 1 ---------------------------------------------------------------------------------
def order_inputs(orders: pa.Table, cfg: GBDTConfig, scores: tuple | None = None) -> np.ndarray:
    """float32[n, F] tree inputs; ``scores`` = (ts, sym, smoothed) overrides the stored
    ``anomaly_score`` with in-memory scores (as of each order, no look-ahead)."""
    x = to_matrix(orders, cfg.inputs)
    if scores is not None and "anomaly_score" in cfg.inputs:
        x[:, cfg.inputs.index("anomaly_score")] = asof_scores(orders, *scores)
    return x


def asof_scores(orders: pa.Table, ts: np.ndarray, sym: np.ndarray, sm: np.ndarray) -> np.ndarray:
    """Latest score at or before each order of its symbol (NaN when none)."""
    ots = orders.column("ts_ns").to_numpy()
    osym = np.asarray(orders.column("sym").to_pylist(), object)
    out = np.full(len(ots), np.nan, np.float32)
    for s in set(osym.tolist()):
        m, r = osym == s, sym == s
        t, v = ts[r], sm[r]
        if not len(t):
            continue
        i = np.searchsorted(t, ots[m], side="right") - 1
        out[m] = np.where(i >= 0, v[np.maximum(i, 0)], np.nan)
    return out


def labels(orders: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(is_error bool[n], labelled bool[n])."""
    lab = orders.column("is_error")
    known = ~np.asarray(lab.is_null().to_numpy(zero_copy_only=False))
    y = np.asarray(lab.fill_null(False).to_numpy(zero_copy_only=False), bool)
    return y, known


# -- registry round trips ---------------------------------------------------------------------
def save_market(reg: Registry, mm: MarketModel, metrics: dict) -> str:
    a = mm.anomaly
    return reg.save("vae", {f"params/{k}": v for k, v in flatten(a.params).items()}, {
        "inputs": list(mm.inputs), "config": a.config.to_dict(),
        "normalisation": {s: n.to_dict() for s, n in mm.norms.items()},
        "thresholds": [float(t) for t in a.thresholds],
        "training_window": metrics.get("training_window"),
        "metrics": {k: v for k, v in metrics.items() if k != "training_window"}})


def load_market(reg: Registry, mid: str) -> MarketModel:
    arrays, man = reg.load(mid)
    params = unflatten({k.split("/", 1)[1]: v for k, v in arrays.items()})
    cfg = VAEConfig.from_dict(man["config"])
    a = vae.AnomalyModel(params=params, config=cfg, n_features=len(man["inputs"]),
                         thresholds=np.asarray(man["thresholds"], np.float64))
    return MarketModel(anomaly=a, norms={s: Norm.from_dict(d) for s, d in
                                         man["normalisation"].items()},
                       inputs=tuple(man["inputs"]))


def save_trees(reg: Registry, tm: gbdt.TreeModel, metrics: dict, window: dict | None) -> str:
    return reg.save("gbdt", {"feat": tm.feat, "thr": tm.thr, "leaf": tm.leaf}, {
        "inputs": list(tm.config.inputs), "config": tm.config.to_dict(), "base": tm.base,
        "threshold": tm.threshold, "n_trees": tm.n_trees, "normalisation": None,
        "training_window": window, "metrics": metrics})


def load_trees(reg: Registry, mid: str) -> gbdt.TreeModel:
    arrays, man = reg.load(mid)
    return gbdt.TreeModel(feat=arrays["feat"], thr=arrays["thr"], leaf=arrays["leaf"],
                          base=float(man["base"]), threshold=float(man["threshold"]),
                          config=GBDTConfig.from_dict(man["config"]), n_trees=man["n_trees"])


# -- publishing -------------------------------------------------------------------------------
def limits_for(rows: MarketRows, sm: np.ndarray, tier: np.ndarray, cfg: CalibConfig,
               version: str, in_force: dict | None = None, loosen_after: int = 50) -> pa.Table:
    """Changed ``risk_limits`` rows of every symbol in ``rows``."""
    in_force = in_force or {}
    parts = []
    for i, s in enumerate(rows.syms):
        m = rows.code == i
        if not m.any():
            continue
        parts.append(calibrate.calibrate_symbol(
            rows.ts[m], s, {k: v[m] for k, v in rows.ctx.items()}, tier[m], sm[m], cfg,
            model_version=version, loosen_after=loosen_after, last=in_force.get(s)))
    return pa.concat_tables(parts) if parts else calibrate.static_rows(0, [], cfg, "")


def publish(store, reg: Registry, cfg: ModelsConfig, *, since: int, until: int,
            wall: Callable[[], int] = time.time_ns) -> dict:
    """Score buckets in (since, until] with the promoted VAE and write scores and changed
    limits; with no promoted model (or in drift) write static limits where they are not
    already in force. Either way one ``publisher_heartbeat`` row per symbol and bucket judged
    (``market_ts`` = the bucket's end, ``published_ts`` = ``wall()``, UTC ns), written last,
    so a replay finds a heartbeat before every order it judges. The scoring and calibration
    run through ``live.LiveScorer`` in one chunk (the batch functions are its twin).
    Returns counts written."""
    lim_tbl = store.latest_limits()
    lim_tbl = lim_tbl.append_column("ts_ns", lim_tbl.column("ts").cast("int64"))
    latest = {(r["sym"], r["strategy"]): r for r in lim_tbl.to_pylist()}
    mid = reg.promoted("vae")
    if mid is None:
        return _publish_static(store, cfg, latest, since, until, "static: no promoted model",
                               wall) | {"model": None}
    from jaxmodels.drift import in_drift

    if cfg.calib.drift_fallback and in_drift(store, mid):
        return _publish_static(store, cfg, latest, since, until,
                               f"drift: {mid} until retrained", wall) | {"model": None,
                                                                         "drift": True}
    from jaxmodels.live import LiveScorer

    mm = load_market(reg, mid)
    rows = market_rows(store, mm.inputs, since, until)
    in_force = {s: r for (s, st), r in latest.items() if st == "*" and r["model_version"] == mid}
    step = LiveScorer(mm, cfg.calib, mid, in_force=in_force).step(rows)
    n_scores = store.ingest("risk_scores", step.scores, session=None) if len(rows.ts) else 0
    lim = _supersede(step.limits, latest)
    n_lim = store.append_limits(lim) if lim.num_rows else 0
    return {"scores": n_scores, "limits": n_lim, "model": mid,
            "heartbeats": _heartbeats(store, rows.ts, rows.sym, mid, wall)}


def _publish_static(store, cfg: ModelsConfig, latest: dict, since: int, until: int,
                    reason: str, wall: Callable[[], int]) -> dict:
    """Static limits where they are not in force, issued as of the newest data (or the
    newest limits row, so they are the ones in force); heartbeats for every bucket end in
    (since, until]."""
    syms = [r["sym"] for r in store.query("SELECT DISTINCT sym FROM features ORDER BY 1")
            .to_pylist()]
    last = [r["ts_ns"] for r in latest.values()] + [min(int(until), span(store)["last_ns"] or 0)]
    rows = calibrate.static_rows(max(last), syms, cfg.calib, reason)
    keep = [i for i, r in enumerate(rows.to_pylist())
            if latest.get((r["sym"], r["strategy"]), {}).get("model_version") != "static"]
    rows = rows.take(pa.array(keep, pa.int64()))
    n_lim = store.append_limits(rows) if rows.num_rows else 0
    ends = store.query_file("models/bucket_ends.sql", {"since": int(since), "until": int(until)})
    n_hb = _heartbeats(store, ends.column("ts_ns").to_numpy(), ends.column("sym").to_pylist(),
                       calibrate.STATIC_VERSION, wall)
    return {"scores": 0, "limits": n_lim, "heartbeats": n_hb}


def _heartbeats(store, ts: np.ndarray, sym, version: str, wall: Callable[[], int]) -> int:
    """One heartbeat per (bucket end, sym) judged by a batch publish."""
    if not len(ts):
        return 0
    hb = calibrate.heartbeat_table(ts, sym, publisher=PUBLISHER, model_version=version,
                                   market_ts=ts, published_ts=wall())
    return store.ingest("publisher_heartbeat", hb, session=None)


def _supersede(lim: pa.Table, latest: dict) -> pa.Table:
    """Re-issue each (sym, strategy)'s newest computed row at the time of a row already in
    force that is as new or newer (e.g. static limits issued before a backfill), so the
    model's limits are the ones in force after publishing (ties go to the later insert)."""
    if lim.num_rows == 0:
        return lim
    ts = lim.column("ts").cast(pa.int64()).to_numpy()
    keys = list(zip(lim.column("sym").to_pylist(), lim.column("strategy").to_pylist(),
                    strict=True))
    last = {k: i for i, k in enumerate(keys)}  # rows are in time order per key
    extra = []
    for k, i in last.items():
        old = latest.get(k)
        if old is not None and old["ts_ns"] >= ts[i]:
            row = lim.slice(i, 1)
            extra.append(row.set_column(0, "ts", pa.array([old["ts_ns"]], pa.timestamp("ns"))))
    return pa.concat_tables([lim, *extra]) if extra else lim


def fit_layers(rows: MarketRows, normal: np.ndarray, orders: pa.Table,
               cfg: ModelsConfig) -> tuple:
    """Both layers on in-memory data (pure; what a Dask worker runs): the VAE on the normal
    rows, then the trees on the labelled orders with the VAE's scores as of each order.
    Returns (market model, its metrics, tree model or None, its metrics or None)."""
    mm, mmet = fit_market(rows, normal, cfg.vae)
    _, sm, _ = mm.score(rows)
    y, known = labels(orders)
    if not (known.sum() and y[known].any()):
        return mm, mmet, None, None
    x = order_inputs(orders, cfg.gbdt, (rows.ts, rows.sym, sm))[known]
    tm, tmet = gbdt.fit(x, y[known], cfg.gbdt)
    return mm, mmet, tm, tmet


def train_and_register(store, reg: Registry, cfg: ModelsConfig, *, since: int,
                       until: int, submit=None) -> dict:
    """Train both layers on (since, until] of the store; save both; return ids and metrics.
    ``submit(fn, *args) -> future`` runs the fit elsewhere (a Dask client's ``submit``)."""
    fut = (submit or _run_here)(fit_layers, *layer_data(store, cfg, since, until), cfg)
    return register_layers(reg, *fut.result())


def layer_data(store, cfg: ModelsConfig, since: int, until: int) -> tuple:
    """(MarketRows, normal mask, order table) of (since, until] read from the store."""
    from jaxmodels.data import order_rows

    rows = market_rows(store, cfg.vae.inputs, since, until)
    return rows, normal_mask(rows, events(store)), order_rows(store, since, until)


def register_layers(reg: Registry, mm, mmet, tm, tmet) -> dict:
    vid = save_market(reg, mm, mmet)
    out = {"vae": vid, "vae_metrics": {k: v for k, v in mmet.items() if k != "history"}}
    if tm is not None:
        out["gbdt"] = save_trees(reg, tm, {k: v for k, v in tmet.items() if k != "curve"},
                                 mmet["training_window"])
        out["gbdt_metrics"] = {k: v for k, v in tmet.items() if k != "curve"}
    return out


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _run_here(fn, *args):
    """In-process stand-in for ``Client.submit``."""
    return _Done(fn(*args))
