"""Every command that takes --db reaches a QuestDB or kdb+ backend from its connection string:
with nothing listening, the answer is one CONNECT line naming the host, exit 2, no traceback."""

import pytest

from adaptrisk.cli import main

DOWN = {
    "questdb": ("questdb::addr=127.0.0.1:1;pg=127.0.0.1:1",
                "cannot reach QuestDB PG wire at 127.0.0.1:1"),
    "kdb": ("kdb::host=127.0.0.1;port=1", "cannot reach kdb+ at 127.0.0.1:1"),
}
COMMANDS = {
    "enforcer run": ["enforcer", "run", "--fix-port", "0", "--http-port", "0", "--log", "{tmp}/d.log"],
    "enforcer replay": ["enforcer", "replay"],
    "retrain": ["retrain", "--root", "{tmp}/models"],
    "models train": ["models", "train", "--root", "{tmp}/models"],
    "models publish": ["models", "publish", "--root", "{tmp}/models"],
    "features build": ["features", "build"],
    "demo --symbol": ["demo", "--symbol", "AAA"],
}


@pytest.mark.parametrize("backend", sorted(DOWN))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_when_server_backend_down_then_connect_error_naming_host_exit_2(
        command, backend, tmp_path, capsys):
    db, want = DOWN[backend]
    argv = [a.format(tmp=tmp_path) for a in COMMANDS[command]] + ["--db", db]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"adaptrisk {argv[0]}: error: {want}"), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_demo_when_simulated_on_server_backend_then_one_line_why_not(capsys):
    assert main(["demo", "--db", DOWN["kdb"][0]]) == 2
    assert capsys.readouterr().err == ("adaptrisk demo: error: the simulated demo writes a fresh "
                                       "embedded store: give a DuckDB path\n")
