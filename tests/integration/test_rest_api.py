"""The REST API served by a real uvicorn on 127.0.0.1, driven with httpx."""

import httpx
import pytest

from enforcer.rest.app import create_app
from enforcer.rest.config import RestConfig
from enforcer.rest.server import RestServer
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WHO = {"who": "alice", "why": "test"}


@pytest.fixture
def enf(tmp_path):
    e = make_enforcer(tmp_path)
    quote_all(e.on_quote)
    return e


@pytest.fixture
def http(enf):
    app = create_app(enf, config=RestConfig(token=TOKEN))
    with RestServer(app) as server, \
            httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as c:
        yield c


def order(**kw):
    return {"sym": "AAPL", "side": "B", "qty": 10, "price": 100.0, **kw}


def test_health_when_running_then_ok(http):
    r = http.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_openapi_when_fetched_then_lists_every_endpoint(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/health", "/state", "/limits/{sym}", "/check", "/halt", "/resume",
            "/killswitch"} <= set(paths)


def test_state_when_fetched_then_engine_state(http):
    s = http.get("/state").json()
    assert s["mode"] == "enforce" and s["kill_switch"] is False


def test_limits_when_known_symbol_then_effective_limits(http):
    r = http.get("/limits/AAPL")
    assert r.status_code == 200 and r.json()["effective"]["max_order_qty"] == 1000


def test_limits_when_unknown_symbol_then_404(http):
    r = http.get("/limits/NOPE")
    assert r.status_code == 404 and "unknown symbol" in r.json()["detail"]


def test_check_when_order_ok_then_accept_and_nothing_recorded(http, enf):
    before = enf.state()["counters"]["orders"]
    r = http.post("/check", json=order())
    assert r.status_code == 200 and r.json()["verdict"] == "ACCEPT"
    r2 = http.post("/check", json=order())  # a recorded order would now be a DUPLICATE
    assert r2.json()["verdict"] == "ACCEPT"
    assert enf.state()["counters"]["orders"] == before
    assert enf.state()["pending_decisions"] == 0


def test_check_when_limit_breached_then_200_reject_with_reason(http):
    r = http.post("/check", json=order(qty=5000))
    assert r.status_code == 200
    assert r.json()["verdict"] == "REJECT" and "MAX_QTY" in r.json()["reasons"]


