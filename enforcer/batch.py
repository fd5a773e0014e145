"""Batch path: the same rule set as `rules.order_mask`, jit-compiled in jax.numpy.

For replays and bursts. Stateless rules are one vectorised pass over the batch; the
stateful ones (position / REDUCING, throttle, duplicates) have a sequential definition
(order i sees the state left by the ACCEPTED orders before it), so they run in a
`jax.lax.scan` over the orders with the state arrays as the carry. The single-order path
and this one agree verdict for verdict and reason for reason (property test).

Arrays (length N, padded to a power of two >= 1024 with valid=False rows so a second call
with a similar batch does not recompile; state arrays padded likewise):

  valid bool, known bool (symbol known), side int8 (0 B, 1 S, 2 bad), otype int8
  (0 LIMIT, 1 MARKET, 2 bad), qty int64 lots (<= 0: bad), price float64 (NaN for
  MARKET), mid float64 reference (NaN: none), ts int64 ns, median float64 (0: none),
  per-order limits (named as the risk_limits columns) max_order_qty int64, max_notional
  float64, price_band_bps float64, max_position int64, fat_finger_threshold float64,
  lstate int8 (0/1/2 ACTIVE/REDUCING/HALTED), restricted bool,
  halted bool (operator halt / latch), group int32 (strategy, sym) id, strat int32 id,
  dkey int32 duplicate-key id.
  State: filled/open_buy/open_sell [G] int64, tokens/last_ts [K] int64 (nano-tokens, ns),
  dup_last [D] int64 (ns; NO_DUP when none).
  Scalars: flags int32 (kill/breaker bits), rate int64, cap int64, window int64,
  need_ref bool.

float64/int64 need x64: every call runs under `jax.enable_x64(True)` (scoped, so the
rest of the process keeps JAX's default). ADAPTRISK_DISABLE_JIT=1 runs it un-jitted.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from enforcer.reasons import MALFORMED_MASK, Reason
from enforcer.throttle import COST, DT_CLIP
from tsdb.config import UNBOUNDED_NS

NO_DUP = -UNBOUNDED_NS  # "no accepted order yet": ts - NO_DUP is never within a window
MIN_PAD = 1024
ORDER_FIELDS = ("valid", "known", "side", "otype", "qty", "price", "mid", "ts", "median",
                "max_order_qty", "max_notional", "price_band_bps", "max_position",
                "fat_finger_threshold", "lstate",
                "restricted", "halted", "group", "strat", "dkey")
_DTYPES = dict(valid=np.bool_, known=np.bool_, side=np.int8, otype=np.int8, qty=np.int64,
               price=np.float64, mid=np.float64, ts=np.int64, median=np.float64,
               max_order_qty=np.int64, max_notional=np.float64, price_band_bps=np.float64,
               max_position=np.int64, fat_finger_threshold=np.float64, lstate=np.int8,
               restricted=np.bool_,
               halted=np.bool_, group=np.int32, strat=np.int32, dkey=np.int32)


class BatchState(NamedTuple):
    filled: Any
    open_buy: Any
    open_sell: Any
    tokens: Any
    last_ts: Any
    dup_last: Any


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
    ff = (o["median"] > 0.0) & (qf > o["fat_finger_threshold"] * o["median"])
    m = (flags
         | jnp.where(o["halted"] | (o["lstate"] == 2), _bit(Reason.STATE_HALTED), 0)
         | jnp.where(o["restricted"], _bit(Reason.RESTRICTED), 0)
         | jnp.where(qty > o["max_order_qty"], _bit(Reason.MAX_QTY), 0)
         | jnp.where(notional, _bit(Reason.MAX_NOTIONAL), 0)
         | jnp.where(collar, _bit(Reason.PRICE_COLLAR), 0)
         | jnp.where(no_ref, _bit(Reason.NO_REFERENCE_PRICE), 0)
         | jnp.where(ff, _bit(Reason.FAT_FINGER), 0)).astype(i32)
    return jnp.where(mal != 0, mal, m), mal != 0


def _step(consts: tuple, carry: BatchState, x: tuple) -> tuple[BatchState, Any]:
    rate, cap, window = consts
    pre, malformed, valid, buy, qty, ts, max_pos, reducing, g, k, d = x
    f, ob, os_ = carry.filled[g], carry.open_buy[g], carry.open_sell[g]
    net = f + ob - os_
    reduces = (buy & (net < 0) & (qty <= -net)) | (~buy & (net > 0) & (qty <= net))
    pos_bad = jnp.where(buy, f + ob + qty > max_pos, f - os_ - qty < -max_pos)
    dt = jnp.clip(ts - carry.last_ts[k], 0, DT_CLIP)
    avail = jnp.minimum(cap, carry.tokens[k] + dt * rate)
    dup = ts - carry.dup_last[d] <= window
    sf = (jnp.where(reducing & ~reduces, _bit(Reason.STATE_REDUCING), 0)
          | jnp.where(pos_bad, _bit(Reason.MAX_POSITION), 0)
          | jnp.where(avail < COST, _bit(Reason.THROTTLE), 0)
          | jnp.where(dup, _bit(Reason.DUPLICATE), 0)).astype(jnp.int32)
    m = jnp.where(malformed, pre, pre | sf)
    acc = valid & (m == 0)
    qb = jnp.where(acc & buy, qty, 0)
    qs = jnp.where(acc & ~buy, qty, 0)
    new = BatchState(
        carry.filled,
        carry.open_buy.at[g].add(qb),
        carry.open_sell.at[g].add(qs),
        carry.tokens.at[k].set(jnp.where(acc, avail - COST, carry.tokens[k])),
        carry.last_ts.at[k].set(jnp.where(acc, ts, carry.last_ts[k])),
        carry.dup_last.at[d].set(jnp.where(acc, ts, carry.dup_last[d])),
    )
    return new, m


def _run(o: dict[str, Any], state: BatchState, flags: Any, rate: Any, cap: Any,
         window: Any, need_ref: Any) -> tuple[Any, BatchState]:
    pre, malformed = stateless_mask(o, flags, need_ref)
    xs = (pre, malformed, o["valid"], o["side"] == 0, o["qty"], o["ts"], o["max_position"],
          o["lstate"] == 1, o["group"], o["strat"], o["dkey"])
    consts = (rate, cap, window)
    state, masks = jax.lax.scan(lambda c, x: _step(consts, c, x), state, xs, unroll=int(os.environ.get("ADAPTRISK_SCAN_UNROLL", "8")))
    return jnp.where(o["valid"], masks, 0), state


def _step_lanes(consts: tuple, carry: tuple, x: tuple) -> tuple[tuple, Any]:
    """One step of every lane at once. A lane is one strategy: every stateful key (the
    throttle's strategy, the position's (strategy, sym), the duplicate key) belongs to
    exactly one strategy, so lanes never touch the same state slot and run side by side.
    Each x is shape (S,); the throttle state is per lane, so it is an (S,) vector in the
    carry (no gather/scatter); positions and duplicate keys are gathered/scattered at the
    lanes' own slots (idle lanes point at a dummy slot they leave unchanged)."""
    rate, cap, window, filled = consts
    open_all, tokens, last_ts, dup_all = carry
    pre, malformed, valid, buy, qty, ts, max_pos, reducing, g, d = x
    # indices are in bounds by construction: "clip"/"promise_in_bounds" skip the masking
    # XLA adds for the default out-of-bounds mode (~3x cheaper gathers on CPU)
    f = filled.at[g].get(mode="clip")
    ob_os = open_all.at[g].get(mode="clip")  # (S, 2): open buy, open sell
    ob, os_ = ob_os[:, 0], ob_os[:, 1]
    net = f + ob - os_
    reduces = (buy & (net < 0) & (qty <= -net)) | (~buy & (net > 0) & (qty <= net))
    pos_bad = jnp.where(buy, f + ob + qty > max_pos, f - os_ - qty < -max_pos)
    dt = jnp.clip(ts - last_ts, 0, DT_CLIP)
    avail = jnp.minimum(cap, tokens + dt * rate)
    dl = dup_all.at[d].get(mode="clip")
    dup = ts - dl <= window
    sf = (jnp.where(reducing & ~reduces, _bit(Reason.STATE_REDUCING), 0)
          | jnp.where(pos_bad, _bit(Reason.MAX_POSITION), 0)
          | jnp.where(avail < COST, _bit(Reason.THROTTLE), 0)
          | jnp.where(dup, _bit(Reason.DUPLICATE), 0)).astype(jnp.int32)
    m = jnp.where(malformed, pre, pre | sf)
    acc = valid & (m == 0)
    new = (open_all.at[g, jnp.where(buy, 0, 1)].add(jnp.where(acc, qty, 0),
                                                   mode="promise_in_bounds"),
           jnp.where(acc, avail - COST, tokens),
           jnp.where(acc, ts, last_ts),
           dup_all.at[d].set(jnp.where(acc, ts, dl), mode="promise_in_bounds"))
    return new, m


