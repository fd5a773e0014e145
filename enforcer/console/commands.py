"""Frozen console commands: what the pages hand `Console.execute` (STYLE 1). `user` is the
signed-in user (from the bearer token), never a form field."""

from __future__ import annotations

from dataclasses import dataclass

from enforcer.console.config import User


@dataclass(frozen=True, slots=True, kw_only=True)
class Kill:
    """Engage (or with engage False release) the kill switch of one scope: 'global',
    'strategy', 'symbol' or 'session' (a FIX SenderCompID; name '' for global)."""

    user: User
    scope: str
    name: str
    why: str
    engage: bool = True
    reduce_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetBreaker:
    """Reset a circuit breaker: scope 'all', 'strategy', 'session' or 'symbol' (a latch)."""

    user: User
    scope: str
    name: str
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestOverride:
    """A manual override of one limit of (sym, strategy) for `expires_s` seconds."""

    user: User
    sym: str
    strategy: str
    limit_name: str
    value: float
    expires_s: float
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DecideOverride:
    """Approve, reject or withdraw (decision) the override `override_id`."""

    user: User
    override_id: str
    decision: str  # approve, reject, withdraw
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelDecision:
    """agree / disagree with the adaptive verdict of decision (log_id, seq)."""

    user: User
    log_id: str
    seq: int
    label: str
    comment: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelAction:
    """Promote or deactivate a registered model (the registry's manifests)."""

    user: User
    model_id: str
    action: str  # promote, deactivate
    why: str
