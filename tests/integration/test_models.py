"""The model layer end to end on a real DuckDB file: simulated days (one seed each),
features built in the store, the CLI for train / promote / publish / deactivate / backtest."""

import json
import shutil

import pytest

from adaptrisk.cli import main
from jaxmodels.registry import Registry

PLAN = [("normal", 31, 20, None, 0.02), ("flash_crash", 32, 20, 12.0, 0.02),
        ("flash_crash", 33, 20, 11.0, 0.02)]
# A deliberately small model, so the backtest machinery runs in seconds. The per-symbol tail
# calibration of tier thresholds is off here: on a model this weakly trained it stretches the
# thresholds until a crash on an unseen seed is missed (a known weakness, measured in the
# closing note of issue 7); with enough training it is tested in test_models_transfer.py.
CONFIG = {"vae": {"epochs": 2, "hidden": 32, "holdout_block": 600, "online_warm": 300,
                  "online_half_life": 3000.0, "tail_window": 0},
          "gbdt": {"max_trees": 40}}


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    from jaxmodels import evalstore
    from tsdb import Store

    path = tmp_path_factory.mktemp("models") / "sim.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as store:
        evalstore.build(store, PLAN, n_symbols=2, out=lambda *_: None)
    return path


@pytest.fixture
def db(sim_db, tmp_path):
    p = tmp_path / "db.duckdb"
    shutil.copy(sim_db, p)
    return p


@pytest.fixture
def config(tmp_path):
    p = tmp_path / "models.json"
    p.write_text(json.dumps(CONFIG))
    return str(p)


def _query(path, sql):
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={path}") as s:
        return s.query(sql).to_pylist()


def _in_force(path):
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={path}") as s:
        return set(s.latest_limits().column("model_version").to_pylist())


def test_backtest_when_crash_day_is_unseen_then_alert_before_trough_and_report_written(
        db, config, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["backtest", "--db", str(db), "--folds", "3", "--config", config,
                 "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    crash = [e for f in report["folds"] for e in f["layer2"]["model"]["events"]
             if e["event"] == "flash_crash"]
    assert len(crash) == 2  # days 2 and 3, each tested by a model that never saw it
    assert all(e["delay_s"] is not None and e["before_trough"] for e in crash)
    lim = report["overall"]["limits"]
    assert lim["seller_qty_accepted_dynamic"] < lim["seller_qty_accepted_static"]
    assert "l1_recall" in capsys.readouterr().out


def test_publish_when_model_promoted_then_deactivated_then_static_limits_follow(
        db, config, tmp_path, capsys):
    root = str(tmp_path / "models")
    assert main(["models", "publish", "--db", str(db), "--root", root]) == 0
    assert {r["model_version"] for r in _query(db, "SELECT * FROM risk_limits")} == {"static"}
    assert main(["models", "train", "--db", str(db), "--root", root, "--config", config,
                 "--promote"]) == 0
    vid = Registry(root).promoted("vae")
    assert vid is not None and Registry(root).promoted("gbdt") is not None
    assert main(["models", "publish", "--db", str(db), "--root", root]) == 0
    scores = _query(db, "SELECT count(*) AS n, count(DISTINCT model_version) AS v FROM risk_scores")
    assert scores[0]["n"] > 0 and scores[0]["v"] == 1
    assert _in_force(db) == {vid}
    assert main(["models", "deactivate", vid, "--root", root]) == 0
    n_before = _query(db, "SELECT count(*) AS n FROM risk_limits")[0]["n"]
    assert main(["models", "publish", "--db", str(db), "--root", root]) == 0
    assert _query(db, "SELECT count(*) AS n FROM risk_limits")[0]["n"] > n_before
    assert _in_force(db) == {"static"}
    assert main(["models", "list", "--root", root]) == 0
    assert "deactivated" in capsys.readouterr().out


def test_promote_when_id_unknown_then_usage_error_exit_2(tmp_path, capsys):
    assert main(["models", "promote", "vae-nope", "--root", str(tmp_path)]) == 2
    assert "no model" in capsys.readouterr().err