def _run_lanes(o: dict[str, Any], lanes: dict[str, Any], state: BatchState, flags: Any,
               rate: Any, cap: Any, window: Any, need_ref: Any) -> tuple[Any, BatchState]:
    """`_run` with the orders laid out as lanes (see `lane_layout`): same result.

    lanes: idx (T, S) int32 order row of step t in lane s (-1: idle), lane_strat (S,)
    int32 strategy id of each lane (a dummy slot K for unused lanes).
    State arrays carry one extra trailing dummy slot (see `check_batch`).
    """
    pre, malformed = stateless_mask(o, flags, need_ref)
    idx = lanes["idx"]
    live = idx >= 0
    at = jnp.maximum(idx, 0)
    g_dummy = state.open_buy.shape[0] - 1
    d_dummy = state.dup_last.shape[0] - 1
    # One row gather of 5 packed int64 columns: XLA's CPU gather costs per index, so ten
    # separate gathers of (T, S) cost ~5x this one (80 -> ~20 ms for 1M orders).
    i64 = jnp.int64
    bits = (pre.astype(i64) | (malformed.astype(i64) << 32) | (o["valid"].astype(i64) << 33)
            | ((o["side"] == 0).astype(i64) << 34) | ((o["lstate"] == 1).astype(i64) << 35))
    gd = (o["group"].astype(i64) << 32) | o["dkey"].astype(i64)
    rows = jnp.take(jnp.stack([bits, o["qty"], o["ts"], o["max_position"], gd], axis=1), at,
                    axis=0, mode="clip")  # (T, S, 5)
    bits, gd = rows[..., 0], rows[..., 4]
    xs = (bits.astype(jnp.int32) & 0x7FFFFFFF, (bits >> 32) & 1 == 1,
          ((bits >> 33) & 1 == 1) & live, (bits >> 34) & 1 == 1, rows[..., 1], rows[..., 2],
          rows[..., 3], (bits >> 35) & 1 == 1,
          jnp.where(live, (gd >> 32).astype(jnp.int32), g_dummy),
          jnp.where(live, (gd & 0xFFFFFFFF).astype(jnp.int32), d_dummy))
    # materialise the step inputs: left alone, XLA fuses the unpacking above into the
    # loop body and redoes it per step from strided slices (70 -> 40 ms for 1M orders)
    xs = jax.lax.optimization_barrier(xs)
    ls = lanes["lane_strat"]
    carry = (jnp.stack([state.open_buy, state.open_sell], axis=1),
             jnp.take(state.tokens, ls, mode="clip"), jnp.take(state.last_ts, ls, mode="clip"),
             state.dup_last)
    consts = (rate, cap, window, state.filled)
    # unroll 1: unrolled steps defeat XLA's in-place scatter into the carry (4x slower)
    carry, masks = jax.lax.scan(lambda c, x: _step_lanes(consts, c, x), carry, xs,
                                unroll=int(os.environ.get("ADAPTRISK_LANE_UNROLL", "1")))
    open_, tok, last, dup = carry
    ob, os_ = open_[:, 0], open_[:, 1]
    # back to order rows by a gather through the inverse layout (a scatter costs ~3x)
    out = jnp.take(masks.reshape(-1), lanes["cell"], mode="clip")
    out = jnp.where(o["valid"], out, 0)
    return out, BatchState(state.filled, ob, os_, state.tokens.at[ls].set(tok),
                           state.last_ts.at[ls].set(last), dup)


