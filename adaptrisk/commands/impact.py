"""``adaptrisk impact labels|train|eval|advise``: the market-impact model's command line
(issue 15). Parsing only; the work is in ``jaxmodels.impact.jobs``."""

from __future__ import annotations

import argparse
import json
import pathlib

from adaptrisk.common import add_db_arg, open_store
from adaptrisk.errors import UsageError

DEFAULT_ROOT = "data/models"


def register(sub) -> None:
    p = sub.add_parser("impact", help="market impact: slippage labels, the impact network, "
                       "its walk-forward evaluation and execution advice")
    isub = p.add_subparsers(dest="impact_cmd", metavar="ACTION", required=True)
    q = isub.add_parser("labels", help="build impact_labels from trades and quotes (adds "
                        "orders after the newest label)")
    _common(q)
    q.add_argument("--since", type=int, default=None, help="UTC ns; only orders after it")
    q.add_argument("--until", type=int, default=None, help="UTC ns; only orders up to it")
    q.set_defaults(func=run_labels)
    q = isub.add_parser("train", help="train the impact network on every label and register it")
    _common(q)
    _model(q)
    q.add_argument("--promote", action="store_true", help="promote the new model at once")
    q.set_defaults(func=run_train)
    q = isub.add_parser("eval", help="walk-forward MAE and coverage against the square-root "
                        "and 3/5 laws (days, or time spans of a single day)")
    _common(q)
    _model(q)
    q.add_argument("--time-parts", type=int, default=4,
                   help="spans a single day is cut into (default 4)")
    q.add_argument("--max-folds", type=int, default=None, help="only the newest N folds")
    q.set_defaults(func=run_eval)
    q = isub.add_parser("advise", help="write exec_advice rows from the promoted impact model")
    _common(q)
    q.add_argument("--root", default=DEFAULT_ROOT, help=f"registry (default {DEFAULT_ROOT})")
    q.add_argument("--at", type=int, default=None, help="UTC ns (default: newest features)")
    q.add_argument("--budget-bps", type=float, default=None,
                   help="slippage budget of the size cap (default 10)")
    q.add_argument("--parent-qty", type=int, default=None,
                   help="price this parent order (lots) instead of 20 %% of each symbol's "
                   "5-minute volume")
    q.set_defaults(func=run_advise)


def _common(p) -> None:
    add_db_arg(p)
    p.add_argument("--json", metavar="OUT", help="also write the report to this JSON file")


def _model(p) -> None:
    p.add_argument("--root", default=DEFAULT_ROOT, help=f"registry (default {DEFAULT_ROOT})")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 3000)")
    p.add_argument("--seed", type=int, default=0)


def _config(args):
    from jaxmodels.impact.config import ImpactConfig

    kw = {"seed": args.seed}
    if args.steps is not None:
        kw["steps"] = args.steps
    return ImpactConfig(**kw)


def _report(args, rep: dict) -> int:
    text = json.dumps(rep, indent=1, default=str)
    if args.json:
        pathlib.Path(args.json).write_text(text)
    print(text)
    return 0


def run_labels(args: argparse.Namespace) -> int:
    from jaxmodels.impact.jobs import label_job

    with open_store(args.db) as store:
        return _report(args, label_job(store, since=args.since, until=args.until))


def run_train(args: argparse.Namespace) -> int:
    from jaxmodels.impact.jobs import train_job
    from jaxmodels.registry import Registry

    with open_store(args.db) as store:
        return _report(args, train_job(store, Registry(args.root), _config(args),
                                       promote=args.promote))


def run_eval(args: argparse.Namespace) -> int:
    from jaxmodels.impact.jobs import eval_job

    with open_store(args.db) as store:
        return _report(args, eval_job(store, _config(args), time_parts=args.time_parts,
                                      max_folds=args.max_folds))


def run_advise(args: argparse.Namespace) -> int:
    from jaxmodels.impact.config import AdviceConfig
    from jaxmodels.impact.jobs import advise_job
    from jaxmodels.registry import Registry

    kw = {} if args.budget_bps is None else {"budget_bps": args.budget_bps}
    if args.parent_qty is not None:
        if args.parent_qty < 1:
            raise UsageError("--parent-qty must be >= 1")
        kw |= {"min_parent_qty": args.parent_qty, "parent_share": 0.0}
    cfg = AdviceConfig(**kw)
    with open_store(args.db) as store:
        return _report(args, advise_job(store, Registry(args.root), at=args.at, cfg=cfg))
