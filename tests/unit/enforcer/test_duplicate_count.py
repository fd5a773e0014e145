"""The duplicate rule counts identical orders per strategy (N within a window), live and
after a restart from the decision log; its settings live in the strict static limits."""

from __future__ import annotations

import pytest

from enforcer.config import (
    DEFAULT_STATIC_LIMITS,
    ConfigError,
    DuplicateRule,
    EnforcerConfig,
    StaticLimits,
)
from enforcer.engine import Enforcer
from tests.unit.enforcer.helpers import SMALL_STATIC, T0, FakeClock, order, write_static

MS = 10**6
# throttle loose enough that only the duplicate rule can bite
STATIC = SMALL_STATIC.replace("rate_per_s = 10\nburst = 5", "rate_per_s = 1000\nburst = 1000")
CLIPS = STATIC + """
[duplicate]
max_identical = 10
window_s = 1.0
[duplicate.strategies.ALGO]
max_identical = 30
"""


def _engine(tmp_path, body: str, log: bool = False) -> Enforcer:
    cfg = EnforcerConfig(static_limits_path=write_static(tmp_path / "s.toml", body),
                         breaker_rejects_per_s=0,
                         decision_log_path=tmp_path / "d.log" if log else None)
    e = Enforcer(cfg, None, FakeClock())
    e.on_quote("AAA", 99.9, 100.1, T0)
    return e


def _clips(e: Enforcer, n: int, strategy: str, start: int = 0, gap: int = 20 * MS) -> list:
    return [e.submit(order(start + i, T0 + (start + i) * gap, strategy=strategy)).reasons
            for i in range(n)]


def test_duplicate_when_eleventh_identical_order_within_1s_then_only_it_rejected(tmp_path):
    e = _engine(tmp_path, CLIPS)
    got = _clips(e, 12, "s1")  # 20 ms apart: all within 1 s
    assert got[:10] == [()] * 10
    assert got[10:] == [("DUPLICATE",), ("DUPLICATE",)]


def test_duplicate_when_strategy_has_its_own_count_then_30_clips_pass(tmp_path):
    e = _engine(tmp_path, CLIPS)
    got = _clips(e, 31, "ALGO")
    assert got[:30] == [()] * 30 and got[30] == ("DUPLICATE",)


def test_duplicate_when_clips_paced_slower_than_n_per_window_then_none_rejected(tmp_path):
    e = _engine(tmp_path, CLIPS)
    assert set(_clips(e, 100, "s1", gap=101 * MS)) == {()}  # 9.9 per second: never 11


def test_duplicate_when_restarted_from_decision_log_then_count_carries_on(tmp_path):
    e = _engine(tmp_path, CLIPS, log=True)
    assert _clips(e, 10, "s1") == [()] * 10
    e.stop()
    e2 = _engine(tmp_path, CLIPS, log=True)  # rebuilt from the log: 10 within the window
    assert e2.book.dups == e.book.dups
    assert _clips(e2, 1, "s1", start=10) == [("DUPLICATE",)]


def test_static_limits_when_duplicate_section_has_unknown_key_then_config_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown field"):
        StaticLimits.load(write_static(tmp_path / "s.toml", STATIC + "[duplicate]\nn = 3\n"))
    with pytest.raises(ConfigError, match="max_identical"):
        StaticLimits.load(write_static(tmp_path / "t.toml",
                                       STATIC + "[duplicate]\nmax_identical = 0\n"))


def test_static_limits_when_shipped_file_then_default_rule_is_10_within_1s():
    assert StaticLimits.load(DEFAULT_STATIC_LIMITS).duplicate == DuplicateRule()
    assert DuplicateRule().max_identical == 10 and DuplicateRule().window_ns == 10**9
