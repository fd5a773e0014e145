"""`adaptrisk enforcer run --db questdb::...` as a real process (issue 13 part 3): orders over
FIX, SIGKILL, restart, clean stop. The decision log is replayed into QuestDB after the
restart (enforcer/max_logged_seq.sql): every order answered is in `decisions` exactly once,
with the verdicts and reasons the same run gives on DuckDB."""

from __future__ import annotations

import signal

import pytest

from tests.integration import test_enforcer_cli as cli
from tests.unit.enforcer_fe.helpers import static_limits
from tsdb import Store, canonical

pytestmark = [pytest.mark.questdb, pytest.mark.slow]


def _session(tmp_path, db: str, log: str) -> list[int]:
    """First run killed after 120 orders, the second stopped cleanly after 40 more."""
    extra = ["--db", db, "--log", str(tmp_path / log)]
    answered = []
    for ids, sender, sig in ((range(1, 121), "OMS1", signal.SIGKILL),
                             (range(1001, 1041), "OMS2", signal.SIGTERM)):
        proc, fix_port, http_port = cli.start(tmp_path, *extra)
        try:
            cli.quote(http_port)
            got = cli.send_orders(fix_port, list(ids), sender)
            assert sorted(got) == list(ids)
            answered += got
        finally:
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"pending=0" in out, err.decode()[-2000:]
    return answered


def _decisions(store) -> list[dict]:
    t = store.read_table("decisions") if store.dialect == "questdb" else \
        store.query("SELECT * FROM decisions")
    return sorted(({k: r[k] for k in ("order_id", "verdict", "reasons", "static_verdict",
                                       "dynamic_verdict", "qty", "side", "sym")}
                   for r in t.to_pylist()), key=lambda r: r["order_id"])


def test_enforcer_run_when_killed_and_restarted_on_questdb_then_decisions_once_as_on_duckdb(
        questdb_conf, tmp_path):
    with Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
    static_limits(tmp_path)
    duck = f"duckdb::path={tmp_path / 'e.duckdb'}"
    answered = _session(tmp_path, questdb_conf, "q.log")
    _session(tmp_path, duck, "d.log")
    with Store.from_conf(questdb_conf) as q, Store.from_conf(duck) as d:
        got, want = _decisions(q), _decisions(d)
    assert [r["order_id"] for r in got] == sorted(answered)  # none lost, none twice
    assert got == want
