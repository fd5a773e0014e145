"""``adaptrisk enforcer run|replay``: the pre-trade risk daemon and its batch replay.

    adaptrisk enforcer run --db data/adaptrisk.duckdb --mode shadow --fix-port 9878 \
        --http-port 8080 --token-env ADAPTRISK_TOKEN
    adaptrisk enforcer replay --db data/adaptrisk.duckdb --mode enforce

`run` serves FIX 4.4, the REST API and the risk officer's console (/console) on 127.0.0.1 until SIGINT/SIGTERM, then stops the
front ends, flushes every pending decision to the `decisions` table and exits 0. On start
it replays its decision log (crash recovery) and seeds reference quotes from the latest
row per symbol of the `quotes` table. Port 0 picks free ports; the first stdout line says
which: ``enforcer running fix=127.0.0.1:PORT http=127.0.0.1:PORT mode=MODE``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from adaptrisk.common import (
    add_db_arg,
    add_fix_config_arg,
    bearer_token,
    decision_log_path,
    fix_config,
    open_store,
)
from adaptrisk.console import add_console_args
from adaptrisk.errors import UsageError

MODES = ("enforce", "shadow", "ab")


def register(sub) -> None:
    p = sub.add_parser("enforcer", help="run the pre-trade risk daemon or replay orders",
                       description="The enforcer: a FIX/REST daemon gating orders, or a "
                       "batch replay of the orders table.")
    s = p.add_subparsers(dest="enforcer_cmd", metavar="ACTION", required=True)

    r = s.add_parser("run", help="serve FIX and REST until SIGINT/SIGTERM",
                     description="Serve FIX 4.4 and the REST API on 127.0.0.1; stop cleanly "
                     "on SIGINT/SIGTERM, flushing decisions.")
    _common(r)
    r.add_argument("--fix-port", type=int, default=9878, help="FIX port (0: any free port)")
    r.add_argument("--http-port", type=int, default=8080, help="REST port (0: any free port)")
    r.add_argument("--token-env", metavar="VAR",
                   help="environment variable holding the REST bearer token (without it the "
                   "mutating endpoints answer 401)")
    r.add_argument("--log", metavar="PATH",
                   help="decision log (write-ahead, replayed after a crash); default: "
                   "<db file>.decisions.log next to a DuckDB file")
    add_fix_config_arg(r)
    add_console_args(r)
    r.add_argument("--downstream", choices=("sim", "none"), default="sim",
                   help="where accepted orders go (default: the built-in exchange simulator)")
    r.set_defaults(func=run)

    b = s.add_parser("replay", help="run the orders table through the batch path",
                     description="Run every order of the orders table through the jit batch "
                     "path and append the decisions; print a summary.")
    _common(b)
    b.add_argument("--json", action="store_true", help="print the summary as JSON")
    b.add_argument("--expire-after", metavar="SECONDS", type=float,
                   help="orders still resting this long after they were sent expire in the "
                   "replay venue (default: day orders, expiring at the end of their UTC day)")
    b.set_defaults(func=replay)


def _common(p: argparse.ArgumentParser) -> None:
    add_db_arg(p)
    p.add_argument("--mode", choices=MODES, default="enforce",
                   help="enforce (dynamic limits), shadow (static enforced, dynamic logged) "
                   "or ab (a share of strategies on dynamic limits)")
    p.add_argument("--static-limits", metavar="PATH", type=Path,
                   help="static rule set TOML (default: enforcer/static_limits.toml)")
    p.add_argument("--instruments", metavar="FILE", type=Path,
                   help="TOML or JSON instruments table (see tsdb/instruments.py): each "
                   "symbol's lot_size; order and limit quantities are in venue units, "
                   "whole multiples of it (default: every lot is 1)")


def instruments_path(path: Path | None) -> Path | None:
    """``--instruments``, checked at start-up: a bad file is one line, nothing started."""
    if path is None:
        return None
    from tsdb.instruments import Instruments

    try:
        Instruments.load(path)
    except (ValueError, KeyError, OSError, TypeError) as exc:
        raise UsageError(f"--instruments: {exc}") from None
    return path


def _config(args: argparse.Namespace, log: Path | None):
    from enforcer.config import DEFAULT_STATIC_LIMITS, EnforcerConfig
    from enforcer.errors import ConfigError

    static = args.static_limits or DEFAULT_STATIC_LIMITS
    if not Path(static).is_file():
        raise UsageError(f"static limits file not found: {static}")
    try:
        return EnforcerConfig(mode=args.mode, decision_log_path=log,
                              static_limits_path=Path(static),
                              instruments_path=instruments_path(args.instruments))
    except ConfigError as e:
        raise UsageError(str(e)) from None


def _seed_quotes(store, sink) -> int:
    try:
        tbl = store.query_file("enforcer/latest_quotes.sql")
    except (OSError, ValueError):
        return 0  # a backend without the query file: quotes come over REST /quote
    for row in tbl.to_pylist():
        sink(row["sym"], row["bid"], row["ask"], row["ts"])
    return tbl.num_rows


def run(args: argparse.Namespace) -> int:
    from adaptrisk import console
    from enforcer.advice import AdviceBoard
    from enforcer.engine import Enforcer
    from enforcer.fix_acceptor import FixAcceptor
    from enforcer.fix_config import RestConfig
    from enforcer.rest_app import create_app
    from enforcer.rest_server import RestServer

    for name in ("fix_port", "http_port"):
        if not 0 <= getattr(args, name) <= 65535:
            raise UsageError(f"--{name.replace('_', '-')} must be in [0, 65535]")
    token, log = bearer_token(args), decision_log_path(args)
    cfg = _config(args, log)
    fcfg = fix_config(args.fix_config, port=args.fix_port, downstream=args.downstream)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with open_store(args.db) as store:
        enf = Enforcer(cfg, store=store)
        board = AdviceBoard(store)  # exec_advice on FIX acks (8014-8017) and REST
        acceptor = FixAcceptor(enf, config=fcfg, advice=board)
        seeded = _seed_quotes(store, acceptor.gateway.on_quote)
        app = create_app(enf, config=RestConfig(token=token),
                         on_quote=acceptor.gateway.on_quote, advice=board)
        console.mount(app, enf, store, acceptor.gateway, users=args.console_users,
                      token=token)  # the risk officer's console at /console
        rest = RestServer(app, port=args.http_port)
        enf.start()
        board.start()
        try:
            acceptor.start()
            rest.start()
            print(f"enforcer running fix=127.0.0.1:{acceptor.port} "
                  f"http=127.0.0.1:{rest.port} mode={cfg.mode} quotes_seeded={seeded}",
                  flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            rest.stop()
            acceptor.stop()
            board.stop()
            enf.stop()  # final flush of pending decisions, log closed
        st = enf.state()
    print(f"enforcer stopped orders={st['counters']['orders']} "
          f"flushed={st['counters']['flushed']} pending={st['pending_decisions']}", flush=True)
    return 0 if st["pending_decisions"] == 0 else 1


def _jax_cache() -> None:
    """Keep compiled batch kernels on disk between runs (a replay's scan takes seconds to
    compile, longer than it runs): ADAPTRISK_JAX_CACHE (empty: off), default
    ~/.cache/adaptrisk/jax."""
    import os

    path = os.environ.get("ADAPTRISK_JAX_CACHE", str(Path.home() / ".cache/adaptrisk/jax"))
    if path:
        import jax

        jax.config.update("jax_compilation_cache_dir", path)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def replay(args: argparse.Namespace) -> int:
    if args.expire_after is not None and not args.expire_after > 0:
        raise UsageError(f"--expire-after must be > 0 seconds, got {args.expire_after}")
    _jax_cache()
    from enforcer.config import StaticLimits
    from enforcer.errors import ConfigError
    from enforcer.replay import replay as run_replay

    cfg = _config(args, None)
    try:
        StaticLimits.load(cfg.static_limits_path)  # a bad file: one line, nothing written
    except ConfigError as e:
        raise UsageError(str(e)) from None
    if args.expire_after is not None:
        try:
            cfg = type(cfg).from_dict({**cfg.to_dict(), "expire_after": args.expire_after})
        except ConfigError as e:
            raise UsageError(str(e)) from None
    with open_store(args.db) as store:
        summary = run_replay(store, cfg)
    if args.json:
        print(json.dumps(summary, sort_keys=True))
        return 0
    print(f"replayed {summary['orders']} orders: {summary['accepted']} accepted, "
          f"{summary['rejected']} rejected (static rule set alone: "
          f"{summary['static_rejected']} rejected)")
    by = summary.get("rejected_by", {})
    print(f"  blocked by the limits {by.get('limits', 0)}, a HALTED row or latched symbol "
          f"{by.get('halted', 0)}, a tripped circuit breaker {by.get('breaker', 0)}")
    for sym, ts in sorted(summary.get("latched", {}).items()):
        print(f"  latched {sym} at {ts}")
    for strategy, ts in sorted(summary.get("tripped", {}).items()):
        print(f"  breaker tripped for {strategy} at {ts}")
    for name, n in sorted(summary["reasons"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<20} {n}")
    sys.stdout.flush()
    return 0
