"""The jit-compiled kernels of the batch path (the host side is `enforcer/batch.py`).

Stateless rules are one vectorised pass (`stateless_mask`); the stateful ones (position /
REDUCING, throttle, duplicate count) are a `jax.lax.scan` over the rows with the state
arrays as the carry: one sequential scan (`run_seq_jit`, the reference) or one lane per
strategy (`run_jit`, same results; see `batch.lane_layout`).

A row is an order (kind 0) or a venue event of an earlier order (kind 1: a replay's fill,
cancel or expiry, `enforcer/replay_venue.py`). An ACCEPTED order adds qty - fill - release
to its side's open qty and `fill` (signed by side) to the filled position at once; an event
row moves `fill` lots from open to filled and takes `release` lots out of open, if and only
if its order was accepted: `ref` is the order's row in this batch (-1: an earlier batch,
then `prior` says whether it was accepted). Event rows have valid=False: no verdict.

The duplicate state is a ring per key: dup_last [D, M] int64 (ts of the last M accepted
identical orders, NO_DUP where none) and dup_head [D] int64 (the slot the next accept
writes). An order is DUPLICATE when the dup_n-th most recent accepted ts is within
dup_window ns before it (`rules.rule_duplicate`).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from enforcer.reasons import Reason
from enforcer.throttle import COST, DT_CLIP


class BatchState(NamedTuple):
    """filled/open_buy/open_sell [G] (lots, signed filled), tokens/last_ts [K] (nano-tokens,
    ns), dup_last [D, M] (ns), dup_head [D] (ring slot)."""

    filled: Any
    open_buy: Any
    open_sell: Any
    tokens: Any
    last_ts: Any
    dup_last: Any
    dup_head: Any


def _bit(r: Reason) -> int:
    return 1 << int(r)


def stateless_mask(o: dict[str, Any], flags: Any, need_ref: Any) -> Any:
    """Reason bits of every rule that does not depend on earlier orders. Shape (N,) int32."""
    i32 = jnp.int32
    bad_qty = o["qty"] <= 0
    price, mid, qty = o["price"], o["mid"], o["qty"]
    limit = o["otype"] == 0
    bad_price = limit & ~((price > 0.0) & (price < jnp.inf))
    mal = (jnp.where(~o["known"], _bit(Reason.UNKNOWN_SYMBOL), 0)
           | jnp.where(bad_qty, _bit(Reason.BAD_QTY), 0)
           | jnp.where(bad_price, _bit(Reason.BAD_PRICE), 0)
           | jnp.where(o["side"] == 2, _bit(Reason.BAD_SIDE), 0)
           | jnp.where(o["otype"] == 2, _bit(Reason.BAD_ORDER_TYPE), 0)).astype(i32)
    qf = qty.astype(jnp.float64)
    has_mid = ~jnp.isnan(mid)
    ref = jnp.where(limit, price, mid)
    notional = (limit | has_mid) & (qf * ref > o["max_notional"])
    collar = limit & has_mid & (jnp.abs(price - mid) * 10000.0 > o["price_band_bps"] * mid)
    no_ref = ~has_mid & (~limit | need_ref)
    ff = (((o["median"] > 0.0) & (qf > o["fat_finger_threshold"] * o["median"]))
          | (qf > o["fat_finger_max_qty"]))
    m = (flags
         | jnp.where(o["halted"] | (o["lstate"] == 2), _bit(Reason.STATE_HALTED), 0)
         | jnp.where(o["restricted"], _bit(Reason.RESTRICTED), 0)
         | jnp.where(qty > o["max_order_qty"], _bit(Reason.MAX_QTY), 0)
         | jnp.where(notional, _bit(Reason.MAX_NOTIONAL), 0)
         | jnp.where(collar, _bit(Reason.PRICE_COLLAR), 0)
         | jnp.where(no_ref, _bit(Reason.NO_REFERENCE_PRICE), 0)
         | jnp.where(ff, _bit(Reason.FAT_FINGER), 0)).astype(i32)
    return jnp.where(mal != 0, mal, m), mal != 0


def _decide(x: dict[str, Any], f: Any, ob: Any, os_: Any, tokens: Any, last_ts: Any,
            ring: Any, head: Any, rate: Any, cap: Any) -> tuple[Any, Any, Any]:
    """(mask, accepted, tokens available) of one row against its state slots.
    Works on scalars (sequential scan) and on (S,) vectors (lanes); ring is (..., M)."""
    buy, qty, ts = x["buy"], x["qty"], x["ts"]
    net = f + ob - os_
    reduces = (buy & (net < 0) & (qty <= -net)) | (~buy & (net > 0) & (qty <= net))
    pos_bad = jnp.where(buy, f + ob + qty > x["max_pos"], f - os_ - qty < -x["max_pos"])
    dt = jnp.clip(ts - last_ts, 0, DT_CLIP)
    avail = jnp.minimum(cap, tokens + dt * rate)
    m_slots = ring.shape[-1]
    nth = jnp.take_along_axis(ring, ((head - x["dup_n"]) % m_slots)[..., None], axis=-1,
                              mode="clip")[..., 0]
    dup = ts - nth <= x["dup_w"]
    sf = (jnp.where(x["reducing"] & ~reduces, _bit(Reason.STATE_REDUCING), 0)
          | jnp.where(pos_bad, _bit(Reason.MAX_POSITION), 0)
          | jnp.where(avail < COST, _bit(Reason.THROTTLE), 0)
          | jnp.where(dup, _bit(Reason.DUPLICATE), 0)).astype(jnp.int32)
    m = jnp.where(x["malformed"], x["pre"], x["pre"] | sf)
    return m, x["valid"] & (m == 0), avail


def _moves(x: dict[str, Any], acc: Any, applied: Any) -> tuple[Any, Any]:
    """(change of filled, change of the side's open qty) of one row, lots."""
    sgn = jnp.where(x["buy"], 1, -1)
    fq, rq = x["fill"], x["release"]
    d_filled = jnp.where(acc | applied, sgn * fq, 0)
    d_open = jnp.where(acc, x["qty"] - fq - rq, jnp.where(applied, -(fq + rq), 0))
    return d_filled, d_open


_XS = ("pre", "malformed", "valid", "buy", "qty", "ts", "max_pos", "reducing", "g", "k",
       "d", "dup_n", "dup_w", "is_ev", "fill", "release", "ref", "prior", "row")


def _step(consts: tuple, carry: tuple, xt: tuple) -> tuple[tuple, Any]:
    rate, cap = consts
    filled, ob_all, os_all, tok_all, last_all, ring_all, head_all, acc_all = carry
    x = dict(zip(_XS, xt, strict=True))
    g, k, d = x["g"], x["k"], x["d"]
    ring, head = ring_all[d], head_all[d]
    m, acc, avail = _decide(x, filled[g], ob_all[g], os_all[g], tok_all[k], last_all[k],
                            ring, head, rate, cap)
    applied = x["is_ev"] & jnp.where(x["ref"] >= 0, acc_all[jnp.maximum(x["ref"], 0)],
                                     x["prior"])
    d_filled, d_open = _moves(x, acc, applied)
    buy = x["buy"]
    new = (filled.at[g].add(d_filled),
           ob_all.at[g].add(jnp.where(buy, d_open, 0)),
           os_all.at[g].add(jnp.where(buy, 0, d_open)),
           tok_all.at[k].set(jnp.where(acc, avail - COST, tok_all[k])),
           last_all.at[k].set(jnp.where(acc, x["ts"], last_all[k])),
           ring_all.at[d, head].set(jnp.where(acc, x["ts"], ring[head])),
           head_all.at[d].set(jnp.where(acc, (head + 1) % ring_all.shape[1], head)),
           acc_all.at[x["row"]].set(acc))
    return new, m


def _inputs(o: dict[str, Any], pre: Any, malformed: Any) -> dict[str, Any]:
    return {"pre": pre, "malformed": malformed, "valid": o["valid"], "buy": o["side"] == 0,
            "qty": o["qty"], "ts": o["ts"], "max_pos": o["max_position"],
            "reducing": o["lstate"] == 1, "g": o["group"], "k": o["strat"], "d": o["dkey"],
            "dup_n": o["dup_n"].astype(jnp.int64), "dup_w": o["dup_window"],
            "is_ev": o["kind"] == 1, "fill": o["fill"], "release": o["release"],
            "ref": o["ref"], "prior": o["prior"],
            "row": jnp.arange(o["qty"].shape[0], dtype=jnp.int32)}


def _run(o: dict[str, Any], state: BatchState, flags: Any, rate: Any, cap: Any,
         need_ref: Any) -> tuple[Any, BatchState]:
    """One sequential scan over every row. -> (masks (N,) int32, final state)."""
    pre, malformed = stateless_mask(o, flags, need_ref)
    x = _inputs(o, pre, malformed)
    n = o["qty"].shape[0]
    carry = (*state, jnp.zeros(n, bool))
    carry, masks = jax.lax.scan(lambda c, xt: _step((rate, cap), c, xt), carry,
                                tuple(x[k] for k in _XS))
    return jnp.where(o["valid"], masks, 0), BatchState(*carry[:7])


def _step_lanes(consts: tuple, carry: tuple, xt: tuple) -> tuple[tuple, Any]:
    """One step of every lane at once. A lane is one strategy: every stateful key (the
    throttle's strategy, the position's (strategy, sym), the duplicate key) belongs to
    exactly one strategy, so lanes never touch the same state slot and run side by side.
    Each x is shape (S,); the throttle state is per lane, an (S,) vector in the carry;
    positions, duplicate rings and accepted flags are gathered/scattered at the lanes' own
    slots (idle lanes point at dummy slots they leave unchanged)."""
    rate, cap = consts
    pos_all, tokens, last_ts, ring_all, head_all, acc_all = carry
    x = dict(zip(_XS, xt, strict=True))
    g, d = x["g"], x["d"]
    # indices are in bounds by construction: "clip"/"promise_in_bounds" skip the masking
    # XLA adds for the default out-of-bounds mode (~3x cheaper gathers on CPU)
    p = pos_all.at[g].get(mode="clip")  # (S, 3): filled, open buy, open sell
    ring = ring_all.at[d].get(mode="clip")  # (S, M)
    head = head_all.at[d].get(mode="clip")
    m, acc, avail = _decide(x, p[:, 0], p[:, 1], p[:, 2], tokens, last_ts, ring, head,
                            rate, cap)
    # one gather at (ref, row): the scatter below writes a value that depends on it, which
    # orders the read before the write and lets XLA update the flags in place (otherwise
    # it copies all N flags every step)
    ab = acc_all.at[jnp.stack([jnp.maximum(x["ref"], 0), x["row"]])].get(mode="clip")
    applied = x["is_ev"] & jnp.where(x["ref"] >= 0, ab[0], x["prior"])
    d_filled, d_open = _moves(x, acc, applied)
    buy = x["buy"]
    delta = jnp.stack([d_filled, jnp.where(buy, d_open, 0), jnp.where(buy, 0, d_open)], 1)
    slot = jnp.take_along_axis(ring, head[:, None], axis=1, mode="clip")[:, 0]
    new = (pos_all.at[g].add(delta, mode="promise_in_bounds"),
           jnp.where(acc, avail - COST, tokens),
           jnp.where(acc, x["ts"], last_ts),
           ring_all.at[d, head].set(jnp.where(acc, x["ts"], slot), mode="promise_in_bounds"),
           head_all.at[d].set(jnp.where(acc, (head + 1) % ring_all.shape[1], head),
                              mode="promise_in_bounds"),
           acc_all.at[x["row"]].set(acc | (ab[1] & x["is_ev"]), mode="promise_in_bounds"))
    return new, m


def _run_lanes(o: dict[str, Any], lanes: dict[str, Any], state: BatchState, flags: Any,
               rate: Any, cap: Any, need_ref: Any) -> tuple[Any, BatchState]:
    """`_run` with the rows laid out as lanes (see `batch.lane_layout`): same result.

    lanes: idx (T, S) int32 row of step t in lane s (-1: idle), cell (N,) its inverse,
    lane_strat (S,) int32 strategy id of each lane (a dummy slot K for unused lanes).
    State arrays carry one extra trailing dummy slot (see `batch.check_batch`).
    """
    pre, malformed = stateless_mask(o, flags, need_ref)
    x = _inputs(o, pre, malformed)
    n = o["qty"].shape[0]
    idx = lanes["idx"]
    live = idx >= 0
    at = jnp.maximum(idx, 0)
    g_dummy = state.open_buy.shape[0] - 1
    d_dummy = state.dup_head.shape[0] - 1
    # one row gather of packed int64 columns: XLA's CPU gather costs per index, so many
    # separate gathers of (T, S) cost several times this one
    i64 = jnp.int64
    bits = (pre.astype(i64) | (malformed.astype(i64) << 32) | (x["valid"].astype(i64) << 33)
            | (x["buy"].astype(i64) << 34) | (x["reducing"].astype(i64) << 35)
            | (x["is_ev"].astype(i64) << 36) | (x["prior"].astype(i64) << 37))
    gd = (o["group"].astype(i64) << 32) | o["dkey"].astype(i64)
    rr = (x["ref"].astype(i64) << 32) | (x["dup_n"] & 0xFFFFFFFF)
    rows = jnp.take(jnp.stack([bits, o["qty"], o["ts"], o["max_position"], gd, rr,
                               x["dup_w"], x["fill"], x["release"]], axis=1), at,
                    axis=0, mode="clip")  # (T, S, 9)
    bits, gd, rr = rows[..., 0], rows[..., 4], rows[..., 5]

    def bit(i: int) -> Any:
        return (bits >> i) & 1 == 1

    xs = {"pre": bits.astype(jnp.int32) & 0x7FFFFFFF, "malformed": bit(32),
          "valid": bit(33) & live, "buy": bit(34), "qty": rows[..., 1], "ts": rows[..., 2],
          "max_pos": rows[..., 3], "reducing": bit(35), "k": jnp.zeros_like(idx),
          "g": jnp.where(live, (gd >> 32).astype(jnp.int32), g_dummy),
          "d": jnp.where(live, (gd & 0xFFFFFFFF).astype(jnp.int32), d_dummy),
          "dup_n": rr & 0xFFFFFFFF, "dup_w": rows[..., 6], "is_ev": bit(36) & live,
          "fill": rows[..., 7], "release": rows[..., 8], "ref": (rr >> 32).astype(jnp.int32),
          "prior": bit(37), "row": jnp.where(live, idx, n)}
    # materialise the step inputs: left alone, XLA fuses the unpacking above into the
    # loop body and redoes it per step from strided slices
    xs = jax.lax.optimization_barrier(tuple(xs[k] for k in _XS))
    ls = lanes["lane_strat"]
    carry = (jnp.stack([state.filled, state.open_buy, state.open_sell], axis=1),
             jnp.take(state.tokens, ls, mode="clip"), jnp.take(state.last_ts, ls, mode="clip"),
             state.dup_last, state.dup_head, jnp.zeros(n + 1, bool))
    # unroll 1: unrolled steps defeat XLA's in-place scatter into the carry (4x slower)
    carry, masks = jax.lax.scan(lambda c, xt: _step_lanes((rate, cap), c, xt), carry, xs,
                                unroll=int(os.environ.get("ADAPTRISK_LANE_UNROLL", "1")))
    pos, tok, last, ring, head, _ = carry
    # back to rows by a gather through the inverse layout (a scatter costs ~3x)
    out = jnp.take(masks.reshape(-1), lanes["cell"], mode="clip")
    out = jnp.where(o["valid"], out, 0)
    return out, BatchState(pos[:, 0], pos[:, 1], pos[:, 2], state.tokens.at[ls].set(tok),
                           state.last_ts.at[ls].set(last), ring, head)


def _stateless_only(o: dict[str, Any], flags: Any, need_ref: Any) -> Any:
    return stateless_mask(o, flags, need_ref)[0]


if os.environ.get("ADAPTRISK_DISABLE_JIT") == "1":
    run_seq_jit = _run
    run_jit = _run_lanes
    stateless_jit = _stateless_only
else:
    run_seq_jit = jax.jit(_run)  # one sequential scan over all rows (reference/fallback)
    run_jit = jax.jit(_run_lanes)
    stateless_jit = jax.jit(_stateless_only)
