"""Batch path: the same rule set as `rules.order_mask`, jit-compiled in jax.numpy.

For replays and bursts. This module is the host side (dtypes, padding, lane layout,
`check_batch`); the kernels are in `enforcer/batch_kernel.py`. Stateless rules are one
vectorised pass over the batch; the stateful ones (position / REDUCING, throttle,
duplicate count) have a sequential definition (order i sees the state left by the
ACCEPTED orders and the applied venue events before it), so they run in a `jax.lax.scan`
over the rows with the state arrays as the carry. The single-order path and this one agree
verdict for verdict and reason for reason (property test).

Arrays (length N, padded to a power of two >= 1024 with valid=False rows so a second call
with a similar batch does not recompile; state arrays padded likewise):

  valid bool, known bool (symbol known), side int8 (0 B, 1 S, 2 bad), otype int8
  (0 LIMIT, 1 MARKET, 2 bad), qty int64 lots (<= 0: bad), price float64 (NaN for
  MARKET), mid float64 reference (NaN: none), ts int64 ns, median float64 (0: none),
  per-order limits (named as the risk_limits columns) max_order_qty int64, max_notional
  float64, price_band_bps float64, max_position int64, fat_finger_threshold float64,
  fat_finger_max_qty float64 (layer 1's (sym, trader) row in force; inf, the default when
  the column is not given: none),
  lstate int8 (0/1/2 ACTIVE/REDUCING/HALTED), restricted bool,
  halted bool (operator halt / latch), group int32 (strategy, sym) id, strat int32 id,
  dkey int32 duplicate-key id, dup_n int32 / dup_window int64 ns (the strategy's
  duplicate rule); optional (replay venue events, see `batch_kernel`): kind int8,
  fill / release int64 lots, ref int32, prior bool.
  State (`BatchState`): filled/open_buy/open_sell [G] int64, tokens/last_ts [K] int64
  (nano-tokens, ns), dup_last [D, M] int64 (ns; NO_DUP when none), dup_head [D] int64.
  Scalars: flags int32 (kill/breaker bits), rate int64, cap int64, need_ref bool.

float64/int64 need x64: every call runs under `jax.enable_x64(True)` (scoped, so the
rest of the process keeps JAX's default). ADAPTRISK_DISABLE_JIT=1 runs it un-jitted.
"""

from __future__ import annotations

import jax
import numpy as np

from enforcer.batch_kernel import BatchState, run_jit, run_seq_jit, stateless_jit
from enforcer.reasons import MALFORMED_MASK
from tsdb.config import UNBOUNDED_NS

NO_DUP = -UNBOUNDED_NS  # "no accepted order yet": ts - NO_DUP is never within a window
MIN_PAD = 1024
ORDER_FIELDS = ("valid", "known", "side", "otype", "qty", "price", "mid", "ts", "median",
                "max_order_qty", "max_notional", "price_band_bps", "max_position",
                "fat_finger_threshold", "fat_finger_max_qty", "lstate",
                "restricted", "halted", "group", "strat", "dkey", "dup_n", "dup_window",
                "kind", "fill", "release", "ref", "prior")
_DTYPES = dict(valid=np.bool_, known=np.bool_, side=np.int8, otype=np.int8, qty=np.int64,
               price=np.float64, mid=np.float64, ts=np.int64, median=np.float64,
               max_order_qty=np.int64, max_notional=np.float64, price_band_bps=np.float64,
               max_position=np.int64, fat_finger_threshold=np.float64,
               fat_finger_max_qty=np.float64, lstate=np.int8,
               restricted=np.bool_,
               halted=np.bool_, group=np.int32, strat=np.int32, dkey=np.int32,
               dup_n=np.int32, dup_window=np.int64, kind=np.int8, fill=np.int64,
               release=np.int64, ref=np.int32, prior=np.bool_)
_OPTIONAL = {"kind": 0, "fill": 0, "release": 0, "ref": -1, "prior": False,
             "fat_finger_max_qty": np.inf}
_STATE_FILL = (0, 0, 0, 0, -1, NO_DUP, 0)

__all__ = ["NO_DUP", "MIN_PAD", "ORDER_FIELDS", "BatchState", "check_batch", "lane_layout",
           "pad_len", "pad_orders", "pad_state", "run_jit", "run_seq_jit", "stateless_batch",
           "stateless_jit", "empty_state"]


def empty_state(depth: int = 1) -> BatchState:
    """A state with no slots (G = K = D = 0) and duplicate rings of `depth` slots."""
    z = np.zeros(0, np.int64)
    return BatchState(z, z, z, z, z, np.zeros((0, depth), np.int64), z)


def pad_len(n: int) -> int:
    """Padded length: the next power of two >= max(n, MIN_PAD)."""
    return max(MIN_PAD, 1 << max(0, (n - 1).bit_length()))


def steps_len(n: int) -> int:
    """Padded scan length of the lanes: the smallest 2**k or 3 * 2**(k-1) >= max(n,
    MIN_PAD). Two shapes per octave: at most 1/3 idle steps (a power of two alone wastes up
    to 1/2), and still few distinct shapes, so similar batches reuse the compiled scan."""
    p = pad_len(n)
    return p * 3 // 4 if p > MIN_PAD and p * 3 // 4 >= n else p


