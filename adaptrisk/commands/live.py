"""``adaptrisk live``: market data in, limits in force, orders gated, continuously.

    adaptrisk live --db data/live.duckdb --feed replay:data/session.duckdb --speed 10 \
        --fix-port 9878 --http-port 8080 --pg-port 5433 --token-env ADAPTRISK_TOKEN
    adaptrisk live --db data/live.duckdb --feed push        # rows posted as they happen

Runs until SIGINT/SIGTERM (or, with ``--exit-at-end``, until a replay has been judged to
its last bucket). The first stdout line says where it listens:
``live running fix=127.0.0.1:P http=127.0.0.1:P pg=127.0.0.1:P mode=M feed=F``.
While it runs, ``adaptrisk sql|retrain|models publish --db data/live.duckdb`` reach the
store through the process (``data/live.duckdb.live.json`` names its endpoint), psql and
psycopg connect to the PG-wire port (read-only), and ``adaptrisk models promote ID`` takes
effect at the next cycle.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from adaptrisk.common import add_db_arg, add_fix_config_arg
from adaptrisk.errors import UsageError


def register(sub) -> None:
    p = sub.add_parser("live", help="run the chain continuously: feed, features, models, "
                       "limits, enforcer", description=__doc__.split("\n\n")[0])
    add_db_arg(p)
    p.add_argument("--feed", default="push",
                   help="replay:PATH (a recorded session: DuckDB file or parquet folder) or "
                   "push (rows posted to /store/ingest/TABLE; default)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="replay speed, x real time (default 1)")
    p.add_argument("--symbol", help="replay this symbol only")
    p.add_argument("--role", choices=("all", "intake", "calibrator", "enforcer"),
                   default="all", help="which parts run here (default all; separate roles "
                   "need a server store)")
    p.add_argument("--mode", choices=("enforce", "shadow", "ab"), default="enforce")
    p.add_argument("--fix-port", type=int, default=9878, help="FIX port (0: any free port)")
    p.add_argument("--http-port", type=int, default=8080,
                   help="REST + /store + /live port (0: any free port)")
    p.add_argument("--pg-port", type=int, default=5433,
                   help="read-only PG-wire port for analysts (0: any free port; -1: none)")
    p.add_argument("--token-env", metavar="VAR",
                   help="environment variable holding the bearer token of the mutating "
                   "REST endpoints and of /store/ingest")
    p.add_argument("--log", metavar="PATH",
                   help="decision log (default: <db file>.decisions.log)")
    p.add_argument("--static-limits", metavar="PATH", type=Path,
                   help="static rule set TOML (default: enforcer/static_limits.toml)")
    p.add_argument("--instruments", metavar="FILE", type=Path,
                   help="TOML or JSON instruments table (see tsdb/instruments.py): each "
                   "symbol's lot_size for the enforcer; order and limit quantities are in "
                   "venue units (default: every lot is 1)")
    p.add_argument("--root", default="data/models", help="model registry folder")
    p.add_argument("--config", help="models config (TOML or JSON), as for 'models'")
    p.add_argument("--downstream", choices=("sim", "none"), default="sim")
    add_fix_config_arg(p)
    p.add_argument("--exit-at-end", action="store_true",
                   help="stop once the replay has been judged to its last bucket")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace):
    from adaptrisk.commands.enforcer import instruments_path
    from adaptrisk.common import bearer_token, decision_log_path, duckdb_path, fix_config
    from adaptrisk.live.config import LiveConfig

    if args.static_limits is not None and not args.static_limits.is_file():
        raise UsageError(f"static limits file not found: {args.static_limits}")
    src = args.feed.removeprefix("replay:") if args.feed.startswith("replay:") else None
    if src is not None and not Path(src).exists():
        raise UsageError(f"replay source not found: {src}")
    log = decision_log_path(args) if duckdb_path(args.db) is not None or args.log else None
    try:
        return LiveConfig(db=args.db, feed=args.feed, speed=args.speed, role=args.role,
                          mode=args.mode, fix_port=args.fix_port, http_port=args.http_port,
                          pg_port=None if args.pg_port == -1 else args.pg_port,
                          token=bearer_token(args), token_env=args.token_env, log=log,
                          static_limits=args.static_limits, models_root=args.root,
                          downstream=args.downstream, exit_at_end=args.exit_at_end,
                          fix=fix_config(args.fix_config, port=args.fix_port,
                                         downstream=args.downstream),
                          symbol=args.symbol,
                          instruments=instruments_path(args.instruments))
    except ValueError as e:
        raise UsageError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    from adaptrisk.common import models_config
    from adaptrisk.live.runner import LiveRunner

    cfg = _config(args)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner = LiveRunner(cfg, models=models_config(args.config, args.static_limits,
                                                  args.instruments))
    try:
        ports = runner.start()
        pg = f"127.0.0.1:{ports['pg']}" if ports.get("pg") else "none"
        print(f"live running fix=127.0.0.1:{ports.get('fix')} http=127.0.0.1:{ports.get('http')}"
              f" pg={pg} mode={cfg.mode} feed={cfg.feed} speed={cfg.speed:g}", flush=True)
        while not stop.wait(0.2):
            if cfg.exit_at_end and runner.finished.is_set():
                break
    finally:
        runner.stop()
    st = runner.status()
    enf = runner.enforcer.state() if runner.enforcer is not None else None
    print(f"live stopped cycles={st['cycles']} "
          + (f"orders={enf['counters']['orders']} pending={enf['pending_decisions']}"
             if enf else ""), flush=True)
    return 0 if enf is None or enf["pending_decisions"] == 0 else 1
