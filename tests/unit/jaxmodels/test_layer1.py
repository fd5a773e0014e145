"""Layer 1's decision level inverted into a max qty: the inputs at another size are exact, the
boundary found is the trees' own, and the gate disagrees with the trees only where the trees
are not monotone in qty (with a witness)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jaxmodels import gbdt, layer1

F = {n: i for i, n in enumerate(layer1.L1_INPUTS)}


def _rows(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic orders of traders with lognormal sizes: (x float32[n, F], qty, is_error)."""
    rng = np.random.default_rng(seed)
    med = np.exp(rng.uniform(np.log(5), np.log(2000), n))
    sig = rng.uniform(0.4, 0.8, n)
    qty = np.maximum(1, np.rint(med * np.exp(sig * rng.standard_normal(n))))
    err = rng.random(n) < 0.05
    qty = np.where(err, qty * 10 ** rng.integers(1, 4, n), qty)
    mx = med * np.exp(2.2 * sig)
    vol = med * rng.uniform(50, 500, n)
    x = np.full((n, len(F)), np.nan, np.float32)
    x[:, F["qty_over_trader_median"]] = qty / med
    x[:, F["qty_over_trader_max"]] = qty / mx
    x[:, F["log_qty_scale"]] = sig
    x[:, F["log_qty_z"]] = np.log(qty / med) / np.maximum(sig, layer1.LOG_Z_FLOOR)
    x[:, F["qty_over_vol_20m"]] = qty / vol
    x[:, F["qty_over_avg_trade"]] = qty / (vol / 300)
    return x, qty.astype(np.float64), err


def test_inputs_at_when_same_qty_then_same_row_and_when_doubled_then_ratios_double():
    x, q, _ = _rows(0, 50)
    np.testing.assert_array_equal(layer1.inputs_at(x, q, q), x)
    y = layer1.inputs_at(x, q, 2 * q)
    for name in layer1.PROPORTIONAL:
        np.testing.assert_allclose(y[:, F[name]], 2 * x[:, F[name]], rtol=1e-6)
    np.testing.assert_allclose(y[:, F["log_qty_z"]] - x[:, F["log_qty_z"]],
                               np.log(2) / x[:, F["log_qty_scale"]], rtol=1e-5)
    np.testing.assert_array_equal(y[:, F["log_qty_scale"]], x[:, F["log_qty_scale"]])


def test_max_qty_when_trees_fit_then_boundary_is_theirs_and_disagreements_have_witnesses():
    x, q, y = _rows(1, 6000)
    tm, _ = gbdt.fit(x, y, layer1.config(max_trees=40, n_bins=32))
    xt, qt, _ = _rows(2, 1500)
    first = layer1.first_flagged_qty(tm, xt, qt)
    has = first < layer1.NO_LIMIT
    assert has.mean() > 0.99
    i = np.flatnonzero(has & (first > 1))
    assert tm.flag(layer1.inputs_at(xt[i], qt[i], first[i].astype(float))).all()
    assert not tm.flag(layer1.inputs_at(xt[i], qt[i], first[i] - 1.0)).any()
    gate = layer1.gate_flags(tm, xt, qt)
    trees = tm.flag(xt)
    assert (gate != trees).mean() < 0.01
    for k in np.flatnonzero(gate != trees):  # a flagged size below an unflagged one
        lo, hi = (qt[k], first[k] - 1.0) if trees[k] else (first[k], qt[k])
        assert lo < hi
        r = layer1.inputs_at(xt[[k, k]], qt[[k, k]], np.array([lo, hi]))
        assert list(tm.flag(r)) == [True, False]


def test_publish_rows_when_value_unchanged_then_no_new_row_for_the_pair():
    orders = pa.table({"ts_ns": [1, 2, 3, 4, 5], "sym": ["A", "A", "B", "A", "A"],
                       "trader": ["t", "t", "t", "t", "u"]})
    rows = layer1.publish_rows(orders, np.array([10, 10, 10, 12, 10]), "m1").to_pylist()
    assert [(r["ts"].value, r["sym"], r["trader"], r["fat_finger_max_qty"]) for r in rows] == [
        (1, "A", "t", 10), (3, "B", "t", 10), (4, "A", "t", 12), (5, "A", "u", 10)]
    assert {r["model_version"] for r in rows} == {"m1"}
