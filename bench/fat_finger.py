"""Layer 1 across trader populations (issue 11 point 3): simulated populations for training
and others, with their own seeds, for testing; per population: recall per error kind, FPR on
valid orders and the share of legitimate block orders blocked, for the trees and for the
gate's per-trader max qty (``jaxmodels.layer1``).

A population is the simulator's trader set with every size law rescaled to a median
(``oms_size_median``), optionally with an algo slicing identical clips and block orders
(20x the trader's median). Blocks are not labelled by the simulator (they are valid
orders); the evaluation finds them as the valid orders whose qty is exactly their trader's
block size (a label-side use of the simulator's definition; the model never sees it).

A measured population has ``history_days`` session days before it (the same traders, seeds
``seed + HISTORY_SEED_OFFSET + d``): a trader's demonstrated sizes come from its own past
(``jaxmodels.layer1.Demonstrated``), as they would in production. The measured day is the
last one; the first is reported as the cold start (no demonstrated size yet).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile

import numpy as np

ORDERS_PER_MIN = 150.0
ERROR_RATE = 0.02
HISTORY_SEED_OFFSET = 5000  # history days of population seed s: s + 5000, s + 5001, ...


@dataclasses.dataclass(frozen=True)
class Pop:
    name: str
    seed: int
    size_median: float | None
    clip_share: float = 0.0
    block_share: float = 0.0
    minutes: float = 60.0
    scenario: str = "normal"
    history_days: int = 0


TRAIN = (Pop("train_15", 201, None), Pop("train_40_blocks", 202, 40.0, block_share=0.02),
         Pop("train_300_clips", 203, 300.0, clip_share=0.3, scenario="volatile"),
         Pop("train_1000_blocks", 204, 1000.0, block_share=0.02))
TEST = (Pop("small_10", 301, 10.0, history_days=1), Pop("mid_150", 302, 150.0, history_days=1),
        Pop("clips_200", 303, 200.0, clip_share=0.3, scenario="volatile", history_days=1),
        Pop("blocks_2000", 304, 2000.0, block_share=0.02, history_days=1),
        Pop("blocks_100", 305, 100.0, block_share=0.02, history_days=1))
# development populations (the TEST kinds on seeds 401-405): choices are made here, not on TEST
DEV = tuple(dataclasses.replace(p, seed=p.seed + 100) for p in TEST)


def simulate_pops(store, pops: tuple[Pop, ...], n_symbols: int = 2) -> None:
    """Each population one session day of ``store`` (order ids unique across days)."""
    from adaptrisk import evalstore
    from features.build import build as build_features
    from sim import SimConfig, simulate

    for i, (day, p) in enumerate(zip(evalstore.days(len(pops), dt.date(2026, 3, 2)), pops,
                                     strict=True)):
        tables = simulate(SimConfig(
            scenario=p.scenario, n_symbols=n_symbols, minutes=p.minutes, seed=p.seed,
            onset_minute=0.0 if p.scenario == "volatile" else None,
            stress_minutes=p.minutes if p.scenario == "volatile" else 15.0,
            fat_finger_rate=ERROR_RATE, oms_orders_per_min=ORDERS_PER_MIN,
            oms_size_median=p.size_median, oms_clip_share=p.clip_share,
            oms_block_share=p.block_share, session_date=day)).tables()
        for name, t in evalstore.with_order_ids(tables, i).items():
            store.ingest(name, t)
    build_features(store)


def block_mask(trader: np.ndarray, qty: np.ndarray, kind: np.ndarray,
               p: Pop) -> np.ndarray:
    """bool[n]: valid orders of a population with blocks whose qty is the trader's block."""
    from sim.oms import MAX_VALID_QTY, POPULATION_MEDIAN, TRADERS

    if p.block_share <= 0:
        return np.zeros(len(qty), bool)
    scale = 1.0 if p.size_median is None else p.size_median / POPULATION_MEDIAN
    cap = MAX_VALID_QTY if p.size_median is None else max(MAX_VALID_QTY, int(8 * p.size_median))
    size = {t[0]: float(np.clip(np.rint(20 * t[2] * scale), 1, 40 * cap)) for t in TRADERS}
    blk = np.array([size.get(t, -1.0) for t in trader])
    return (kind == "") & (qty == blk)


def with_history(p: Pop) -> tuple[Pop, ...]:
    """The population's session days in time order: its history days, then itself."""
    return tuple(dataclasses.replace(p, seed=p.seed + HISTORY_SEED_OFFSET + d, history_days=0)
                 for d in range(p.history_days)) + (p,)


def pop_rows(pops: tuple[Pop, ...], *, first_day: bool = False) -> list:
    """[(population, order_rows table of its measured day)] simulated in a temporary DuckDB
    store each (history days included in the store, so trader windows reach into them);
    with ``first_day``, [(population, measured day, first history day or None)]."""
    import pyarrow.compute as pc

    from jaxmodels.data import order_rows
    from tsdb import Store

    out = []
    for p in pops:
        with tempfile.TemporaryDirectory() as d, \
                Store.from_conf(f"duckdb::path={d}/p.duckdb") as s:
            simulate_pops(s, with_history(p))
            t = order_rows(s)
        day = pc.divide(t.column("ts_ns"), 86_400 * 10**9)
        last = pc.equal(day, pc.max(day))
        meas = t.filter(last)
        if not first_day:
            out.append((p, meas))
            continue
        out.append((p, meas, t.filter(pc.equal(day, pc.min(day))) if p.history_days else None))
    return out


