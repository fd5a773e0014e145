"""The numba LOB engine on hand-checkable inputs and its book invariants on random runs."""

import numpy as np
import pytest

from sim.engine import (
    N_PARAMS,
    P_DMIN_ASK,
    P_DMIN_BID,
    P_LIMIT_ASK,
    P_LIMIT_BID,
    P_MKT_BUY,
    P_MKT_SELL,
    P_NU_ASK,
    P_NU_BID,
    P_PLACE,
    run_book,
)

P0 = 4000


def _quiet_params(n_bins=10):
    """Rates so small that no random event happens: only exogenous orders act."""
    p = np.zeros((n_bins, N_PARAMS))
    p[:, [P_LIMIT_BID, P_LIMIT_ASK, P_MKT_BUY, P_MKT_SELL]] = 1e-12
    p[:, [P_PLACE, P_DMIN_BID, P_DMIN_ASK]] = 1.0
    return p


def _busy_params(n_bins=60, seed=0):
    rng = np.random.default_rng(seed)
    p = np.zeros((n_bins, N_PARAMS))
    act = np.exp(rng.normal(0, 0.5, n_bins))
    p[:, P_LIMIT_BID] = p[:, P_LIMIT_ASK] = 5.0 * act**0.6
    p[:, P_MKT_BUY] = p[:, P_MKT_SELL] = 0.8 * act
    p[:, P_NU_BID] = p[:, P_NU_ASK] = 0.07
    p[:, P_PLACE] = 3.0
    p[:, P_DMIN_BID] = p[:, P_DMIN_ASK] = 1.0
    return p


def _run(params, ext=None, seed=1, end_s=9.0, burn=0.0):
    ext = ext or (np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64))
    return run_book(np.uint32(seed), P0, 3 * P0, params, 1.0, np.log(4.0), np.log(5.0), 0.8,
                    150.0, 4.0, *ext, burn, int(end_s * 1e9), 100_000_000, 100_000, 100_000)


def test_run_when_exogenous_buy_of_20_lots_then_sweeps_initial_levels_by_hand():
    # the initial book holds 8 lots on each of 20 ticks: bid 4000, 3999, ...; ask 4001, ...
    ext = (np.array([1_000_000_000]), np.array([1], np.int8), np.array([20]))
    status, n_ev, trades, quotes, snaps = _run(_quiet_params(), ext)
    assert status == 0 and n_ev == 1
    ts, px, sz, sd = trades
    assert ts.tolist() == [1_000_000_000] * 3
    assert px.tolist() == [4001, 4002, 4003] and sz.tolist() == [8, 8, 4]
    assert sd.tolist() == [1, 1, 1]
    assert [q.tolist() for q in quotes] == [[0, 1_000_000_000], [4000, 4000], [4001, 4003],
                                            [8, 8], [8, 4]]
    bid_px, bid_sz, ask_px, ask_sz = snaps
    # a snapshot at time s shows the book after every event with ts <= s
    assert ask_px[9, :3].tolist() == [4001, 4002, 4003] and ask_sz[9, 0] == 8
    assert ask_px[10, :3].tolist() == [4003, 4004, 4005] and ask_sz[10, 0] == 4
    assert bid_px[10].tolist() == list(range(4000, 3990, -1)) and bid_sz[10].tolist() == [8] * 10
    assert bid_px.shape == (91, 10)  # 0 .. 9 s every 100 ms


def test_run_when_exogenous_sell_exceeds_bid_side_then_side_empties_and_rest_is_dropped():
    ext = (np.array([2_000_000_000]), np.array([-1], np.int8), np.array([1000]))
    _, _, trades, quotes, snaps = _run(_quiet_params(), ext)
    assert trades[2].sum() == 160 and np.all(trades[3] == -1)
    assert quotes[1][-1] == -1 and quotes[3][-1] == 0  # empty bid side: price -1, size 0
    assert np.all(snaps[0][21:] == -1) and np.all(snaps[1][21:] == 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_run_when_random_flow_then_book_invariants_hold(seed):
    status, n_ev, trades, quotes, snaps = _run(_busy_params(seed=seed), seed=seed, end_s=59.0,
                                               burn=30.0)
    assert status == 0 and n_ev > 500
    bid_px, bid_sz, ask_px, ask_sz = snaps
    both = (bid_px[:, 0] >= 0) & (ask_px[:, 0] >= 0)
    assert np.all(bid_px[both, 0] < ask_px[both, 0])
    for px, sz, sign in ((bid_px, bid_sz, -1), (ask_px, ask_sz, 1)):
        occ = px >= 0
        assert np.all((sz > 0) == occ)
        assert np.all(occ[:, :-1] >= occ[:, 1:])  # occupied levels first
        step = np.diff(px, axis=1) * sign
        assert np.all(step[occ[:, 1:]] > 0)  # strictly monotone away from the touch
    q_ts = quotes[0]
    assert np.all(np.diff(q_ts) >= 0) and np.all(np.diff(trades[0]) >= 0)
    assert np.all(trades[2] > 0)


def test_run_when_same_seed_then_identical_and_other_seed_differs():
    a = _run(_busy_params(), seed=5, end_s=30.0)
    b = _run(_busy_params(), seed=5, end_s=30.0)
    c = _run(_busy_params(), seed=6, end_s=30.0)
    for x, y in zip(a[2] + a[3] + a[4], b[2] + b[3] + b[4], strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a[3][1], c[3][1]) or a[3][1].shape != c[3][1].shape


def test_run_when_capacity_too_small_then_status_one():
    out = run_book(np.uint32(1), P0, 3 * P0, _busy_params(), 1.0, np.log(4.0), np.log(5.0), 0.8,
                   150.0, 4.0, np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros(0, np.int64),
                   0.0, int(59e9), 100_000_000, 5, 5)
    assert out[0] == 1


def test_run_when_called_again_with_same_types_then_no_recompilation():
    _run(_busy_params(), seed=2, end_s=5.0)
    n_sig = len(run_book.signatures)
    _run(_busy_params(n_bins=30), seed=3, end_s=7.0)
    assert len(run_book.signatures) == n_sig == 1
