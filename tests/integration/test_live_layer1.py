"""Layer 1 in the live chain: the publisher of ``adaptrisk live`` writes the promoted trees'
``fat_finger_limits`` rows as the OMS orders land, cycle by cycle, and the max qty in force
for every order equals the one a batch publish over the whole session gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from adaptrisk.live.publisher import LAYER1_EVERY_NS, Publisher
from features.build import build
from jaxmodels import gbdt, layer1, persist
from jaxmodels.config import CalibConfig, ModelsConfig, StaticCaps
from jaxmodels.data import order_rows, to_matrix
from jaxmodels.model import labels
from jaxmodels.registry import Registry
from sim import SimConfig, simulate
from tsdb import Store

S = 10**9


def _in_force(store, orders: pa.Table) -> list[int]:
    """The fat_finger_max_qty in force at each order (the newest row of its (sym, trader)
    strictly before it; -1 when none)."""
    rows = store.query("SELECT epoch_ns(ts) AS t, sym, trader, fat_finger_max_qty AS q "
                       "FROM fat_finger_limits ORDER BY t").to_pylist()
    by: dict[tuple, list] = {}
    for r in rows:
        by.setdefault((r["sym"], r["trader"]), []).append((r["t"], r["q"]))
    out = []
    for t, s, tr in zip(orders.column("ts_ns").to_pylist(), orders.column("sym").to_pylist(),
                        orders.column("trader").to_pylist(), strict=True):
        seq = by.get((s, tr), [])
        before = [q for tt, q in seq if tt < t]
        out.append(before[-1] if before else -1)
    return out


def _batch_in_force(tables, path, tm, mid, demo) -> tuple[list[int], pa.Table]:
    with Store.from_conf(f"duckdb::path={path}") as batch:
        for name, t in tables.items():
            batch.ingest(name, t)
        build(batch)
        orders = order_rows(batch)
        assert layer1.publish_store(batch, tm, mid, since=-(2**62), until=2**62,
                                    demo=demo) > 0
        return _in_force(batch, orders), orders


@pytest.mark.parametrize("ff_threshold", [25.0, 3.0])
def test_publisher_when_orders_land_cycle_by_cycle_then_layer1_limits_equal_batch(
        tmp_path, ff_threshold):
    """The static fat-finger multiple handed over in the models config reaches the live
    publish as it reaches `models publish` (demonstrated sizes count only orders under it):
    at 3x the limits differ from the default 25x ones, and live still equals batch."""
    tables = simulate(SimConfig(n_symbols=1, minutes=6.0, seed=11, fat_finger_rate=0.02,
                                oms_orders_per_min=120.0, oms_size_median=100.0)).tables()
    reg = Registry(str(tmp_path / "models"))
    with Store.from_conf(f"duckdb::path={tmp_path / 'train.duckdb'}") as st:
        for name, t in tables.items():
            st.ingest(name, t)
        build(st)
        orders = order_rows(st)
        y, known = labels(orders)
        cfg = layer1.config(max_trees=20, n_bins=32)
        tm, met = gbdt.fit(to_matrix(orders, cfg.inputs)[known], y[known], cfg)
    mid = persist.save_trees(reg, tm, {}, None)
    reg.promote(mid)
    want, orders = _batch_in_force(tables, tmp_path / "batch.duckdb", tm, mid,
                                   layer1.Demonstrated(fat_finger_threshold=ff_threshold))
    if ff_threshold != 25.0:
        default, _ = _batch_in_force(tables, tmp_path / "default.duckdb", tm, mid, None)
        assert default != want  # the multiple matters here, so the test can tell
    models = ModelsConfig(calib=CalibConfig(caps=StaticCaps(fat_finger_threshold=ff_threshold)))

    ts = {n: tables[n].column("ts").cast(pa.int64()) for n in ("book", "trades", "quotes",
                                                                 "orders")}
    t0 = min(pc.min(a).as_py() for a in ts.values())
    t1 = max(pc.max(a).as_py() for a in ts.values())
    with Store.from_conf(f"duckdb::path={tmp_path / 'live.duckdb'}") as live:
        clock = [0]  # monotonic ns: a layer-1 period passes between two cycles below
        pub = Publisher(live, reg, models, wall=lambda: 0, clock=lambda: clock[0])
        written, prev = [], t0 - 1
        for now in list(range(t0 + 30 * S, t1, 30 * S)) + [t1 + S]:
            for name in ("book", "trades", "quotes", "orders"):
                a = ts[name]
                part = tables[name].filter(pc.and_(pc.greater(a, prev), pc.less_equal(a, now)))
                if part.num_rows:
                    live.ingest(name, part)
            written.append(pub.cycle(now).fat_finger)
            prev, clock[0] = now, clock[0] + LAYER1_EVERY_NS
        assert sum(written) > 0 and len([w for w in written if w]) > 1  # published as it went
        clock[0] -= 1  # less than a period since the last layer-1 publish
        live.ingest("orders", tables["orders"].slice(0, 1).set_column(
            0, "ts", pa.array([t1 + 2 * S], pa.timestamp("ns"))))
        assert pub.cycle(t1 + 3 * S).fat_finger == 0  # too soon: no order query
        assert _in_force(live, orders) == want
    assert np.mean(np.asarray(want) > 0) > 0.5  # most orders had a trader limit in force
