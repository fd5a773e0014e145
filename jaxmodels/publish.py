"""Writing limits back: score buckets with the promoted VAE, then ``risk_scores``, the
changed ``risk_limits`` rows (static rows when no market model is promoted or it is in
drift), layer 1's ``fat_finger_limits`` rows from the promoted trees (``jaxmodels.layer1``)
and one ``publisher_heartbeat`` row per symbol and bucket judged."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from jaxmodels import calibrate
from jaxmodels.config import CalibConfig, ModelsConfig
from jaxmodels.data import MarketRows, market_rows, span
from jaxmodels.impact import cap as impact_cap
from jaxmodels.persist import load_market
from jaxmodels.registry import Registry

PUBLISHER = "models publish"  # publisher_heartbeat.publisher of a batch publish


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
    from jaxmodels import layer1

    demo = layer1.Demonstrated(fat_finger_threshold=cfg.calib.caps.fat_finger_threshold)
    n_ff = {"fat_finger_limits": layer1.publish_promoted(store, reg, since=since, until=until,
                                                         demo=demo)}
    lim_tbl = store.latest_limits()
    lim_tbl = lim_tbl.append_column("ts_ns", lim_tbl.column("ts").cast("int64"))
    latest = {(r["sym"], r["strategy"]): r for r in lim_tbl.to_pylist()}
    mid = reg.promoted("vae")
    if mid is None:
        return _publish_static(store, cfg, latest, since, until, "static: no promoted model",
                               wall) | {"model": None} | n_ff
    from jaxmodels.drift import in_drift

    if cfg.calib.drift_fallback and in_drift(store, mid):
        return _publish_static(store, cfg, latest, since, until,
                               f"drift: {mid} until retrained", wall) | {"model": None,
                                                                         "drift": True} | n_ff
    from jaxmodels.live import LiveScorer

    mm = load_market(reg, mid)
    rows = market_rows(store, mm.inputs, since, until)
    in_force = {s: r for (s, st), r in latest.items() if st == "*" and r["model_version"] == mid}
    step = LiveScorer(mm, cfg.calib, mid, in_force=in_force).step(rows)
    n_scores = store.ingest("risk_scores", step.scores, session=None) if len(rows.ts) else 0
    lim = _supersede(step.limits, latest)
    lim = impact_cap.tighten(store, lim)  # issue 15: the impact size cap only tightens
    n_lim = store.append_limits(lim) if lim.num_rows else 0
    return {"scores": n_scores, "limits": n_lim, "model": mid,
            "heartbeats": _heartbeats(store, rows.ts, rows.sym, mid, wall)} | n_ff


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