def pad_orders(cols: dict[str, np.ndarray], n_pad: int | None = None) -> dict[str, np.ndarray]:
    """Cast to the batch dtypes and pad to `pad_len(n)` with inert rows (valid=False)."""
    n = len(cols["qty"])
    n_pad = n_pad or pad_len(n)
    out = {}
    for name in ORDER_FIELDS:
        a = np.zeros(n_pad, dtype=_DTYPES[name])
        if name == "valid":
            a[:n] = True if "valid" not in cols else cols["valid"]
        elif name in _OPTIONAL and name not in cols:
            a[:n] = _OPTIONAL[name]
        else:
            a[:n] = cols[name]
        out[name] = a
    return out


def pad_state(state: BatchState) -> BatchState:
    """Pad each state array to a power of two (>= 16) rows so shapes repeat between calls."""
    def p(a: np.ndarray, fill: int) -> np.ndarray:
        m = max(16, 1 << max(0, (len(a) - 1).bit_length()))
        out = np.full((m, *a.shape[1:]), fill, dtype=np.int64)
        out[: len(a)] = a
        return out
    return BatchState(*(p(np.asarray(a), f) for a, f in zip(state, _STATE_FILL, strict=True)))


def _pow2(n: int, lo: int) -> int:
    return max(lo, 1 << max(0, (n - 1).bit_length()))


def lane_layout(strat: np.ndarray, group: np.ndarray, dkey: np.ndarray, n_strat: int,
                n_rows: int | None = None) -> dict[str, np.ndarray] | None:
    """Orders -> lanes, one lane per strategy present, steps in order within a lane.

    Returns {"idx": (T, S) int32 order row of each cell, "cell": (n_rows,) int32 cell of
    each order row (its inverse; n_rows = the padded batch length, padding rows -> 0),
    "lane_strat": (S,) int32}, T = steps_len(longest lane)
    (>= MIN_PAD, 2**k or 3 * 2**(k-1)) and S a power of two >= 16 (shapes repeat between
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
    t_pad = steps_len(int(counts.max()) if n else 1)
    s_pad = _pow2(len(present), 16)
    cell = np.zeros(n_rows, np.int32)
    cell[order] = step * s_pad + lane[order]
    idx = np.full(t_pad * s_pad, -1, np.int32)
    idx[cell[:n]] = np.arange(n, dtype=np.int32)
    lane_strat = np.full(s_pad, n_strat, np.int32)
    lane_strat[: len(present)] = present
    return {"idx": idx.reshape(t_pad, s_pad), "cell": cell, "lane_strat": lane_strat}


def _with_dummy(a: np.ndarray, fill: int) -> np.ndarray:
    return np.concatenate([a, np.full((1, *a.shape[1:]), fill, np.int64)])


def _scalars(flags: int, rate: int, cap: int, need_ref: bool) -> tuple:
    """The kernels' scalar arguments as device arrays (int32, int64, int64, bool; call
    under x64). `jax.device_put` of numpy values: `jnp.int32(x)` or `jnp.asarray(a)` would
    compile a small conversion kernel per dtype and shape in every new process (~10-25 ms
    each, none of them kept by the on-disk cache)."""
    return jax.device_put((np.int32(flags), np.int64(rate), np.int64(cap), np.bool_(need_ref)))


def check_batch(cols: dict[str, np.ndarray], state: BatchState, *, flags: int, rate: int,
                cap: int, need_ref: bool) -> tuple[np.ndarray, BatchState]:
    """Run the full rule set over one batch. -> (reason masks (N,) int32, final state).

    Strategies run as parallel lanes of one scan (`lane_layout`); if the ids do not
    allow it, one sequential scan over every row (`run_seq_jit`). Same results.
    """
    n = len(cols["qty"])
    o = pad_orders(cols)
    st = pad_state(state)
    lanes = lane_layout(np.asarray(cols["strat"]), np.asarray(cols["group"]),
                        np.asarray(cols["dkey"]), len(st.tokens), len(o["qty"]))
    with jax.enable_x64(True):
        sc = _scalars(flags, rate, cap, need_ref)
        if lanes is None:
            masks, out = run_seq_jit(o, jax.device_put(st), *sc)
            out = BatchState(*(np.asarray(a) for a in out))
        else:
            dummy = BatchState(*(_with_dummy(a, f) for a, f in zip(
                st, _STATE_FILL, strict=True)))
            masks, out = run_jit(o, jax.device_put(lanes), jax.device_put(dummy), *sc)
            out = BatchState(*(np.asarray(a)[:-1] for a in out))
        masks = np.asarray(masks)[:n]
    return masks, out


def stateless_batch(cols: dict[str, np.ndarray], *, flags: int, need_ref: bool) -> np.ndarray:
    """Stateless rules only (for the benchmark's split of where time goes)."""
    n = len(cols["qty"])
    o = pad_orders(cols)
    with jax.enable_x64(True):
        sc = jax.device_put((np.int32(flags), np.bool_(need_ref)))  # see `_scalars`
        return np.asarray(stateless_jit(o, *sc))[:n]


assert MALFORMED_MASK < (1 << 31)
