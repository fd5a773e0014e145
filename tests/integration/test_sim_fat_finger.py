"""Fat-finger injection rate of the OMS flow: at the default 1/2000 over 5 symbol-days
(about 200k orders) the rate lies inside the 99.9 % binomial confidence interval of the
count and at least 70 errors are injected (about 100 expected); at 1 % over 2 symbol-hours a
binomial test does not reject the configured rate at the 0.1 % level."""

import numpy as np
from scipy import stats

from sim import SimConfig, simulate


def test_error_count_when_default_rate_then_inside_binomial_interval():
    # 5 symbol-days at 80 orders/min (midday baseline): about 200k orders, 100 expected
    # errors; 70 is about 3 standard deviations below that
    cfg = SimConfig(n_symbols=5, minutes=390.0, seed=99, oms_orders_per_min=80.0)
    res = simulate(cfg)
    is_err = np.asarray(res.labels_orders["is_error"].to_numpy(zero_copy_only=False))
    n, k = is_err.shape[0], int(is_err.sum())
    assert n > 180_000
    ci = stats.binomtest(k, n, cfg.fat_finger_rate).proportion_ci(confidence_level=0.999)
    assert ci.low <= cfg.fat_finger_rate <= ci.high
    assert k >= 70


def test_error_count_when_rate_one_percent_then_binomial_test_does_not_reject():
    cfg = SimConfig(n_symbols=2, minutes=60.0, seed=4, fat_finger_rate=0.01,
                    oms_orders_per_min=100.0)
    res = simulate(cfg)
    is_err = np.asarray(res.labels_orders["is_error"].to_numpy(zero_copy_only=False))
    k, n = int(is_err.sum()), is_err.shape[0]
    assert n > 10_000
    assert stats.binomtest(k, n, cfg.fat_finger_rate).pvalue > 0.001