def _stateless_only(o: dict[str, Any], flags: Any, need_ref: Any) -> Any:
    return stateless_mask(o, flags, need_ref)[0]


if os.environ.get("ADAPTRISK_DISABLE_JIT") == "1":
    run_seq_jit = _run
    run_jit = _run_lanes
    stateless_jit = _stateless_only
else:
    run_seq_jit = jax.jit(_run)  # one sequential scan over all orders (reference/fallback)
    run_jit = jax.jit(_run_lanes)
    stateless_jit = jax.jit(_stateless_only)


def pad_len(n: int) -> int:
    """Padded length: the next power of two >= max(n, MIN_PAD)."""
    return max(MIN_PAD, 1 << max(0, (n - 1).bit_length()))


def pad_orders(cols: dict[str, np.ndarray], n_pad: int | None = None) -> dict[str, np.ndarray]:
    """Cast to the batch dtypes and pad to `pad_len(n)` with inert rows (valid=False)."""
    n = len(cols["qty"])
    n_pad = n_pad or pad_len(n)
    out = {}
    for name in ORDER_FIELDS:
        a = np.zeros(n_pad, dtype=_DTYPES[name])
        if name == "valid":
            a[:n] = True if "valid" not in cols else cols["valid"]
        else:
            a[:n] = cols[name]
        out[name] = a
    return out


def pad_state(state: BatchState) -> BatchState:
    """Pad each state array to a power of two (>= 16) so shapes repeat between calls."""
    def p(a: np.ndarray, fill: int) -> np.ndarray:
        m = max(16, 1 << max(0, (len(a) - 1).bit_length()))
        out = np.full(m, fill, dtype=np.int64)
        out[: len(a)] = a
        return out
    return BatchState(p(state.filled, 0), p(state.open_buy, 0), p(state.open_sell, 0),
                      p(state.tokens, 0), p(state.last_ts, -1), p(state.dup_last, NO_DUP))


