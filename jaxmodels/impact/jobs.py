"""The impact model's jobs over a store, as the CLI runs them: build labels, train and
register, evaluate walk-forward, write advice. Each returns a JSON-able report."""

from __future__ import annotations

from jaxmodels.data import span
from jaxmodels.errors import MSG_NO_ROWS, ModelError
from jaxmodels.impact import advice, labels, persist
from jaxmodels.impact.config import AdviceConfig, ImpactConfig
from jaxmodels.impact.data import ImpactRows, rows_from_table
from jaxmodels.impact.evaluate import at_touch_share, walk_forward
from jaxmodels.registry import Registry


def label_job(store, *, since: int | None = None, until: int | None = None) -> dict:
    n = labels.build(store, since=since, until=until)
    return {"written": n, "total": store.count("impact_labels")}


def load_rows(store) -> ImpactRows:
    r = rows_from_table(labels.read(store))
    if len(r) == 0:
        raise ModelError(MSG_NO_ROWS.format(what="impact label",
                                            action="use (run `adaptrisk impact labels`)"))
    return r


def train_job(store, reg: Registry, cfg: ImpactConfig, *, promote: bool = False) -> dict:
    """Train on every usable label and register (kind ``impact``)."""
    r = load_rows(store)
    from jaxmodels.impact.train import fit

    model, met = fit(r, cfg)
    mid = persist.save(reg, model, met, {"start_ns": int(r.ts.min()), "end_ns": int(r.ts.max())})
    if promote:
        reg.promote(mid)
    return {"model": mid, "promoted": promote,
            **{k: v for k, v in met.items() if k != "history"}}


def eval_job(store, cfg: ImpactConfig, *, time_parts: int = 4,
             max_folds: int | None = None) -> dict:
    """Walk-forward figures of the network and both baselines."""
    r = load_rows(store)
    wf = walk_forward(r, cfg, time_parts=time_parts, max_folds=max_folds)
    return {"rows": len(r), "symbols": sorted(set(r.sym.tolist())),
            "at_touch_share": at_touch_share(r), "folds": wf["folds"], "pooled": wf["pooled"]}


def advise_job(store, reg: Registry, *, at: int | None = None,
               cfg: AdviceConfig | None = None) -> dict:
    """Advice from the promoted impact model as of ``at`` (default: the newest features
    bucket), appended to exec_advice."""
    mid = reg.promoted(persist.KIND)
    if mid is None:
        raise ModelError("no promoted impact model (train with --promote, or `adaptrisk "
                         "models promote ID`)")
    model = persist.load(reg, mid)
    if at is None:
        at = int(span(store)["last_ns"])
    rows = advice.advise(store, model, mid, at, cfg)
    n = advice.write(store, rows)
    return {"model": mid, "at": at, "written": n,
            "advice": [{k: (v if not hasattr(v, "isoformat") else str(v)) for k, v in r.items()}
                       for r in rows.to_pylist()]}


def backtest_job(store, cfg: ImpactConfig | None = None) -> dict:
    """``adaptrisk backtest --impact``: labels brought up to date, then the walk-forward
    figures (``eval_job``) and a one-line summary."""
    label_job(store)
    rep = eval_job(store, cfg or ImpactConfig())
    p = rep["pooled"] or {}
    rep["line"] = (f"impact: out-of-sample MAE {p.get('mae_net', float('nan')):.3f} bps vs "
                   f"square-root law {p.get('mae_sqrt', float('nan')):.3f} bps, 10-90 % "
                   f"coverage {p.get('coverage_80', float('nan')):.1%} over "
                   f"{p.get('rows', 0)} orders in {len(rep['folds'])} folds")
    return rep
