"""The demo's impact part (issue 15): an impact network trained on the demo's training days,
asked about the crash symbol a minute before the onset and just after it: what the
seller's algorithm is advised (algorithm, largest clip, participation, the size cap). The
seller's own clips are priced by the model and set beside their realised slippage
(impact_labels). The advised schedule's cost is the model's prediction, not a measurement:
the seller's clips are part of the simulated market, so a different schedule cannot be
replayed on the same book.
"""

from __future__ import annotations

import numpy as np

NS = 10**9
BEFORE_S, AFTER_S, SELLER_WINDOW_S = 60, 10, 60
STEPS = 1000


def _train(train_db: str, steps: int):
    from jaxmodels.impact import labels
    from jaxmodels.impact.config import ImpactConfig
    from jaxmodels.impact.data import rows_from_table
    from jaxmodels.impact.train import fit
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={train_db}") as train:
        labels.build(train)
        rows = rows_from_table(labels.read(train))
    return fit(rows, ImpactConfig(steps=steps))


def _seller_clips(store, sym: str, onset: int):
    """Realised labels of the large sells (>= 100 lots) in the minute after the onset."""
    from jaxmodels.impact import labels
    from jaxmodels.impact.data import rows_from_table

    r = rows_from_table(labels.read(store, since=onset - 1, until=onset + SELLER_WINDOW_S * NS))
    return r.take((r.sym == sym) & (r.side < 0) & (r.qty >= 100))


def run(train_db: str, store, facts: dict, out=print, steps: int = STEPS,
        write: bool = True) -> dict:
    """Train, advise before and after the onset (appended to ``exec_advice`` when
    ``write``); returns the facts and the report lines (``lines``)."""
    from jaxmodels.impact import advice, labels

    model, met = _train(train_db, steps)
    labels.build(store)
    sym, onset = facts["sym"], int(facts["onset_ns"])
    rows = {}
    for name, at in (("before", onset - BEFORE_S * NS), ("after", onset + AFTER_S * NS)):
        adv = advice.advise(store, model, "demo-impact", at)
        if write:
            advice.write(store, adv)
        mine = [r for r in adv.to_pylist() if r["sym"] == sym]
        rows[name] = mine[0] if mine else None
    clips = _seller_clips(store, sym, onset)
    pred = model.predict(clips)[:, 1] if len(clips) else np.zeros(0)
    f = {"advice_before": _plain(rows["before"]), "advice_after": _plain(rows["after"]),
         "seller_clips": len(clips),
         "seller_realised_bps": float(clips.y.mean()) if len(clips) else None,
         "seller_predicted_bps": float(pred.mean()) if len(clips) else None,
         "train_rows": met["rows"]}
    f["lines"] = _lines(sym, f)
    for line in f["lines"]:
        out(line)
    return f


def _plain(r: dict | None) -> dict | None:
    return None if r is None else {k: (str(v) if k == "ts" else v) for k, v in r.items()}


def _lines(sym: str, f: dict) -> list[str]:
    out = []
    for name, when in (("advice_before", f"{BEFORE_S} s before the onset"),
                       ("advice_after", f"{AFTER_S} s after the onset")):
        a = f[name]
        if a is None:
            out.append(f"impact: no advice for {sym} {when} (no two-sided market)")
            continue
        out.append(f"impact: {sym} {when}: {a['algo']} with clips <= {a['clip_qty']} lots, "
                   f"participation <= {a['participation_cap']:.0%}, orders above "
                   f"{a['impact_max_qty']} lots cost > {a['budget_bps']:g} bps (predicted "
                   f"{a['predicted_cost_bps']:.1f} bps for {a['parent_qty']} lots)")
    if f["seller_clips"]:
        out.append(f"impact: the seller's {f['seller_clips']} market sells of >= 100 lots "
                   f"after the onset paid {f['seller_realised_bps']:.1f} bps each on average "
                   f"(model said {f['seller_predicted_bps']:.1f} bps)")
    return out


def demo_section(train_db: str, store, facts: dict, report_html, out=print) -> dict:
    """``run`` plus its lines as a section of the demo's report page. The advice is not
    written to the demo's store: its cap would tighten the limits the live part publishes,
    and the demo's other figures were measured without it."""
    from adaptrisk import plots

    f = run(train_db, store, facts, out=out, write=False)
    plots.append_section(report_html, title="Market impact: the seller's algorithm advised",
                         text="\n".join(f["lines"]), images=[])
    return f
