"""``adaptrisk hedge train|eval|run``: the reinforcement-learning hedger's command line.
Parsing only; the work is in ``adaptrisk.hedging`` and ``jaxmodels.hedge``."""

from __future__ import annotations

import argparse
import json
import pathlib
import tomllib

from adaptrisk.common import add_db_arg, decision_log_path, open_store
from adaptrisk.errors import UsageError

DEFAULT_ROOT = "data/models"


def register(sub) -> None:
    p = sub.add_parser("hedge", help="train, evaluate and run the option hedger (its hedge "
                       "orders go through the enforcer)")
    hsub = p.add_subparsers(dest="hedge_cmd", metavar="ACTION", required=True)
    q = hsub.add_parser("train", help="train a hedger (seeds at once), evaluate it out of "
                        "sample against the baselines and register it")
    _root(q)
    q.add_argument("--config", help="HedgeConfig as TOML or JSON")
    q.add_argument("--heston", action="store_true",
                   help="Heston paths, a short call and the CVaR objective")
    q.add_argument("--steps", type=int, help="training steps (agent.train_steps)")
    q.add_argument("--seeds", type=int, help="networks trained at once (agent.seeds)")
    q.add_argument("--kappa", type=float, help="risk aversion (agent.kappa)")
    q.add_argument("--objective", choices=("kr", "mv", "mvg", "cvar"), help="agent.objective")
    q.add_argument("--eval-paths", type=int, default=10_000,
                   help="out-of-sample paths for the figures (0: none)")
    q.add_argument("--promote", action="store_true", help="promote the new hedger at once")
    q.add_argument("--json", help="also write the result to this JSON file")
    q.set_defaults(func=run_train)

    q = hsub.add_parser("eval", help="a registered hedger against no hedge, BS delta and "
                        "Whalley-Wilmott on out-of-sample paths")
    _root(q)
    q.add_argument("--model", help="hedger id (default: the promoted one, else the newest)")
    q.add_argument("--paths", type=int, default=10_000)
    q.add_argument("--seed", type=int, default=None, help="test paths' seed")
    q.add_argument("--json", help="also write the figures to this JSON file")
    q.set_defaults(func=run_eval)

    q = hsub.add_parser("run", help="the hedger's schedule for a book as hedge orders through "
                        "the enforcer; writes hedge_orders and hedge_schedule")
    add_db_arg(q)
    _root(q)
    q.add_argument("--model", help="hedger id, or a baseline: bs_delta, no_hedge (default: "
                   "the promoted hedger, else the newest)")
    q.add_argument("--book", help="book JSON: {sym, spot, position, options: [{qty, strike, "
                   "expiry_days, call}]} (default: the hedger's training book)")
    q.add_argument("--sym", default="HEDGE", help="underlying without --book")
    q.add_argument("--seed", type=int, default=0, help="the simulated path's seed")
    q.add_argument("--strategy", default="HEDGE", help="strategy name of the hedge orders")
    q.add_argument("--first-order-id", type=int, default=None,
                   help="order id of the first hedge order (default: from the clock)")
    q.add_argument("--step-ms", type=float, default=1000.0,
                   help="time between decision times in the orders' timestamps")
    q.add_argument("--log", help="decision log (default: <db file>.decisions.log)")
    q.add_argument("--static-limits", help="the enforcer's static rule set (default: "
                   "enforcer/static_limits.toml)")
    q.add_argument("--json", help="also write the run's summary to this JSON file")
    q.set_defaults(func=run_run)


def _root(p) -> None:
    p.add_argument("--root", default=DEFAULT_ROOT, help=f"registry folder (default {DEFAULT_ROOT})")


def _registry(root: str):
    from jaxmodels.registry import Registry

    return Registry(root)


def _load_dict(path: str) -> dict:
    p = pathlib.Path(path)
    if not p.is_file():
        raise UsageError(f"file not found: {path}")
    text = p.read_text()
    try:
        return tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path}: {e}") from None


def _hedge_config(args):
    import dataclasses

    from jaxmodels.hedge.config import HedgeConfig, heston_config

    cfg = HedgeConfig.from_dict(_load_dict(args.config)) if args.config else (
        heston_config() if args.heston else HedgeConfig())
    over = {k: v for k, v in (("train_steps", args.steps), ("seeds", args.seeds),
                              ("kappa", args.kappa), ("objective", args.objective))
            if v is not None}
    return cfg.replace(agent=dataclasses.replace(cfg.agent, **over)) if over else cfg


