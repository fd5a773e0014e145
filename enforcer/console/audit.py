"""The console's audit trail: one `audit` row per action (who, role, what, target, why, when,
before/after as JSON), appended to the store; the newest rows are kept in memory too, for
a daemon without a store. Read back with `console/audit_recent.sql` (SQL for analysts)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from enforcer.console.config import User

_SCHEMA = pa.schema([("ts", pa.timestamp("ns")), ("who", pa.string()), ("role", pa.string()),
                     ("action", pa.string()), ("target", pa.string()), ("why", pa.string()),
                     ("before", pa.string()), ("after", pa.string())])


def _json(x: Any) -> str | None:
    return None if x is None else json.dumps(x, sort_keys=True, default=str)


class AuditTrail:
    """record(user, action, target, why, before, after) -> the row written (a dict)."""

    def __init__(self, store: Any | None, clock: Callable[[], int], keep: int = 500) -> None:
        self._store = store
        self._clock = clock
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def record(self, user: User, action: str, target: str, why: str,
               before: Any = None, after: Any = None) -> dict[str, Any]:
        row = {"ts": self._clock(), "who": user.name, "role": user.role, "action": action,
               "target": target, "why": why, "before": _json(before), "after": _json(after)}
        if self._store is not None:
            self._store.ingest("audit", pa.Table.from_pylist([row], schema=_SCHEMA),
                               session=None)
        self.recent.append(row)
        return row

    def rows(self, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first: from the store (`console/audit_recent.sql`), else from memory."""
        if self._store is None:
            return list(reversed(self.recent))[:limit]
        tbl = self._store.query_file("console/audit_recent.sql", [limit])
        return tbl.to_pylist()
