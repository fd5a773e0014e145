"""The calibrator role of ``adaptrisk live``: closed buckets -> features -> scores -> limits.

One ``cycle(market_ns)`` (``market_ns``: the intake clock, the newest market event time
received) does, in the store:

1. ``features.build`` (``features.live`` when the intake runs in this process): every
   bucket that has closed since the last cycle
   (a single bucket runs ``market_step.sql``; a catch-up runs the range query);
2. the promoted VAE's stateful scorer (``jaxmodels.live.LiveScorer``) steps over exactly
   those rows: risk_scores rows and the changed risk_limits rows;
   The impact size cap (issue 15) only ever tightens them, as in a batch publish: each
   model row's max_order_qty is at most the newest ``exec_advice.impact_max_qty`` of its
   symbol issued at or before it, and when a new advice row lands the model row in force
   of its symbol is issued again, tightened (``jaxmodels.impact.cap``), so a cap binds at
   the next cycle, not at the next limits change;
3. layer 1, at most once per ``LAYER1_EVERY_NS`` of wall time (an order-feature query and
   the trees' inversion cost ~0.2 s whatever the window, so not every cycle): with promoted trees,
   ``fat_finger_limits`` rows (the largest qty per (sym, trader) the trees let through, from
   each trader's baseline) for the OMS orders stored since the last time
   (``jaxmodels.layer1.publish_store``, the batch publish's own function);
4. one ``publisher_heartbeat`` row per symbol: the newest bucket judged (``ts``), the intake
   clock (``market_ts``) and the wall clock (``published_ts``), written every cycle even
   when no bucket closed, so the enforcer keeps limits in force exactly while this
   publisher is alive and not behind the market.

A promotion (``adaptrisk models promote``) is picked up at the next cycle: the new model's
scorer is warmed on the session so far (its trailing statistics, thresholds and cool-downs
start where a batch run would have them), then steps on. With no promoted model the
publisher writes the static limits once and keeps heart-beating as 'static'.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from features import build as fbuild
from features.config import DEFAULT_CONFIG, FeatureConfig
from jaxmodels import calibrate
from jaxmodels.config import ModelsConfig
from jaxmodels.data import market_rows
from jaxmodels.impact import cap as impact_cap
from jaxmodels.registry import Registry

STATIC = calibrate.STATIC_VERSION
LAYER1_EVERY_NS = 5_000_000_000  # wall time between layer-1 publishes (monotonic clock)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CycleReport:
    """What one cycle did. ``judged``: newest bucket end judged per symbol (UTC ns);
    ``buckets``: (sym, bucket) rows scored; ``limits``: risk_limits rows written;
    ``fat_finger``: fat_finger_limits rows written (layer 1);
    ``features_ms`` / ``score_ms`` / ``write_ms``: time in each stage."""

    market_ns: int
    judged: dict[str, int]
    buckets: int
    limits: int
    model: str
    fat_finger: int
    features_ms: float
    score_ms: float
    write_ms: float


def publisher_id() -> str:
    return f"live:{socket.gethostname()}:{os.getpid()}"


class Publisher:
    """Runs the model chain on each cycle; single-threaded (the live loop calls it)."""

    def __init__(self, store, registry: Registry, models: ModelsConfig, *,
                 features: FeatureConfig = DEFAULT_CONFIG, name: str | None = None,
                 wall: Callable[[], int] = time.time_ns,
                 clock: Callable[[], int] = time.monotonic_ns) -> None:
        self.store = store
        self.registry = registry
        self.models = models
        self.features = features
        self.name = name or publisher_id()
        self.wall = wall
        self.clock = clock  # monotonic ns: layer 1's cadence
        self.model = STATIC
        self._scorer = None
        self._inputs: tuple[str, ...] = ()
        self.judged: dict[str, int] = {}  # newest bucket end scored per symbol
        self._static_done: set[str] = set()
        self._feats = None  # LiveFeatures once an intake in this process reports its rows
        self._ff_until = -(2**62)  # orders up to here (market ns) have had their layer-1 rows
        self._ff_at: int | None = None  # clock() of the last layer-1 publish
        self._ff_model: tuple[str, object] | None = None  # (id, TreeModel) loaded
        self._caps: dict[str, tuple[int, int]] = {}  # sym -> (ts, max qty) of the newest advice

    def note_events(self, table: pa.Table) -> None:
        """An intake in this process stored ``table`` (trades, quotes or book): the features
        step then knows each symbol's newest event without scanning the store."""
        if self.store.dialect != "duckdb":
            return  # server stores step through build (its market_step twin per dialect)
        if self._feats is None:
            from features.live import LiveFeatures

            self._feats = LiveFeatures(self.store, self.features)
        self._feats.note_events(table)

    # -- one cycle -----------------------------------------------------------------------
    def cycle(self, market_ns: int) -> CycleReport:
        t0 = time.perf_counter()
        if self._feats is not None:
            self._feats.step(int(market_ns))
        else:  # another process feeds the store: find the new buckets there
            fbuild.build(self.store, self.features, until_ns=int(market_ns))
        t1 = time.perf_counter()
        self._follow_registry()
        since = min(self.judged.values()) if self.judged else -(2**62)
        n_rows = n_lim = 0
        if self._scorer is not None:
            new_caps = self._new_caps()  # issue 15: the cap only tightens
            caps = self._caps
            rows = market_rows(self.store, self._inputs, since, int(market_ns))
            rows = _unseen(rows, self.judged)
            if len(rows.ts):
                step = self._scorer.step(rows)
                t2 = time.perf_counter()
                n_rows = len(rows.ts)
                self._write_scores(step.scores)
                n_lim = self._write_limits(impact_cap.apply_caps(step.limits, caps))
                self.judged.update({s: int(t) for s, t in step.last_ts.items()})
            else:
                t2 = time.perf_counter()
            n_lim += self._reissue_capped(new_caps)
        else:
            t2 = time.perf_counter()
            n_lim = self._static(int(market_ns))
        n_ff = self._layer1(int(market_ns))
        self._heartbeat(int(market_ns))
        t3 = time.perf_counter()
        return CycleReport(market_ns=int(market_ns), judged=dict(self.judged), buckets=n_rows,
                           limits=n_lim, model=self.model, fat_finger=n_ff,
                           features_ms=(t1 - t0) * 1e3,
                           score_ms=(t2 - t1) * 1e3, write_ms=(t3 - t2) * 1e3)

    # -- model changes -------------------------------------------------------------------
    def _follow_registry(self) -> None:
        mid = self.registry.promoted("vae") or STATIC
        if mid == self.model:
            return
        self.model = mid
        self._static_done.clear()
        if mid == STATIC:
            self._scorer = None
            return
        from jaxmodels.live import LiveScorer
        from jaxmodels.persist import load_market

        mm = load_market(self.registry, mid)
        self._inputs = mm.inputs
        lim = self.store.latest_limits()
        in_force = {r["sym"]: r for r in lim.to_pylist()
                    if r["strategy"] == "*" and r["model_version"] == mid}
        self._scorer = LiveScorer(mm, self.models.calib, mid, in_force=in_force)
        if self.judged:  # promoted mid-session: warm on the session so far
            upto = max(self.judged.values())
            hist = market_rows(self.store, mm.inputs,
                               session_open(self.features.session, self.judged), upto)
            hist = _seen(hist, self.judged)
            if len(hist.ts):
                self._scorer.warm(hist)

    # -- writes ----------------------------------------------------------------------------
    def _write_scores(self, scores: pa.Table) -> int:
        return self.store.ingest("risk_scores", scores, session=None) if scores.num_rows else 0

    def _write_limits(self, limits: pa.Table) -> int:
        return self.store.append_limits(limits) if limits.num_rows else 0

    def _new_caps(self) -> dict[str, tuple[int, int]]:
        """Advice rows landed since the newest one folded (a watermark query, not the whole
        table each cycle), merged into ``self._caps``; returns the symbols' new caps."""
        mark = max((c[0] for c in self._caps.values()), default=impact_cap.NO_WATERMARK + 1)
        got = impact_cap.latest_caps(self.store, mark - 1)  # ties on the watermark: >= it
        new = {s: c for s, c in got.items() if c != self._caps.get(s)}
        self._caps.update(new)
        return new

    def _reissue_capped(self, new: dict[str, tuple[int, int]]) -> int:
        """Advice rows newer than the last folded: the model rows in force of their symbols
        issued again where looser than the cap (static rows stay, as in a batch publish)."""
        if not new:
            return 0
        return self._write_limits(impact_cap.reissue(self.store.latest_limits(), new,
                                                     self.model))

    def _static(self, market_ns: int) -> int:
        """No promoted model: the static limits once per symbol, then heartbeats alone."""
        newest = self.store.query_file("live/newest_buckets.sql", {"until": int(market_ns)})
        for s, t in zip(newest.column("sym").to_pylist(), newest.column("ts_ns").to_pylist(),
                        strict=True):
            self.judged[s] = int(t)
        new = sorted(s for s in self.judged if s not in self._static_done)
        if not new:
            return 0
        rows = calibrate.static_rows(market_ns, new, self.models.calib,
                                     "static: no promoted model")
        self._static_done.update(new)
        return self._write_limits(rows)

    def _layer1(self, market_ns: int) -> int:
        """Layer 1's rows for the orders stored in (last time, market_ns], at most once per
        ``LAYER1_EVERY_NS`` of ``clock``; none without promoted trees (the static fat-finger
        rule then stands alone at the gate)."""
        now = self.clock()
        if self._ff_at is not None and now - self._ff_at < LAYER1_EVERY_NS:
            return 0
        self._ff_at = now
        since, self._ff_until = self._ff_until, market_ns
        mid = self.registry.promoted("gbdt")
        if mid is None:
            return 0
        if self._ff_model is None or self._ff_model[0] != mid:
            from jaxmodels.persist import load_trees

            self._ff_model = (mid, load_trees(self.registry, mid))
        from jaxmodels import layer1

        # demonstrated sizes count only orders under the static multiple handed over in
        # the models config (the enforcer's rule set), as `models publish` does
        demo = layer1.Demonstrated(
            fat_finger_threshold=self.models.calib.caps.fat_finger_threshold)
        return layer1.publish_store(self.store, self._ff_model[1], mid, since=since,
                                    until=market_ns, demo=demo)

    def _heartbeat(self, market_ns: int) -> None:
        if not self.judged:
            return
        syms = sorted(self.judged)
        hb = calibrate.heartbeat_table(
            np.array([self.judged[s] for s in syms], np.int64), syms, publisher=self.name,
            model_version=self.model, market_ts=np.full(len(syms), market_ns, np.int64),
            published_ts=self.wall())
        self.store.ingest("publisher_heartbeat", hb, session=None)


