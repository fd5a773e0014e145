"""Screenshots of the console for the README: `python bench/console_screens.py` writes
docs/console/board.png and docs/console/review.png (a shadow-mode daemon with a few
symbols, a minute of scores and limit changes, a scoped kill, an override and some
static/adaptive disagreements), taken by headless Chromium as in the browser tests."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
SYMS = ["AAPL", "AMZN", "GOOG", "JPM", "MSFT", "NVDA", "TSLA", "XOM"]
S = 10**9


def _scores(store, now: int) -> None:
    rows = {"ts": [], "sym": [], "anomaly_score": [], "tier": [], "model_version": []}
    for k, sym in enumerate(SYMS):
        for i in range(60):
            crash = sym == "TSLA" and i > 35
            v = (0.4 + 0.2 * ((i * (k + 3)) % 7) / 7 + (3.5 + 0.05 * (i - 35) if crash else 0))
            rows["ts"].append(now - (60 - i) * S)
            rows["sym"].append(sym)
            rows["anomaly_score"].append(v)
            rows["tier"].append("CRITICAL" if v > 4 else "HIGH_ALERT" if v > 3 else
                                "ELEVATED" if v > 0.75 else "NORMAL")
            rows["model_version"].append("vae-20261130")
    rows["ts"] = pa.array(rows["ts"], pa.timestamp("ns"))
    store.ingest("risk_scores", pa.table(rows), session=None)


def main(out: Path = REPO / "docs" / "console") -> None:
    sys.path.insert(0, str(REPO))
    from PIL import Image
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from enforcer.commands import OperatorCommand
    from enforcer.console.commands import RequestOverride
    from enforcer.fix.client import FixClient, new_order_fields
    from tests.integration.console_rig import Rig, browser

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp), SYMS, mode="shadow", history_s=60.0)
        d = browser(1500, 820)
        try:
            now = time.time_ns()
            _scores(rig.store, now)
            rig.store.ingest("quotes", pa.table({
                "ts": pa.array([now] * len(SYMS), pa.timestamp("ns")), "sym": SYMS,
                "bid": [99.0] * len(SYMS), "ask": [101.0] * len(SYMS),
                "bid_size": [300] * len(SYMS), "ask_size": [200] * len(SYMS)}), session=None)
            for q in (900, 700, 400, 200, 120):
                rig.publish(900, [s for s in SYMS if s != "TSLA"], reason="calm: VAE NORMAL")
                rig.publish(q, ["TSLA"], reason="stress HIGH: 10 s return 4.1 sigma")
                time.sleep(1.2)
            user = rig.console.cfg.users[1]
            rig.console.execute(RequestOverride(user=user, sym="NVDA", strategy="*",
                                                limit_name="max_order_qty", value=250.0,
                                                expires_s=3600, why="earnings at 16:00"))
            rig.enf.operator(OperatorCommand(action="kill", who="olga", why="runaway quotes",
                                             strategy="mm-arb"))
            with FixClient("127.0.0.1", rig.acc.port, sender="OMS1") as c:
                c.logon()
                for i, (sym, qty, px, acct) in enumerate([
                        ("TSLA", 300, 100.0, "momo"), ("TSLA", 150, 101.0, "momo"),
                        ("AAPL", 50, 101.0, "mm-core"), ("NVDA", 400, 100.5, "momo"),
                        ("JPM", 20, 95.0, "mm-core"), ("XOM", 10, 100.0, "mm-arb")]):
                    c.send("D", new_order_fields(cl_ord_id=f"s{i}", sym=sym, qty=qty,
                                                 price=px, account=acct))
                    c.expect(b"8")
            time.sleep(0.5)
            rig.enf.flush()
            from enforcer.console.commands import LabelDecision

            first = rig.store.query_file("console/disagreements.sql", [1]).to_pylist()[0]
            rig.console.execute(LabelDecision(user=user, log_id=first["log_id"],
                                              seq=first["seq"], label="agree",
                                              comment="JPM bid was stale; collar right"))
            rig.login(d, "operator")
            WebDriverWait(d, 10).until(
                lambda x: len(x.find_elements(By.CSS_SELECTOR, "#board tbody tr")) >= 8)
            time.sleep(1.0)
            d.save_screenshot(str(out / "board.png"))
            d.get(rig.base + "/console/review")
            d.save_screenshot(str(out / "review.png"))
        finally:
            d.quit()
            rig.close()
    for name in ("board.png", "review.png"):
        im = Image.open(out / name).convert("RGB")
        im.quantize(colors=64).save(out / name, optimize=True)


if __name__ == "__main__":
    main()
