"""`adaptrisk.cli.run`, the process entry point: main's exit code, the collector frozen."""

import pytest

from adaptrisk import cli


def test_run_when_main_returns_then_exits_with_its_code_after_freezing_gc(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "main", lambda: calls.append("main") or 3)
    monkeypatch.setattr(cli.gc, "freeze", lambda: calls.append("freeze"))
    with pytest.raises(SystemExit) as exc:
        cli.run()
    assert exc.value.code == 3
    assert calls == ["main", "freeze"]
