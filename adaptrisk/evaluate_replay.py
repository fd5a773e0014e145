"""``adaptrisk evaluate``'s judge of the orders: a scenario's OMS flow through the enforcer's
fair replay (``enforcer.replay``: fills against the recorded quotes and trades, cancels and
expiries release exposure) with the model's limits and layer 1's rows, the static rule set
beside them: the valid calm orders each run blocked, split as the replay splits its
rejects, and every labelled order error with how many each run blocked."""

from __future__ import annotations

import numpy as np

NS = 1_000_000_000
STRESS_EVENTS = ("flash_crash", "liquidity_vacuum", "grind", "news_jump",
                 "liquidity_withdrawal", "high_volatility")


def heartbeats(rows):
    """One ``publisher_heartbeat`` row per scored bucket (as a batch ``models publish``
    writes): the replay keeps the model's limits in force only behind a fresh heartbeat."""
    from jaxmodels import calibrate

    return calibrate.heartbeat_table(rows.ts, rows.sym, publisher="adaptrisk evaluate",
                                     model_version="eval", market_ts=rows.ts, published_ts=0)


def replay_calm(store, lim, heartbeats, evs: list[dict], config=None,
                since_ns: int | None = None) -> dict:
    """Valid calm orders blocked, through the enforcer's fair replay.

    Writes ``lim`` (risk_limits rows) and ``heartbeats`` into ``store`` (a scratch store
    holding one scenario's orders, quotes, trades and labels), runs ``enforcer.replay``
    (``config``: an ``EnforcerConfig``, default the enforcer's; its static rule set is the
    "static" column) and counts, among valid orders (labelled without error, not the
    scripted seller's, not a CANCEL) outside every stress window (1 min before, 5 after),
    the rejects of each run split as the replay splits them (``rejected_by``): the limits'
    own (``blocked_calm``), a HALTED row or latched symbol (``halted_calm``) and a tripped
    circuit breaker (``breaker_calm``). ``since_ns``: only decisions from then on count (the
    days before it are the traders' history, replayed for their positions and medians)."""
    import pyarrow.compute as pc

    from enforcer.config import EnforcerConfig
    from enforcer.reasons import names_to_mask
    from enforcer.replay import replay
    from enforcer.replay_out import reason_counts, rejected_by
    from jaxmodels.evaluate import in_windows

    if lim.num_rows:
        store.append_limits(lim)
    if heartbeats.num_rows:
        store.ingest("publisher_heartbeat", heartbeats, session=None)
    replay(store, config or EnforcerConfig())
    d = store.query_file("evaluate/replay_decisions.sql")
    if since_ns is not None:  # days before it were replayed as the traders' history
        d = d.filter(pc.greater_equal(d.column("ts"), since_ns))
    ts = d.column("ts").to_numpy()
    sym = np.asarray(d.column("sym").to_pylist(), object)
    calm = ~in_windows(ts, sym, evs, STRESS_EVENTS + ("aggressive_seller",),
                       before_ns=60 * NS, after_ns=300 * NS)
    valid = (calm & pc.equal(d.column("kind"), "NEW").to_numpy(zero_copy_only=False)
             & pc.fill_null(pc.equal(d.column("error_kind"), ""), False)
             .to_numpy(zero_copy_only=False)
             & (np.asarray(d.column("trader").to_pylist(), object) != "T_SELLER"))

    def masks(col: str) -> np.ndarray:
        words = d.column(col).to_pylist()
        memo = {w: names_to_mask([n for n in (w or "").split(",") if n]) for w in set(words)}
        return np.array([memo[w] for w in words], np.int64)

    full = {k: masks(f"{k}_reasons") for k in ("dynamic", "static")}
    m = {k: v[valid] for k, v in full.items()}
    by = {k: rejected_by(v) for k, v in m.items()}
    return {"valid_calm_orders": int(valid.sum()),
            "errors_blocked": errors_blocked(d, full),
            # which rules blocked them (an order may name several)
            "blocked_calm_reasons": {"adaptive": reason_counts(m["dynamic"]),
                                     "static": reason_counts(m["static"])},
            "blocked_calm": {"adaptive": by["dynamic"]["limits"],
                             "static": by["static"]["limits"]},
            "halted_calm": {"adaptive": by["dynamic"]["halted"],
                            "static": by["static"]["halted"]},
            "breaker_calm": {"adaptive": by["dynamic"]["breaker"],
                             "static": by["static"]["breaker"]}}


def errors_blocked(d, reasons: dict[str, np.ndarray]) -> dict:
    """{kind: {"n", "adaptive", "static"}}: the labelled order errors (``error_kind`` of
    ``labels_orders``, at any time of the session) and how many each run rejected, for any
    reason (``reasons``: the replay's reason masks of every decision row, by run)."""
    kind = np.asarray(d.column("kind").to_pylist(), object)
    err = np.asarray(d.column("error_kind").fill_null("").to_pylist(), object)
    seller = np.asarray(d.column("trader").to_pylist(), object) == "T_SELLER"
    out = {}
    for k in sorted(set(err[(kind == "NEW") & (err != "") & ~seller].tolist())):
        m = (kind == "NEW") & (err == k) & ~seller
        out[k] = {"n": int(m.sum()), "adaptive": int((reasons["dynamic"][m] != 0).sum()),
                  "static": int((reasons["static"][m] != 0).sum())}
    return out
