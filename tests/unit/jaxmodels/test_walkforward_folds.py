"""Walk-forward folds are whole sessions on any calendar: no session is split between a
training and a test fold, whether it lies in one UTC day (equities), crosses midnight UTC
(a CME evening) or runs for days without a gap (24/7, cut at UTC midnights)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxmodels.walkforward import NS_PER_DAY, fold_bounds, session_starts

H = 3_600 * 10**9
D0 = 20_600 * NS_PER_DAY  # a UTC midnight in 2026


def _grid(t0: int, t1: int, step: int = 60 * 10**9) -> np.ndarray:
    return np.arange(t0, t1, step, dtype=np.int64)


def _fold_of(ts: np.ndarray, bounds: list[tuple[int, int]]) -> np.ndarray:
    out = np.full(len(ts), -1)
    for i, (lo, hi) in enumerate(bounds):
        out[(ts > lo) & (ts <= hi)] = i
    return out


def test_session_starts_when_cme_evenings_cross_midnight_then_one_session_each():
    # 22:00 -> 21:00 UTC next day, a 1 h maintenance break between, three sessions
    ts = np.concatenate([_grid(D0 + 22 * H + i * 24 * H, D0 + 45 * H + i * 24 * H)
                         for i in range(3)])
    assert session_starts(ts).tolist() == [D0 + 22 * H + i * 24 * H for i in range(3)]
    b = fold_bounds(ts, 3)
    f = _fold_of(ts, b)
    assert (f >= 0).all() and [len(set(f[(ts >= D0 + 22 * H + i * 24 * H) &
                                         (ts < D0 + 45 * H + i * 24 * H)])) for i in range(3)] \
        == [1, 1, 1]  # the old UTC-day folds cut each evening at midnight


def test_session_starts_when_24_7_for_three_days_then_cut_at_utc_midnights():
    ts = _grid(D0 + 12 * H, D0 + 84 * H)
    assert session_starts(ts).tolist() == [D0 + 12 * H, D0 + NS_PER_DAY, D0 + 2 * NS_PER_DAY,
                                           D0 + 3 * NS_PER_DAY]


def test_session_starts_when_equity_days_then_one_per_day():
    ts = np.concatenate([_grid(D0 + i * NS_PER_DAY + 13 * H, D0 + i * NS_PER_DAY + 20 * H)
                         for i in range(4)])
    assert session_starts(ts).tolist() == [D0 + i * NS_PER_DAY + 13 * H for i in range(4)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 30)), min_size=1, max_size=8),
       st.integers(2, 4))
def test_fold_bounds_when_any_sessions_then_every_ts_in_exactly_one_fold_in_order(spans, k):
    ts = np.unique(np.concatenate([_grid(D0 + a * H, D0 + (a + n) * H, 10 * 60 * 10**9)
                                   for a, n in spans]))
    b = fold_bounds(ts, k)
    assert len(b) == k and all(lo < hi for lo, hi in b)
    assert all(b[i][1] == b[i + 1][0] for i in range(k - 1))  # adjacent, no gap or overlap
    f = _fold_of(ts, b)
    assert (f >= 0).all() and (np.diff(f) >= 0).all()
    starts = session_starts(ts)
    if len(starts) >= k:  # whole sessions: a session's rows share one fold
        sess = np.searchsorted(starts, ts, side="right")
        for s in np.unique(sess):
            assert len(set(f[sess == s])) == 1
