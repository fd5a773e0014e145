"""What a replay hands back: the summary (with a latched symbol's and a tripped breaker's
blocks counted apart from the limits' own) and the `decisions` rows, built column-wise."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from enforcer.config import StaticLimits
from enforcer.reasons import N_REASONS, Reason, mask_to_names
from enforcer.recovery import decisions_table
from enforcer.replay_columns import _LIM_FIELDS, Dynamic, Orders
from enforcer.replay_venue import VenuePlan
from enforcer.rules import B_BREAKER, B_HALTED

_SCHEMA = decisions_table([], None).schema  # the decisions rows, as the live path writes them


def rejected_by(masks: np.ndarray) -> dict[str, int]:
    """Rejects split by what blocked them: 'breaker' (a tripped circuit breaker), 'halted'
    (a HALTED row or a latched symbol, not the breaker), 'limits' (the rules and limits
    alone)."""
    rej = masks != 0
    brk = rej & ((masks & B_BREAKER) != 0)
    hlt = rej & ~brk & ((masks & B_HALTED) != 0)
    return {"limits": int((rej & ~brk & ~hlt).sum()), "halted": int(hlt.sum()),
            "breaker": int(brk.sum())}


def reason_counts(masks: np.ndarray) -> dict[str, int]:
    out = {}
    for r in range(N_REASONS):
        c = int(((masks >> r) & 1).sum())
        if c:
            out[Reason(r).name] = c
    return out


def summarize(o: Orders, valid: np.ndarray, m_dyn: np.ndarray, m_st: np.ndarray,
              vp: VenuePlan, accepted: np.ndarray, latched: dict[str, int],
              tripped: dict[str, int], static_tripped: dict[str, int]) -> dict[str, Any]:
    """JSON-able summary of a replay (counts of orders; lots; ns)."""
    last = int(o.ts[-1]) if len(o.ts) else 0
    acc = accepted & valid & (m_dyn == 0)
    later = acc & (vp.event_ts >= 0) & (vp.event_ts <= last)
    return {
        "orders": len(o.ts), "accepted": int((m_dyn == 0).sum()),
        "rejected": int((m_dyn != 0).sum()), "static_rejected": int((m_st != 0).sum()),
        "reasons": reason_counts(m_dyn), "rejected_by": rejected_by(m_dyn),
        "static_rejected_by": rejected_by(m_st), "latched": latched, "tripped": tripped,
        "static_tripped": static_tripped,
        "venue": {"cancels": int((~valid).sum()),
                  "filled_lots": int(vp.fill_now[acc].sum() + vp.event_fill[later].sum()),
                  "released_lots": int(vp.release_now[acc].sum()
                                       + vp.event_release[later].sum())},
    }


def _names(masks: np.ndarray) -> pa.Array:
    """Masks -> comma-joined reason names (one string per distinct mask)."""
    uniq, inv = np.unique(masks, return_inverse=True)
    words = pa.array([",".join(mask_to_names(int(m))) for m in uniq], pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(inv.reshape(-1).astype(np.int32)),
                                          words).cast(pa.string())


def _verdict(masks: np.ndarray) -> pa.Array:
    return pa.array(np.where(masks == 0, "ACCEPT", "REJECT").astype(object), pa.string())


def risk_states(m_dyn: np.ndarray, dyn: Dynamic, st: dict[str, np.ndarray],
                halted: np.ndarray) -> np.ndarray:
    """The risk state of each decision (FIX tag 8011 text), as the live daemon names it."""
    tight = np.zeros(len(m_dyn), bool)
    for f in _LIM_FIELDS:
        tight |= dyn.lims[f] < st[f]
    return np.select(
        [(m_dyn & B_BREAKER) != 0, halted, ~dyn.fresh, dyn.state == 2, dyn.state == 1, tight],
        ["RiskAlert_CircuitBreaker", "RiskAlert_Halted", "RiskAlert_StaleLimits",
         "RiskAlert_Halted", "RiskAlert_Reducing", "RiskAlert_HighAnomaly"], "Normal")


def decisions(tbl: pa.Table, o: Orders, valid: np.ndarray, m_dyn: np.ndarray,
              m_st: np.ndarray, dyn: Dynamic, static: StaticLimits,
              halted: np.ndarray) -> pa.Table:
    """The `decisions` rows of a replay (mode 'replay', no log id or seq)."""
    from enforcer.replay_columns import static_columns

    n = len(o.ts)
    mv = pc.fill_null(tbl.column("model_version"), "")
    lts = pc.cast(tbl.column("limits_ts"), pa.string())
    version = pc.if_else(pa.array(dyn.fresh), pc.binary_join_element_wise(mv, lts, "@"),
                         static.version)
    names_d, names_s = _names(m_dyn), _names(m_st)
    price = tbl.column("price")
    finite = pc.and_(pc.is_finite(price), pc.is_valid(price))
    cols = {
        "ts": pa.array(o.ts).view(pa.timestamp("ns")),
        "order_id": pa.array(o.order_id), "verdict": _verdict(m_dyn), "reasons": names_d,
        "limits_version": version, "mode": pa.array(["replay"] * n, pa.string()),
        "static_verdict": _verdict(m_st), "dynamic_verdict": _verdict(m_dyn),
        "static_reasons": names_s, "dynamic_reasons": names_d,
        "risk_state": pa.array(risk_states(m_dyn, dyn, static_columns(o, static), halted)
                               .astype(object), pa.string()),
        "kind": pa.array(np.where(valid, "NEW", "CANCEL").astype(object), pa.string()),
        "trader": tbl.column("trader"), "strategy": tbl.column("strategy"),
        "sym": tbl.column("sym"), "side": tbl.column("side"), "qty": tbl.column("qty"),
        "price": pc.if_else(finite, price, pa.scalar(None, pa.float64())),
        "log_id": pa.nulls(n, pa.string()), "seq": pa.nulls(n, pa.int64()),
    }
    return pa.table([pc.cast(cols[f.name], f.type) if not isinstance(cols[f.name], pa.Array)
                     or cols[f.name].type != f.type else cols[f.name] for f in _SCHEMA],
                    schema=_SCHEMA)
