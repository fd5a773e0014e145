"""OMS flow: trader mix, prices near the touch, fat-finger transformations and labels."""

import numpy as np
import pyarrow.compute as pc
import pytest

from sim import SimConfig, simulate
from sim.measure import for_sym
from sim.oms import ERROR_KINDS, MAX_VALID_QTY, TRADERS

TICK = 0.01


@pytest.fixture(scope="module")
def run():
    cfg = SimConfig(n_symbols=2, minutes=30.0, seed=5, fat_finger_rate=0.05,
                    oms_orders_per_min=60.0)
    res = simulate(cfg)
    od = res.orders.to_pydict()
    lab = res.labels_orders.to_pydict()
    return res, od, lab


def _touch(res, od):
    """Bid and ask in force at each order's timestamp (last quote row with ts <= order ts)."""
    n = len(od["ts"])
    bid, ask = np.full(n, np.nan), np.full(n, np.nan)
    o_ts = np.asarray(res.orders["ts"].cast("int64").to_numpy())
    sym = np.asarray(od["sym"])
    for s in np.unique(sym):
        q = for_sym(res.quotes, s)
        q_ts = np.asarray(q["ts"].cast("int64").to_numpy())
        m = sym == s
        k = np.searchsorted(q_ts, o_ts[m], side="right") - 1
        bid[m] = q["bid"].to_numpy(zero_copy_only=False)[k]
        ask[m] = q["ask"].to_numpy(zero_copy_only=False)[k]
    return bid, ask


def test_labels_when_joined_to_orders_then_one_row_per_order_same_ts_and_sym(run):
    res, od, lab = run
    assert lab["order_id"] == od["order_id"]
    assert res.labels_orders["ts"].equals(res.orders["ts"])
    assert lab["sym"] == od["sym"]
    assert all((k != "") == e for k, e in zip(lab["error_kind"], lab["is_error"], strict=True))
    assert set(lab["error_kind"]) <= set(ERROR_KINDS)


def test_orders_when_listed_then_no_label_column_or_value_leaks(run):
    res, od, lab = run
    for tbl in (res.orders, res.trades, res.quotes, res.book):
        assert not {"is_error", "error_kind"} & set(tbl.column_names)
    strings = set(od["trader"]) | set(od["strategy"]) | set(od["order_type"])
    assert not strings & (set(ERROR_KINDS) - {""})


def test_orders_when_flow_then_at_least_six_traders_four_strategies_and_both_types(run):
    res, od, lab = run
    assert len(set(od["trader"])) >= 6 and len(set(od["strategy"])) >= 4
    assert set(od["order_type"]) == {"LIMIT", "MARKET"}
    mkt = np.asarray(od["order_type"]) == "MARKET"
    assert all(p is None for p, m in zip(od["price"], mkt, strict=True) if m)
    assert all(p is not None and p > 0 for p, m in zip(od["price"], mkt, strict=True) if not m)


def test_valid_orders_when_limit_then_price_near_the_touch_and_qty_bounded(run):
    res, od, lab = run
    bid, ask = _touch(res, od)
    ok = ~np.asarray(lab["is_error"])
    lim = np.asarray(od["order_type"]) == "LIMIT"
    px = np.array([np.nan if p is None else p for p in od["price"]])
    buy = np.asarray(od["side"]) == "B"
    m = ok & lim
    assert np.all(px[m & buy] <= ask[m & buy] + 2 * TICK + 1e-9)
    assert np.all(px[m & ~buy] >= bid[m & ~buy] - 2 * TICK - 1e-9)
    assert np.all(np.abs(px[m] / (0.5 * (bid[m] + ask[m])) - 1) < 0.02)
    assert np.max(np.asarray(od["qty"])[ok]) <= MAX_VALID_QTY


def test_median_qty_when_per_trader_then_near_its_own_median(run):
    res, od, lab = run
    ok = ~np.asarray(lab["is_error"])
    tr, qty = np.asarray(od["trader"]), np.asarray(od["qty"])
    for name, _, med, *_ in TRADERS:
        q = qty[ok & (tr == name)]
        assert q.size > 30 and 0.7 * med <= np.median(q) <= 1.3 * med, name


def test_errors_when_injected_then_each_kind_actually_transforms_qty_or_price(run):
    res, od, lab = run
    bid, ask = _touch(res, od)
    kinds = np.asarray(lab["error_kind"])
    qty = np.asarray(od["qty"])
    px = np.array([np.nan if p is None else p for p in od["price"]])
    buy = np.asarray(od["side"]) == "B"
    mid = 0.5 * (bid + ask)
    assert set(kinds) == set(ERROR_KINDS)  # every kind occurs at a 5 % error rate
    for f, kind in ((10, "qty_x10"), (100, "qty_x100"), (1000, "qty_x1000")):
        q = qty[kinds == kind]
        assert np.all(q % f == 0) and np.all(q // f <= MAX_VALID_QTY) and np.all(q >= f)
    m = kinds == "price_decimal"
    ratio = px[m] / mid[m]
    assert np.all(((ratio > 8) & (ratio < 12)) | ((ratio > 0.08) & (ratio < 0.12)))
    m = kinds == "price_through_book"
    assert np.all(px[m & buy] >= 1.049 * ask[m & buy])
    assert np.all(px[m & ~buy] <= 0.951 * bid[m & ~buy])
    m = kinds == "notional_as_qty"
    per = qty[m] / mid[m]  # = intended lots, up to rounding of the notional
    assert np.all(np.abs(per - np.rint(per)) <= 0.5 / mid[m] + 1e-9) and np.all(np.rint(per) >= 1)
    market = np.asarray(od["order_type"]) == "MARKET"
    assert not np.any(market & np.isin(kinds, ["price_decimal", "price_through_book"]))


def test_simulate_when_fat_finger_rate_zero_then_no_errors():
    res = simulate(SimConfig(minutes=5.0, seed=1, fat_finger_rate=0.0))
    assert not pc.any(res.labels_orders["is_error"]).as_py()
