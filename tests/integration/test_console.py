"""The risk officer's console in a real headless Chromium (selenium + Debian's chromedriver)
against a real daemon: in-process Enforcer over a DuckDB file, FIX acceptor on real sockets
with the built-in venue, uvicorn serving the REST app and the console."""

from __future__ import annotations

import time

import pytest

from enforcer.fix import codec as C
from enforcer.fix.client import FixClient, new_order_fields
from tests.integration.console_rig import Rig, chromium_paths

pytestmark = pytest.mark.skipif(
    chromium_paths() is None,
    reason="no Chromium: install Debian's chromium and chromium-driver (.ci/run does)")
pytest.importorskip("selenium")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from tests.integration.console_rig import browser  # noqa: E402


@pytest.fixture
def rig(tmp_path):
    r = Rig(tmp_path, ["AAPL", "MSFT"])
    yield r
    r.close()


@pytest.fixture
def driver():
    d = browser()
    yield d
    d.quit()


def _flash(driver, timeout=5.0) -> str:
    el = WebDriverWait(driver, timeout).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#flash .flash"))
    return el[0].text


def _fix(rig, sender="OMS1") -> FixClient:
    c = FixClient("127.0.0.1", rig.acc.port, sender=sender)
    c.logon()
    return c


def _exec_reports(c, timeout=0.5) -> list:
    out = []
    while (m := c.recv(timeout)) is not None:
        if hasattr(m, "get") and m.get(C.MSG_TYPE) == b"8":
            out.append(m)
    return out


def test_kill_click_when_symbol_killed_then_working_order_cancelled_and_next_order_rejected(
        rig, driver):
    c = _fix(rig)
    c.send("D", new_order_fields(cl_ord_id="rest-1", sym="AAPL", qty=5, price=95.0))
    assert c.expect(b"8").get(C.EXEC_TYPE) == b"0"  # accepted, resting below the bid
    rig.login(driver, "operator")
    Select(driver.find_element(By.ID, "kill-scope")).select_by_value("symbol")
    driver.find_element(By.ID, "kill-name").send_keys("AAPL")
    driver.find_element(By.ID, "kill-why").send_keys("runaway algo on AAPL")
    driver.find_element(By.ID, "kill-button").click()
    assert "kill switch engaged: symbol:AAPL; 1 working orders cancelled" in _flash(driver)
    cancelled = [m for m in _exec_reports(c) if m.get(C.EXEC_TYPE) == b"4"]
    assert [m.get(C.CL_ORD_ID) for m in cancelled] == [b"rest-1"]
    c.send("D", new_order_fields(cl_ord_id="after-1", sym="AAPL", qty=5, price=100.0))
    rep = c.expect(b"8")
    assert rep.get(C.EXEC_TYPE) == b"8" and b"KILL_SWITCH" in rep.get(C.TEXT)
    c.send("D", new_order_fields(cl_ord_id="after-2", sym="MSFT", qty=5, price=100.0))
    assert b"KILL_SWITCH" not in (c.expect(b"8").get(C.TEXT) or b"")  # MSFT: not killed
    audit = rig.store.query("SELECT who, role, action, target, why FROM audit").to_pylist()
    assert audit == [{"who": "olga", "role": "operator", "action": "kill",
                      "target": "symbol:AAPL", "why": "runaway algo on AAPL"}]
    c.close()


def test_reset_click_when_why_blank_then_refused_and_the_attempt_audited(rig, driver):
    rig.login(driver, "operator")
    driver.find_element(By.ID, "reset-button").click()
    assert _flash(driver) == "why must not be blank"
    rows = rig.store.query("SELECT action, why FROM audit").to_pylist()
    assert rows == [{"action": "reset_breaker_refused", "why": "-"}]
    driver.get(rig.base + "/console/audit")
    assert "reset_breaker_refused" in driver.find_element(By.ID, "audit").text


def test_kill_click_when_viewer_then_refused_and_orders_still_pass(rig, driver):
    rig.login(driver, "viewer")
    driver.find_element(By.ID, "kill-why").send_keys("curious")
    driver.find_element(By.ID, "kill-button").click()
    assert "needs operator" in _flash(driver)
    assert rig.enf.state()["kill_switch"] is False


