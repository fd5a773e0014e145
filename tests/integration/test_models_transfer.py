"""Sim-to-real transfer of the anomaly model, and what the per-symbol tail calibration of the
tier thresholds costs on simulated crashes.

What is checked:

* GOOG (the real LOBSTER day, a drift down without a crash), scored by a model trained on a
  simulated 120-min normal day: the calibration cuts the HIGH-alert episodes to at most a
  fifth of the uncalibrated count (or 3), never lowers a threshold, and raises the median
  symbol threshold (the real stock's tail is heavier).
* Simulated crashes on several unseen seeds (72, 73, 74 and 2026, each a 120-min day scored
  by that model), and the demo's own setting (its three 60-min training days, seed 2026):
  every crash is alerted before its trough, and the calibrated alert comes at most 1 s after
  the alert with the training thresholds alone. The calibration can delay an alert: in the
  demo's setting it moved the first High alert from +1.0 s to +1.6 s. The 2 s goal itself
  is asserted for the demo (tests/acceptance) and benchmarked (bench models).
"""

import dataclasses

import numpy as np
import pytest

from jaxmodels.config import VAEConfig

pytestmark = pytest.mark.slow

CFG = VAEConfig()
MERGE_NS = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
MAX_ADDED_DELAY_S = 1.0
CRASH_SEEDS = (72, 73, 74, 2026)
# day 1: the normal training day; then one crash day per seed (onsets 70, 65, 60, 55 min)
PLAN = [("normal", 71, 120, None, 0.0)] + [
    ("flash_crash", s, 120, 70.0 - 5 * i, 0.0) for i, s in enumerate(CRASH_SEEDS)]


def _untailed(mm):
    """The same model with the training thresholds alone (tail calibration off)."""
    return dataclasses.replace(mm, anomaly=dataclasses.replace(
        mm.anomaly, config=dataclasses.replace(mm.anomaly.config, tail_window=0)))


def _fit_on_first_days(plan, n_symbols, n_train_days, tmp_path_factory, name):
    from adaptrisk import evalstore
    from jaxmodels import model
    from jaxmodels.data import events, market_rows
    from tsdb import Store

    p = tmp_path_factory.mktemp(name) / "s.duckdb"
    with Store.from_conf(f"duckdb::path={p}") as s:
        evalstore.build(s, plan, n_symbols=n_symbols, out=lambda *_: None)
        rows = market_rows(s, CFG.inputs)
        evs = events(s)
    normal = model.normal_mask(rows, evs)
    days = np.unique(rows.ts // NS_PER_DAY)
    train = rows.ts < days[n_train_days] * NS_PER_DAY
    mm, _ = model.fit_market(rows.take(train), normal[train], CFG)
    return mm, rows.take(~train), normal[~train], evs


@pytest.fixture(scope="module")
def long_day_model(tmp_path_factory):
    return _fit_on_first_days(PLAN, 2, 1, tmp_path_factory, "sim")


@pytest.fixture(scope="module")
def demo_setting_model(tmp_path_factory):
    from adaptrisk.demo import TRAIN_PLAN, DemoConfig

    demo = DemoConfig()
    plan = [*TRAIN_PLAN, ("flash_crash", demo.seed, demo.minutes, None, demo.fat_finger_rate)]
    return _fit_on_first_days(plan, demo.symbols, len(TRAIN_PLAN), tmp_path_factory, "demo")


@pytest.fixture(scope="module")
def goog_rows(goog_features_db):
    from jaxmodels.data import market_rows
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={goog_features_db}") as s:
        return market_rows(s, CFG.inputs)


def _crash_alerts(model, te, normal, evs) -> list[dict]:
    from jaxmodels import evaluate as ev

    _, _, tier = model.score(te)
    st = ev.alert_stats(te.ts, te.sym, tier >= 2, normal, evs, te.ctx["mid"])
    return [e for e in st["events"] if e["event"] == "flash_crash"]


def _check_added_delay(model_and_data, n_crashes):
    mm, te, normal, evs = model_and_data
    on, off = _crash_alerts(mm, te, normal, evs), _crash_alerts(_untailed(mm), te, normal, evs)
    assert len(on) == len(off) == n_crashes
    for a, b in zip(on, off, strict=True):
        assert a["delay_s"] is not None and a["before_trough"], a
        assert b["delay_s"] is not None
        assert a["delay_s"] <= b["delay_s"] + MAX_ADDED_DELAY_S, (a, b)


def test_crash_alert_when_tail_calibrated_then_before_trough_and_at_most_1s_later_on_each_seed(
        long_day_model):
    _check_added_delay(long_day_model, len(CRASH_SEEDS))


def test_crash_alert_when_tail_calibrated_in_demo_setting_then_at_most_1s_later(
        demo_setting_model):
    _check_added_delay(demo_setting_model, 1)


def test_goog_when_tail_calibrated_then_high_alert_episodes_cut(long_day_model, goog_rows):
    from jaxmodels import evaluate as ev

    mm = long_day_model[0]
    g = goog_rows
    _, sm, tier = mm.score(g)
    _, _, tier_off = _untailed(mm).score(g)
    on_eps = len(ev.episodes(g.ts, tier >= 2, MERGE_NS))
    off_eps = len(ev.episodes(g.ts, tier_off >= 2, MERGE_NS))
    # a 6.5 h day with no crash: few HIGH episodes, and far fewer than uncalibrated
    assert on_eps <= max(off_eps // 5, 3)
    thr = mm.anomaly.symbol_thresholds(mm.anomaly.held(sm, g.code), g.code)
    assert (thr >= mm.anomaly.thresholds - 1e-9).all()
    assert np.median(thr[:, 1]) > mm.anomaly.thresholds[1]  # the real stock's tail is heavier
