"""Fractional orders over a real FIX socket and the REST API (issue 17, point 2): a crypto desk
sends 0.05 BTC on a BTCUSD whose lot is 1e-8 (a satoshi); the engine decides on lot counts,
the reports and the decisions table say venue units again, and limits stated in BTC (the
static TOML, a risk_limits row) apply in BTC."""

from __future__ import annotations

import time

import httpx
import pytest

from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import FixClient, new_order_fields
from enforcer.fix.config import FixConfig
from enforcer.rest.app import create_app
from enforcer.rest.config import RestConfig
from enforcer.rest.server import RestServer
from tests.unit.enforcer.helpers import heartbeat_row, limits_row
from tests.unit.enforcer_fe.helpers import static_text

INSTRUMENTS = """
[[instrument]]
sym = "BTCUSD"
calendar = "24/7"
lot_size = 0.00000001
"""

# the front-end tests' rule set, with BTC caps in BTC (venue units)
STATIC = static_text(["AAPL"], "crypto-fe") + """[symbols.BTCUSD]
max_order_qty = 1.5
max_position = 10.0
"""


def _enforcer(tmp_path, store=None) -> Enforcer:
    (tmp_path / "ins.toml").write_text(INSTRUMENTS)
    (tmp_path / "static.toml").write_text(STATIC)
    return Enforcer(EnforcerConfig(static_limits_path=tmp_path / "static.toml",
                                   instruments_path=tmp_path / "ins.toml"), store=store)


@pytest.fixture
def served(tmp_path, store):
    enf = _enforcer(tmp_path, store)
    acc = FixAcceptor(enf, config=FixConfig(port=0))
    acc.start()
    now = time.time_ns()
    acc.gateway.on_quote("BTCUSD", 40000.0, 40001.0, now)
    acc.gateway.on_quote("AAPL", 99.0, 101.0, now)
    acc.venue.drain()
    with FixClient("127.0.0.1", acc.port, sender="DESK", timeout=5.0) as c:
        c.logon()
        yield enf, acc, c
    acc.stop()


def _order(c: FixClient, cl, qty, price, sym="BTCUSD", side="B"):
    c.send("D", new_order_fields(cl_ord_id=cl, sym=sym, side=side, qty=qty, price=price))
    return c.expect(b"8")


def test_new_order_when_0_05_btc_on_satoshi_lot_then_accepted_and_reports_say_0_05(served,
                                                                                   store):
    enf, acc, c = served
    er = _order(c, 1, "0.05", 40001.0)  # marketable: fills at the ask
    assert (er.get(C.EXEC_TYPE), er.get(C.ORDER_QTY)) == (b"0", b"0.05"), er
    assert (er.get(C.LEAVES_QTY), er.get(C.CUM_QTY)) == (b"0.05", b"0")
    fill = c.expect(b"8")
    assert (fill.get(C.EXEC_TYPE), fill.get(C.ORD_STATUS)) == (b"F", b"2")
    assert (fill.get(C.LAST_QTY), fill.get(C.CUM_QTY), fill.get(C.LEAVES_QTY)) == (
        b"0.05", b"0.05", b"0")
    assert fill.get(C.ORDER_QTY) == b"0.05"
    assert enf.book.net("default", "BTCUSD") == 5_000_000  # lots inside: satoshis
    enf.flush()
    rows = store.query("SELECT qty, verdict FROM decisions").to_pylist()
    assert rows == [{"qty": 0.05, "verdict": "ACCEPT"}]  # venue units in the table


def test_new_order_when_off_the_satoshi_lot_then_rejected_naming_the_lot(served):
    _, _, c = served
    er = _order(c, 2, "0.000000015", 40001.0)
    assert (er.get(C.EXEC_TYPE), er.get(C.ORD_STATUS)) == (b"8", b"8")
    assert er.get(C.TEXT) == b"BAD_QTY: qty 1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08"
    # a whole-lot symbol beside it is as before: 2.5 shares is BAD_QTY, nothing more said
    er = _order(c, 3, "2.5", 101.0, sym="AAPL")
    assert (er.get(C.EXEC_TYPE), er.get(C.TEXT)) == (b"8", b"BAD_QTY")
    er = _order(c, 4, "3", 95.0, sym="AAPL")
    assert (er.get(C.EXEC_TYPE), er.get(C.ORDER_QTY)) == (b"0", b"3")


def test_new_order_when_static_max_is_1_5_btc_then_2_btc_rejected_1_5_accepted(served):
    _, _, c = served
    er = _order(c, 5, "2", 39000.0)
    assert er.get(C.EXEC_TYPE) == b"8" and er.get(C.TEXT) == b"MAX_QTY"
    er = _order(c, 6, "1.5", 39000.0)  # resting: not marketable
    assert (er.get(C.EXEC_TYPE), er.get(C.ORDER_QTY)) == (b"0", b"1.5")


def test_new_order_when_risk_limits_max_is_0_1_btc_then_0_2_rejected_0_05_accepted(served,
                                                                                  store):
    enf, _, c = served
    now = time.time_ns()
    store.append_limits(limits_row(now, "BTCUSD", max_order_qty=0.1, max_position=5.0,
                                   max_notional=1e6, price_band_bps=500.0,
                                   fat_finger_threshold=25.0))
    store.ingest("publisher_heartbeat", heartbeat_row(now, "BTCUSD"), session=None)
    enf.poll()
    lim = enf.limits_for("BTCUSD", "*")
    assert lim["source"] == "dynamic" and lim["effective"]["max_order_qty"] == 0.1
    assert enf.feed.snapshot.lookup("BTCUSD", "*")[0].max_order_qty == 10_000_000  # lots
    er = _order(c, 7, "0.2", 39000.0)
    assert er.get(C.EXEC_TYPE) == b"8" and er.get(C.TEXT) == b"MAX_QTY", er
    er = _order(c, 8, "0.05", 39000.0)
    assert er.get(C.EXEC_TYPE) == b"0", er


def test_check_when_rest_qty_fractional_then_decided_in_lots_and_off_lot_named(tmp_path):
    enf = _enforcer(tmp_path)
    enf.on_quote("BTCUSD", 40000.0, 40001.0, time.time_ns())
    app = create_app(enf, config=RestConfig())
    body = {"sym": "BTCUSD", "side": "B", "price": 40000.0}
    with RestServer(app) as server, \
            httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http:
        r = http.post("/check", json={**body, "qty": 0.05})
        assert r.status_code == 200 and r.json()["verdict"] == "ACCEPT", r.text
        r = http.post("/check", json={**body, "qty": 2})
        assert r.json()["verdict"] == "REJECT" and r.json()["reasons"] == ["MAX_QTY"]
        r = http.post("/check", json={**body, "qty": 0.000000015})
        assert r.status_code == 422
        assert "not a multiple of BTCUSD's lot_size 1e-08" in r.text
