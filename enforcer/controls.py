"""Operator controls: kill switch, halt/resume, circuit breaker, latched HALTED symbols.

The state is one immutable `OperatorState` changed by pure functions (`apply_action` for
an operator command, `apply_trip` for an automatic trip), so the decision-log replay
(`enforcer/recovery.py`) rebuilds it with the very code the live path runs.
`OperatorControls` wraps it for the daemon: it validates commands, writes the log records
('O' operator, 'T' trip) and the audit trail, counts rejects for the breaker, and publishes
the two values the order path reads (`flags`: kill/breaker/halt-all reason bits, `blocked`:
symbols halted by an operator or latched by a HALTED model row) through `publish`.

Semantics: a halt without a symbol halts everything; `resume` without a symbol clears every
halt and latch; `reset_breaker` without a symbol resets the global breaker (and its reject
count), with a symbol it clears that symbol's latch. Only an operator clears a latch or the
breaker.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from enforcer.commands import OPERATOR_ACTIONS, OperatorCommand
from enforcer.rules import B_BREAKER, B_HALTED, B_KILL


class OperatorState(NamedTuple):
    """What operators (and automatic trips) have set. Immutable; see `apply_action`."""

    kill: bool = False
    breaker: bool = False
    halt_all: bool = False
    halted: frozenset[str] = frozenset()  # operator halts
    latched: frozenset[str] = frozenset()  # HALTED model rows, until an operator clears them

    @property
    def flags(self) -> int:
        """Reason bits every order gets (KILL_SWITCH, CIRCUIT_BREAKER, STATE_HALTED)."""
        return ((B_KILL if self.kill else 0) | (B_BREAKER if self.breaker else 0)
                | (B_HALTED if self.halt_all else 0))

    @property
    def blocked(self) -> frozenset[str]:
        """Symbols whose orders are rejected STATE_HALTED: halted or latched."""
        return self.halted | self.latched


def apply_action(s: OperatorState, action: str, sym: str | None) -> OperatorState:
    """The state after operator `action` ('kill', 'unkill', 'halt', 'resume',
    'reset_breaker') on `sym` (None: all). Pure."""
    if action == "kill":
        return s._replace(kill=True)
    if action == "unkill":
        return s._replace(kill=False)
    if action == "halt":
        return s._replace(halt_all=True) if sym is None else s._replace(halted=s.halted | {sym})
    if action == "resume":
        if sym is None:
            return s._replace(halt_all=False, halted=frozenset(), latched=frozenset())
        return s._replace(halted=s.halted - {sym}, latched=s.latched - {sym})
    if action == "reset_breaker":
        return s._replace(breaker=False) if sym is None else s._replace(latched=s.latched - {sym})
    raise ValueError(f"unknown operator action {action!r}; one of {OPERATOR_ACTIONS}")


def apply_trip(s: OperatorState, what: str, sym: str | None) -> OperatorState:
    """The state after an automatic trip: 'breaker' (global) or 'latch' (sym). Pure."""
    if what == "breaker":
        return s._replace(breaker=True)
    if what == "latch" and sym is not None:
        return s._replace(latched=s.latched | {sym})
    raise ValueError(f"unknown trip {what!r} (sym {sym!r})")


class OperatorControls:
    """The daemon's operator state, logged and audited; thread-safe under the engine's lock.

    lock: the engine's (re-entrant) lock, so a control and an order are ordered the same
    way on the decision log as in memory; append(record): the decision log writer;
    alert(kind, msg): the daemon's alert sink; clock: UTC ns; publish(flags, blocked):
    called under the lock after every change; breaker_rejects_per_s: rejects within one
    second of order time that trip the breaker (0: never).
    """

    def __init__(self, *, lock: Any, append: Callable[[list], None],
                 alert: Callable[[str, str], None], clock: Callable[[], int],
                 publish: Callable[[int, frozenset[str]], None],
                 breaker_rejects_per_s: int) -> None:
        self._lock = lock
        self._append = append
        self._alert = alert
        self._clock = clock
        self._publish = publish
        self._limit = breaker_rejects_per_s
        self.state = OperatorState()
        self.audit: deque[dict[str, Any]] = deque(maxlen=200)
        self._rej_sec = -1
        self._rej_count = 0

    def restore(self, state: OperatorState, audit: Iterable[dict[str, Any]]) -> None:
        """Take the state rebuilt from the decision log (start-up only)."""
        with self._lock:
            self.audit.extend(audit)
            self._set(state)

    def command(self, cmd: OperatorCommand) -> None:
        """Apply an operator command, logged with who and why. Misuse: ValueError."""
        if cmd.action not in OPERATOR_ACTIONS:
            raise ValueError(f"unknown operator action {cmd.action!r}; one of {OPERATOR_ACTIONS}")
        if not cmd.who or not cmd.why:
            raise ValueError("operator commands need a non-empty 'who' and 'why'")
        with self._lock:
            now = self._clock()
            if cmd.action == "reset_breaker" and cmd.sym is None:
                self._rej_count = 0
            self._set(apply_action(self.state, cmd.action, cmd.sym))
            self._append(["O", now, cmd.action, cmd.who, cmd.why, cmd.sym])
            self.audit.append({"ts": now, "action": cmd.action, "who": cmd.who,
                               "why": cmd.why, "sym": cmd.sym})

    def trip_breaker(self, ts: int, why: str) -> None:
        """Trip the global circuit breaker (automatic); only an operator resets it."""
        with self._lock:
            self._set(apply_trip(self.state, "breaker", None))
            self._append(["T", ts, "breaker", None, why])
            self._alert("circuit_breaker", why)

    def latch(self, sym: str, ts: int, reason: str) -> None:
        """A HALTED model row for `sym`: halt it until an operator clears it (once)."""
        with self._lock:
            if sym in self.state.latched:
                return
            self._set(apply_trip(self.state, "latch", sym))
            self._append(["T", ts, "latch", sym, reason])
        self._alert("halted_row", f"{sym}: {reason}")

    def note_reject(self, ts: int) -> None:
        """Count a reject at order time `ts` (ns); trips the breaker at the per-second limit.

        Called on the order path (under the engine's lock) for rejects only."""
        limit = self._limit
        if limit <= 0 or self.state.breaker:
            return
        sec = ts // 1_000_000_000
        if sec != self._rej_sec:
            self._rej_sec, self._rej_count = sec, 0
        self._rej_count += 1
        if self._rej_count >= limit:
            self.trip_breaker(ts, f"{self._rej_count} rejects within one second")

    def _set(self, state: OperatorState) -> None:
        self.state = state
        self._publish(state.flags, state.blocked)
