"""`adaptrisk live` end to end: a flash-crash session replayed at 10x through a real process.

One live subprocess owns the store; while it replays, this test sends orders over a real FIX
socket, queries the store over PG wire (psycopg) and with `adaptrisk sql`, runs `adaptrisk
retrain` against the live store, promotes a model mid-session, pauses the publisher (the
enforcer must fall back to static limits within its staleness bound, alert in /state) and
resumes it (adaptive limits return). Checked afterwards on the file: every bucket scored,
the heartbeats, the order's decision.
"""

import json
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from enforcer import fix_codec as C
from enforcer.fix_client import FixClient, new_order_fields
from tests.integration.daemon import start

pytestmark = pytest.mark.slow

TOKEN = "live-flash-token-1"
ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu", "AR_LIVE_TOKEN": TOKEN}
READY = re.compile(r"live running fix=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+) "
                   r"pg=127\.0\.0\.1:(\d+)")
SESSION = ("flash_crash", 77, 9, 3.5, 0.0)  # never a training seed
SPEED = 10.0
NS = 10**9


def _cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "adaptrisk", *args], capture_output=True,
                          text=True, env=ENV, timeout=timeout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A promoted model (trained on other seeds) and a recorded crash session to replay."""
    from adaptrisk import evalstore
    from adaptrisk.demo import TRAIN_PLAN
    from sim import SimConfig, simulate
    from tsdb.connect import connect

    d = tmp_path_factory.mktemp("live")
    (d / "models.json").write_text(json.dumps({}))  # the default models, as the demo trains
    with connect(f"duckdb::path={d / 'train.duckdb'}") as s:
        evalstore.build(s, list(TRAIN_PLAN), n_symbols=1, out=lambda *_: None)
    out = _cli("models", "train", "--db", str(d / "train.duckdb"), "--root", str(d / "models"),
               "--config", str(d / "models.json"), "--promote")
    assert out.returncode == 0, out.stderr
    scen, seed, minutes, onset, ffr = SESSION
    tables = simulate(SimConfig(scenario=scen, n_symbols=1, minutes=float(minutes), seed=seed,
                                onset_minute=onset, fat_finger_rate=ffr)).tables()
    with connect(f"duckdb::path={d / 'session.duckdb'}") as s:
        for name in ("trades", "quotes", "book", "labels_events"):
            s.ingest(name, tables[name])
        ev = {r["event"]: r for r in s.query(
            "SELECT event, epoch_ns(start_ts) AS t, detail FROM labels_events").to_pylist()}
    assert SESSION[1] not in {p[1] for p in TRAIN_PLAN}
    return d, ev["flash_crash"]["t"], ev["large_order"]["t"], json.loads(ev["large_order"]["detail"])


def _start(d):
    proc, m = start(["live", "--db", str(d / "live.duckdb"), "--feed",
                     f"replay:{d / 'session.duckdb'}", "--speed", str(SPEED), "--fix-port", "0",
                     "--http-port", "0", "--pg-port", "0", "--token-env", "AR_LIVE_TOKEN",
                     "--root", str(d / "models"), "--config", str(d / "models.json"),
                     "--exit-at-end"], READY, ENV)
    return proc, *map(int, m.groups())


def _live(http):
    return httpx.get(f"http://127.0.0.1:{http}/live", timeout=5).json()


def _wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _sym_state(http, sym="SIM00"):
    st = httpx.get(f"http://127.0.0.1:{http}/limits/{sym}", timeout=5).json()
    return st


@pytest.fixture(scope="module")
def run(world):
    """Drive one live replay; return what was observed on the way."""
    import psycopg

    d, onset, big_ts, big = world
    proc, fix, http, pg = _start(d)
    seen = {}
    try:
        # analysts: PG wire and `adaptrisk sql` while the replay runs
        _wait(lambda: (_live(http).get("market_ns") or 0) > 0, 60, "the replay to start")
        with psycopg.connect(f"host=127.0.0.1 port={pg} user=analyst dbname=live",
                             autocommit=True) as con:
            seen["pg_trades"] = _wait(
                lambda: con.execute("SELECT count(*) FROM trades").fetchone()[0], 30,
                "trades over PG wire")
        seen["sql"] = _cli("sql", "SELECT count(*) AS n FROM quotes", "--db",
                           str(d / "live.duckdb"), timeout=120)
        retrain = subprocess.Popen(
            [sys.executable, "-m", "adaptrisk", "retrain", "--db", str(d / "live.duckdb"),
             "--root", str(d / "retrain-models"), "--config", str(d / "models.json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        # the seller's large market sell at its moment in the crash, over FIX
        _wait(lambda: (_live(http).get("market_ns") or 0) >= big_ts,
              onset_wall(big_ts, http) + 60, "the seller's order time")
        seen["order_at_s"] = (_live(http)["market_ns"] - onset) / NS
        with FixClient("127.0.0.1", fix, sender="SELLER") as c:
            c.logon()
            c.send("D", new_order_fields(cl_ord_id="crash-200", sym="SIM00", side="S",
                                         qty=int(big["qty"])))
            rep = c.expect(b"8", timeout=10)
        seen["report"] = {t: rep.get(t) for t in (C.ORD_STATUS, 8011, C.TEXT)}
        seen["limits_in_crash"] = _sym_state(http)
        # the publisher stops: static limits within the staleness bound, alert in /state
        hdr = {"Authorization": f"Bearer {TOKEN}"}
        r = httpx.post(f"http://127.0.0.1:{http}/live/publisher/pause", headers=hdr, timeout=5)
        assert r.status_code == 200, r.text
        t_pause = time.monotonic()
        _wait(lambda: _sym_state(http)["source"] != "dynamic"
              or _sym_state(http)["effective"]["risk_state"] == "RiskAlert_StaleLimits",
              10, "the static fallback")
        seen["fallback_s"] = time.monotonic() - t_pause
        seen["state_paused"] = httpx.get(f"http://127.0.0.1:{http}/state", timeout=5).json()
        httpx.post(f"http://127.0.0.1:{http}/live/publisher/resume", headers=hdr, timeout=5)
        t_resume = time.monotonic()
        _wait(lambda: _sym_state(http)["effective"]["risk_state"] != "RiskAlert_StaleLimits",
              10, "adaptive limits back")
        seen["back_s"] = time.monotonic() - t_resume
        # a model change reaches the running daemon at its next cycle, without a restart
        vae = _live(http)["model"]
        out = _cli("models", "deactivate", vae, "--root", str(d / "models"))
        assert out.returncode == 0, out.stderr
        seen["after_deactivate"] = _wait(lambda: _live(http)["model"] == "static" and
                                         _sym_state(http)["model_row"]["model_version"] ==
                                         "static", 10, "static model rows in force")
        out = _cli("models", "promote", vae, "--root", str(d / "models"))
        assert out.returncode == 0, out.stderr
        seen["after_promote"] = _wait(lambda: _live(http)["model"] == vae and
                                      _sym_state(http)["model_row"]["model_version"] == vae,
                                      10, "the model's rows in force again")
        seen["retrain"] = retrain.communicate(timeout=300)
        seen["retrain_rc"] = retrain.returncode
        assert proc.wait(300) == 0, proc.stderr.read()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    return d, onset, seen


def onset_wall(t, http):
    st = _live(http)
    return max(0.0, (t - st["market_ns"]) / NS / SPEED)


def test_live_when_seller_sends_200_lots_in_crash_then_rejected_with_dynamic_reason(run):
    _, _, seen = run
    rep = seen["report"]
    assert rep[C.ORD_STATUS] == b"8", rep
    # the model's state in force: HighAnomaly, or Reducing once the tier reached CRITICAL
    assert rep[8011] in (b"RiskAlert_HighAnomaly", b"RiskAlert_Reducing"), rep
    assert b"MAX_QTY" in rep[C.TEXT], rep
    assert seen["limits_in_crash"]["effective"]["max_order_qty"] < 200
    assert 0 < seen["order_at_s"] < 60  # sent during the crash, at the seller's moment


def test_live_when_analysts_query_during_replay_then_answered(run):
    _, _, seen = run
    assert seen["pg_trades"] > 0
    assert seen["sql"].returncode == 0, seen["sql"].stderr
    assert re.search(r"^\s*[1-9]\d*\s*$", seen["sql"].stdout, re.M), seen["sql"].stdout


def test_live_when_retrain_runs_against_live_store_then_it_completes(run):
    _, _, seen = run
    out, err = seen["retrain"]
    assert seen["retrain_rc"] == 0, err[-2000:]
    assert json.loads(out)["action"] in ("promoted", "registered only")


def test_live_when_publisher_paused_then_static_within_bound_and_back_on_resume(run):
    _, _, seen = run
    # staleness bound 5 s + a poll; margin for a loaded machine (bench_live measures it)
    assert seen["fallback_s"] <= 5.0 + 3.0
    alerts = [a["msg"] for a in seen["state_paused"]["alerts"]]
    assert any("SIM00" in m and "heartbeat" in m for m in alerts), alerts
    assert seen["back_s"] <= 10.0  # a catch-up cycle over the paused buckets, then a poll


def test_live_when_model_deactivated_and_promoted_then_running_daemon_follows(run):
    _, _, seen = run
    assert seen["after_deactivate"] and seen["after_promote"]


def test_live_when_replay_ends_then_every_bucket_scored_and_heartbeats_written(run):
    from tsdb.connect import connect

    d, onset, _ = run
    with connect(f"duckdb::path={d / 'live.duckdb'}") as s:
        feats = s.count("features")
        # buckets without a score: only those judged while no model was promoted (around
        # the static rows the deactivation wrote, up to the re-promoted model's first row)
        unscored = s.query(
            "SELECT epoch_ns(f.ts) AS t FROM features f ANTI JOIN risk_scores r "
            "ON f.sym = r.sym AND f.ts = r.ts").column("t").to_pylist()
        lo, hi = s.query(
            "SELECT epoch_ns(min(ts)) AS lo, (SELECT epoch_ns(min(ts)) FROM risk_limits "
            "WHERE model_version <> 'static' AND ts > (SELECT min(ts) FROM risk_limits WHERE "
            "model_version = 'static')) AS hi FROM risk_limits WHERE model_version = 'static'"
        ).to_pylist()[0].values()
        lag = s.query("SELECT max(epoch_ns(market_ts) - epoch_ns(ts)) AS lag, count(*) AS n "
                      "FROM publisher_heartbeat").to_pylist()[0]
        dec = s.query("SELECT verdict, reasons FROM decisions WHERE sym = 'SIM00' "
                      "AND kind = 'NEW'").to_pylist()
    assert feats > 3000 and lo is not None and hi is not None
    # (the deactivating cycle judged the buckets since its last one without scores: up to
    # a cycle of event time before the static rows' ts)
    assert all(lo - 60 * NS < t <= hi for t in unscored), (len(unscored), lo, hi)
    assert lag["n"] > 100
    assert dec and dec[0]["verdict"] == "REJECT" and "MAX_QTY" in dec[0]["reasons"]
