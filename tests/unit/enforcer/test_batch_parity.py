"""The jit batch path and the single-order path agree, order for order, reason for reason."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcer.batch import check_batch, run_jit
from enforcer.batch_host import arrays_from_orders, check_orders
from enforcer.commands import Fill
from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from enforcer.reasons import mask_to_names
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, order, write_static

order_st = st.tuples(
    st.integers(0, 200_000_000),  # ns since previous order
    st.sampled_from(["AAA", "BBB", "BAD", "ZZZ"]),
    st.sampled_from(["B", "S", "B", "S", "X"]),
    st.sampled_from([1, 10, 10, 50, 400, 700, 1500, 0, -5]),
    st.sampled_from([100.0, 100.0, 100.5, 99.0, 101.5, math.nan, None]),
    st.sampled_from(["LIMIT", "LIMIT", "MARKET"]),
    st.sampled_from(["s1", "s2", "s3"]),
    st.sampled_from(["t1", "t2"]),
)


# the duplicate rule counts: s1 may send 3 identical orders within 0.2 s, the others 1
DUP_STATIC = SMALL_STATIC + """
[duplicate]
max_identical = 1
window_s = 0.2
[duplicate.strategies.s1]
max_identical = 3
"""


def _engine(tmp_path, mids: bool = True) -> Enforcer:
    path = write_static(tmp_path / "static.toml", DUP_STATIC)
    cfg = EnforcerConfig(static_limits_path=path, breaker_rejects_per_s=0,
                         fat_finger_min_history=3)
    e = Enforcer(cfg, None, FakeClock())
    if mids:
        e.on_quote("AAA", 99.9, 100.1, T0)
        e.on_quote("BAD", 99.9, 100.1, T0)
    return e


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(order_st, min_size=1, max_size=120), fills=st.integers(-300, 300))
def test_batch_when_random_orders_then_same_reasons_as_single_path(tmp_path, rows, fills):
    e = _engine(tmp_path)
    for i, q in enumerate([5, 5, 6, 7]):  # some trader history so fat finger is live
        e.submit(order(10_000 + i, T0 - 10**10, qty=q, trader="t1"))
    if fills:
        e.on_fill(Fill(ts=T0, sym="AAA", strategy="s1", side="B" if fills > 0 else "S",
                       qty=abs(fills), price=100.0))
    e.poll()  # refresh medians
    ts = T0
    orders = []
    for i, (dt, sym, side, qty, price, otype, strat, trader) in enumerate(rows):
        ts += dt
        orders.append(order(i, ts, sym=sym, side=side, qty=qty, price=price,
                            order_type=otype, strategy=strat, trader=trader))
    masks, _ = check_orders(orders, e)
    got = [mask_to_names(int(m)) for m in masks]
    want = [e.submit(o).reasons for o in orders]
    assert got == want


def test_batch_when_second_call_same_padded_shape_then_no_recompile(tmp_path):
    e = _engine(tmp_path)
    a = [order(i, T0 + i * 1000, qty=1 + i % 7) for i in range(300)]
    b = [order(i, T0 + i * 5000, qty=2 + i % 5, side="S") for i in range(900)]
    cols, state = arrays_from_orders(a, e)
    kw = dict(flags=0, rate=10, cap=5 * 10**9, need_ref=True)
    check_batch(cols, state, **kw)
    size = run_jit._cache_size()
    cols, state = arrays_from_orders(b, e)  # other length, same padded size (1024)
    check_batch(cols, state, **kw)
    assert run_jit._cache_size() == size


def test_batch_when_throttle_burst_exceeded_then_sixth_order_rejected(tmp_path):
    e = _engine(tmp_path)
    orders = [order(i, T0 + i, qty=1 + i) for i in range(7)]  # burst 5, 1 ns apart
    masks, _ = check_orders(orders, e)
    names = [mask_to_names(int(m)) for m in masks]
    assert names[:5] == [()] * 5
    assert names[5] == ("THROTTLE",) and names[6] == ("THROTTLE",)
    assert np.all(masks[:5] == 0)


def _seq_reference(cols, state, kw):
    """The old single sequential scan over every order (no lanes)."""
    import jax
    import jax.numpy as jnp

    from enforcer.batch import BatchState, pad_orders, pad_state, run_seq_jit

    n = len(cols["qty"])
    with jax.enable_x64(True):
        m, out = run_seq_jit(pad_orders(cols), BatchState(*(jnp.asarray(a) for a in
                                                              pad_state(state))),
                             jnp.int32(kw["flags"]), jnp.int64(kw["rate"]),
                             jnp.int64(kw["cap"]), jnp.bool_(kw["need_ref"]))
        return np.asarray(m)[:n], [np.asarray(a) for a in out]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 3000), n_strat=st.integers(1, 40),
       shared=st.booleans())
def test_batch_when_strategy_lanes_then_same_masks_and_state_as_sequential_scan(
        seed, n, n_strat, shared):
    """Lanes (one per strategy) == one sequential scan, masks and final state; with
    `shared` some ids span strategies, so check_batch must fall back (still equal)."""
    from enforcer.batch import NO_DUP, BatchState, lane_layout, pad_state

    rng = np.random.default_rng(seed)
    strat = rng.integers(0, n_strat, n).astype(np.int32)
    sym = rng.integers(0, 3, n)
    group = (strat * 3 + sym).astype(np.int32)
    side = rng.integers(0, 2, n).astype(np.int8)
    qty = rng.choice([1, 5, 10, 50, 400], n)
    dkey = (group * 10 + side * 5 + rng.integers(0, 5, n)).astype(np.int32)
    if shared:
        dkey[: n // 2] = 0  # one duplicate key used by several strategies
    cols = dict(known=np.ones(n, bool), side=side, otype=np.zeros(n, np.int8), qty=qty,
                price=np.full(n, 100.0), mid=np.full(n, 100.0),
                ts=np.cumsum(rng.integers(0, 3_000_000, n)) + T0, median=np.zeros(n),
                max_order_qty=np.full(n, 1000), max_notional=np.full(n, 1e9),
                price_band_bps=np.full(n, 100.0), max_position=np.full(n, 600),
                fat_finger_threshold=np.full(n, 10.0),
                lstate=rng.choice([0, 0, 0, 1], n).astype(np.int8),
                restricted=np.zeros(n, bool), halted=np.zeros(n, bool), group=group,
                strat=strat, dkey=dkey, dup_n=1 + strat % 3,
                dup_window=np.full(n, 10**7, np.int64))
    _venue_events(cols, rng)
    g, k, d = n_strat * 3, n_strat, int(dkey.max()) + 1
    state = BatchState(rng.integers(-100, 100, g), rng.integers(0, 50, g),
                       rng.integers(0, 50, g), np.full(k, 3 * 10**9, np.int64),
                       np.full(k, -1, np.int64), np.full((d, 4), NO_DUP, np.int64),
                       np.zeros(d, np.int64))
    kw = dict(flags=0, rate=200, cap=5 * 10**9, need_ref=True)
    lanes = lane_layout(strat, group, dkey, len(pad_state(state).tokens))
    assert (lanes is None) == (shared and len(set(strat[: n // 2])) > 1)
    want_m, want_s = _seq_reference(cols, state, kw)
    got_m, got_s = check_batch(cols, state, **kw)
    assert np.array_equal(got_m, want_m)
    for a, b in zip(got_s, want_s, strict=True):
        assert np.array_equal(a, b[: len(a)])


def _venue_events(cols: dict, rng: np.random.Generator) -> None:
    """Turn about a third of the rows into venue events of earlier orders (a fill or a
    release of that order's lots; some of an order of an earlier batch: ref -1, prior)."""
    n = len(cols["qty"])
    kind = np.zeros(n, np.int8)
    ref = np.full(n, -1, np.int32)
    prior = np.zeros(n, bool)
    fill = np.where(rng.random(n) < 0.3, cols["qty"] // 2, 0)  # orders: part fills at once
    release = np.zeros(n, np.int64)
    for i in np.flatnonzero(rng.random(n) < 0.35):
        j = int(rng.integers(0, i)) if i else -1
        if j >= 0 and kind[j] == 0:
            for c in ("group", "strat", "dkey", "side", "qty"):
                cols[c][i] = cols[c][j]
            ref[i] = j
        else:
            prior[i] = bool(rng.random() < 0.5)
        kind[i] = 1
        q = int(cols["qty"][i])
        fill[i] = int(rng.integers(0, q + 1))
        release[i] = q - fill[i]
    cols.update(kind=kind, ref=ref, prior=prior, fill=fill, release=release,
                valid=kind == 0)
