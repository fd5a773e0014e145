"""The stress statistics on a real day: calibrated on two simulated 6.5 h normal days (the
issue-11 grid's training days, 3 symbols), they state a bound and raise no HIGH_ALERT on the
real GOOG day (LOBSTER sample, 2012-06-21, a drift down without a crash). The trend alone
passes its simulated normal extreme there, which is why it counts only through the joint
evidence (``stress.ALONE``)."""

import pytest

from jaxmodels import stress
from jaxmodels.config import StressConfig, VAEConfig

pytestmark = pytest.mark.slow

CFG = StressConfig()
PLAN = [("normal", 104, 390, None, 0.0), ("normal", 105, 390, None, 0.0)]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    from adaptrisk import evalstore
    from jaxmodels import model
    from jaxmodels.data import events, market_rows
    from tsdb import Store

    p = tmp_path_factory.mktemp("normal") / "s.duckdb"
    with Store.from_conf(f"duckdb::path={p}") as s:
        evalstore.build(s, PLAN, n_symbols=3, out=lambda *_: None)
        rows = market_rows(s, VAEConfig().inputs)
        evs = events(s)
    since = model.since_session_start(rows)
    held = stress.batch(rows.code, rows.ctx, since, CFG)
    ok = model.normal_mask(rows, evs) & (since >= CFG.skip_open_s * 1e9)
    return stress.fit(held, rows.code, ok, CFG)


@pytest.fixture(scope="module")
def goog_held(goog_features_db):
    from jaxmodels import model
    from jaxmodels.data import market_rows
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={goog_features_db}") as s:
        g = market_rows(s, VAEConfig().inputs)
    since = model.since_session_start(g)
    return stress.batch(g.code, g.ctx, since, CFG), since


def test_goog_when_calibrated_on_simulated_normal_days_then_no_high_alert(calibrated,
                                                                          goog_held):
    st, met = calibrated
    assert not met["silent"] and met["false_high_bound_per_day"] <= CFG.max_bound_per_day
    held, since = goog_held
    tier = st.tiers(st.combined(held))
    assert (tier[since >= CFG.skip_open_s * 1e9] < stress.HIGH).all()


def test_goog_when_trend_alone_then_past_its_simulated_extreme(calibrated, goog_held):
    st, _ = calibrated
    held, since = goog_held
    t = stress.COMPONENTS.index("trend")
    assert (held[since >= CFG.skip_open_s * 1e9, t] / st.scale[t]).max() > 1.0
