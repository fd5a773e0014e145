"""`adaptrisk demo` refuses bad input with one line, exit 2, and writes nothing."""

import os
import subprocess
import sys

from tests.unit.tsdb.helpers import trades
from tsdb import Store

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}


def _demo(*args, cwd):
    return subprocess.run([sys.executable, "-m", "adaptrisk", "demo", *args], capture_output=True,
                          text=True, env=ENV, cwd=cwd, timeout=300)


def test_demo_when_seed_is_a_training_seed_then_exit_2_and_nothing_written(tmp_path):
    p = _demo("--seed", "101", "--db", str(tmp_path / "d.duckdb"), "--reports",
              str(tmp_path / "rep"), cwd=tmp_path)
    assert p.returncode == 2 and "training seed" in p.stderr and p.stderr.count("\n") == 1
    assert not (tmp_path / "d.duckdb").exists() and not (tmp_path / "rep").exists()


def test_demo_when_symbol_has_no_data_then_exit_2_and_store_untouched(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store.from_conf(f"duckdb::path={db}", session=None) as s:
        s.ingest("trades", trades(5, sym="AAA"))
    p = _demo("--db", str(db), "--symbol", "NOPE", "--reports", str(tmp_path / "rep"), cwd=tmp_path)
    assert p.returncode == 2 and "no market data for 'NOPE'" in p.stderr
    with Store.from_conf(f"duckdb::path={db}") as s:
        assert s.count("features") == 0 and s.count("risk_scores") == 0
    assert not (tmp_path / "rep").exists()


def test_demo_when_train_db_given_then_training_store_written_there_not_under_data(tmp_path):
    """The first step simulates the training days into --train-db; stop the run once it exists."""
    import time

    train = tmp_path / "elsewhere" / "t.duckdb"
    p = subprocess.Popen([sys.executable, "-m", "adaptrisk", "demo", "--db", str(tmp_path / "d.duckdb"),
                          "--train-db", str(train), "--reports", str(tmp_path / "rep")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                         cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240
        while not train.exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert train.exists(), p.stderr.read() if p.poll() is not None else "timed out"
    finally:
        p.kill()
        p.wait()
    assert not (tmp_path / "data" / "demo-train.duckdb").exists()


def test_demo_when_train_db_is_the_session_db_then_exit_2_and_nothing_written(tmp_path):
    db = str(tmp_path / "d.duckdb")
    p = _demo("--db", db, "--train-db", db, "--reports", str(tmp_path / "rep"), cwd=tmp_path)
    assert p.returncode == 2 and "different files" in p.stderr and p.stderr.count("\n") == 1
    assert not (tmp_path / "d.duckdb").exists() and not (tmp_path / "rep").exists()
