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
  per-order limits max_qty int64, max_notional float64, band_bps float64, max_pos int64,
  ff_mult float64, lstate int8 (0/1/2 ACTIVE/REDUCING/HALTED), restricted bool,
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

NO_DUP = -(2**62)
MIN_PAD = 1024
ORDER_FIELDS = ("valid", "known", "side", "otype", "qty", "price", "mid", "ts", "median",
                "max_qty", "max_notional", "band_bps", "max_pos", "ff_mult", "lstate",
                "restricted", "halted", "group", "strat", "dkey")
_DTYPES = dict(valid=np.bool_, known=np.bool_, side=np.int8, otype=np.int8, qty=np.int64,
               price=np.float64, mid=np.float64, ts=np.int64, median=np.float64,
               max_qty=np.int64, max_notional=np.float64, band_bps=np.float64,
               max_pos=np.int64, ff_mult=np.float64, lstate=np.int8, restricted=np.bool_,
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
    collar = limit & has_mid & (jnp.abs(price - mid) * 10000.0 > o["band_bps"] * mid)
    no_ref = ~has_mid & (~limit | need_ref)
    ff = (o["median"] > 0.0) & (qf > o["ff_mult"] * o["median"])
    m = (flags
         | jnp.where(o["halted"] | (o["lstate"] == 2), _bit(Reason.STATE_HALTED), 0)
         | jnp.where(o["restricted"], _bit(Reason.RESTRICTED), 0)
         | jnp.where(qty > o["max_qty"], _bit(Reason.MAX_QTY), 0)
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
    xs = (pre, malformed, o["valid"], o["side"] == 0, o["qty"], o["ts"], o["max_pos"],
          o["lstate"] == 1, o["group"], o["strat"], o["dkey"])
    consts = (rate, cap, window)
    state, masks = jax.lax.scan(lambda c, x: _step(consts, c, x), state, xs, unroll=int(os.environ.get("ADAPTRISK_SCAN_UNROLL", "8")))
    return jnp.where(o["valid"], masks, 0), state


def _stateless_only(o: dict[str, Any], flags: Any, need_ref: Any) -> Any:
    return stateless_mask(o, flags, need_ref)[0]


if os.environ.get("ADAPTRISK_DISABLE_JIT") == "1":
    run_jit = _run
    stateless_jit = _stateless_only
else:
    run_jit = jax.jit(_run)
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


def check_batch(cols: dict[str, np.ndarray], state: BatchState, *, flags: int, rate: int,
                cap: int, window_ns: int, need_ref: bool) -> tuple[np.ndarray, BatchState]:
    """Run the full rule set over one batch. -> (reason masks (N,) int32, final state)."""
    n = len(cols["qty"])
    o = pad_orders(cols)
    st = pad_state(state)
    with jax.enable_x64(True):
        masks, out = run_jit(o, BatchState(*(jnp.asarray(a) for a in st)), jnp.int32(flags),
                             jnp.int64(rate), jnp.int64(cap), jnp.int64(window_ns),
                             jnp.bool_(need_ref))
        masks = np.asarray(masks)[:n]
        out = BatchState(*(np.asarray(a) for a in out))
    return masks, out


def stateless_batch(cols: dict[str, np.ndarray], *, flags: int, need_ref: bool) -> np.ndarray:
    """Stateless rules only (for the benchmark's split of where time goes)."""
    n = len(cols["qty"])
    o = pad_orders(cols)
    with jax.enable_x64(True):
        return np.asarray(stateless_jit(o, jnp.int32(flags), jnp.bool_(need_ref)))[:n]


assert MALFORMED_MASK < (1 << 31)
