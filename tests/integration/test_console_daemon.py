"""`adaptrisk enforcer run` serves the console at /console (a real daemon process): a user
from --console-users engages the global kill switch over HTTP, the next FIX order is
rejected, and after a clean stop the action is an `audit` row of the daemon's DuckDB file."""

import json
import signal

import duckdb
import httpx

from enforcer.fix import codec as C
from enforcer.fix.client import FixClient, new_order_fields
from tests.integration.test_enforcer_cli import quote, start


def test_enforcer_run_when_console_kill_posted_then_fix_order_rejected_and_audited(tmp_path):
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [
        {"name": "vic", "role": "viewer", "token": "viewer-token-1"},
        {"name": "olga", "role": "operator", "token": "operator-token-1"}]}))
    proc, fix_port, http_port = start(tmp_path, "--console-users", str(users))
    try:
        quote(http_port)
        base = f"http://127.0.0.1:{http_port}/console"
        with httpx.Client(timeout=10) as h:
            assert h.get(base + "/", headers={"accept": "text/html"},
                         follow_redirects=False).status_code == 303  # not signed in
            page = h.get(base + "/", headers={"Authorization": "Bearer viewer-token-1"})
            assert page.status_code == 200 and "data-sym=\"AAPL\"" in page.text
            refused = h.post(base + "/kill", data={"scope": "global", "why": "try"},
                             headers={"Authorization": "Bearer viewer-token-1"})
            assert refused.status_code == 409
            r = h.post(base + "/kill", data={"scope": "global", "why": "fire drill"},
                       headers={"Authorization": "Bearer operator-token-1"})
            assert r.status_code == 200 and "kill switch engaged: global" in r.text
            assert h.get(base + "/static/htmx.min.js").status_code == 200
        with FixClient("127.0.0.1", fix_port, sender="OMS9", timeout=10) as c:
            c.logon()
            c.send("D", new_order_fields(cl_ord_id="k1", sym="AAPL", qty=1, price=100.0))
            rep = c.expect(b"8")
            assert rep.get(C.EXEC_TYPE) == b"8" and b"KILL_SWITCH" in rep.get(C.TEXT)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    con = duckdb.connect(str(tmp_path / "e.duckdb"), read_only=True)
    rows = con.execute("SELECT who, action, target, why FROM audit ORDER BY ts").fetchall()
    con.close()
    assert rows == [("vic", "kill_refused", "global", "try"),
                    ("olga", "kill", "global", "fire drill")]
