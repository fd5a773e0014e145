"""The CLI as a person runs it: a real subprocess, real files, exit codes and stderr."""

import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}


def run(*args, check=False):
    p = subprocess.run([sys.executable, "-m", "adaptrisk", *args], capture_output=True, text=True,
                       env=ENV, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.mark.parametrize("cmd", [[], ["sql"], ["ingest"], ["ingest", "lobster"], ["ingest", "csv"],
                                 ["sim"], ["demo"]])
def test_help_when_asked_then_every_command_documents_itself(cmd):
    p = run(*cmd, "--help", check=True)
    assert "usage: adaptrisk" in p.stdout


def test_sql_when_query_is_wrong_then_one_line_error_exit_2(tmp_path):
    p = run("sql", "SELECT nope", "--db", str(tmp_path / "x.duckdb"))
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("adaptrisk sql: error:")
    assert "Traceback" not in p.stderr


def test_sql_when_debug_then_traceback_shown(tmp_path):
    p = run("--debug", "sql", "SELECT nope", "--db", str(tmp_path / "x.duckdb"))
    assert p.returncode == 2 and "Traceback" in p.stderr


def test_ingest_csv_when_bad_row_then_exit_2_naming_row_and_nothing_written(tmp_path):
    db = str(tmp_path / "x.duckdb")
    f = tmp_path / "t.csv"
    f.write_text("ts,sym,price,size,side,trade_id\n2026-06-22 13:30:00,A,10,1,B,1\n"
                 "2026-06-22 13:30:01,A,10,-5,B,2\n")
    p = run("ingest", "csv", "trades", str(f), "--db", db)
    assert p.returncode == 2 and "row 1" in p.stderr and "'size'" in p.stderr
    assert "(0 rows)" in run("sql", "SELECT * FROM trades", "--db", db, check=True).stdout


def test_ingest_lobster_when_goog_csvs_then_loaded_and_queryable(tmp_path, goog_zip):
    import zipfile

    with zipfile.ZipFile(goog_zip) as zf:
        zf.extractall(tmp_path)
    msg = next(tmp_path.glob("*message_10.csv"))
    ob = next(tmp_path.glob("*orderbook_10.csv"))
    db = str(tmp_path / "g.duckdb")
    p = run("ingest", "lobster", str(msg), str(ob), "--symbol", "GOOG", "--date", "2012-06-21",
            "--db", db, check=True)
    assert "147,916 messages" in p.stdout and "trades 11,678" in p.stdout
    out = run("sql", "SELECT sym, count(*) AS n FROM trades GROUP BY sym", "--db", db, check=True)
    assert "GOOG  11678" in out.stdout
