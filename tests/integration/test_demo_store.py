"""`adaptrisk demo --db --symbol` on stored data: what the system saw, every High alert listed
with its time and the mid move around it.

Two days: a simulated flash-crash session stored by `adaptrisk sim` (a day that has alerts,
so the listing itself is checked), and the real GOOG LOBSTER day, on which the README says
the stored-data demo raises no High alert.
"""

import json

import pytest

from adaptrisk.cli import main
from adaptrisk.demo import run_store_demo
from tsdb import Store
from tsdb.lobster import import_lobster


def _ny_s(hms: str) -> float:
    """'09:54:09.800' -> seconds after midnight."""
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


@pytest.mark.slow
def test_store_demo_when_simulated_crash_session_then_crash_alert_listed_with_time_and_drop(
        tmp_path, capsys):
    from adaptrisk.report import ny_time

    db = str(tmp_path / "s.duckdb")
    # onset at 60 % of the session (09:54 New York), in the half the VAE does not train on
    assert main(["sim", "--scenario", "flash_crash", "--symbols", "1", "--minutes", "40",
                 "--seed", "7", "--db", db]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", db, "--symbol", "SIM00", "--reports", str(tmp_path / "rep"),
                 "--run-id", "s"]) == 0
    text = capsys.readouterr().out
    facts = json.loads((tmp_path / "rep" / "s" / "summary.json").read_text())
    eps = facts["alerts"]
    with Store.from_conf(f"duckdb::path={db};read_only=true") as s:
        onset = s.query("SELECT epoch_ns(start_ts) AS t FROM labels_events "
                        "WHERE event = 'flash_crash'").column("t")[0].as_py()
    assert onset > facts["train_until_ns"]
    n_out = sum(not e["in_training_half"] for e in eps)
    assert f"High-alert episodes: {len(eps)} ({n_out} out of sample)" in text
    lines = [ln for ln in text.splitlines() if ln.startswith("  ") and " peak " in ln]
    assert len(lines) == len(eps) >= 1
    for e, ln in zip(eps, lines, strict=True):  # one line per episode, in order, as stored
        assert ln.startswith(f"  {e['start']}-{e['end']}  peak {e['peak_tier']}")
        assert f"mid move +-30 s {e['mid_move_bps_60s']:+7.1f} bps" in ln
        assert ln.endswith("(training half)") == e["in_training_half"]
        assert e["in_training_half"] == (_ny_s(e["start"]) < _ny_s(ny_time(facts["train_until_ns"])))
    # the crash: an out-of-sample episode starting within 30 s of the onset, the mid falling
    t_on = _ny_s(ny_time(onset))
    crash = [e for e in eps if not e["in_training_half"] and 0 <= _ny_s(e["start"]) - t_on <= 30]
    assert len(crash) == 1 and crash[0]["mid_move_bps_60s"] < -50
    assert crash[0]["peak_tier"] in ("High alert", "Critical")


@pytest.mark.slow
def test_store_demo_when_goog_day_then_every_bucket_scored_and_no_high_alert(tmp_path, goog_zip):
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
    # the README: "On the GOOG LOBSTER day (2012-06-21, down about 2.5 %, no crash) it raised none"
    assert facts["alerts"] == [] and "High-alert episodes: 0 (0 out of sample)" in text
    assert "mid 57" in text and "(-2." in text  # the day's drift down, as printed
    saved = json.loads((tmp_path / "rep" / "g" / "summary.json").read_text())
    assert saved["sym"] == "GOOG" and saved["train_until_ns"] < saved["last_ns"]
