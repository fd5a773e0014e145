"""`adaptrisk live` on QuestDB as three processes (issue 13 part 3): ``--role intake`` replays
a recorded crash session into the session's server, ``--role calibrator`` scores it with a
promoted model and publishes limits and heartbeats, ``--role enforcer`` polls them. Checked
against DuckDB: the calibrator's scores equal ``models publish`` on a DuckDB copy of the same
session (the live scorer is bit-for-bit the batch chain), and the enforcer holds the model's
limits for every symbol, judged to the session's last bucket."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from tests.integration.daemon import start
from tsdb import Store, canonical

pytestmark = [pytest.mark.questdb, pytest.mark.slow]

TOKEN = "qdb-live-token-1"
ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu", "AR_QDB_TOKEN": TOKEN}
READY = re.compile(r"live running fix=127\.0\.0\.1:(\S+) http=127\.0\.0\.1:(\S+) ")
TRAIN = [("normal", 41, 10, None, 0.0)]
SESSION = dict(scenario="flash_crash", n_symbols=2, minutes=2.0, seed=42, onset_minute=1.0,
               fat_finger_rate=0.0, session_date=dt.date(2026, 6, 24))
SPEED = 20.0


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A promoted tiny VAE (trained on a normal day) and the crash session to replay."""
    from adaptrisk import evalstore
    from jaxmodels import model, persist
    from jaxmodels.data import market_rows
    from jaxmodels.registry import Registry
    from sim import SimConfig, simulate
    from tests.integration.test_conformance import _cmd_config

    d = tmp_path_factory.mktemp("qlive")
    cfg = _cmd_config()
    with Store.from_conf(f"duckdb::path={d / 'train.duckdb'}") as s:
        evalstore.build(s, TRAIN, n_symbols=2, out=lambda *_: None)
        rows = market_rows(s, cfg.vae.inputs)
    mm, met = model.fit_market(rows, np.ones(len(rows.ts), bool), cfg.vae)
    reg = Registry(str(d / "models"))
    reg.promote(persist.save_market(reg, mm, met))
    (d / "models.json").write_text(__import__("json").dumps(cfg.to_dict()))
    tables = simulate(SimConfig(**SESSION)).tables()
    with Store.from_conf(f"duckdb::path={d / 'session.duckdb'}") as s:
        for name in ("trades", "quotes", "book"):
            s.ingest(name, tables[name])
    return d, reg


def _start(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc, m = start(["live", *args], READY, ENV)
    return proc, m.group(2)


def _wait(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_live_when_roles_run_as_separate_processes_on_questdb_then_duckdb_scores_and_limits_in_force(
        world, questdb_conf, tmp_path):

    d, reg = world
    with Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
    common = ["--db", questdb_conf, "--root", str(d / "models"), "--config",
              str(d / "models.json"), "--token-env", "AR_QDB_TOKEN", "--pg-port", "-1",
              "--fix-port", "0", "--http-port", "0"]
    procs = []
    try:
        cal, _ = _start([*common, "--role", "calibrator"])
        procs.append(cal)
        enf, http = _start([*common, "--role", "enforcer", "--log", str(tmp_path / "d.log")])
        procs.append(enf)
        intake = subprocess.run([sys.executable, "-m", "adaptrisk", "live", *common, "--role",
                                 "intake", "--feed", f"replay:{d / 'session.duckdb'}",
                                 "--speed", str(SPEED), "--exit-at-end"],
                                capture_output=True, text=True, env=ENV, timeout=300)
        assert intake.returncode == 0, intake.stderr[-2000:]
        with Store.from_conf(f"duckdb::path={d / 'session.duckdb'}") as s:
            last = s.query("SELECT epoch_ns(max(ts)) AS t FROM quotes").to_pylist()[0]["t"]
        end = last // 100_000_000 * 100_000_000  # the last closed bucket the replay judged

        def in_force():
            st = [httpx.get(f"http://127.0.0.1:{http}/limits/{s}", timeout=5).json()
                  for s in ("SIM00", "SIM01")]
            return st if all(x["source"] == "dynamic" and x["heartbeat_ts"] >= end
                             for x in st) else None

        states = _wait(in_force, 120, "the enforcer to hold the model's limits to the end")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    mid = reg.promoted("vae")
    assert all(s["effective"]["version"].startswith(mid) for s in states)
    _same_as_duckdb(questdb_conf, d, reg, tmp_path, end)


def _same_as_duckdb(questdb_conf, d, reg, tmp_path, end):
    """The session the live process stored on QuestDB, built and published in one batch on
    DuckDB: the same scores and model limits (the live scorer is the batch chain)."""
    from adaptrisk.limits import with_static_caps
    from jaxmodels import publish
    from jaxmodels.config import ModelsConfig

    # the same session in DuckDB, built and published in one batch: the same scores
    with Store.from_conf(questdb_conf) as q, \
            Store.from_conf(f"duckdb::path={tmp_path / 'twin.duckdb'}") as duck:
        for t in ("trades", "quotes", "book"):
            duck.ingest(t, q.read_table(t), session=None)
        from features.build import build

        build(duck)
        # the caps the live process got: the enforcer's static file, handed over
        publish.publish(duck, reg, with_static_caps(ModelsConfig.from_dict(
            __import__("json").loads((d / "models.json").read_text()))),
            since=0, until=end)
        want = duck.query("SELECT epoch_ns(ts) AS ts, sym, anomaly_score, tier, model_version "
                          "FROM risk_scores ORDER BY sym, ts").to_pylist()
        got = q.query("SELECT ts::LONG AS ts, sym, anomaly_score, tier, model_version "
                      f"FROM risk_scores WHERE ts <= {end} ORDER BY sym, ts").to_pylist()
        lim_want = duck.query("SELECT epoch_ns(ts) AS ts, * EXCLUDE (ts) FROM risk_limits "
                              "WHERE model_version <> 'static' ORDER BY sym, strategy, ts"
                              ).to_pylist()
        lim_got = [r | {"ts": r["ts"].value} for r in sorted(
            (r for r in q.read_table("risk_limits").to_pylist()
             if r["model_version"] != "static" and r["ts"].value <= end),
            key=lambda r: (r["sym"], r["strategy"], r["ts"]))]
    from tests.integration.test_conformance import _same_rows

    assert len(want) > 1000 and _same_rows(want, got) == []
    assert lim_want and _same_rows(lim_want, lim_got) == []


def test_live_when_all_roles_in_one_process_on_questdb_then_duckdb_scores_and_limits(
        world, questdb_conf, tmp_path):
    d, reg = world
    with Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
    out = subprocess.run([sys.executable, "-m", "adaptrisk", "live", "--db", questdb_conf,
                          "--root", str(d / "models"), "--config", str(d / "models.json"),
                          "--pg-port", "-1", "--fix-port", "0", "--http-port", "0",
                          "--log", str(tmp_path / "d.log"), "--feed",
                          f"replay:{d / 'session.duckdb'}", "--speed", str(SPEED),
                          "--exit-at-end"], capture_output=True, text=True, env=ENV,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    with Store.from_conf(f"duckdb::path={d / 'session.duckdb'}") as s:
        last = s.query("SELECT epoch_ns(max(ts)) AS t FROM quotes").to_pylist()[0]["t"]
    _same_as_duckdb(questdb_conf, d, reg, tmp_path, last // 100_000_000 * 100_000_000)
