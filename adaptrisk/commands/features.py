"""``adaptrisk features build|rank|list``: materialise market-state features in the store,
rank features against labels, list the registry."""

from __future__ import annotations

import argparse
import datetime as dt

from adaptrisk.common import add_calendar_args, add_db_arg, open_store, session_from_args
from adaptrisk.errors import UsageError


def register(sub) -> None:
    p = sub.add_parser("features", help="build, rank and list features (computed in the store)",
                       description="Features are SQL queries run inside the store.")
    fsub = p.add_subparsers(dest="features_command", metavar="ACTION", required=True)

    b = fsub.add_parser("build", help="extend the features table with new complete buckets")
    add_db_arg(b)
    b.add_argument("--since", type=_ts, default=None,
                   help="only buckets ending after TS (ISO-8601 UTC or integer ns)")
    b.add_argument("--until", type=_ts, default=None, help="no buckets ending after TS")
    b.add_argument("--bucket-ms", type=int, default=100, help="bucket width, ms (default 100)")
    b.add_argument("--ref-sym", default=None,
                   help="reference symbol of corr_ref_1m (default: first symbol of each day)")
    add_calendar_args(b)
    b.set_defaults(func=run_build)

    r = fsub.add_parser("rank", help="rank features by mutual information and by RFE")
    add_db_arg(r)
    r.add_argument("--target", required=True, choices=("fat_finger", "stress"))
    r.add_argument("--max-rows", type=int, default=50_000, help="sample size (default 50000)")
    r.add_argument("--seed", type=int, default=0)
    r.set_defaults(func=run_rank)

    ls = fsub.add_parser("list", help="print the feature registry")
    ls.set_defaults(func=run_list)


def _ts(text: str) -> int:
    """UTC ns from an integer or an ISO-8601 time (naive = UTC)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (ISO-8601 or integer ns)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    delta = t - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def _config(args):
    from features.config import FeatureConfig
    from features.errors import FeatureError

    try:
        kw = {"session": session_from_args(args)} if hasattr(args, "calendar") else {}
        return FeatureConfig(bucket_ns=args.bucket_ms * 1_000_000, ref_sym=args.ref_sym, **kw)
    except FeatureError as exc:
        raise UsageError(str(exc)) from None


def run_build(args: argparse.Namespace) -> int:
    from features.build import build

    cfg = _config(args)
    with open_store(args.db) as store:
        rep = build(store, cfg, since_ns=args.since, until_ns=args.until)
        market = sum(store.count(t) for t in ("trades", "quotes", "book"))
        empty = rep.rows == 0 and market and store.count("features") == 0
    days = ", ".join(f"{d}: {n}" for d, n in rep.days.items()) or "nothing new"
    print(f"features: {rep.rows} rows added ({days}); "
          f"{rep.queries} queries, {rep.steps} single-bucket steps")
    if empty:  # the issue-17 trap: a 24-hour tape built on the 09:30-16:00 default, silently
        print(f"features: none of the {market:,} market data rows falls in a session of "
              f"{cfg.session.describe()}; give their calendar with --calendar or --instruments")
    return 0


def run_rank(args: argparse.Namespace) -> int:
    from features.errors import FeatureError
    from features.selection import rank

    with open_store(args.db) as store:
        try:
            r = rank(store, args.target, max_rows=args.max_rows, seed=args.seed)
        except FeatureError as exc:
            raise UsageError(str(exc)) from None
    print(f"target {r.target}: {r.n} rows, {r.positives} positive")
    print(f"{'rank':>4}  {'mutual information (nats)':<36}  {'RFE, logistic (|w| at drop)':<36}")
    for i, ((a, va), (b, vb)) in enumerate(zip(r.mi, r.rfe, strict=True), 1):
        print(f"{i:>4}  {a:<26}{va:>10.5f}  {b:<26}{vb:>10.4f}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from features.registry import FEATURES

    for f in FEATURES:
        print(f"{f.kind:<6} {f.name:<24} {f.unit:<34} {f.window:<18} {f.description}")
    return 0