def _board_value(driver, sym: str, limit: str = "max_order_qty") -> str | None:
    """One script, so a push that replaces the cell between a find and a read cannot
    leave a stale element in hand."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.dataset.value : null;",
        f"tr[data-sym='{sym}'][data-strategy='*'] [data-limit='{limit}']")


def test_board_when_new_limit_row_lands_then_shown_without_reload(rig, driver):
    rig.login(driver, "viewer")
    WebDriverWait(driver, 5).until(lambda d: _board_value(d, "AAPL") == "1,000")
    rig.publish(120, ["AAPL"], reason="stress HIGH")
    WebDriverWait(driver, 5).until(lambda d: _board_value(d, "AAPL") == "120")
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-sym='AAPL'][data-strategy='*']")
    assert "stress HIGH" in row.text and _board_value(driver, "MSFT") == "1,000"
    rig.publish(80, ["AAPL"])
    WebDriverWait(driver, 5).until(lambda d: _board_value(d, "AAPL") == "80")


def test_board_when_a_limit_changes_then_its_cell_is_updated_in_place_not_the_row(rig, driver):
    rig.login(driver, "viewer")
    WebDriverWait(driver, 5).until(lambda d: _board_value(d, "AAPL") == "1,000")
    # the stream's first push is the whole body (the page may be older than the stream);
    # htmx swaps it in the same task as the count, before this script can run
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return window.boardBodies"))
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-sym='AAPL'][data-strategy='*']")
    before = driver.execute_script("return window.boardCellsApplied")
    rig.publish(90, ["AAPL"], reason="stress ELEVATED")
    WebDriverWait(driver, 5).until(lambda d: _board_value(d, "AAPL") == "90")
    # the same <tr> (a replaced row would be stale here), its reason cell's text, new cells
    assert "stress ELEVATED" in row.find_element(By.CSS_SELECTOR, "[data-f='reason']").text
    assert driver.execute_script("return window.boardCellsApplied") > before
    assert row.find_element(By.CSS_SELECTOR, "[data-limit='max_order_qty'] b").text == "90"


def _request_override(driver, value: str, why: str) -> str:
    driver.find_element(By.ID, "ovr-value").send_keys(value)
    driver.find_element(By.ID, "ovr-why").send_keys(why)
    driver.find_element(By.ID, "ovr-request").click()
    return _flash(driver)


def _click_decision(driver, oid: str, decision: str, why: str) -> str:
    row = driver.find_element(By.ID, f"ovr-{oid}")
    row.find_element(By.CSS_SELECTOR, ".decide-why").send_keys(why)
    row.find_element(By.XPATH, f".//button[text()='{decision}']").click()
    return _flash(driver)


def test_loosening_when_second_user_approves_in_browser_then_enforced(rig, driver):
    rig.publish(100, ["AAPL"])  # the model holds AAPL at 100 lots (static: 1000)
    WebDriverWait(driver, 5).until(
        lambda d: rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] == 100)
    rig.login(driver, "operator")
    driver.get(rig.base + "/console/overrides")
    msg = _request_override(driver, "400", "client block trade agreed with desk head")
    assert "waits for a second approver" in msg
    oid = msg.split()[1].rstrip(":")
    time.sleep(0.3)
    assert rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] == 100  # still pending
    driver.get(rig.base + "/console/overrides")
    # the requester holds no approver role; and four eyes: not even an approver's own
    assert "needs an approver" in _click_decision(driver, oid, "approve", "me")
    driver.find_element(By.CSS_SELECTOR, "header form button").click()  # sign out
    rig.login(driver, "approver")
    driver.get(rig.base + "/console/overrides")
    assert _click_decision(driver, oid, "approve", "checked with desk") == \
        f"override {oid} active"
    WebDriverWait(driver, 5).until(
        lambda d: rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] == 400)
    c = _fix(rig)
    c.send("D", new_order_fields(cl_ord_id="big-1", sym="AAPL", qty=300, price=100.0))
    assert c.expect(b"8").get(C.EXEC_TYPE) != b"8"  # not rejected: the loosening is in force
    c.close()
    acts = rig.store.query("SELECT who, action FROM audit ORDER BY ts").to_pylist()
    assert [(a["who"], a["action"]) for a in acts] == [
        ("olga", "override_request"), ("olga", "override_approve_refused"),
        ("anna", "override_approve")]


def test_approver_when_approving_own_loosening_then_refused(rig, driver):
    rig.publish(100, ["AAPL"])
    WebDriverWait(driver, 5).until(
        lambda d: rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] == 100)
    rig.login(driver, "approver")
    driver.get(rig.base + "/console/overrides")
    oid = _request_override(driver, "300", "wider for the close").split()[1].rstrip(":")
    driver.get(rig.base + "/console/overrides")
    assert "four eyes" in _click_decision(driver, oid, "approve", "mine")
    assert rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] == 100
