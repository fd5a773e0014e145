"""A fair replay: fills, cancels and expiries release exposure in event time, within and
across chunks, exactly as the live engine sees them; HALTED rows and a tripped breaker are
counted apart from the limits' own blocks (real DuckDB file, real engine)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa

from enforcer.commands import CancelOrder, NewOrder
from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from enforcer.replay import replay
from tests.unit.enforcer.helpers import T0, FakeClock, heartbeat_row, limits_row, write_static

S, MS = 10**9, 10**6
# max_position 100 lots per side; loose everything else (fat finger off)
STATIC = """
name = "fair"
[defaults]
allow_unknown_symbols = false
reject_without_reference = true
max_order_qty = 1000
max_notional = 1e9
price_band_bps = 1000.0
max_position = 100
fat_finger_threshold = 1e9
[throttle]
rate_per_s = 1000
burst = 1000
[symbols.AAA]
[symbols.BBB]
"""


def _orders(rows):
    """rows: (ts, order_id, side, qty, price|None, order_type[, strategy[, sym]])."""
    return pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns")),
        "order_id": [r[1] for r in rows], "trader": ["t"] * len(rows),
        "strategy": [r[6] if len(r) > 6 else "s" for r in rows],
        "sym": [r[7] if len(r) > 7 else "AAA" for r in rows],
        "side": [r[2] for r in rows], "qty": [r[3] for r in rows],
        "price": [r[4] for r in rows], "order_type": [r[5] for r in rows]})


def _quotes(store, ts, bid, ask, size=0, sym="AAA"):
    n = len(ts)
    store.ingest("quotes", pa.table({
        "ts": pa.array(ts, pa.timestamp("ns")), "sym": [sym] * n, "bid": bid, "ask": ask,
        "bid_size": [size] * n, "ask_size": [size] * n}), session=None)


def _cfg(tmp_path, **kw) -> EnforcerConfig:
    return EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", STATIC), **kw)


def _verdicts(store):
    return store.query("SELECT order_id, verdict, reasons FROM decisions "
                       "WHERE mode = 'replay' ORDER BY ts, order_id").to_pylist()


def test_replay_when_passive_buys_expire_then_exposure_released_and_later_buys_pass(
        tmp_path, store):
    _quotes(store, [T0 - 1], [99.9], [100.1])
    # 60-lot passive buys every 10 s: two would breach 100 lots while both rest
    store.ingest("orders", _orders([(T0 + i * 10 * S, i, "B", 60, 99.0, "LIMIT")
                                    for i in range(6)]), session=None)
    day = replay(store, _cfg(tmp_path), write=False)  # day orders: none fills or expires
    assert day["rejected"] == 5 and day["rejected_by"]["limits"] == 5
    ioc = replay(store, _cfg(tmp_path, expire_after=timedelta(seconds=5)))
    assert ioc["rejected"] == 0 and ioc["venue"]["released_lots"] == 5 * 60


def test_replay_when_market_trades_through_resting_buy_then_it_fills_into_position(
        tmp_path, store):
    _quotes(store, [T0 - 1, T0 + 2 * S], [99.9, 98.0], [100.1, 98.2])  # ask falls to 98.2
    store.ingest("orders", _orders([
        (T0, 1, "B", 60, 99.0, "LIMIT"),  # rests, filled by the 2 s quote (ask 98.2 <= 99)
        (T0 + 1 * S, 2, "B", 60, 98.0, "LIMIT"),  # open 60 + 60 > 100: rejected
        (T0 + 3 * S, 3, "S", 60, 98.5, "LIMIT"),  # filled 60 long: selling 60 passes
        (T0 + 4 * S, 4, "B", 50, 97.0, "LIMIT"),  # filled 60 + open 50 > 100: rejected
    ]), session=None)
    out = replay(store, _cfg(tmp_path))
    assert [r["verdict"] for r in _verdicts(store)] == ["ACCEPT", "REJECT", "ACCEPT", "REJECT"]
    assert out["venue"]["filled_lots"] == 60


def test_replay_when_cancel_row_names_order_then_its_open_qty_released(tmp_path, store):
    _quotes(store, [T0 - 1], [99.9], [100.1])
    store.ingest("orders", _orders([
        (T0, 1, "B", 80, 99.0, "LIMIT"), (T0 + S, 1, "B", 80, None, "CANCEL"),
        (T0 + 2 * S, 2, "B", 80, 99.0, "LIMIT")]), session=None)
    out = replay(store, _cfg(tmp_path))
    assert [r["verdict"] for r in _verdicts(store)] == ["ACCEPT", "ACCEPT", "ACCEPT"]
    assert out["venue"]["cancels"] == 1


def _random_session(store, seed: int, n: int = 400):
    """Two symbols whose markets differ (the venue judges each against its own quotes)."""
    rng = np.random.default_rng(seed)
    for sym in ("AAA", "BBB"):
        qt = T0 + np.sort(rng.integers(0, 60 * S, 120))
        mid = 100 + np.cumsum(rng.normal(0, 0.05, 120))
        _quotes(store, [T0 - 1, *qt.tolist()], [99.95, *(mid - 0.05).round(2).tolist()],
                [100.05, *(mid + 0.05).round(2).tolist()], size=30, sym=sym)
    ts = T0 + np.sort(rng.integers(0, 60 * S, n))
    rows = []
    for i in range(n):
        kind = rng.choice(["LIMIT", "LIMIT", "MARKET", "CANCEL"], p=[.5, .3, .1, .1])
        side = "B" if rng.random() < 0.5 else "S"
        px = round(100 + rng.normal(0, 0.3), 2) if kind == "LIMIT" else None
        oid = int(rng.integers(0, i)) if kind == "CANCEL" and i else i
        rows.append((int(ts[i]), oid, side, int(rng.choice([10, 20, 40])), px, kind,
                     "s" if rng.random() < 0.7 else "u", "AAA" if rng.random() < 0.6 else "BBB"))
    store.ingest("orders", _orders(rows), session=None)
    return rows


def test_replay_when_small_chunks_then_same_verdicts_as_live_engine_fed_the_venue_events(
        tmp_path, store):
    """The live engine, fed the same orders and quotes and the replay venue's fills and
    releases (for the orders it accepted), decides every order as the replay does, whose
    chunks (32 timeline rows) cut between orders and their venue events."""
    from enforcer import replay as R
    from enforcer import replay_columns as C
    from enforcer import replay_venue as V

    _random_session(store, seed=5)
    cfg = _cfg(tmp_path, breaker_rejects_per_s=0, expire_after=timedelta(seconds=8))
    replay(store, cfg, chunk=32)
    got = [r["verdict"] for r in _verdicts(store)]
    # the venue's plan, as the replay made it
    tbl = store.query_file("enforcer/replay_orders.sql", [-(2**62), 2**62])
    o = C.orders(tbl)
    mk = C.markets(store.query_file("enforcer/replay_market.sql", [-(2**62), 2**62]),
                   o.sym.names)
    vp = V.plan(o.ts, o.sym.codes, o.side == 0, o.qty, o.price, o.otype == 1, o.cancel, o.bid,
                o.ask, o.bid_size, o.ask_size, mk, o.order_id,
                C.dense_ids(o.trader.codes, o.strategy.codes, o.sym.codes, o.side),
                8 * S)
    tl = R.timeline(o.ts, ~o.cancel, vp)
    quotes = store.query("SELECT epoch_ns(ts) AS ts, sym, bid, ask FROM quotes ORDER BY ts"
                         ).to_pylist()
    e = Enforcer(cfg, None, FakeClock())
    want, accepted, qi = {}, set(), 0
    names = tbl.to_pydict()
    for r, ev in enumerate(tl.is_ev):
        i, t = int(tl.src[r]), int(tl.ts[r])
        while qi < len(quotes) and quotes[qi]["ts"] <= t:  # the quotes up to now
            q = quotes[qi]
            e.on_quote(q["sym"], q["bid"], q["ask"], q["ts"])
            qi += 1
        side, strat, sym = names["side"][i], names["strategy"][i], names["sym"][i]
        oid = int(names["order_id"][i])
        if ev:  # the order's own open qty follows (a later release frees only the rest)
            if i in accepted and tl.fill[r]:
                e.book.apply_fill(strat, sym, side, int(tl.fill[r]), oid)
            if i in accepted and tl.release[r]:
                e.book.apply_cancel(oid)
            continue
        if o.cancel[i]:
            want[i] = "ACCEPT"
            e.submit(CancelOrder(order_id=names["order_id"][i], ts=t, trader="t",
                                 strategy=strat, sym=sym, orig_order_id=-1))
            continue
        d = e.submit(NewOrder(order_id=names["order_id"][i], ts=t, trader="t",
                              strategy=strat, sym=sym, side=side,
                              qty=e.lots.to_lots(sym, names["qty"][i]),
                              price=names["price"][i], order_type=names["order_type"][i]))
        want[i] = d.verdict
        if d.verdict == "ACCEPT":
            accepted.add(i)
            if vp.fill_now[i]:
                e.book.apply_fill(strat, sym, side, int(vp.fill_now[i]), oid)
            if vp.release_now[i]:
                e.book.apply_cancel(oid)
    assert got == [want[i] for i in range(len(o.ts))]
    assert "REJECT" in got and "ACCEPT" in got


def test_replay_when_halted_row_then_symbol_latched_and_counted_apart(tmp_path, store):
    _quotes(store, [T0 - 1], [99.9], [100.1])
    store.ingest("orders", _orders([(T0 + i * S, i, "B", 10, 99.0, "LIMIT")
                                    for i in range(6)] + [(T0 + 6 * S, 6, "B", 5000, 99.0,
                                                           "LIMIT")]), session=None)
    store.append_limits(limits_row(T0 + 2 * S, state="HALTED", max_order_qty=900))
    store.append_limits(limits_row(T0 + 4 * S, state="ACTIVE", max_order_qty=900))
    for k in range(8):
        store.ingest("publisher_heartbeat", heartbeat_row(T0 + k * S), session=None)
    out = replay(store, _cfg(tmp_path))
    # orders 2..6 blocked by the latch (ACTIVE again at 4 s does not clear it), order 6 also
    # breaks max_order_qty: still counted as halted, not as a limits block
    assert out["rejected_by"] == {"limits": 0, "halted": 5, "breaker": 0}
    assert out["latched"] == {"AAA": T0 + 2 * S}
    assert out["static_rejected_by"] == {"limits": 1, "halted": 0, "breaker": 0}


def test_replay_when_strategy_rejects_too_fast_then_breaker_trips_and_is_counted_apart(
        tmp_path, store):
    _quotes(store, [T0 - 1], [99.9], [100.1])
    bad = [(T0 + i * MS, i, "B", 5000, 99.0, "LIMIT") for i in range(3)]  # MAX_QTY x3
    good = [(T0 + (10 + i) * MS, 10 + i, "B", 1, 99.0, "LIMIT") for i in range(2)]
    other = [(T0 + 20 * MS, 20, "B", 1, 99.0, "LIMIT", "u")]
    store.ingest("orders", _orders(bad + good + other), session=None)
    out = replay(store, _cfg(tmp_path, breaker_rejects_per_s=3))
    assert out["rejected_by"] == {"limits": 3, "halted": 0, "breaker": 2}
    assert out["tripped"] == {"s": T0 + 2 * MS}
    v = {r["order_id"]: (r["verdict"], r["reasons"]) for r in _verdicts(store)}
    assert v[10] == ("REJECT", "CIRCUIT_BREAKER") and v[20] == ("ACCEPT", "")


def test_replay_when_run_again_on_a_similar_session_then_no_recompile(tmp_path, store):
    from enforcer.batch import run_jit

    _random_session(store, seed=6)
    cfg = _cfg(tmp_path, breaker_rejects_per_s=0)
    replay(store, cfg, write=False)
    size = run_jit._cache_size()
    replay(store, cfg, write=False, end_ns=T0 + 50 * S)  # fewer rows, same padded shapes
    assert run_jit._cache_size() == size
