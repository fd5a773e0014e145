"""`adaptrisk impact labels|train|eval|advise` end to end in real processes on a real DuckDB
file of two simulated days (a normal one and a flash crash); tiny training (the bench
measures the real figures)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tsdb import Store

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}
PLAN = [("normal", 5, 15, None, 0.0), ("flash_crash", 6, 15, 8.0, 0.0)]


def run(*args):
    p = subprocess.run([sys.executable, "-m", "adaptrisk", "impact", *args],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from adaptrisk import evalstore

    path = tmp_path_factory.mktemp("impact") / "sim.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
    return str(path)


def test_impact_cli_when_labels_train_eval_advise_then_tables_and_reports(db, tmp_path):
    out = tmp_path / "labels.json"
    run("labels", "--db", db, "--json", str(out))
    first = json.loads(out.read_text())
    assert first["written"] > 1000 and first["total"] == first["written"]
    assert json.loads(run("labels", "--db", db).stdout)["written"] == 0  # nothing twice

    root = tmp_path / "models"
    rep = json.loads(run("train", "--db", db, "--root", str(root), "--steps", "40",
                         "--promote").stdout)
    assert rep["model"].startswith("impact-") and rep["promoted"]

    ev_path = tmp_path / "eval.json"
    run("eval", "--db", db, "--steps", "40", "--json", str(ev_path))
    ev = json.loads(ev_path.read_text())
    assert len(ev["folds"]) == 1 and ev["pooled"]["rows"] == ev["folds"][0]["rows"] > 0
    for k in ("mae_net", "mae_sqrt", "mae_almgren", "coverage_80"):
        assert np.isfinite(ev["pooled"][k])

    adv = json.loads(run("advise", "--db", db, "--root", str(root), "--budget-bps",
                         "6").stdout)
    assert adv["written"] == 2 and adv["model"] == rep["model"]
    with Store.from_conf(f"duckdb::path={db}") as s:
        rows = s.query("SELECT sym, algo, impact_max_qty, clip_qty, budget_bps FROM "
                       "exec_advice ORDER BY sym").to_pylist()
    assert [r["sym"] for r in rows] == ["SIM00", "SIM01"]
    assert all(r["algo"] in ("TWAP", "VWAP", "POV") and r["budget_bps"] == 6.0 for r in rows)
    assert all(r["clip_qty"] >= 1 and r["impact_max_qty"] >= 0 for r in rows)
    one = json.loads(run("advise", "--db", db, "--root", str(root), "--parent-qty",
                         "300").stdout)
    assert {a["parent_qty"] for a in one["advice"]} == {300}


def test_advice_cap_when_model_monotone_then_cap_is_budget_boundary(db, tmp_path):
    """The cap written is the largest grid size within budget: predicted cost at the cap is
    within the budget and above it at the next grid size (the model is monotone)."""
    from jaxmodels.impact import advice, labels
    from jaxmodels.impact.config import AdviceConfig, ImpactConfig
    from jaxmodels.impact.data import rows_from_table
    from jaxmodels.impact.train import fit

    with Store.from_conf(f"duckdb::path={db}") as s:
        labels.build(s)
        model, _ = fit(rows_from_table(labels.read(s)), ImpactConfig(steps=40, batch=256))
        at = int(s.query_file("models/data_span.sql").column("last_ns")[0].as_py())
        state = advice.state_rows(s.query_file("impact/market_state.sql", {"at": at}))
    cfg = AdviceConfig(budget_bps=4.0)
    for r in state.values():
        cap = advice.size_cap(model, r, cfg)
        top = max(10.0 * r.volume_5m[0], 10.0 * r.depth5.max(), 10.0)
        grid = np.unique(np.round(np.geomspace(1.0, top, cfg.max_qty_grid)))
        cost = advice.child_cost(model, r, grid)
        assert (np.diff(cost) >= -1e-4).all()
        within = grid[cost <= cfg.budget_bps]
        assert cap == (int(within.max()) if len(within) else 0)


def test_backtest_job_when_store_then_labels_up_to_date_and_one_line_summary(db):
    from jaxmodels.impact.config import ImpactConfig
    from jaxmodels.impact.jobs import backtest_job

    with Store.from_conf(f"duckdb::path={db}") as s:
        rep = backtest_job(s, ImpactConfig(steps=40, batch=256))
        assert 0 < rep["rows"] <= s.count("impact_labels")  # usable rows of the labels
    assert rep["line"].startswith("impact: out-of-sample MAE") and len(rep["folds"]) == 1
