"""Limit overrides with four eyes: the workflow that writes `limit_overrides` rows.

A request is judged against the limit the engine enforces now for (sym, strategy): a
value at or below it tightens and is active at once (approved_by = the requester); a value
above it loosens and waits, 'pending', until an approver OTHER than the requester approves
it. An approver may reject a pending one; the requester or an approver may withdraw a
pending or active one. Every step appends a row (the latest row per override_id is its
state); the limits feed honours the 'active' ones until they expire
(`enforcer.overrides`). Checks return a reason (text) or None, never raise.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from enforcer.console.commands import DecideOverride, RequestOverride
from enforcer.overrides import OVERRIDABLE

MAX_EXPIRY_S = 7 * 86400.0
_SCHEMA = pa.schema([
    ("ts", pa.timestamp("ns")), ("override_id", pa.string()), ("sym", pa.string()),
    ("strategy", pa.string()), ("limit_name", pa.string()), ("value", pa.float64()),
    ("direction", pa.string()), ("status", pa.string()), ("expires_ts", pa.timestamp("ns")),
    ("requested_by", pa.string()), ("approved_by", pa.string()), ("why", pa.string())])


def direction(value: float, current: float) -> str:
    """'tighten' when `value` <= the limit in force `current`, else 'loosen'."""
    return "tighten" if value <= current else "loosen"


def check_request(cmd: RequestOverride) -> str | None:
    """Why the request is refused, or None."""
    if not cmd.user.may("operator"):
        return f"{cmd.user.name} is a {cmd.user.role}: requesting an override needs operator"
    if cmd.limit_name not in OVERRIDABLE:
        return f"limit must be one of {', '.join(OVERRIDABLE)}"
    if not (math.isfinite(cmd.value) and cmd.value >= 0):
        return "value must be a finite number >= 0"
    if not (0 < cmd.expires_s <= MAX_EXPIRY_S):
        return f"expiry must be in (0, {MAX_EXPIRY_S:.0f}] seconds"
    if not cmd.why.strip() or not cmd.sym.strip() or not cmd.strategy.strip():
        return "sym, strategy and why must not be blank"
    return None


def check_decision(row: dict[str, Any] | None, cmd: DecideOverride) -> str | None:
    """Why approving / rejecting / withdrawing override `row` (its latest row) is refused."""
    if row is None:
        return f"no override {cmd.override_id!r}"
    if not cmd.why.strip():
        return "why must not be blank"
    u, status = cmd.user, row["status"]
    if cmd.decision in ("approve", "reject"):
        if status != "pending":
            return f"override {cmd.override_id} is {status}, not pending"
        if not u.may("approver"):
            return f"{u.name} is a {u.role}: {cmd.decision} needs an approver"
        if cmd.decision == "approve" and u.name == row["requested_by"]:
            return "four eyes: the requester cannot approve their own loosening"
        return None
    if cmd.decision == "withdraw":
        if status not in ("pending", "active"):
            return f"override {cmd.override_id} is {status}"
        if u.name != row["requested_by"] and not u.may("approver"):
            return "only the requester or an approver may withdraw it"
        return None
    return f"unknown decision {cmd.decision!r}"


class OverrideDesk:
    """Writes and reads limit_overrides rows. current(sym, strategy, limit_name) -> the
    value the engine enforces now; wake(): ask the limits feed to poll now."""

    def __init__(self, store: Any, clock: Callable[[], int],
                 current: Callable[[str, str, str], float], wake: Callable[[], None]) -> None:
        self._store, self._clock, self._current, self._wake = store, clock, current, wake

    def request(self, cmd: RequestOverride) -> tuple[dict[str, Any] | None, str | None]:
        """(the row written, None) or (None, why refused)."""
        why = check_request(cmd) or (None if self._store is not None else "no store")
        if why is None:
            try:
                cur = self._current(cmd.sym, cmd.strategy, cmd.limit_name)
            except KeyError:
                why = f"unknown symbol {cmd.sym!r}"
        if why is not None:
            return None, why
        now = self._clock()
        d = direction(cmd.value, cur)
        row = {"ts": now, "override_id": uuid.uuid4().hex[:12], "sym": cmd.sym,
               "strategy": cmd.strategy, "limit_name": cmd.limit_name,
               "value": float(cmd.value), "direction": d,
               "status": "active" if d == "tighten" else "pending",
               "expires_ts": now + int(cmd.expires_s * 1e9), "requested_by": cmd.user.name,
               "approved_by": cmd.user.name if d == "tighten" else None, "why": cmd.why}
        self._write(row)
        return {**row, "current": cur}, None

    def decide(self, cmd: DecideOverride) -> tuple[dict[str, Any] | None, dict | None,
                                                   str | None]:
        """(row before, row written, None) or (row before, None, why refused)."""
        before = self.get(cmd.override_id)
        why = check_decision(before, cmd)
        if why is not None:
            return before, None, why
        status = {"approve": "active", "reject": "rejected", "withdraw": "withdrawn"}
        row = {"ts": self._clock(), "override_id": before["override_id"],
               "sym": before["sym"], "strategy": before["strategy"],
               "limit_name": before["limit_name"], "value": before["value"],
               "direction": before["direction"], "status": status[cmd.decision],
               "expires_ts": before["expires_ns"], "requested_by": before["requested_by"],
               "approved_by": cmd.user.name if cmd.decision == "approve"
               else before["approved_by"], "why": before["why"]}
        self._write(row)
        return before, row, None

    def get(self, override_id: str) -> dict[str, Any] | None:
        rows = self._store.query_file("console/override_by_id.sql", [override_id]).to_pylist()
        return rows[0] if rows else None

    def latest(self, limit: int = 200) -> list[dict[str, Any]]:
        if self._store is None:
            return []
        return self._store.query_file("console/overrides_latest.sql", [limit]).to_pylist()

    def _write(self, row: dict[str, Any]) -> None:
        self._store.ingest("limit_overrides", pa.Table.from_pylist([row], schema=_SCHEMA),
                           session=None)
        self._wake()
