"""The CLI as a person runs it: a real subprocess, real files, exit codes and stderr."""

import argparse
import os
import re
import subprocess
import sys

import pytest

from adaptrisk.cli import build_parser, main

ENV = {**os.environ, "PYKX_UNLICENSED": "true", "JAX_PLATFORMS": "cpu"}


def run(*args, check=False):
    p = subprocess.run([sys.executable, "-m", "adaptrisk", *args], capture_output=True, text=True,
                       env=ENV, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command path of the parser tree: (), ("demo",), ("models", "train"), ..."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _command_paths(sub, (*prefix, name))


PATHS = list(_command_paths(build_parser()))


def test_help_when_top_level_asked_then_lists_every_command_the_parser_has():
    """`adaptrisk --help` in a real process lists exactly the commands tested below, so a
    command added later is in PATHS (and gets its --help test) without editing this file."""
    p = run("--help", check=True)
    section = p.stdout.split("\n  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^    ([a-z][a-z_-]*)(?: |$)", section, re.M)
    assert listed and len(listed) == len(set(listed)), p.stdout
    assert set(listed) == {path[0] for path in PATHS if len(path) == 1}
    assert len(PATHS) > 12  # top level, 9 commands and their actions as of writing


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "adaptrisk")
def test_help_when_asked_then_every_command_documents_itself(path, capsys):
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('adaptrisk', *path))}")
    assert "-h, --help" in out


@pytest.mark.parametrize("path", [p for p in PATHS if p], ids=" ".join)
def test_help_when_parent_lists_command_then_it_has_a_one_line_help(path):
    parser = build_parser()
    for name in path[:-1]:
        parser = next(a for a in parser._actions
                      if isinstance(a, argparse._SubParsersAction)).choices[name]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert helps.get(path[-1]), f"'{' '.join(path)}' has no help line in its parent's listing"


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


def test_ingest_csv_when_tz_and_ts_unit_given_then_rows_land_in_utc(tmp_path):
    db = str(tmp_path / "x.duckdb")
    naive = tmp_path / "naive.csv"  # 09:30 New York = 13:30 UTC on 2026-06-22 (EDT)
    naive.write_text("ts,sym,price,size,side,trade_id\n2026-06-22 09:30:00,A,10,1,B,1\n")
    run("ingest", "csv", "trades", str(naive), "--db", db, "--tz", "America/New_York", check=True)
    epoch = tmp_path / "epoch.csv"
    epoch.write_text("ts,sym,price,size,side,trade_id\n1782135001000,A,10,1,B,2\n")
    run("ingest", "csv", "trades", str(epoch), "--db", db, "--ts-unit", "ms", check=True)
    out = run("sql", "SELECT epoch_ns(ts) // 1000000000 AS s FROM trades ORDER BY trade_id",
              "--db", db, check=True).stdout
    assert "1782135000" in out and "1782135001" in out
    p = run("ingest", "csv", "trades", str(naive), "--db", db, "--tz", "Mars/Olympus")
    assert p.returncode == 2 and "Mars/Olympus" in p.stderr


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
