"""Stylized facts of a full simulated normal day (1 symbol, 390 minutes), each checked
with a statistical test from scipy.stats on 1-minute bars measured from the output."""

import numpy as np
import pytest
from scipy import stats

from sim import SimConfig, simulate
from sim.measure import minute_bars

CFG = SimConfig(scenario="normal", n_symbols=1, minutes=390.0, seed=2026)


@pytest.fixture(scope="module")
def bars():
    res = simulate(CFG)
    return minute_bars(res.tables(), "SIM00", res.open_ns, CFG.tick_size)


def _acf(x, lags):
    x = x - x.mean()
    return np.array([np.dot(x[:-k], x[k:]) / np.dot(x, x) for k in lags])


def test_returns_when_one_minute_mid_then_heavy_tailed(bars):
    assert bars.ret.shape == (390,)
    assert stats.kurtosis(bars.ret) > 0
    assert stats.kurtosistest(bars.ret, alternative="greater").pvalue < 0.01


def test_abs_returns_when_lags_1_to_10_then_autocorrelated_ljung_box(bars):
    a = np.abs(bars.ret)
    n, lags = a.shape[0], np.arange(1, 11)
    rho = _acf(a, lags)
    q = n * (n + 2) * np.sum(rho**2 / (n - lags))  # Ljung-Box statistic
    assert rho.mean() > 0
    assert stats.chi2.sf(q, df=10) < 0.01


def test_spread_when_volatility_is_high_then_wider_spearman(bars):
    res = stats.spearmanr(bars.spread_ticks, bars.rv, alternative="greater")
    assert res.statistic > 0 and res.pvalue < 0.01


@pytest.mark.parametrize("edge", ["open", "close"])
def test_volume_when_first_or_last_30_minutes_then_above_midday_mann_whitney(bars, edge):
    part = bars.volume[:30] if edge == "open" else bars.volume[-30:]
    midday = bars.volume[60:330]
    assert part.mean() > midday.mean()
    assert stats.mannwhitneyu(part, midday, alternative="greater").pvalue < 0.01


def test_volume_when_quadratic_in_time_of_day_then_positive_curvature(bars):
    t = (np.arange(390) + 0.5) / 390.0
    x = np.column_stack([np.ones_like(t), t, t * t])
    beta, res, *_ = np.linalg.lstsq(x, bars.volume, rcond=None)
    sigma2 = res[0] / (390 - 3)
    se = np.sqrt(sigma2 * np.linalg.inv(x.T @ x)[2, 2])
    assert beta[2] / se > 2.6  # one-sided t-test at p < 0.005
