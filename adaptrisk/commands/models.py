"""``adaptrisk models list|promote|deactivate|train|publish``, ``adaptrisk backtest`` and
``adaptrisk retrain``: the model layer's command line. Parsing only; the work is in
``jaxmodels``."""

from __future__ import annotations

import argparse
import json
import pathlib

from adaptrisk.common import add_db_arg, format_table, models_config, open_store
from adaptrisk.errors import UsageError

DEFAULT_ROOT = "data/models"


def register(sub) -> None:
    p = sub.add_parser("models", help="list, promote, deactivate, train and publish models")
    msub = p.add_subparsers(dest="models_cmd", metavar="ACTION", required=True)
    q = msub.add_parser("list", help="models in the registry")
    _root(q)
    q.set_defaults(func=run_list)
    for name, fn, h in (("promote", run_promote, "put a model in force for its kind"),
                        ("deactivate", run_deactivate, "take a model out of service "
                         "(its kind falls back to the static limits)")):
        q = msub.add_parser(name, help=h)
        q.add_argument("id")
        _root(q)
        q.set_defaults(func=fn)
    q = msub.add_parser("train", help="train both layers on the store and register them")
    _common(q)
    q.add_argument("--promote", action="store_true", help="promote the new models at once")
    q.set_defaults(func=run_train)
    q = msub.add_parser("publish", help="score new buckets with the promoted VAE and write "
                        "risk_scores and changed risk_limits (static limits without a model)")
    _common(q)
    q.set_defaults(func=run_publish)

    q = msub.add_parser("drift", help="compare a live window with the promoted model's "
                        "training window (KS, PSI per feature and of the anomaly score); write "
                        "drift_alerts and, when drifting, static limits (reason 'drift')")
    _common(q)
    q.add_argument("--minutes", type=float, default=None,
                   help="live window = the newest MINUTES of features (default: --since)")
    q.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    q.set_defaults(func=run_drift)

    p = sub.add_parser("backtest", help="walk-forward evaluation of the models vs static rules")
    add_db_arg(p)
    p.add_argument("--folds", type=int, default=3, help="number of folds K (>= 2)")
    p.add_argument("--json", help="also write the full report to this JSON file")
    p.add_argument("--impact", action="store_true", help="also evaluate the impact network "
                   "walk-forward against the square-root law (issue 15)")
    p.add_argument("--config", help="ModelsConfig as TOML or JSON")
    _static(p)
    p.add_argument("--simulate", choices=("quick", "default"),
                   help="first fill an empty store with simulated days (one seed each)")
    p.set_defaults(func=run_backtest)

    p = sub.add_parser("retrain", help="scheduled retraining: train, compare on the newest "
                       "fold, promote only if not worse")
    _common(p)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="fan the fits out to this Dask scheduler (no ADDRESS: a local "
                   "cluster of 2 worker processes)")
    p.set_defaults(func=run_retrain)


def _root(p) -> None:
    p.add_argument("--root", default=DEFAULT_ROOT, help=f"registry folder (default {DEFAULT_ROOT})")


def _common(p) -> None:
    add_db_arg(p)
    _root(p)
    p.add_argument("--since", type=int, default=None, help="UTC ns; only data after it")
    p.add_argument("--until", type=int, default=None, help="UTC ns; only data up to it")
    p.add_argument("--config", help="ModelsConfig as TOML or JSON")
    _static(p)


def _static(p) -> None:
    p.add_argument("--static-limits", metavar="PATH", default=None,
                   help="the enforcer's static rule set the model limits are clipped to "
                   "(default: enforcer/static_limits.toml)")
    p.add_argument("--instruments", metavar="FILE", default=None,
                   help="instruments table (tsdb/instruments.py): each symbol's lot size, so "
                   "limits in venue units tighten below one unit (default: every lot is 1)")


def _registry(root: str):
    from jaxmodels.registry import Registry

    return Registry(root)


def run_list(args: argparse.Namespace) -> int:
    import pyarrow as pa

    rows = _registry(args.root).listing()
    if not rows:
        print(f"no models under {args.root}")
        return 0
    print(format_table(pa.Table.from_pylist(rows)))
    return 0


