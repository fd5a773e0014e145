"""Shared builders for enforcer tests (real parts only: real Store, real files)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from enforcer.commands import NewOrder

T0 = 1_700_000_000_000_000_000  # UTC ns


class FakeClock:
    """A clock tests move by hand (STYLE 8: no sleeps)."""

    def __init__(self, t: int = T0) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t

    def advance(self, ns: int) -> None:
        self.t += ns


def write_static(path: Path, body: str) -> Path:
    path.write_text(body)
    return path


SMALL_STATIC = """
name = "test"
[defaults]
allow_unknown_symbols = false
reject_without_reference = true
max_order_qty = 1000
max_notional = 100000.0
price_band_bps = 100.0
max_position = 2000
fat_finger_threshold = 10.0
[throttle]
rate_per_s = 10
burst = 5
[restricted]
symbols = ["BAD"]
[symbols.AAA]
[symbols.BBB]
max_order_qty = 500
[symbols.BAD]
"""


def order(i: int, ts: int = T0, *, sym: str = "AAA", side: str = "B", qty: int = 10,
          price: float | None = 100.0, strategy: str = "s1", trader: str = "t1",
          order_type: str = "LIMIT") -> NewOrder:
    return NewOrder(order_id=i, ts=ts, trader=trader, strategy=strategy, sym=sym, side=side,
                    qty=qty, price=price, order_type=order_type)


def limits_row(ts: int, sym: str = "AAA", strategy: str = "*", *, max_order_qty: int = 100,
               max_notional: float = 50000.0, price_band_bps: float = 50.0,
               max_position: int = 1000, fat_finger_threshold: float = 5.0,
               state: str = "ACTIVE", model_version: str = "m1") -> pa.Table:
    return pa.table({
        "ts": pa.array([ts], pa.timestamp("ns")), "sym": [sym], "strategy": [strategy],
        "max_order_qty": [max_order_qty], "max_notional": [max_notional],
        "price_band_bps": [price_band_bps], "max_position": [max_position],
        "fat_finger_threshold": [fat_finger_threshold], "state": [state],
        "reason": ["test"], "model_version": [model_version]})


def heartbeat_row(ts: int, sym: str = "AAA", *, market_ts: int | None = None,
                  published_ts: int | None = None, publisher: str = "test",
                  model_version: str = "m1") -> pa.Table:
    """A publisher_heartbeat row: bucket end `ts`; market_ts and published_ts default to ts
    (a publisher on time, written at once)."""
    return pa.table({
        "ts": pa.array([ts], pa.timestamp("ns")), "sym": [sym], "publisher": [publisher],
        "model_version": [model_version],
        "market_ts": pa.array([ts if market_ts is None else market_ts], pa.timestamp("ns")),
        "published_ts": pa.array([ts if published_ts is None else published_ts],
                                 pa.timestamp("ns"))})


def publish(store, ts: int, sym: str = "AAA", **kw) -> None:
    """What a limits publisher writes: a risk_limits row (kw as `limits_row`) and the
    symbol's heartbeat at the same ts."""
    store.append_limits(limits_row(ts, sym, **kw))
    store.ingest("publisher_heartbeat", heartbeat_row(ts, sym), session=None)
