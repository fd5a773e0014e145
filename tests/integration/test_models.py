"""The model layer end to end on a real DuckDB file: simulated days (one seed each),
features built in the store, the CLI for train / promote / publish / deactivate / backtest
(the backtest with the default configuration on longer days)."""

import json
import shutil

import pytest

from adaptrisk.cli import main
from adaptrisk.limits import with_static_caps
from jaxmodels.config import ModelsConfig
from jaxmodels.registry import Registry

PLAN = [("normal", 31, 20, None, 0.02), ("flash_crash", 32, 20, 12.0, 0.02),
        ("flash_crash", 33, 20, 11.0, 0.02)]
# A deliberately small model, so train / promote / publish / deactivate run in seconds.
CONFIG = {"vae": {"epochs": 2, "hidden": 32, "holdout_block": 600, "online_warm": 300,
                  "online_half_life": 3000.0},
          "gbdt": {"max_trees": 40}}
# The backtest runs the default ModelsConfig (per-symbol tail calibration on), so it needs
# days long enough to train it: 3 days x 2 symbols x 120 min, one seed each (on 60 min days
# the same seeds alerted 7.9 s and 3.5 s after the onset; on these, 3.7 s and 1.4 s).
BACKTEST_PLAN = [("normal", 31, 120, None, 0.02), ("flash_crash", 32, 120, 72.0, 0.02),
                 ("flash_crash", 33, 120, 66.0, 0.02)]


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    from adaptrisk import evalstore
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


@pytest.fixture(scope="module")
def backtest_db(tmp_path_factory):
    from adaptrisk import evalstore
    from tsdb import Store

    path = tmp_path_factory.mktemp("backtest") / "bt.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as store:
        evalstore.build(store, BACKTEST_PLAN, n_symbols=2, out=lambda *_: None)
    return path


@pytest.mark.slow
def test_backtest_when_default_config_and_crash_day_unseen_then_alert_before_trough(
        backtest_db, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["backtest", "--db", str(backtest_db), "--folds", "3", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    # the default, tail calibration on, caps handed over from the enforcer's static file
    assert report["config"] == with_static_caps(ModelsConfig()).to_dict()
    assert report["config"]["vae"]["tail_window"] > 0
    crash = [e for f in report["folds"] for e in f["layer2"]["model"]["events"]
             if e["event"] == "flash_crash"]
    assert len(crash) == 2  # days 2 and 3, each tested by a model that never saw it
    assert all(e["delay_s"] is not None and e["before_trough"] for e in crash)
    # a regression bound, not the goal: the 2 s goal is benchmarked (bench models, 4 days)
    assert all(e["delay_s"] <= 5.0 for e in crash)
    l2 = report["overall"]["layer2_model"]
    assert l2["false_alerts_per_6p5h_day"] <= 1.0
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
