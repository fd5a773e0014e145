"""features.live: stepping as data arrives writes exactly the rows one full build writes.

Two real DuckDB files get the same simulated session: one all at once then `build`; the
other in slices of event time (as a live intake stores them), `LiveFeatures.step` after each.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from features.build import build
from features.live import LiveFeatures
from tsdb.connect import connect

TABLES = ("book", "trades", "quotes")


@pytest.fixture(scope="module")
def session():
    from sim import SimConfig, simulate

    t = simulate(SimConfig(scenario="flash_crash", n_symbols=2, minutes=2.0, seed=5,
                           onset_minute=1.0, fat_finger_rate=0.0)).tables()
    return {k: t[k] for k in TABLES}


def _features(store):
    return store.query("SELECT * FROM features ORDER BY sym, ts")


@pytest.mark.parametrize("slice_ms", [300, 1300])
def test_step_when_rows_arrive_in_slices_then_features_equal_one_full_build(tmp_path, session,
                                                                            slice_ms):
    with connect(f"duckdb::path={tmp_path / 'full.duckdb'}") as full:
        for k in TABLES:
            full.ingest(k, session[k])
        build(full)
        want = _features(full)
    ts = {k: session[k].column("ts").cast(pa.int64()).to_numpy() for k in TABLES}
    t0 = min(int(a[0]) for a in ts.values())
    t_end = max(int(a[-1]) for a in ts.values())
    with connect(f"duckdb::path={tmp_path / 'live.duckdb'}") as live:
        lf = LiveFeatures(live)
        pos = dict.fromkeys(TABLES, 0)
        steps = 0
        for clock in range(t0, t_end + slice_ms * 10**6, slice_ms * 10**6):
            for k in TABLES:
                hi = int(np.searchsorted(ts[k], clock, side="right"))
                if hi > pos[k]:
                    part = session[k].slice(pos[k], hi - pos[k])
                    live.ingest(k, part)
                    lf.note_events(part)
                    pos[k] = hi
            lf.step(clock)
            steps += 1
        lf.step(t_end + 10**9)
        got = _features(live)
    assert steps > 80
    assert got.num_rows == want.num_rows > 2000
    for name in want.column_names:
        a, b = got.column(name), want.column(name)
        if pa.types.is_floating(a.type):
            np.testing.assert_allclose(pc.fill_null(a, np.nan).to_numpy(),
                                       pc.fill_null(b, np.nan).to_numpy(),
                                       rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=name)
        else:
            assert a.equals(b), name