def _registry_call(args, method: str) -> int:
    from jaxmodels.errors import RegistryError

    try:
        st = getattr(_registry(args.root), method)(args.id)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    print(f"{method}d {args.id}; promoted now: {st['promoted'] or 'none (static limits)'}")
    return 0


def run_promote(args: argparse.Namespace) -> int:
    return _registry_call(args, "promote")


def run_deactivate(args: argparse.Namespace) -> int:
    return _registry_call(args, "deactivate")


def _window(args) -> tuple[int, int]:
    lo = -(2**62) if args.since is None else args.since
    hi = 2**62 if args.until is None else args.until
    return lo, hi


def run_train(args: argparse.Namespace) -> int:
    from jaxmodels import training

    cfg = models_config(args.config, args.static_limits, args.instruments)
    reg = _registry(args.root)
    lo, hi = _window(args)
    with open_store(args.db) as store:
        out = training.train_and_register(store, reg, cfg, since=lo, until=hi)
    for kind in ("vae", "gbdt"):
        if kind in out:
            print(f"registered {out[kind]}")
            if args.promote:
                reg.promote(out[kind])
                print(f"promoted {out[kind]}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from jaxmodels import publish

    cfg = models_config(args.config, args.static_limits, args.instruments)
    reg = _registry(args.root)
    lo, hi = _window(args)
    with open_store(args.db) as store:
        out = publish.publish(store, reg, cfg, since=lo, until=hi)
    print(f"risk_scores +{out['scores']}, risk_limits +{out['limits']} "
          f"(model: {out['model'] or 'static'})")
    return 0


def run_drift(args: argparse.Namespace) -> int:
    import pyarrow as pa

    from jaxmodels import drift
    from jaxmodels.data import span

    cfg = models_config(args.config, args.static_limits, args.instruments)
    reg = _registry(args.root)
    lo, hi = _window(args)
    with open_store(args.db) as store:
        if args.minutes is not None:
            last = span(store)["last_ns"]
            if last is None:
                raise UsageError("the features table is empty")
            lo, hi = int(last - args.minutes * 60e9), last
        out = drift.check(store, reg, cfg, since=lo, until=hi, write=not args.dry_run)
    if out.get("model") is None or "features" not in out:
        print(f"no drift check: {out.get('why')}")
        return 0
    rows = out["features"] + [out["score"]]
    print(format_table(pa.Table.from_pylist(rows)))
    print(f"{'DRIFTING' if out['drifting'] else 'no drift'}: {out['n_drifting']} features over "
          f"threshold; model {out['model']}; drift_alerts +{out['rows_written']}, static "
          f"risk_limits +{out['static_rows']}")
    return 0


def run_backtest(args: argparse.Namespace) -> int:
    import pyarrow as pa

    from jaxmodels import walkforward

    if args.folds < 2:
        raise UsageError("--folds must be >= 2")
    cfg = models_config(args.config, args.static_limits, args.instruments)
    with open_store(args.db) as store:
        if args.simulate and store.count("features") == 0:
            from adaptrisk import evalstore

            evalstore.build(store, args.simulate)
        if store.count("features") == 0:
            raise UsageError("the features table is empty: run `adaptrisk features build` "
                             "(or pass --simulate quick)")
        report = walkforward.run(store, cfg, folds=args.folds)
        if args.impact:
            from jaxmodels.impact.jobs import backtest_job

            report["impact"] = backtest_job(store)
            print(report["impact"]["line"])
    print(format_table(pa.Table.from_pylist(walkforward.summary_rows(report))))
    print(json.dumps(report["overall"], indent=1, default=str))
    for f in report["folds"]:
        for a in f["layer2"]["alerts"]:
            print(f"fold {f['fold']} HIGH alert {a['sym']} at {_iso(a['start_ns'])} "
                  f"peak {a['peak_score']:.3g}, mid move +-30 s {a['move_bps']:.1f} bps "
                  f"(range {a['range_bps']:.1f} bps)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return 0


def run_retrain(args: argparse.Namespace) -> int:
    from jaxmodels import retrain

    cfg = models_config(args.config, args.static_limits, args.instruments)
    reg = _registry(args.root)
    lo, _ = _window(args)
    with open_store(args.db) as store:
        out = retrain.retrain(store, reg, cfg, since=lo, folds=args.folds, dask=args.dask)
    print(json.dumps(out, indent=1, default=str))
    return 0


def _iso(ns: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
