"""REST API configuration (frozen, keyword-only; `from_dict` rejects unknown fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from enforcer.errors import ConfigError


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
        unknown = set(d) - {"host", "port", "token"}
        if unknown:
            raise ConfigError(f"RestConfig: unknown field(s) {sorted(unknown)}")
        return cls(**d)

    def __repr__(self) -> str:  # never print the token
        return f"RestConfig(host={self.host!r}, port={self.port}, token={'***' if self.token else None})"