def _pow2(n: int, lo: int) -> int:
    return max(lo, 1 << max(0, (n - 1).bit_length()))


def lane_layout(strat: np.ndarray, group: np.ndarray, dkey: np.ndarray, n_strat: int,
                n_rows: int | None = None) -> dict[str, np.ndarray] | None:
    """Orders -> lanes, one lane per strategy present, steps in order within a lane.

    Returns {"idx": (T, S) int32 order row of each cell, "cell": (n_rows,) int32 cell of
    each order row (its inverse; n_rows = the padded batch length, padding rows -> 0),
    "lane_strat": (S,) int32}, T = pad_len(longest lane)
    (>= MIN_PAD, a power of two) and S a power of two >= 16 (shapes repeat between
    similar batches: no recompile); idle cells are -1 and unused lanes point at strategy
    slot `n_strat` (a dummy). None when some group or duplicate key id is shared by two
    strategies (then lanes could race on a slot: the caller runs the sequential scan).
    """
    n = len(strat)
    strat = strat.astype(np.int64, copy=False)
    for ids in (group, dkey):
        owner = np.full(int(ids.max()) + 1 if n else 0, -1, np.int64)
        owner[ids] = strat
        if n and np.any(owner[ids] != strat):
            return None
    counts = np.bincount(strat, minlength=n_strat)
    present = np.flatnonzero(counts)
    lane_of = np.zeros(max(n_strat, 1), np.int64)
    lane_of[present] = np.arange(len(present))
    lane = lane_of[strat]
    n_rows = pad_len(n) if n_rows is None else n_rows
    # a stable radix sort when lane ids fit 16 bits (~3x faster than int64 timsort)
    order = np.argsort(lane.astype(np.uint16) if len(present) <= 1 << 16 else lane,
                       kind="stable")
    starts = np.zeros(len(present) + 1, np.int64)
    np.cumsum(counts[present], out=starts[1:])
    step = np.arange(n, dtype=np.int64) - starts[lane[order]]
    t_pad = pad_len(int(counts.max()) if n else 1)
    s_pad = _pow2(len(present), 16)
    cell = np.zeros(n_rows, np.int32)
    cell[order] = step * s_pad + lane[order]
    idx = np.full(t_pad * s_pad, -1, np.int32)
    idx[cell[:n]] = np.arange(n, dtype=np.int32)
    lane_strat = np.full(s_pad, n_strat, np.int32)
    lane_strat[: len(present)] = present
    return {"idx": idx.reshape(t_pad, s_pad), "cell": cell, "lane_strat": lane_strat}


def _with_dummy(a: np.ndarray, fill: int) -> np.ndarray:
    return np.concatenate([a, np.full(1, fill, np.int64)])


def check_batch(cols: dict[str, np.ndarray], state: BatchState, *, flags: int, rate: int,
                cap: int, window_ns: int, need_ref: bool) -> tuple[np.ndarray, BatchState]:
    """Run the full rule set over one batch. -> (reason masks (N,) int32, final state).

    Strategies run as parallel lanes of one scan (`lane_layout`); if the ids do not
    allow it, one sequential scan over every order (`run_seq_jit`). Same results.
    """
    n = len(cols["qty"])
    o = pad_orders(cols)
    st = pad_state(state)
    lanes = lane_layout(np.asarray(cols["strat"]), np.asarray(cols["group"]),
                        np.asarray(cols["dkey"]), len(st.tokens), len(o["qty"]))
    with jax.enable_x64(True):
        sc = (jnp.int32(flags), jnp.int64(rate), jnp.int64(cap), jnp.int64(window_ns),
              jnp.bool_(need_ref))
        if lanes is None:
            masks, out = run_seq_jit(o, BatchState(*(jnp.asarray(a) for a in st)), *sc)
            out = BatchState(*(np.asarray(a) for a in out))
        else:
            dummy = BatchState(*(_with_dummy(a, f) for a, f in zip(
                st, (0, 0, 0, 0, -1, NO_DUP), strict=True)))
            masks, out = run_jit(o, {k: jnp.asarray(v) for k, v in lanes.items()},
                                 BatchState(*(jnp.asarray(a) for a in dummy)), *sc)
            out = BatchState(*(np.asarray(a)[:-1] for a in out))
        masks = np.asarray(masks)[:n]
    return masks, out


def stateless_batch(cols: dict[str, np.ndarray], *, flags: int, need_ref: bool) -> np.ndarray:
    """Stateless rules only (for the benchmark's split of where time goes)."""
    n = len(cols["qty"])
    o = pad_orders(cols)
    with jax.enable_x64(True):
        return np.asarray(stateless_jit(o, jnp.int32(flags), jnp.bool_(need_ref)))[:n]


assert MALFORMED_MASK < (1 << 31)