def session_open(session, judged: dict[str, int]) -> int:
    """Where the session so far begins for the symbols of ``judged`` ({sym: newest bucket
    end judged, UTC ns}): the earliest open, over the symbols, of the session of each one's
    calendar (``session``: a calendar or ``tsdb.instruments.Instruments``) that holds its
    newest bucket, or that closed last before it (a bucket in a break belongs to the session
    it ends). A session may open on the UTC day before (CME: 17:00 Chicago) or be 24 h
    (24/7). Without a calendar: 24 h before the newest bucket."""
    from tsdb.calendars import sessions
    from tsdb.instruments import resolve

    upto = max(judged.values())
    if session is None:
        return upto - 86_400_000_000_000
    out = upto
    for sym, t in judged.items():
        opens, _ = sessions(resolve(session, sym), int(t) - 8 * 86_400_000_000_000, int(t))
        before = opens[opens < t]  # a bucket end equal to an open ends no bucket of it
        out = min(out, int(before[-1]) if len(before) else int(t) - 86_400_000_000_000)
    return out


def _unseen(rows, judged: dict[str, int]):
    """Rows of buckets after the newest one judged for their symbol."""
    if not judged or not len(rows.ts):
        return rows
    last = np.array([judged.get(s, -(2**62)) for s in rows.syms], np.int64)
    return rows.take(rows.ts > last[rows.code])


def _seen(rows, judged: dict[str, int]):
    last = np.array([judged.get(s, -(2**62)) for s in rows.syms], np.int64)
    return rows.take(rows.ts <= last[rows.code])
