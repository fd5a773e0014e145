"""The four-eyes rules of limit overrides and the console's users (pure checks)."""

import pytest

from enforcer.console.commands import DecideOverride, RequestOverride
from enforcer.console.config import ConsoleConfig, User
from enforcer.console.overrides import check_decision, check_request, direction
from enforcer.errors import ConfigError

OLGA = User(name="olga", role="operator", token="tok-olga-1")
ANNA = User(name="anna", role="approver", token="tok-anna-1")
BEN = User(name="ben", role="approver", token="tok-ben-01")
VIC = User(name="vic", role="viewer", token="tok-vic-01")


def _req(user=OLGA, **kw):
    args = {"sym": "AAPL", "strategy": "*", "limit_name": "max_order_qty", "value": 400.0,
            "expires_s": 3600.0, "why": "block", **kw}
    return RequestOverride(user=user, **args)


def _pending(requested_by="olga", status="pending"):
    return {"override_id": "o1", "status": status, "requested_by": requested_by}


def test_direction_when_above_limit_in_force_then_loosen_else_tighten():
    assert direction(400, 100) == "loosen"
    assert direction(100, 100) == "tighten" and direction(50, 100) == "tighten"


@pytest.mark.parametrize(("cmd", "needle"), [
    (_req(user=VIC), "needs operator"),
    (_req(limit_name="fat_finger_threshold"), "limit must be one of"),
    (_req(value=float("nan")), "finite"),
    (_req(value=-1.0), "finite"),
    (_req(expires_s=0.0), "expiry"),
    (_req(expires_s=8 * 86400.0), "expiry"),
    (_req(why="  "), "must not be blank"),
])
def test_check_request_when_bad_then_reason(cmd, needle):
    assert needle in check_request(cmd)


def test_check_request_when_good_then_none():
    assert check_request(_req()) is None


def test_check_decision_when_second_approver_then_allowed_and_requester_refused():
    ok = DecideOverride(user=ANNA, override_id="o1", decision="approve", why="ok")
    assert check_decision(_pending(), ok) is None
    own = DecideOverride(user=ANNA, override_id="o1", decision="approve", why="ok")
    assert "four eyes" in check_decision(_pending(requested_by="anna"), own)
    op = DecideOverride(user=OLGA, override_id="o1", decision="approve", why="ok")
    assert "needs an approver" in check_decision(_pending(requested_by="ben"), op)


def test_check_decision_when_not_pending_or_blank_why_then_reason():
    cmd = DecideOverride(user=BEN, override_id="o1", decision="approve", why="ok")
    assert "not pending" in check_decision(_pending(status="active"), cmd)
    assert "no override" in check_decision(None, cmd)
    blank = DecideOverride(user=BEN, override_id="o1", decision="approve", why=" ")
    assert "blank" in check_decision(_pending(), blank)


def test_withdraw_when_requester_or_approver_then_allowed_else_refused():
    mine = DecideOverride(user=OLGA, override_id="o1", decision="withdraw", why="done")
    assert check_decision(_pending(status="active"), mine) is None
    other = DecideOverride(user=User(name="otto", role="operator", token="tok-otto-1"),
                           override_id="o1", decision="withdraw", why="x")
    assert "requester or an approver" in check_decision(_pending(status="active"), other)


def test_console_config_when_round_tripped_then_equal_and_bad_input_refused():
    cfg = ConsoleConfig.from_dict({"users": [{"name": "a", "role": "viewer",
                                              "token": "tok-aaaa-1"}], "history_s": 300.0})
    again = ConsoleConfig.from_dict(cfg.to_dict())
    assert again.to_dict() == cfg.to_dict() and again.user_for("tok-aaaa-1").name == "a"
    assert "tok-aaaa-1" not in repr(cfg.users[0])
    with pytest.raises(ConfigError, match="unknown field"):
        ConsoleConfig.from_dict({"users": [], "colour": "red"})
    with pytest.raises(ConfigError, match="unique"):
        ConsoleConfig.from_dict({"users": [{"name": "a", "role": "viewer", "token": "t" * 8},
                                           {"name": "b", "role": "viewer", "token": "t" * 8}]})
    with pytest.raises(ConfigError, match="role"):
        User(name="x", role="god", token="t" * 8)
