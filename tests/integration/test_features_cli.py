"""`adaptrisk features ...` as a person runs it, over a simulated session in a DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}


def run(*args):
    return subprocess.run([sys.executable, "-m", "adaptrisk", *args], capture_output=True,
                          text=True, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    from sim import SimConfig, simulate
    from tsdb import Store

    path = tmp_path_factory.mktemp("feat") / "sim.duckdb"
    res = simulate(SimConfig(scenario="flash_crash", n_symbols=2, minutes=20, seed=3,
                             onset_minute=10.0, fat_finger_rate=0.02))
    with Store.from_conf(f"duckdb::path={path}") as store:
        for name, tbl in res.tables().items():
            store.ingest(name, tbl)
    return str(path)


def test_features_build_when_run_twice_then_second_adds_nothing(sim_db):
    first = run("features", "build", "--db", sim_db)
    assert first.returncode == 0, first.stderr
    assert "rows added" in first.stdout and "nothing new" not in first.stdout
    second = run("features", "build", "--db", f"duckdb::path={sim_db}")
    assert second.returncode == 0, second.stderr
    assert "0 rows added (nothing new)" in second.stdout
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={sim_db};read_only=true") as store:
        n = store.query("SELECT count(*) AS n, count(DISTINCT sym) AS s FROM features").to_pylist()
    assert n == [{"n": 2 * 20 * 600, "s": 2}]  # 20 minutes of 100 ms buckets per symbol


@pytest.mark.parametrize("target", ["fat_finger", "stress"])
def test_features_rank_when_labels_exist_then_prints_both_rankings(sim_db, target):
    assert run("features", "build", "--db", sim_db).returncode == 0
    p = run("features", "rank", "--db", sim_db, "--target", target)
    assert p.returncode == 0, p.stderr
    assert "mutual information" in p.stdout and "RFE" in p.stdout
    body = [ln for ln in p.stdout.splitlines() if ln.strip()[:1].isdigit()]
    from features.registry import names

    expected = len(names("order")) if target == "fat_finger" else len(names("market")) - 3
    assert len(body) == expected


def test_features_build_when_bucket_does_not_divide_second_then_exit_2(sim_db):
    p = run("features", "build", "--db", sim_db, "--bucket-ms", "300")
    assert p.returncode == 2 and p.stderr.startswith("adaptrisk features: error:")
