"""``adaptrisk live``: the chain running continuously beside trading.

    feed (replay or push) -> store -> newest buckets' features -> scores -> risk_limits
    + publisher_heartbeat -> the enforcer's next poll (woken at once) -> FIX / REST orders

On DuckDB one process owns the file and runs every part (``role='all'``); it serves the
store to other processes: ``/store`` over HTTP with Arrow bodies (``tsdb.remote``: how
``adaptrisk sql``, ``retrain`` and ``models publish`` reach it unchanged) and read-only SQL
over PG wire for analysts (``tsdb.pgwire``). ``<file>.live.json`` announces the endpoints.

The loop is one thread: take the rows the replay clock has passed and ingest them (quotes
also go to the gateway as reference prices), run one publisher cycle, wake the enforcer's
limits feed, then sleep until the next bucket closes. A cycle that falls behind catches up
in one range query at the next: no bucket is skipped.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
import time
from collections import deque
from typing import Any

import numpy as np
from fastapi import Request

from adaptrisk.errors import UsageError
from adaptrisk.live.config import LiveConfig
from adaptrisk.live.feed import ReplayFeed, last_quotes, load_session
from adaptrisk.live.publisher import Publisher


class LiveRunner:
    """Owns the store, the enforcer and its front ends, the publisher and the loop thread.

    ``wall`` is the wall clock (UTC ns) every part shares: the replay clock, heartbeats and
    the enforcer's staleness are judged on it (a test passes its own)."""

    def __init__(self, cfg: LiveConfig, *, models=None, wall=time.time_ns) -> None:
        self.cfg = cfg
        self.models = models  # jaxmodels.config.ModelsConfig (None: the defaults)
        self.wall = wall
        self.store = None
        self.enforcer = None
        self.feed: ReplayFeed | None = None
        self.publisher: Publisher | None = None
        self._fix = self._rest = self._pg = None
        self._enf_store = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.paused = threading.Event()  # publisher paused by an operator: no heartbeats
        self.finished = threading.Event()
        self._pushed_ns = 0
        self._lock = threading.Lock()
        self.cycles = 0
        self.errors: deque[dict[str, Any]] = deque(maxlen=50)
        self.last_report = None
        self.latency_ms: list[float] = []  # bucket close -> limits snapshot swap
        self._closed_upto: dict[str, int] = {}
        self.ports: dict[str, int | None] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> dict[str, int | None]:
        """Open the store, start every part; returns the bound ports."""
        from adaptrisk.common import conf, duckdb_path
        from tsdb.connect import connect

        cfg = self.cfg
        db_conf = conf(cfg.db)
        self._db_file = duckdb_path(cfg.db)
        if self._db_file is not None and cfg.role != "all":
            raise UsageError("on DuckDB one process owns the file: use --role all "
                             "(separate roles need a server store: QuestDB or kdb+)")
        if cfg.replay_source is not None and "intake" in cfg.runs:
            src = os.path.abspath(cfg.replay_source)
            if self._db_file is not None and src == os.path.abspath(self._db_file):
                raise UsageError("the replay source must be another file than --db")
            self.feed = ReplayFeed(load_session(src, sym=cfg.symbol), speed=cfg.speed,
                                   start_ns=cfg.start_ns, clock=self.wall)
        self.store = connect(db_conf)
        if "calibrator" in cfg.runs:
            self.publisher = self._make_publisher()
        if "enforcer" in cfg.runs:
            self._start_enforcer()
        if self._db_file is not None:
            self._announce()
        self._thread = threading.Thread(target=self._run, name="live-loop", daemon=True)
        self._thread.start()
        return self.ports

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for part in (self._pg, self._rest, self._fix):
            if part is not None:
                part.stop()
        if self.enforcer is not None:
            self.enforcer.stop()
            if self._enf_store is not self.store:
                self._enf_store.close()
        self._unannounce()
        if self.store is not None:
            self.store.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the replay is judged to its end (``exit_at_end``) or stop()."""
        return self.finished.wait(timeout)

    # -- parts -----------------------------------------------------------------------------
    def _make_publisher(self) -> Publisher:
        from adaptrisk.limits import with_static_caps
        from jaxmodels.config import ModelsConfig
        from jaxmodels.registry import Registry

        return Publisher(self.store, Registry(self.cfg.models_root),
                         self.models or with_static_caps(ModelsConfig(),
                                                          self.cfg.static_limits,
                                                          self.cfg.instruments),
                         wall=self.wall)

    def _start_enforcer(self) -> None:
        from enforcer.config import DEFAULT_STATIC_LIMITS, EnforcerConfig
        from enforcer.engine import Enforcer
        from enforcer.fix_acceptor import FixAcceptor
        from enforcer.fix_config import FixConfig, RestConfig
        from enforcer.rest_app import create_app
        from enforcer.rest_server import RestServer
        from tsdb.serve import store_app

        cfg = self.cfg
        ecfg = EnforcerConfig(mode=cfg.mode, decision_log_path=cfg.log,
                              static_limits_path=cfg.static_limits or DEFAULT_STATIC_LIMITS,
                              instruments_path=cfg.instruments)
        # its own connection to the database: the poll never queues behind a feature query
        self._enf_store = self.store.sibling() if hasattr(self.store, "sibling") else self.store
        self.enforcer = enf = Enforcer(ecfg, store=self._enf_store, clock=self.wall)
        self._fix = FixAcceptor(enf, config=cfg.fix or FixConfig(port=cfg.fix_port,
                                                                 downstream=cfg.downstream))
        app = create_app(enf, config=RestConfig(token=cfg.token),
                         on_quote=self._fix.gateway.on_quote)
        if self._db_file is not None:
            app.mount("/store", store_app(self.store, token=cfg.token, on_ingest=self._pushed))
        from adaptrisk import console  # the risk officer's console at /console

        console.mount(app, enf, self._enf_store, self._fix.gateway, users=None,
                      token=cfg.token, models_root=cfg.models_root)
        app.add_api_route("/live", self.status, methods=["GET"])
        app.add_api_route("/live/publisher/{action}", self._publisher_route, methods=["POST"])
        self._rest = RestServer(app, port=cfg.http_port)
        enf.add_listener(self._on_swap)
        enf.start()
        self.ports["fix"] = self._fix.start()
        self.ports["http"] = self._rest.start()
        if cfg.pg_port is not None and self._db_file is not None:
            from tsdb.pgwire import PgWireServer

            self._pg = PgWireServer(self.store, host="127.0.0.1", port=cfg.pg_port)
            self._pg.start()
            self.ports["pg"] = self._pg.port
        else:
            self.ports["pg"] = None

    def _announce(self) -> None:
        from tsdb.remote import discovery_path

        info = {"pid": os.getpid(), "url": f"http://127.0.0.1:{self.ports.get('http')}",
                "pg_port": self.ports.get("pg"), "fix_port": self.ports.get("fix"),
                "token_env": self.cfg.token_env}
        p = discovery_path(self._db_file)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, p)

    def _unannounce(self) -> None:
        from tsdb.remote import discovery_path

        if getattr(self, "_db_file", None) is None:
            return
        p = discovery_path(self._db_file)
        try:
            if json.loads(p.read_text()).get("pid") == os.getpid():
                p.unlink()
        except (OSError, ValueError):
            pass

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        w = 100_000_000
        if self.feed is not None:
            self.feed.start()
        while not self._stop.is_set():
            try:
                market = self._market_clock()
                if market is not None:
                    if self.feed is not None and "intake" in self.cfg.runs:
                        self._intake(market)
                    if self.publisher is not None and not self.paused.is_set():
                        self.last_report = self.publisher.cycle(market)
                        self._wake()
                    self.cycles += 1
                    if self._at_end(market):
                        self.finished.set()
                        if self.cfg.exit_at_end:
                            return
            except Exception as e:  # the loop must survive anything; the enforcer fails safe
                self.errors.append({"ts": self.wall(), "error": f"{type(e).__name__}: {e}"})
            self._stop.wait(self._sleep_s(w))

    def _market_clock(self) -> int | None:
        if self.feed is not None:
            return self.feed.now_ns()
        if "intake" not in self.cfg.runs and self.publisher is not None:
            # another process feeds the store (role calibrator): the newest event stored
            t = self.store.query_file("live/market_clock.sql",
                                      {"since": self._pushed_ns}).column("ts_ns")[0].as_py()
            if t is not None:
                self._pushed_ns = max(self._pushed_ns, int(t))
        return self._pushed_ns or None

    def _intake(self, market: int) -> None:
        rows = self.feed.take(market)
        for table in ("book", "trades", "quotes"):  # quotes last: a mid never precedes its book
            if table in rows:
                self.store.ingest(table, rows[table])
                if self.publisher is not None:
                    self.publisher.note_events(rows[table])
        if "orders" in rows:  # the OMS flow: layer 1's trader baselines
            self.store.ingest("orders", rows["orders"])
        if "quotes" in rows and self._fix is not None:
            for sym, bid, ask, ts in last_quotes(rows["quotes"]):
                self._fix.gateway.on_quote(sym, bid, ask, ts)

    def _pushed(self, table: str, batch) -> None:
        """Called by the store endpoint after a pushed batch landed: the market clock."""
        if table in ("trades", "quotes", "book") and batch.num_rows:
            if self.publisher is not None:
                self.publisher.note_events(batch)
            ts = int(np.max(batch.column("ts").cast("int64").to_numpy()))
            with self._lock:
                self._pushed_ns = max(self._pushed_ns, ts)
            if table == "quotes" and self._fix is not None:
                for sym, bid, ask, t in last_quotes(batch):
                    self._fix.gateway.on_quote(sym, bid, ask, t)

    def _wake(self) -> None:
        if self.enforcer is not None:
            self.enforcer.wake()

    def _at_end(self, market: int) -> bool:
        if self.feed is None or not self.feed.done or market < self.feed.end_ns:
            return False
        if self.publisher is None:
            return True
        w = self.publisher.features.bucket_ns
        judged = self.publisher.judged
        return bool(judged) and min(judged.values()) >= self.feed.end_ns // w * w

    def _sleep_s(self, w: int) -> float:
        if self.feed is None:
            return w / 1e9
        nxt = (self.feed.now_ns() // w + 1) * w
        return max(0.0005, (self.feed.wall_of(nxt) - self.wall()) / 1e9)

    def _publisher_route(self, action: str, request: Request):
        """POST /live/publisher/pause|resume [bearer token]: stop or restart publishing
        (limits and heartbeats); the enforcer falls back to static limits within its
        staleness bound while paused."""
        from fastapi.responses import JSONResponse

        if self.cfg.token is not None and not hmac.compare_digest(
                request.headers.get("authorization", "").encode(),
                f"Bearer {self.cfg.token}".encode()):
            return JSONResponse({"detail": "missing or bad bearer token"}, status_code=401)
        if action not in ("pause", "resume"):
            return JSONResponse({"detail": "action must be pause or resume"}, status_code=404)
        if self.publisher is None:
            return JSONResponse({"detail": "no publisher runs in this process"},
                                status_code=409)
        (self.paused.set if action == "pause" else self.paused.clear)()
        return {"publisher": "paused" if self.paused.is_set() else "running"}

    # -- measurement and status ------------------------------------------------------------
    def _on_swap(self, snapshot, swapped_ns: int) -> None:
        """Bucket close -> swap latency of every bucket newly covered by ``snapshot``."""
        if self.feed is None or snapshot.source != "dynamic":
            return
        w = 100_000_000
        for sym, t in snapshot.heartbeats.items():
            prev = self._closed_upto.get(sym)
            if sym in snapshot.stale or t is None or (prev is not None and t <= prev):
                continue
            first = t if prev is None else prev + w
            # buckets that closed before the replay clock started (a catch-up) are left out
            for b in range(max(first, self.feed.start_ns // w * w + w), t + 1, w):
                self.latency_ms.append((swapped_ns - self.feed.wall_of(b)) / 1e6)
            self._closed_upto[sym] = t

    def status(self) -> dict[str, Any]:
        """JSON-able state of the live loop (GET /live)."""
        rep = self.last_report
        lat = np.asarray(self.latency_ms[-10_000:], float)
        return {
            "role": self.cfg.role, "feed": self.cfg.feed, "speed": self.cfg.speed,
            "cycles": self.cycles, "finished": self.finished.is_set(),
            "publisher": None if self.publisher is None else
            ("paused" if self.paused.is_set() else "running"),
            "market_ns": None if rep is None else rep.market_ns,
            "model": None if rep is None else rep.model,
            "judged": {} if rep is None else rep.judged,
            "last_cycle_ms": None if rep is None else
            round(rep.features_ms + rep.score_ms + rep.write_ms, 3),
            "swap_latency_ms": None if not len(lat) else
            {"p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99)),
             "n": len(lat)},
            "errors": list(self.errors)[-10:], "ports": self.ports,
        }

