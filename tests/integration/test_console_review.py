"""Decisions to review and models, in a real headless Chromium against a shadow-mode daemon
(the static rule set enforced, the adaptive limits logged beside it)."""

from __future__ import annotations

import json
import time

import pyarrow as pa
import pytest

from enforcer.console.models import ModelDesk
from enforcer.fix import codec as C
from enforcer.fix.client import FixClient, new_order_fields
from tests.integration.console_rig import Rig, chromium_paths

pytestmark = pytest.mark.skipif(
    chromium_paths() is None,
    reason="no Chromium: install Debian's chromium and chromium-driver (.ci/run does)")
pytest.importorskip("selenium")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.integration.console_rig import browser  # noqa: E402


@pytest.fixture
def rig(tmp_path):
    r = Rig(tmp_path, ["AAPL", "MSFT"], mode="shadow")
    yield r
    r.close()


@pytest.fixture
def driver():
    d = browser()
    yield d
    d.quit()


def _score(store, ts: int, sym: str, score: float, tier: str) -> None:
    store.ingest("risk_scores", pa.table({
        "ts": pa.array([ts], pa.timestamp("ns")), "sym": [sym], "anomaly_score": [score],
        "tier": [tier], "model_version": ["vae-test"]}), session=None)


def _disagreement(rig) -> None:
    """A shadow-mode order the model's limit (100 lots) rejects and the static one passes."""
    rig.publish(100, ["AAPL"])
    rig.store.ingest("quotes", pa.table({
        "ts": pa.array([time.time_ns()], pa.timestamp("ns")), "sym": ["AAPL"], "bid": [99.0],
        "ask": [101.0], "bid_size": [300], "ask_size": [200]}), session=None)
    _score(rig.store, time.time_ns(), "AAPL", 3.7, "HIGH_ALERT")
    deadline = time.monotonic() + 5
    while rig.enf.limits_for("AAPL")["effective"]["max_order_qty"] != 100:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with FixClient("127.0.0.1", rig.acc.port, sender="OMS1") as c:
        c.logon()
        c.send("D", new_order_fields(cl_ord_id="r1", sym="AAPL", qty=300, price=100.0))
        assert c.expect(b"8").get(C.EXEC_TYPE) != b"8"  # static enforced: accepted
    rig.enf.flush()


def test_review_when_disagreement_labelled_in_browser_then_review_labels_row(rig, driver):
    _disagreement(rig)
    rig.login(driver, "operator")
    driver.get(rig.base + "/console/review")
    row = driver.find_element(By.CSS_SELECTOR, "#review tbody tr")
    text = row.text
    assert "AAPL" in text and "MAX_QTY" in text and "3.70 (HIGH_ALERT)" in text
    assert "99.0 / 101.0" in text  # the quote at the time
    row.find_element(By.CSS_SELECTOR, ".comment").send_keys("size was a real block")
    row.find_element(By.XPATH, ".//button[text()='disagree']").click()
    WebDriverWait(driver, 5).until(
        lambda d: "labelled disagree" in d.find_element(By.ID, "flash").text)
    labels = rig.store.query(
        "SELECT sym, static_verdict, dynamic_verdict, label, comment, who FROM review_labels"
    ).to_pylist()
    assert labels == [{"sym": "AAPL", "static_verdict": "ACCEPT", "dynamic_verdict": "REJECT",
                       "label": "disagree", "comment": "size was a real block",
                       "who": "olga"}]
    driver.get(rig.base + "/console/review")
    assert "disagree" in driver.find_element(By.CSS_SELECTOR, "#review tbody tr .label").text


def test_models_when_promoted_in_browser_then_registry_file_names_it(rig, driver, tmp_path):
    root = tmp_path / "models"
    for mid, kind in (("vae-a", "vae"), ("vae-b", "vae")):
        (root / mid).mkdir(parents=True)
        (root / mid / "manifest.json").write_text(json.dumps(
            {"id": mid, "kind": kind, "created": f"2026-11-30T0{len(mid)}:00:00",
             "metrics": {"final_loss": 0.125}}))
    (root / "registry.json").write_text(json.dumps({"promoted": {"vae": "vae-a"}}))
    rig.console.models = ModelDesk(root, rig.store)
    rig.login(driver, "approver")
    driver.get(rig.base + "/console/models")
    row = driver.find_element(By.ID, "model-vae-b")
    assert "final_loss=0.125" in row.text
    row.find_element(By.NAME, "why").send_keys("better on the crash day")
    row.find_element(By.XPATH, ".//button[text()='promote']").click()
    WebDriverWait(driver, 5).until(
        lambda d: "promote done" in d.find_element(By.ID, "flash").text)
    st = json.loads((root / "registry.json").read_text())
    assert st["promoted"] == {"vae": "vae-b"}
    a = rig.store.query("SELECT who, action, target, why, before, after FROM audit").to_pylist()
    assert [(r["who"], r["action"], r["target"], r["why"]) for r in a] == [
        ("anna", "model_promote", "vae-b", "better on the crash day")]
    assert json.loads(a[0]["before"])["promoted"] == {"vae": "vae-a"}
