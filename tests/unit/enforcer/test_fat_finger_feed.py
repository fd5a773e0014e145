"""Layer 1's fat_finger_limits rows reach the live gate through the limits feed (real DuckDB
file, fake clock): in force with the symbol's model rows, per (sym, trader), gone when the
publisher goes stale; the batch path built from the same engine agrees."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from enforcer.batch import check_batch
from enforcer.batch_host import arrays_from_orders
from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from enforcer.reasons import mask_to_names
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, order, publish, write_static

S = 10**9


def _ff(ts: int, sym: str, trader: str, q: int) -> pa.Table:
    return pa.table({"ts": pa.array([ts], pa.timestamp("ns")), "sym": [sym],
                     "trader": [trader], "fat_finger_max_qty": pa.array([q], pa.int64()),
                     "model_version": ["gbdt-1"]})


def _make(tmp_path, store):
    cfg = EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", SMALL_STATIC),
                         decision_log_path=tmp_path / "d.log")
    clock = FakeClock()
    e = Enforcer(cfg, store, clock)
    e.on_quote("AAA", 99.9, 100.1, T0)
    e.on_quote("BBB", 99.9, 100.1, T0)
    return e, clock


def test_submit_when_layer1_row_in_force_then_over_its_max_qty_is_fat_finger(tmp_path, store):
    e, _ = _make(tmp_path, store)
    publish(store, T0, max_order_qty=900)
    store.ingest("fat_finger_limits", _ff(T0, "AAA", "t1", 40), session=None)
    store.ingest("fat_finger_limits", _ff(T0, "BBB", "t1", 40), session=None)  # no BBB rows
    e.poll()
    assert e.submit(order(1, qty=41)).reasons == ("FAT_FINGER",)
    assert e.submit(order(2, qty=40, price=100.01)).verdict == "ACCEPT"
    assert e.submit(order(3, qty=41, trader="t2", price=100.02)).verdict == "ACCEPT"
    assert e.submit(order(4, qty=41, sym="BBB")).verdict == "ACCEPT"  # its model rows absent
    store.ingest("fat_finger_limits", _ff(T0 + 1, "AAA", "t1", 60), session=None)
    e.poll()
    assert e.submit(order(5, T0 + 2, qty=41, price=100.03)).verdict == "ACCEPT"


def test_submit_when_publisher_stale_then_layer1_row_out_of_force(tmp_path, store):
    e, clock = _make(tmp_path, store)
    publish(store, T0, max_order_qty=900)
    store.ingest("fat_finger_limits", _ff(T0, "AAA", "t1", 40), session=None)
    e.poll()
    clock.advance(60 * S)
    e.poll()
    d = e.submit(order(1, T0 + 60 * S, qty=41))
    assert d.verdict == "ACCEPT" and d.risk_state == "RiskAlert_StaleLimits"


def test_batch_when_layer1_rows_then_same_reasons_as_single_path(tmp_path, store):
    e, _ = _make(tmp_path, store)
    publish(store, T0, max_order_qty=900)
    for trader, q in (("t1", 40), ("t2", 400)):
        store.ingest("fat_finger_limits", _ff(T0, "AAA", trader, q), session=None)
    e.poll()
    rng = np.random.default_rng(3)
    orders = [order(i, T0 + i * S, qty=int(rng.integers(1, 600)), price=100.0 + i / 100,
                    trader=str(rng.choice(["t1", "t2", "t3"])), sym=str(rng.choice(["AAA", "BBB"])))
              for i in range(60)]
    cols, state = arrays_from_orders(orders, e)
    ctx = e.rule_context()
    masks, _ = check_batch(cols, state, flags=0, rate=ctx.rate, cap=ctx.cap,
                           need_ref=ctx.need_ref)
    got = [mask_to_names(int(m)) for m in masks]
    want = [e.submit(o).reasons for o in orders]
    assert got == [tuple(w) for w in want]
    assert any("FAT_FINGER" in w for w in want)
