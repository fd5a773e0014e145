"""``adaptrisk demo``: the main job. Simulate a flash-crash session, ingest it, summarise.

Later stages (features, models, limits, the enforcer in shadow mode, the report) extend
this pipeline as they land.
"""

from __future__ import annotations

import argparse
import pathlib
import time

from adaptrisk.common import add_db_arg, open_store


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the flash-crash scenario end to end",
                       description="Simulate a 3-symbol session with a flash crash on one symbol, "
                       "ingest it into a fresh store and print what landed.")
    add_db_arg(p)
    p.set_defaults(db="duckdb::path=data/demo.duckdb")
    p.add_argument("--symbols", type=int, default=3)
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--keep", action="store_true", help="append to an existing demo store")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adaptrisk.commands.sim import landed_summary, simulate_and_ingest
    from adaptrisk.common import conf
    from sim import SimConfig

    t0 = time.perf_counter()
    c = conf(args.db)
    if c.startswith("duckdb::path=") and not args.keep:
        path = pathlib.Path(c.removeprefix("duckdb::path=").split(";")[0])
        if str(path) != ":memory:":
            for p in (path, path.with_name(path.name + ".wal")):
                p.unlink(missing_ok=True)
    cfg = SimConfig(scenario="flash_crash", n_symbols=args.symbols, minutes=args.minutes,
                    seed=args.seed)
    with open_store(args.db) as store:
        simulate_and_ingest(store, cfg)
        print(landed_summary(store))
    print(f"[demo] done in {time.perf_counter() - t0:.1f} s; store: {c}")
    return 0
