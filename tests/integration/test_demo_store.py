"""`adaptrisk demo --db --symbol` on the real GOOG LOBSTER day: what the system saw."""

import json

import pytest

from adaptrisk.demo import run_store_demo
from tsdb import Store
from tsdb.lobster import import_lobster


@pytest.mark.slow
def test_store_demo_when_goog_day_then_scored_and_every_alert_listed_with_move(tmp_path, goog_zip):
    db = tmp_path / "goog.duckdb"
    with Store.from_conf(f"duckdb::path={db}") as s:
        import_lobster(s, goog_zip)
    lines: list[str] = []
    facts = run_store_demo(str(db), "GOOG", str(tmp_path / "rep"), "g", out=lines.append)
    with Store.from_conf(f"duckdb::path={db};read_only=true") as s:
        n_scores = s.query("SELECT count(*) AS n FROM risk_scores WHERE sym = 'GOOG'").column("n")[0].as_py()
        tiers = {r["tier"] for r in s.query("SELECT DISTINCT tier FROM risk_scores").to_pylist()}
    assert n_scores == 234_000  # every 100 ms bucket of the 6.5 h day scored
    assert tiers <= {"NORMAL", "ELEVATED", "HIGH_ALERT", "CRITICAL"} and "NORMAL" in tiers
    text = "\n".join(lines)
    assert "GOOG in" in text and f"High-alert episodes: {len(facts['alerts'])}" in text
    for e in facts["alerts"]:  # each alert listed with its time and the market move around it
        assert e["start_ny"] in text and abs(e["mid_move_bps_60s"]) < 1e4
    saved = json.loads((tmp_path / "rep" / "g" / "summary.json").read_text())
    assert saved["sym"] == "GOOG" and saved["train_until_ns"] < saved["last_ns"]
