"""Console actions over real HTTP (no browser) against the real daemon parts: a FIX
session's kill switch stops that session only and cancels its working orders; a
reduce-only strategy kill passes the order that shrinks the position and refuses the rest;
every action is an audit row."""

from __future__ import annotations

import json

import httpx
import pytest

from enforcer.console.models import ModelDesk
from enforcer.fix import codec as C
from enforcer.fix.client import FixClient, new_order_fields
from tests.integration.console_rig import USERS, Rig


@pytest.fixture
def rig(tmp_path):
    r = Rig(tmp_path, ["AAPL", "MSFT"])
    yield r
    r.close()


def _post(rig, path, role="operator", **data):
    return httpx.post(rig.base + "/console" + path, data=data, timeout=10,
                      headers={"Authorization": f"Bearer {USERS[role][1]}"})


def _client(rig, sender):
    c = FixClient("127.0.0.1", rig.acc.port, sender=sender)
    c.logon()
    return c


def _order(c, cl, **kw):
    kw.setdefault("sym", "AAPL")
    kw.setdefault("qty", 5)
    kw.setdefault("price", 95.0)  # below the bid: rests
    c.send("D", new_order_fields(cl_ord_id=cl, **kw))
    m = c.expect(b"8")
    while m.get(C.CL_ORD_ID) != cl.encode():  # an unsolicited cancel or a late fill of an
        m = c.expect(b"8")                     # earlier order came first
    return m


def test_session_kill_when_engaged_then_that_session_stopped_and_its_orders_cancelled(rig):
    a, b = _client(rig, "OMS_A"), _client(rig, "OMS_B")
    assert _order(a, "a1").get(C.EXEC_TYPE) == b"0"
    assert _order(b, "b1").get(C.EXEC_TYPE) == b"0"
    r = _post(rig, "/kill", scope="session", name="OMS_A", why="client misbehaving")
    assert r.status_code == 200 and "1 working orders cancelled" in r.text
    assert a.expect(b"8").get(C.EXEC_TYPE) == b"4"  # a1 cancelled at the venue
    assert b"KILL_SWITCH" in _order(a, "a2").get(C.TEXT)
    assert _order(b, "b2", price=95.5).get(C.EXEC_TYPE) == b"0"  # the other session trades
    assert [e.key.split("\x01")[1] for e in rig.enf.open_orders()] == ["b1", "b2"]
    r = _post(rig, "/kill", scope="session", name="OMS_A", why="fixed", engage="0")
    assert r.status_code == 200
    assert _order(a, "a3", price=95.2).get(C.EXEC_TYPE) == b"0"
    rows = rig.store.query("SELECT action, target, why FROM audit ORDER BY ts").to_pylist()
    assert rows == [{"action": "kill", "target": "session:OMS_A", "why": "client misbehaving"},
                    {"action": "unkill", "target": "session:OMS_A", "why": "fixed"}]
    a.close()
    b.close()


def test_reduce_only_strategy_kill_when_engaged_then_only_reducing_sell_passes(rig):
    c = _client(rig, "OMS_C")
    fill = _order(c, "buy", qty=100, price=101.0, account="mm")  # marketable: fills
    assert fill.get(C.EXEC_TYPE) in (b"F", b"0")
    while rig.enf.book.pos.get(("mm", "AAPL"), [0])[0] != 100:
        c.recv(0.2)
    r = _post(rig, "/kill", scope="strategy", name="mm", why="limit breach",
              reduce_only="1")
    assert r.status_code == 200 and "risk-reducing orders pass" in r.text
    assert b"KILL_SWITCH" in _order(c, "more", qty=10, price=96.0, account="mm").get(C.TEXT)
    assert _order(c, "cut", qty=60, side="S", price=104.0, account="mm").get(
        C.EXEC_TYPE) == b"0"
    assert b"KILL_SWITCH" in _order(c, "flip", qty=60, side="S", price=104.5,
                                    account="mm").get(C.TEXT)  # 60 + 60 > 100 long
    assert _order(c, "other", qty=10, price=96.0, account="arb").get(C.EXEC_TYPE) == b"0"
    c.close()


def test_kill_when_viewer_or_blank_why_then_refused_409_and_audited(rig):
    assert _post(rig, "/kill", role="viewer", scope="global", why="x").status_code == 409
    assert _post(rig, "/kill", scope="symbol", name="", why="x").status_code == 409
    assert _post(rig, "/reset", scope="strategy", name="mm", why="  ").status_code == 409
    assert rig.enf.state()["kill_switch"] is False and rig.enf.state()["kills"] == []
    acts = [r["action"] for r in rig.store.query("SELECT action FROM audit ORDER BY ts")
            .to_pylist()]
    assert acts == ["kill_refused", "kill_refused", "reset_breaker_refused"]
    assert httpx.post(rig.base + "/console/kill", data={"scope": "global", "why": "x"},
                      timeout=10).status_code == 401


def test_review_label_when_viewer_bad_label_or_unknown_decision_then_refused_and_audited(rig):
    assert _post(rig, "/review", role="viewer", log_id="d", seq=1,
                 label="agree").status_code == 409
    assert _post(rig, "/review", log_id="d", seq=1, label="maybe").status_code == 409
    r = _post(rig, "/review", log_id="no-such-log", seq=7, label="agree")
    assert r.status_code == 409 and "no decision no-such-log:7" in r.text
    assert rig.store.query("SELECT count(*) AS n FROM review_labels").to_pylist() == [{"n": 0}]
    rows = rig.store.query("SELECT who, action, after FROM audit ORDER BY ts").to_pylist()
    assert [(r["who"], r["action"]) for r in rows] == [
        ("vic", "review_label_refused"), ("olga", "review_label_refused"),
        ("olga", "review_label_refused")]
    assert "labelling needs operator" in rows[0]["after"]
    assert "agree or disagree" in rows[1]["after"]


def test_model_action_when_operator_blank_why_or_unknown_action_then_registry_unchanged(
        rig, tmp_path):
    root = tmp_path / "models"
    (root / "vae-a").mkdir(parents=True)
    (root / "vae-a" / "manifest.json").write_text(json.dumps({"id": "vae-a", "kind": "vae"}))
    registry = json.dumps({"promoted": {}})
    (root / "registry.json").write_text(registry)
    rig.console.models = ModelDesk(root, rig.store)
    assert _post(rig, "/models/vae-a/promote", why="better").status_code == 409  # operator
    assert _post(rig, "/models/vae-a/promote", role="approver", why=" ").status_code == 409
    r = _post(rig, "/models/vae-a/frobnicate", role="approver", why="try")
    assert r.status_code == 409 and "unknown action &#39;frobnicate&#39;" in r.text
    r = _post(rig, "/models/vae-zz/promote", role="approver", why="try")
    assert r.status_code == 409 and "no model &#39;vae-zz&#39;" in r.text
    assert (root / "registry.json").read_text() == registry
    acts = [r["action"] for r in rig.store.query("SELECT action FROM audit ORDER BY ts")
            .to_pylist()]
    assert acts == ["model_promote_refused", "model_promote_refused",
                    "model_frobnicate_refused", "model_promote_refused"]
