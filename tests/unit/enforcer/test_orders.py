"""Exactly one decision per order key; the ledger across fills, venue cancels, replaces,
restarts (rebuilt from the decision log)."""

from __future__ import annotations

from enforcer.commands import CancelOrder, Fill, NewOrder, OrderDone, ReplaceOrder
from enforcer.config import EnforcerConfig
from enforcer.decision_log import read_log
from enforcer.engine import Enforcer
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, write_static


def _make(tmp_path, **kw):
    path = write_static(tmp_path / "static.toml", SMALL_STATIC)
    cfg = EnforcerConfig(static_limits_path=path, decision_log_path=tmp_path / "d.log",
                         breaker_rejects_per_s=0, **kw)
    e = Enforcer(cfg, None, FakeClock())
    e.on_quote("AAA", 99.9, 100.1, T0)
    return e


def _new(i, key, *, ts=T0, qty=10, price=100.0, side="B", strategy="s1"):
    return NewOrder(order_id=i, ts=ts + i, trader="t1", strategy=strategy, sym="AAA",
                    side=side, qty=qty, price=price + i / 100, key=key)  # no DUPLICATE


def _decided(tmp_path):
    return [r for r in read_log(tmp_path / "d.log") if r[0] == "D"]


def test_submit_when_key_resent_then_original_decision_and_nothing_logged(tmp_path):
    e = _make(tmp_path)
    d1, fresh1 = e.submit_once(_new(1, "OMS1|1"))
    d2, fresh2 = e.submit_once(_new(1, "OMS1|1", ts=T0 + 10**9, qty=999))  # resend, new ts
    assert (fresh1, fresh2) == (True, False) and d2 == d1
    assert len(_decided(tmp_path)) == 1 and e.book.pos[("s1", "AAA")] == [0, 10, 0]


def test_submit_when_same_clordid_other_session_then_decided_separately(tmp_path):
    e = _make(tmp_path)
    assert e.submit(_new(1, "OMS1|1")).seq != e.submit(_new(2, "OMS2|1", qty=11)).seq


def test_cancel_when_two_sessions_share_a_clordid_then_each_releases_only_its_own(tmp_path):
    e = _make(tmp_path)  # both orders carry order id 7 (a numeric ClOrdID), keys differ
    a = e.submit(NewOrder(order_id=7, ts=T0, trader="t1", strategy="s1", sym="AAA",
                          side="B", qty=300, price=100.0, key="OMS1|7"))
    b = e.submit(NewOrder(order_id=7, ts=T0 + 1, trader="t2", strategy="s1", sym="AAA",
                          side="B", qty=500, price=100.01, key="OMS2|7"))
    assert (a.verdict, b.verdict) == ("ACCEPT", "ACCEPT")
    e.on_fill(Fill(ts=T0 + 2, sym="AAA", strategy="s1", side="B", qty=100, price=100.0,
                   order_seq=b.seq))  # OMS2's order part-fills: 400 of it left open
    e.submit(CancelOrder(order_id=8, ts=T0 + 3, trader="t1", strategy="s1", sym="AAA",
                         orig_order_id=7, key="OMS1|8", orig_key="OMS1|7"))
    assert e.book.pos[("s1", "AAA")] == [100, 400, 0]  # OMS1's 300 released, OMS2's 400 stay
    e.on_done(OrderDone(ts=T0 + 4, order_seq=b.seq))  # the venue cancels OMS2's rest
    assert e.book.pos[("s1", "AAA")] == [100, 0, 0] and e.book.open_orders == {}
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.book.pos == e.book.pos and e2.book.open_orders == {}


def test_restart_when_key_resent_then_original_decision_from_the_log(tmp_path):
    e = _make(tmp_path)
    rej = e.submit(_new(1, "OMS1|1", qty=5000))  # MAX_QTY
    acc = e.submit(_new(2, "OMS1|2"))
    e._log.close()  # crash
    e2 = _make(tmp_path)
    assert e2.submit_once(_new(1, "OMS1|1", qty=1)) == (rej, False)
    assert e2.submit_once(_new(2, "OMS1|2")) == (acc, False)
    assert len(_decided(tmp_path)) == 2


def test_venue_cancel_when_order_open_then_exposure_released_and_survives_restart(tmp_path):
    e = _make(tmp_path)
    a = e.submit(_new(1, "k1", qty=900))
    b = e.submit(_new(2, "k2", qty=900))
    assert e.submit(_new(3, "k3", qty=900)).reasons == ("MAX_POSITION",)
    e.on_done(OrderDone(ts=T0 + 5, order_seq=a.seq, status="C"))  # expired at the venue
    e.on_fill(Fill(ts=T0 + 6, sym="AAA", strategy="s1", side="B", qty=400, price=100.0,
                   order_seq=b.seq))
    e.on_done(OrderDone(ts=T0 + 7, order_seq=b.seq, status="4"))  # rest cancelled
    assert e.book.pos[("s1", "AAA")] == [400, 0, 0]
    assert (e.order("k1").status, e.order("k2").status, e.order("k2").cum_qty) == ("C", "4", 400)
    assert e.submit(_new(4, "k4", qty=900)).verdict == "ACCEPT"
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.book.pos == e.book.pos and e2.book.open_orders == e.book.open_orders
    assert (e2.order("k2").status, e2.order("k2").avg_px) == ("4", 100.0)


def _replace(i, key, orig_key, qty):
    return ReplaceOrder(order_id=i, ts=T0 + i, trader="t1", strategy="s1", sym="AAA",
                        side="B", qty=qty, price=100.0, order_type="LIMIT", key=key,
                        orig_key=orig_key)


