"""Per-strategy order-rate throttle: a token bucket as an `(init, update)` pure pair.

Integer arithmetic so the single-order path (Python ints) and the batch path (int64) agree
bit for bit: tokens are counted in nano-tokens (1 order = 1e9), refill is
`rate_per_s * dt_ns` nano-tokens, dt is clipped to [0, 1e12] ns (1000 s, enough to fill
any bucket allowed by StaticLimits) so int64 never overflows.

Semantics: an order passes the throttle when the refilled bucket holds >= 1 token; the
token is taken only if the order is ACCEPTED overall (a rejected order never reaches the
market, so it does not use up the strategy's rate).
"""

from __future__ import annotations

from typing import NamedTuple

COST = 1_000_000_000  # nano-tokens per order
DT_CLIP = 1_000_000_000_000  # ns


class Bucket(NamedTuple):
    tokens: int  # nano-tokens
    last_ts: int  # ns of the last accepted order (-1: never)


def init(burst: int) -> Bucket:
    """A full bucket of `burst` orders."""
    return Bucket(burst * COST, -1)


def refill(state: Bucket, ts: int, rate_per_s: int, burst: int) -> int:
    """Nano-tokens available at `ts` (not stored: pure)."""
    dt = ts - state.last_ts
    dt = 0 if dt < 0 else (DT_CLIP if dt > DT_CLIP else dt)
    return min(burst * COST, state.tokens + dt * rate_per_s)


def update(state: Bucket, ts: int, rate_per_s: int, burst: int,
           accepted: bool) -> tuple[Bucket, bool]:
    """-> (new state, passed). `passed`: >= 1 token at `ts`; one is taken iff `accepted`."""
    avail = refill(state, ts, rate_per_s, burst)
    passed = avail >= COST
    if accepted and passed:
        return Bucket(avail - COST, ts), passed
    return state, passed