@pytest.mark.parametrize(("body", "status", "needle"), [
    (order(sym="NOPE"), 422, "UNKNOWN_SYMBOL"),
    (order(qty=0), 422, "BAD_QTY"),
    (order(qty=-3), 422, "BAD_QTY"),
    (order(qty=1.5), 422, "qty"),
    (order(qty="ten"), 422, "qty"),
    (order(side="X"), 422, "BAD_SIDE"),
    ({"side": "B", "qty": 1}, 422, "sym"),
    (order(extra=1), 422, "extra"),
])
def test_check_when_order_malformed_then_4xx_with_clear_detail(http, body, status, needle):
    r = http.post("/check", json=body)
    assert r.status_code == status
    assert needle in r.json()["detail"]


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-Infinity"])
def test_check_when_price_not_finite_then_422_bad_price(http, price):
    body = b'{"sym": "AAPL", "side": "B", "qty": 1, "price": %s}' % price.encode()
    r = http.post("/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "BAD_PRICE" in r.json()["detail"]


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2", b"\xff\xfe"])
def test_check_when_body_not_json_then_4xx(http, body):
    r = http.post("/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["detail"]


@pytest.mark.parametrize("path", ["/halt", "/resume", "/killswitch", "/breaker/reset",
                                  "/quote"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-xx"},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_mutating_when_token_missing_or_wrong_then_401(http, enf, path, headers):
    r = http.post(path, json=WHO, headers=headers)
    assert r.status_code == 401
    assert enf.state()["halt_all"] is False and enf.state()["kill_switch"] is False


def test_halt_when_authorised_then_orders_rejected_until_resume(http, enf):
    r = http.post("/halt", json={**WHO, "sym": "AAPL"}, headers=AUTH)
    assert r.status_code == 200
    assert "STATE_HALTED" in http.post("/check", json=order()).json()["reasons"]
    assert http.post("/check", json=order(sym="MSFT", price=200.0)).json()["verdict"] == "ACCEPT"
    assert http.post("/resume", json={**WHO, "sym": "AAPL"}, headers=AUTH).status_code == 200
    assert http.post("/check", json=order()).json()["verdict"] == "ACCEPT"
    log = enf.state()["operator_log"]
    assert [e.get("who") for e in log][-2:] == ["alice", "alice"]


def test_killswitch_when_engaged_then_everything_rejected_and_released_after(http, enf):
    assert http.post("/killswitch", json=WHO, headers=AUTH).status_code == 200
    assert enf.state()["kill_switch"] is True
    assert "KILL_SWITCH" in http.post("/check", json=order()).json()["reasons"]
    r = http.post("/killswitch", json={**WHO, "engage": False}, headers=AUTH)
    assert r.status_code == 200 and enf.state()["kill_switch"] is False


def test_operator_when_who_missing_then_422(http):
    r = http.post("/halt", json={"why": "x"}, headers=AUTH)
    assert r.status_code == 422 and "who" in r.json()["detail"]


def test_rest_when_no_token_configured_then_mutations_always_401(enf):
    app = create_app(enf, config=RestConfig(token=None))
    with RestServer(app) as server:
        r = httpx.post(f"http://127.0.0.1:{server.port}/halt", json=WHO, headers=AUTH)
    assert r.status_code == 401


def test_quote_when_authorised_then_collar_uses_new_mid(http):
    assert http.post("/quote", json={"sym": "AAPL", "bid": 199.0, "ask": 201.0},
                     headers=AUTH).status_code == 200
    assert "PRICE_COLLAR" in http.post("/check", json=order()).json()["reasons"]
    r = http.post("/quote", json={"sym": "AAPL", "bid": 2.0, "ask": 1.0}, headers=AUTH)
    assert r.status_code == 422


@pytest.mark.parametrize("body", [{"who": " ", "why": " "}, {"who": "alice", "why": "\t"},
                                  {"who": "  ", "why": "fixed"}])
def test_breaker_reset_when_who_or_why_blank_then_422_and_nothing_logged(http, enf, body):
    r = http.post("/breaker/reset", json=body, headers=AUTH)
    assert r.status_code == 422 and "blank" in r.json()["detail"]
    assert enf.state()["operator_log"] == []


def test_breakers_when_session_and_strategy_tripped_then_listed_with_scope_and_reset_one(
        http, enf):
    enf.controls.trip_breaker(1, "storm", "s1")
    enf.controls.trip_breaker(2, "storm", session="OMS1")
    assert http.get("/breakers").json()["breakers"] == [
        {"scope": "strategy", "name": "s1"}, {"scope": "session", "name": "OMS1"}]
    r = http.post("/breaker/reset", json={**WHO, "session": "OMS1"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["scope"] == "session"
    assert http.get("/breakers").json()["breakers"] == [{"scope": "strategy", "name": "s1"}]
    assert enf.state()["operator_log"][-1]["session"] == "OMS1"
    r = http.post("/breaker/reset", json={"who": "ops", "why": " ", "session": "OMS1"},
                  headers=AUTH)
    assert r.status_code == 422


def test_breaker_reset_when_strategy_given_then_only_that_breaker_reset(http, enf):
    enf.controls.trip_breaker(1, "storm", "s1")
    enf.controls.trip_breaker(2, "storm", "s2")
    r = http.post("/breaker/reset", json={**WHO, "strategy": "s1"}, headers=AUTH)
    assert r.status_code == 200 and enf.controls.state.tripped == {"s2"}