def test_replace_when_delta_breaches_position_then_rejected_and_original_stays(tmp_path):
    e = _make(tmp_path)  # max_position 2000
    e.submit(_new(0, "k0", qty=200))
    e.submit(_new(1, "k1", qty=900))
    e.submit(_new(2, "k2", qty=800))
    r3 = e.submit(_replace(3, "k3", "k2", 850))
    assert r3.verdict == "ACCEPT"  # delta +50: 1950
    assert e.book.pos[("s1", "AAA")] == [0, 2750, 0]  # both count until the venue answers
    e.on_replaced(r3.seq, 850, T0 + 3)
    assert e.book.pos[("s1", "AAA")] == [0, 1950, 0] and e.order("k2").status == "5"
    assert e.submit(_replace(4, "k4", "k3", 950)).reasons == ("MAX_POSITION",)  # 2050
    assert e.book.pos[("s1", "AAA")] == [0, 1950, 0] and e.order("k3").status == "0"
    assert e.submit(_replace(5, "k5", "k2", 5)).reasons == ("UNKNOWN_ORDER",)  # replaced
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.book.pos == e.book.pos and e2.book.open_orders == e.book.open_orders
    assert [e2.order(k).status for k in ("k0", "k1", "k2", "k3", "k4", "k5")] == \
        ["0", "0", "5", "0", "8", "8"]


def test_submit_when_engine_fails_on_a_keyed_order_then_resend_gets_the_same_reject(tmp_path):
    e = _make(tmp_path)
    bad = NewOrder(order_id=1, ts=T0, trader="t1", strategy="s1", sym=["not", "hashable"],
                   side="B", qty=1, price=100.0, key="k1")
    d, fresh = e.submit_once(bad)
    assert (d.reasons, fresh) == (("INTERNAL_ERROR",), True)
    assert e.submit_once(bad) == (d, False)
    e._log.close()
    assert _make(tmp_path).submit_once(_new(1, "k1")) == (d, False)


def test_replace_when_original_part_fills_before_venue_confirms_then_leaves_cut(tmp_path):
    e = _make(tmp_path)
    a = e.submit(_new(1, "k1", qty=100))
    r = e.submit(_replace(2, "k2", "k1", 300))  # new total 300, decided for 300 open
    e.on_fill(Fill(ts=T0 + 3, sym="AAA", strategy="s1", side="B", qty=40, price=100.0,
                   order_seq=a.seq))  # the original fills 40 before the venue replaces
    assert e.book.pos[("s1", "AAA")] == [40, 360, 0]  # 60 of k1 + 300 of k2, pending
    e.on_replaced(r.seq, 260, T0 + 4)  # the venue: 300 - 40 filled
    k2 = e.order("k2")
    assert e.book.pos[("s1", "AAA")] == [40, 260, 0] and e.book.open_orders["k2"][3] == 260
    assert (k2.cum_qty, k2.leaves, e.order("k1").status) == (40, 260, "5")
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.book.pos == e.book.pos and e2.book.open_orders == e.book.open_orders


def test_replace_when_venue_refuses_after_full_fill_then_replacement_released(tmp_path):
    e = _make(tmp_path)
    a = e.submit(_new(1, "k1", qty=100))
    r = e.submit(_replace(2, "k2", "k1", 300))
    e.on_fill(Fill(ts=T0 + 3, sym="AAA", strategy="s1", side="B", qty=100, price=100.0,
                   order_seq=a.seq))  # filled in full: the venue will refuse the replace
    e.on_done(OrderDone(ts=T0 + 4, order_seq=r.seq, status="8"))
    assert e.book.pos[("s1", "AAA")] == [100, 0, 0] and e.book.open_orders == {}
    assert (e.order("k1").status, e.order("k2").status) == ("2", "8")
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.book.pos == e.book.pos and e2.book.open_orders == {}


def test_roll_day_when_new_session_day_then_ledger_keeps_open_orders_and_restart_agrees(
        tmp_path):
    e = _make(tmp_path)
    e.submit(_new(1, "k1", qty=5000))  # MAX_QTY: rejected, done
    a = e.submit(_new(2, "k2"))
    b = e.submit(_new(3, "k3"))
    e.on_fill(Fill(ts=T0 + 4, sym="AAA", strategy="s1", side="B", qty=10, price=100.0,
                   order_seq=b.seq))  # filled: done
    r = e.submit(_replace(4, "k4", "k2", 20))  # pending at the venue: k2 must stay too
    e.submit(CancelOrder(order_id=5, ts=T0 + 5, trader="t1", strategy="s1", sym="AAA",
                         orig_order_id=9, key="c5", orig_key="nope"))
    assert e.roll_day(T0 + 6, "2026-12-01") == 2  # k1 and k3 dropped
    assert sorted(e.orders.by_key) == ["k2", "k4"] and e.orders.cancels == {}
    assert e.orders.pending_replace(e.order("k4")) is e.order("k2")
    assert e.submit_once(_new(1, "k1"))[1] is True  # a new day: a new order, decided
    e._log.close()
    e2 = _make(tmp_path)
    assert e2.session_day == "2026-12-01" and sorted(e2.orders.by_key) == ["k1", "k2", "k4"]
    assert e2.submit_once(_new(1, "k1"))[1] is False  # within the day: once
    assert e2.on_replaced(r.seq, 20, T0 + 7) is not None
    assert e2.book.pos == {("s1", "AAA"): [10, 30, 0]}  # k1 (day 2) 10 + k4 20 open
    assert a.seq in e2.orders.by_seq
