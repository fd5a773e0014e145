"""The session day: its end at 17:00 New York across daylight saving, the config that
sets it, and a journal's day roll (archive, numbers at 1) surviving a reopen."""

import tomllib
from datetime import UTC, datetime
from datetime import time as dtime

import pytest

from enforcer.errors import ConfigError
from enforcer.fix.config import FixConfig
from enforcer.fix.schedule import session_day
from enforcer.fix.store import SessionStore, session_peers

FIVE_PM = dtime(17, 0)


def _ns(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * 1_000_000_000


@pytest.mark.parametrize(("utc", "day"), [
    ((2026, 11, 30, 21, 59, 59), "2026-11-30"),  # 16:59:59 EST (UTC-5)
    ((2026, 11, 30, 22, 0, 0), "2026-12-01"),  # 17:00 EST: the next day begins
    ((2026, 7, 1, 20, 59, 59), "2026-07-01"),  # 16:59:59 EDT (UTC-4)
    ((2026, 7, 1, 21, 0, 0), "2026-07-02"),
    ((2026, 12, 31, 23, 0, 0), "2027-01-01"),  # 18:00 on New Year's Eve
])
def test_session_day_when_around_five_pm_new_york_then_day_turns_at_five(utc, day):
    assert session_day(_ns(*utc), FIVE_PM, "America/New_York") == day


def test_config_when_toml_time_or_text_then_parsed_and_bad_zone_refused():
    doc = tomllib.loads('session_reset_time = 16:30:00\nsession_reset_zone = "Europe/London"')
    cfg = FixConfig.from_dict(doc)
    assert (cfg.session_reset_time, cfg.session_reset_zone) == (dtime(16, 30), "Europe/London")
    assert FixConfig.from_dict({"session_reset_time": "18:15"}).session_reset_time == \
        dtime(18, 15)
    assert FixConfig().session_reset_time == FIVE_PM
    with pytest.raises(ConfigError, match="time zone"):
        FixConfig(session_reset_zone="Mars/Olympus")
    with pytest.raises(ConfigError, match="session_reset_time"):
        FixConfig.from_dict({"session_reset_time": "5pm"})


def test_store_when_day_archived_then_new_journal_at_one_and_reopen_agrees(tmp_path):
    path = tmp_path / "ADAPTRISK-OMS%2f1.session"
    st = SessionStore(path)
    st.set_day("2026-11-30")
    st.record_out(1, b"8=FIX.4.4\x019=5\x0135=8\x0110=000\x01", in_seq=1)
    st.record_out(2, b"8=FIX.4.4\x019=5\x0135=8\x0110=001\x01", in_seq=2)
    dest = st.archive("2026-12-01")
    assert dest == tmp_path / "archive" / "ADAPTRISK-OMS%2f1.2026-11-30.session"
    assert b"10=001" in dest.read_bytes()
    assert (st.next_in, st.next_out, st.day) == (1, 1, "2026-12-01")
    assert st.stored(1, 0) == []
    st.close()
    again = SessionStore(path)
    assert (again.next_in, again.next_out, again.day) == (1, 1, "2026-12-01")
    again.reset(1, 1)  # a ResetSeqNumFlag logon keeps the day
    again.close()
    assert SessionStore(path).day == "2026-12-01"
    assert session_peers(tmp_path, "ADAPTRISK") == ["OMS/1"]
