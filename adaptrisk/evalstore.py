"""Evaluation stores: several simulated session days, each with its own seed and scenario
parameters, so a walk-forward test day is never one the models were trained on.

``build(store, plan)`` simulates each day (consecutive weekdays), makes order ids unique
across days (the simulator numbers them from 1 per run), ingests and builds features.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

ORDER_ID_STRIDE = 100_000_000

# (scenario, seed, minutes, onset_minute or None, fat_finger_rate)
PLANS: dict[str, list[tuple]] = {
    "quick": [("normal", 11, 60, None, 0.01), ("flash_crash", 12, 60, 35.0, 0.01),
              ("flash_crash", 13, 60, 41.0, 0.01)],
    "default": [("normal", 21, 390, None, 0.005), ("volatile", 22, 390, 200.0, 0.005),
                ("flash_crash", 23, 390, 230.0, 0.005), ("liquidity_withdrawal", 24, 390, 150.0,
                                                         0.005),
                ("flash_crash", 25, 390, 300.0, 0.005)],
}


def with_order_ids(tables: dict, k: int) -> dict:
    """``tables`` (a simulated day's, by name) with the order ids of ``orders`` and
    ``labels_orders`` moved by ``k`` strides of ``ORDER_ID_STRIDE``: each simulated day
    numbers its orders from 1, and days in one store must not share an id."""
    if k == 0:
        return tables
    out = dict(tables)
    for name in ("orders", "labels_orders"):
        t = out[name]
        ids = pc.add(t.column("order_id"), pa.scalar(k * ORDER_ID_STRIDE, pa.int64()))
        out[name] = t.set_column(t.schema.get_field_index("order_id"), "order_id", ids)
    return out


def days(n: int, start: dt.date = dt.date(2026, 6, 22)) -> list[dt.date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def build(store, plan: str | list[tuple] = "quick", *, n_symbols: int = 3, out=print) -> int:
    """Simulate and ingest every day of ``plan`` and build features; returns days written."""
    from features.build import build as build_features
    from sim import SimConfig, simulate

    spec = PLANS[plan] if isinstance(plan, str) else plan
    for i, (day, (scenario, seed, minutes, onset, ffr)) in enumerate(
            zip(days(len(spec)), spec, strict=True)):
        cfg = SimConfig(scenario=scenario, n_symbols=n_symbols, minutes=float(minutes),
                        seed=seed, onset_minute=onset, fat_finger_rate=ffr, session_date=day)
        for name, t in with_order_ids(simulate(cfg).tables(), i).items():
            store.ingest(name, t)
        out(f"[evalstore] {day} {scenario} seed {seed}: {minutes} min x {n_symbols} symbols")
    rep = build_features(store)
    out(f"[evalstore] features: {rep.rows:,} rows")
    return len(spec)
