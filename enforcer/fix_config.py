"""Front-end configuration: FIX acceptor, built-in exchange simulator, REST API.

Frozen keyword-only dataclasses like `enforcer.config` (kept apart only because the front
ends were written in parallel with the core; they can be folded into `config.py`).
`from_dict` rejects unknown fields; durations are `timedelta`, given in seconds in dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from enforcer.errors import ConfigError

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
    comp_id: our SenderCompID. allowed_senders: empty = any counterparty may log on.
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
    max_message_bytes: int = 8192
    max_connections: int = 64
    min_heartbeat_s: int = 1
    max_heartbeat_s: int = 300
    default_strategy: str = "default"
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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FixConfig:
        return _from_dict(cls, d)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class RestConfig:
    """REST API. token: bearer token for mutating endpoints (None: they always answer 401).

    The token is never read from a file here; the CLI takes it from an environment
    variable (`--token-env`).
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be in [0, 65535], got {self.port}")
        if self.token is not None and len(self.token) < 8:
            raise ConfigError("token must be at least 8 characters")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RestConfig:
        return _from_dict(cls, d)

    def __repr__(self) -> str:  # never print the token
        return f"RestConfig(host={self.host!r}, port={self.port}, token={'***' if self.token else None})"
