"""Replaying a parent order's child schedule against the recorded book: each child is a
marketable order that walks the book snapshot in force when it is sent (the latest at or
before it). The recorded book does not react to our children (no permanent impact of our
own), so what differs between schedules is the depth each child meets and the drift of
the market while the parent is worked. Implementation shortfall in bps of the arrival mid,
side-signed (a cost is > 0); every schedule completes (POV sweeps its rest at the horizon).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from jaxmodels.impact import schedule
from jaxmodels.impact.advice import choose, forecasts_from, size_cap, state_rows
from jaxmodels.impact.config import AdviceConfig
from jaxmodels.impact.train import ImpactModel


@dataclasses.dataclass(frozen=True, slots=True)
class Book:
    """One symbol's snapshots: ``ts`` int64[m] UTC ns; ``px``/``sz`` float64[m, 10] of the
    side a child takes from (bids for a sell, asks for a buy); ``mid`` float64[m]."""

    ts: np.ndarray
    px: np.ndarray
    sz: np.ndarray
    mid: np.ndarray


def load_book(store, sym: str, since: int, until: int, side: str) -> Book:
    """Snapshots of ``sym`` in [since, until] (``impact/book_window.sql``)."""
    t = store.query_file("impact/book_window.sql", {"sym": sym, "since": int(since),
                                                    "until": int(until)})

    def mat(col):
        return np.array([[np.nan if v is None else float(v) for v in row]
                         for row in t.column(col).to_pylist()], np.float64).reshape(-1, 10)

    bp, ap = mat("bid_px"), mat("ask_px")
    take = ("bid_px", "bid_sz") if side == "S" else ("ask_px", "ask_sz")
    return Book(ts=np.asarray(t.column("ts_ns").to_numpy(), np.int64), px=mat(take[0]),
                sz=np.nan_to_num(mat(take[1])), mid=(bp[:, 0] + ap[:, 0]) / 2)


def shortfall(book: Book, side: str, children: np.ndarray, t0: int, step_ns: int) -> float:
    """Shortfall (bps) of ``children`` sent at t0 + i step_ns against the mid at t0."""
    i0 = max(int(np.searchsorted(book.ts, t0, side="right")) - 1, 0)
    mid0, cost, tot = book.mid[i0], 0.0, 0.0
    for i, q in enumerate(np.asarray(children, np.float64)):
        if q <= 0:
            continue
        j = max(int(np.searchsorted(book.ts, t0 + i * step_ns, side="right")) - 1, 0)
        avg, _ = schedule.walk_book(q, book.px[j], book.sz[j])
        cost += q * avg
        tot += q
    avg = cost / tot
    return float((avg / mid0 - 1) * 1e4 if side == "B" else (1 - avg / mid0) * 1e4)


def compare(store, model: ImpactModel, sym: str, t0: int, side: str = "S",
            cfg: AdviceConfig | None = None) -> dict:
    """The advised schedule (priced by ``model`` on the state as of t0) and always-TWAP,
    both replayed for the same reference parent; shortfalls in bps."""
    cfg = cfg or AdviceConfig()
    n, step = cfg.n_children, int(cfg.child_every_s * 1e9)
    state = state_rows(store.query_file("impact/market_state.sql", {"at": int(t0)}))
    if sym not in state:
        return {}
    before = forecasts_from(store.query_file("impact/volume_profile.sql", {
        "since": int(t0) - n * step, "step": step, "n": n}), n).get(sym, np.zeros(n))
    during = forecasts_from(store.query_file("impact/volume_profile.sql", {
        "since": int(t0), "step": step, "n": n}), n).get(sym, np.zeros(n))
    r = state[sym]
    adv = choose(model, r, before, cfg, max_child=max(size_cap(model, r, cfg), 1))
    parent = float(adv["parent_qty"])
    per = float(r.volume_5m[0]) * cfg.child_every_s / 300.0
    kids = {"TWAP": schedule.twap(parent, n),
            "VWAP": schedule.vwap(parent, before if before.sum() > 0 else np.full(n, 1.0)),
            "POV": schedule.pov(parent, during, adv["participation_cap"], per)}
    book = load_book(store, sym, t0 - 10 * 10**9, t0 + (n + 1) * step, side)
    advised = shortfall(book, side, kids[adv["algo"]], t0, step)
    twap = shortfall(book, side, kids["TWAP"], t0, step)
    return {"sym": sym, "t0": int(t0), "algo": adv["algo"], "parent_qty": int(parent),
            "participation_cap": adv["participation_cap"], "clip_qty": adv["clip_qty"],
            "advised_bps": advised, "twap_bps": twap,
            "predicted_bps": adv["predicted_cost_bps"]}
