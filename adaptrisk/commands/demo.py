"""``adaptrisk demo``: the flash-crash story end to end, or the same report on stored data."""

from __future__ import annotations

import argparse

from adaptrisk.common import add_calendar_args


def register(sub) -> None:
    p = sub.add_parser(
        "demo", help="run the flash-crash scenario end to end and write a report",
        description="Simulate training days and train the models; simulate a 3-symbol session "
        "with a flash crash on one symbol (a seed not used in training); ingest, build features "
        "in the store, score, calibrate limits and replay the OMS flow through the enforcer "
        "beside the static rule set; print the comparison and write reports/<run-id>/. With "
        "--symbol, run the scoring and report on data already in --db (e.g. a LOBSTER day).")
    p.add_argument("--db", default=None,
                   help="store for the demo session (default data/demo.duckdb, recreated); with "
                   "--symbol, an existing store to report on")
    p.add_argument("--train-db", default="data/demo-train.duckdb",
                   help="store the training days are simulated into (default "
                   "data/demo-train.duckdb, recreated)")
    p.add_argument("--live-db", default=None,
                   help="store of the live leg (default demo-live.duckdb beside --db, recreated)")
    add_calendar_args(p)
    p.add_argument("--symbol", help="report on this symbol of an existing store instead of simulating")
    p.add_argument("--symbols", type=int, default=3)
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--reports", default="reports", help="report folder (default reports/)")
    p.add_argument("--run-id", default="", help="report sub-folder (default: UTC time)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adaptrisk.common import duckdb_path
    from adaptrisk.demo import DemoConfig, run_sim_demo, run_store_demo
    from adaptrisk.errors import UsageError

    if args.symbol:
        if not args.db:
            raise UsageError("--symbol needs --db pointing at a store with that symbol's data")
        from adaptrisk.common import session_from_args
        from features.config import FeatureConfig

        feats = FeatureConfig(session=session_from_args(args))
        run_store_demo(args.db, args.symbol, args.reports, args.run_id, features=feats)
        return 0
    path = duckdb_path(args.db or "data/demo.duckdb")
    if path is None:
        raise UsageError("the simulated demo writes a fresh embedded store: give a DuckDB path")
    db = str(path)
    train, live = duckdb_path(args.train_db), duckdb_path(args.live_db) if args.live_db else ""
    if train is None or live is None:
        raise UsageError("--train-db and --live-db take DuckDB file paths")
    files = [path.resolve(), train.resolve()] + ([live.resolve()] if live else [])
    if len(set(files)) < len(files):
        raise UsageError("--db, --train-db and --live-db must be different files")
    run_sim_demo(DemoConfig(db=db, train_db=str(train), live_db=str(live), symbols=args.symbols,
                            minutes=args.minutes, seed=args.seed, reports=args.reports,
                            run_id=args.run_id))
    return 0