def columns(tbl) -> dict:
    """numpy columns of an order_rows table that the evaluation needs."""
    from jaxmodels.model import labels

    y, known = labels(tbl)
    return {"y": y, "known": known,
            "kind": np.asarray(tbl.column("error_kind").fill_null("").to_pylist(), object),
            "trader": np.asarray(tbl.column("trader").to_pylist(), object),
            "qty": tbl.column("qty").to_numpy().astype(np.float64),
            "price": np.asarray(tbl.column("price").cast("double").fill_null(np.nan)
                                .to_numpy(zero_copy_only=False)),
            "mid": np.asarray(tbl.column("ref_mid").cast("double").fill_null(np.nan)
                              .to_numpy(zero_copy_only=False))}


def train(rows: list[tuple[Pop, object]], **kw):
    """The gate model fit on the training populations' valid orders and size errors."""
    from jaxmodels import gbdt, layer1
    from jaxmodels.data import to_matrix

    cfg = layer1.config(**kw)
    xs, ys = [], []
    for _, t in rows:
        c = columns(t)
        m = layer1.training_mask(c["kind"], c["known"])
        xs.append(to_matrix(t, cfg.inputs)[m])
        ys.append(c["y"][m])
    return gbdt.fit(np.concatenate(xs), np.concatenate(ys), cfg)


def score(tm, p: Pop, tbl, collar_bps: float = 500.0, demo=None) -> dict:
    """Per-population quality of the trees and of the gate's max qty on ``tbl``: the gate
    as published (``layer1.gate_max_qty``: the trees' max qty raised to the trader's
    demonstrated size, ``demo`` None = the defaults), with ``*_trees_gate`` the same
    figures for the trees' max qty alone (the gate before demonstrated sizes)."""
    from jaxmodels import layer1
    from jaxmodels.data import to_matrix

    c = columns(tbl)
    x = to_matrix(tbl, tm.config.inputs)
    raw = tm.flag(x)
    demo = demo or layer1.Demonstrated()
    tree_lim = layer1.max_qty(tm, x, c["qty"])
    before = c["qty"] > tree_lim
    gate = c["qty"] > np.maximum(tree_lim, layer1.demonstrated_max(
        layer1.demonstrated_column(tbl), demo))
    with np.errstate(invalid="ignore"):
        collar = np.abs(c["price"] - c["mid"]) * 1e4 > collar_bps * c["mid"]
    k, kind = c["known"], c["kind"]
    valid = k & (kind == "")
    blocks = block_mask(c["trader"], c["qty"], kind, p) & k
    out = {"population": p.name, "valid": int(valid.sum()), "blocks": int(blocks.sum()),
           "fpr_gate": float(gate[valid].mean()), "fpr_trees": float(raw[valid].mean()),
           "fpr_trees_gate": float(before[valid].mean()),
           "blocks_blocked_gate": float(gate[blocks].mean()) if blocks.any() else None,
           "blocks_blocked_trees_gate": float(before[blocks].mean()) if blocks.any() else None,
           "blocks_flagged_trees": float(raw[blocks].mean()) if blocks.any() else None,
           "gate_vs_trees_disagree": int((before != raw)[k].sum()), "recall_gate": {},
           "recall_trees": {}, "recall_trees_gate": {}, "n_kind": {}}
    for kk in layer1.QTY_KINDS + layer1.PRICE_KINDS:
        m = k & (kind == kk)
        out["n_kind"][kk] = int(m.sum())
        if m.any():
            src = collar if kk in layer1.PRICE_KINDS else gate
            out["recall_gate"][kk] = float(src[m].mean())
            out["recall_trees"][kk] = float(raw[m].mean())
            out["recall_trees_gate"][kk] = float((collar if kk in layer1.PRICE_KINDS
                                                  else before)[m].mean())
    qk = k & np.isin(kind, layer1.QTY_KINDS)
    out["recall_gate_size_kinds"] = float(gate[qk].mean()) if qk.any() else None
    return out


def oracle(p: Pop, tbl) -> dict:
    """The best a size rule can do, knowing each trader's true size law (the simulator's
    median and lognormal sigma, label-side): z = ln(qty / median) / sigma, flagged above the
    level that keeps FPR on valid orders <= 0.1 % and blocks blocked <= 0.5 %; recall of
    each size kind at that level. A qty_x10 slip is z ~ ln(10) / sigma above the order it
    replaced, so an order that was itself small lands among valid sizes (and below blocks)."""
    from jaxmodels import layer1
    from sim.oms import POPULATION_MEDIAN, TRADERS

    c = columns(tbl)
    scale = 1.0 if p.size_median is None else p.size_median / POPULATION_MEDIAN
    law = {t[0]: (t[2] * scale, t[3]) for t in TRADERS}
    med = np.array([law.get(t, (np.nan, np.nan))[0] for t in c["trader"]])
    sig = np.array([law.get(t, (np.nan, np.nan))[1] for t in c["trader"]])
    z = np.log(c["qty"] / med) / sig
    k, kind = c["known"] & np.isfinite(z), c["kind"]
    valid = k & (kind == "")
    blocks = block_mask(c["trader"], c["qty"], kind, p) & k
    lvl = float(np.quantile(z[valid], 0.999))
    if blocks.any():
        lvl = max(lvl, float(np.quantile(z[blocks], 0.995)))
    return {"level_sigmas": lvl, **{kk: float((z[k & (kind == kk)] > lvl).mean())
                                    for kk in layer1.QTY_KINDS if (k & (kind == kk)).any()}}
