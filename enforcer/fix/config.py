"""Front-end configuration: FIX acceptor, built-in exchange simulator, REST API.

Frozen keyword-only dataclasses like `enforcer.config` (kept apart only because the front
ends were written in parallel with the core; they can be folded into `config.py`).
`from_dict` rejects unknown fields; durations are `timedelta`, given in seconds in dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path
from typing import Any

from enforcer.errors import ConfigError
from enforcer.fix.schedule import parse_time, zone

DOWNSTREAMS = ("sim", "none")


def _from_dict(cls: type, d: dict[str, Any]) -> Any:
    allowed = {f.name: f for f in fields(cls)}
    unknown = set(d) - set(allowed)
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
    kw = dict(d)
    for name, f in allowed.items():
        if name in kw and "timedelta" in str(f.type) and not isinstance(kw[name], timedelta):
            kw[name] = timedelta(seconds=float(kw[name]))
        if name in kw and "frozenset" in str(f.type):
            kw[name] = frozenset(kw[name])
    return cls(**kw)


@dataclass(frozen=True, slots=True, kw_only=True)
class FixConfig:
    """FIX 4.4 acceptor.

    host/port: listen address (port 0 = any free port; `FixAcceptor.port` tells which).
    comp_id: our SenderCompID. allowed_senders: the counterparties (SenderCompIDs) that
        may log on; empty = any (development only: say who in production).
    passwords: SenderCompID -> password its Logon must carry in tag 554 (one without an
        entry logs on without one). Never printed.
    store_dir: where each session's sequence numbers and sent messages are kept (None:
        beside the engine's decision log, `<log>.fix/`; in memory without a log).
    reset_on_logon: start both sequence numbers at 1 on every Logon (as if each Logon
        carried ResetSeqNumFlag=Y); off by default: sessions keep their numbers.
    standard_only: counterparties that get standard FIX 4.4 fields only: no 8011-8017
        on their reports. Our ExecutionReports carry three custom tags: 8011
        RiskState (text, e.g. 'Normal', 'RiskAlert_HighAnomaly'), 8012 LimitsVersion (the
        version of the limits that decided) and 8013 Mode ('enforce', 'shadow', 'ab'); an
        accepted order's ack (150=0) also the execution advice in force for its symbol
        when the daemon has some (8014 AdvisedAlgo TWAP/VWAP/POV, 8015
        AdvisedParticipation a fraction, 8016 AdvisedClipQty, 8017 ImpactMaxQty, lots). An
        engine that validates against the stock FIX 4.4 dictionary (QuickFIX's defaults:
        UseDataDictionary=Y, ValidateUserDefinedFields=Y) rejects every message carrying
        a tag it does not know. Either list its SenderCompID here (it then gets standard
        fields only), or give it a dictionary that declares the custom tags: `python -m
        enforcer.fix.dictionary <QuickFIX's FIX44.xml> FIX44-adaptrisk.xml` writes the
        stock dictionary plus `enforcer/fix/FIX44-adaptrisk-ext.xml` (8011-8017 on 35=8,
        8011 on 35=9); QuickFIX: DataDictionary=FIX44-adaptrisk.xml.
    session_reset_time / session_reset_zone: the end of the session day (a `time`, TOML
        `17:00:00` or "17:00", wall clock in the IANA zone; default 17:00
        America/New_York). At the roll each session's journal is archived beside it
        (`<ours>-<theirs>.<day>.session`), both sequence numbers start at 1 for the new
        day (a connected counterparty is logged out first), and the engine's order ledger
        keeps only the orders still open: a ClOrdID gets exactly one decision within a
        day, across restarts. daily_reset = false: never roll (sessions and the ledger
        grow without end).
    max_message_bytes: a frame larger than this is rejected OVERSIZED (bytes).
    max_connections: further connections are closed at once.
    default_strategy: strategy of an order without Account (1).
    downstream: 'sim' (built-in exchange simulator) or 'none' (accepted orders stop here).
    timer_interval: how often idle sessions check heartbeats.
    send_timeout: a counterparty that does not read our messages for this long is
        disconnected (slow consumer).
    """

    host: str = "127.0.0.1"
    port: int = 0
    comp_id: str = "ADAPTRISK"
    begin_string: str = "FIX.4.4"
    allowed_senders: frozenset[str] = frozenset()
    passwords: tuple[tuple[str, str], ...] = ()
    store_dir: Path | None = None
    reset_on_logon: bool = False
    standard_only: frozenset[str] = frozenset()
    max_message_bytes: int = 8192
    max_connections: int = 64
    min_heartbeat_s: int = 1
    max_heartbeat_s: int = 300
    default_strategy: str = "default"
    session_reset_time: dtime = dtime(17, 0)
    session_reset_zone: str = "America/New_York"
    daily_reset: bool = True
    downstream: str = "sim"
    timer_interval: timedelta = timedelta(milliseconds=500)
    send_timeout: timedelta = timedelta(seconds=10)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in [0, 65535], got {self.port}")
        if self.max_message_bytes < 64:
            raise ConfigError("max_message_bytes must be >= 64")
        if self.max_connections < 1:
            raise ConfigError("max_connections must be >= 1")
        if self.downstream not in DOWNSTREAMS:
            raise ConfigError(f"downstream must be one of {DOWNSTREAMS}, got {self.downstream!r}")
        if not 1 <= self.min_heartbeat_s <= self.max_heartbeat_s:
            raise ConfigError("need 1 <= min_heartbeat_s <= max_heartbeat_s")
        if isinstance(self.passwords, dict):
            object.__setattr__(self, "passwords", tuple(sorted(self.passwords.items())))
        if self.store_dir is not None and not isinstance(self.store_dir, Path):
            object.__setattr__(self, "store_dir", Path(self.store_dir))
        object.__setattr__(self, "session_reset_time", parse_time(self.session_reset_time))
        zone(self.session_reset_zone)  # ConfigError if unknown

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FixConfig:
        return _from_dict(cls, d)

    def __repr__(self) -> str:  # never print the passwords
        return (f"FixConfig(host={self.host!r}, port={self.port}, comp_id={self.comp_id!r}, "
                f"allowed_senders={sorted(self.allowed_senders)}, "
                f"passwords={'***' if self.passwords else ()}, store_dir={self.store_dir}, "
                f"reset_on_logon={self.reset_on_logon}, downstream={self.downstream!r})")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeSimConfig:
    """Built-in exchange simulator (downstream venue).

    comp_id: the venue's CompID on the messages it receives.
    fill_resting: resting limit orders fill when a later quote crosses them.
    max_resting: resting orders kept per symbol (oldest expire beyond it).
    """

    comp_id: str = "EXSIM"
    fill_resting: bool = True
    max_resting: int = 10_000

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExchangeSimConfig:
        return _from_dict(cls, d)


from enforcer.rest.config import RestConfig  # noqa: E402 -- its old home

__all__ = ["DOWNSTREAMS", "ExchangeSimConfig", "FixConfig", "RestConfig"]