def _emit(out: dict, path: str | None) -> None:
    if path:
        pathlib.Path(path).write_text(json.dumps(out, indent=1, sort_keys=True, default=str))


def _figures(ev: dict) -> str:
    rows = [f"{'hedge':<14}{'pnl_mean':>10}{'pnl_std':>10}{'cost':>10}{'cvar95':>10}"]
    for k in ("agent", "bs_delta", "ww_equal_std", "ww_best", "no_hedge"):
        m = ev[k]
        rows.append(f"{k:<14}{m['pnl_mean']:>10.2f}{m['pnl_std']:>10.2f}"
                    f"{m['cost_mean']:>10.2f}{m['cvar_loss']:>10.2f}")
    return "\n".join(rows)


def run_train(args: argparse.Namespace) -> int:
    from adaptrisk import hedging

    if args.eval_paths < 0:
        raise UsageError("--eval-paths must be >= 0")
    reg = _registry(args.root)
    out = hedging.train_and_register(reg, _hedge_config(args), eval_paths=args.eval_paths)
    print(f"registered {out['id']} (trained in {out['wall_s']:.1f} s on {out['backend']})")
    if out["evaluation"]:
        print(_figures(out["evaluation"]))
    if args.promote:
        reg.promote(out["id"])
        print(f"promoted {out['id']}")
    _emit(out, args.json)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from adaptrisk import hedging
    from jaxmodels.hedge.evaluate import TEST_SEED, evaluate
    from jaxmodels.hedge.persist import load

    if args.paths < 100:
        raise UsageError("--paths must be >= 100")
    reg = _registry(args.root)
    mid = hedging.resolve(reg, args.model)
    cfg, params, _ = load(reg, mid)
    ev = evaluate(cfg, params, n_paths=args.paths,
                  seed=TEST_SEED if args.seed is None else args.seed)
    print(f"hedger {mid} on {args.paths} out-of-sample paths")
    print(_figures(ev))
    _emit({"id": mid, "evaluation": ev}, args.json)
    return 0


def run_run(args: argparse.Namespace) -> int:
    from adaptrisk import hedging
    from enforcer.config import DEFAULT_STATIC_LIMITS, EnforcerConfig
    from enforcer.engine import Enforcer

    static = pathlib.Path(args.static_limits or DEFAULT_STATIC_LIMITS)
    if not static.is_file():
        raise UsageError(f"static limits file not found: {static}")
    if args.step_ms <= 0:
        raise UsageError("--step-ms must be > 0")
    model = args.model if args.model in hedging.BASELINES else hedging.resolve(
        _registry(args.root), args.model)
    cfg, policy, pp, version = hedging.policy_for(_registry(args.root), model)
    book = (hedging.Book.from_dict(_load_dict(args.book)) if args.book else hedging.Book(
        sym=args.sym, spot=cfg.market.s0, options=cfg.book))
    now = hedging.now_ns()
    spec = hedging.RunSpec(
        strategy=args.strategy, start_ts=now, step_ns=int(args.step_ms * 1e6), seed=args.seed,
        model_version=version,
        first_order_id=args.first_order_id if args.first_order_id is not None
        else now // 1000)
    ecfg = EnforcerConfig(decision_log_path=decision_log_path(args), static_limits_path=static)
    with open_store(args.db) as store:
        enf = Enforcer(ecfg, store=store)
        try:
            enf.poll()
            orders, sched, summary = hedging.run_schedule(enf, cfg, policy, pp, book, spec)
        finally:
            enf.stop()  # flushes the decisions table and closes the log
        summary["written"] = hedging.write(store, orders, sched)
    summary["model"] = version
    print(f"hedge run {summary['run_id']} ({version}) on {book.sym}: {summary['steps']} "
          f"decisions, {summary['orders']} orders ({summary['accepted']} accepted, "
          f"{summary['rejected']} rejected), cost {summary['total_cost']:.2f}, "
          f"final position {summary['final_position']}")
    _emit(summary, args.json)
    return 0
