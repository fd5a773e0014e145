"""Console configuration: users, their role and bearer token (frozen; `from_dict` rejects
unknown fields and round-trips through `to_dict`).

Roles are ranked: a viewer reads every page; an operator also kills, resets, requests
overrides and labels decisions; an approver also approves (or rejects) another person's
loosening and promotes / deactivates models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enforcer.errors import ConfigError

ROLES = ("viewer", "operator", "approver")
RANK = {r: i for i, r in enumerate(ROLES)}


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    name: str
    role: str
    token: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("console user: name must not be blank")
        if self.role not in RANK:
            raise ConfigError(f"console user {self.name!r}: role must be one of {ROLES}")
        if len(self.token) < 8:
            raise ConfigError(f"console user {self.name!r}: token must be >= 8 characters")

    def __repr__(self) -> str:  # never print the token
        return f"User(name={self.name!r}, role={self.role!r})"

    def may(self, role: str) -> bool:
        """Whether this user holds `role` or a higher one."""
        return RANK[self.role] >= RANK[role]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleConfig:
    """users: who may sign in (tokens unique); history_s: how far back the board's
    sparklines go; push_interval_s: the shortest gap between two board pushes over SSE
    (changes in between are coalesced: the board shows the newest state);
    registry: the model registry folder the Models page reads (None: no page content)."""

    users: tuple[User, ...] = ()
    history_s: float = 600.0
    push_interval_s: float = 0.1
    registry: str | None = None
    _by_token: dict[str, User] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)

    def __post_init__(self) -> None:
        tokens = [u.token for u in self.users]
        if len(set(tokens)) != len(tokens):
            raise ConfigError("console users: every token must be unique")
        if not self.history_s > 0 or not self.push_interval_s > 0:
            raise ConfigError("console: history_s and push_interval_s must be > 0")
        self._by_token.update({u.token: u for u in self.users})

    def user_for(self, token: str | None) -> User | None:
        return self._by_token.get(token) if token else None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConsoleConfig:
        known = {"users", "history_s", "push_interval_s", "registry"}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"ConsoleConfig: unknown field(s) {sorted(unknown)}")
        users = []
        for u in d.get("users", ()):
            extra = set(u) - {"name", "role", "token"}
            if extra:
                raise ConfigError(f"console user: unknown field(s) {sorted(extra)}")
            users.append(User(**u))
        return cls(**{**d, "users": tuple(users)})

    def to_dict(self) -> dict[str, Any]:
        return {"users": [{"name": u.name, "role": u.role, "token": u.token}
                          for u in self.users],
                "history_s": self.history_s, "push_interval_s": self.push_interval_s,
                "registry": self.registry}

    @classmethod
    def load(cls, path: str | Path) -> ConsoleConfig:
        """A JSON file (keep it 0600: it holds tokens)."""
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as e:
            raise ConfigError(f"console config {path}: {e}") from None
