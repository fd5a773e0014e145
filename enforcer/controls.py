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
    tripped: frozenset[str] = frozenset()  # strategies whose own circuit breaker tripped

    @property
    def flags(self) -> int:
        """Reason bits every order gets (KILL_SWITCH, CIRCUIT_BREAKER, STATE_HALTED)."""
        return ((B_KILL if self.kill else 0) | (B_BREAKER if self.breaker else 0)
                | (B_HALTED if self.halt_all else 0))

    @property
    def blocked(self) -> frozenset[str]:
        """Symbols whose orders are rejected STATE_HALTED: halted or latched."""
        return self.halted | self.latched


def apply_action(s: OperatorState, action: str, sym: str | None,
                 strategy: str | None = None) -> OperatorState:
    """The state after operator `action` ('kill', 'unkill', 'halt', 'resume',
    'reset_breaker') on `sym` (None: all). reset_breaker with `strategy` resets that
    strategy's breaker; with neither sym nor strategy, the global one and every
    strategy's. Pure."""
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
        if strategy is not None:
            return s._replace(tripped=s.tripped - {strategy})
        if sym is None:
            return s._replace(breaker=False, tripped=frozenset())
        return s._replace(latched=s.latched - {sym})
    raise ValueError(f"unknown operator action {action!r}; one of {OPERATOR_ACTIONS}")


def apply_trip(s: OperatorState, what: str, sym: str | None) -> OperatorState:
    """The state after a trip: 'breaker' with sym None (the global breaker, operator's),
    'breaker' with a strategy name in `sym` (that strategy's), or 'latch' (sym). Pure."""
    if what == "breaker":
        return s._replace(breaker=True) if sym is None else \
            s._replace(tripped=s.tripped | {sym})
    if what == "latch" and sym is not None:
        return s._replace(latched=s.latched | {sym})
    raise ValueError(f"unknown trip {what!r} (sym {sym!r})")


class OperatorControls:
    """The daemon's operator state, logged and audited; thread-safe under the engine's lock.

    lock: the engine's (re-entrant) lock, so a control and an order are ordered the same
    way on the decision log as in memory; append(record): the decision log writer;
    alert(kind, msg): the daemon's alert sink; clock: UTC ns; publish(flags, blocked):
    called under the lock after every change; breaker_rejects_per_s: rejects of one
    strategy within one second of order time that trip THAT strategy's breaker (0: never;
    one client's reject storm must not halt every strategy: the global breaker is the
    operator's).
    """

    def __init__(self, *, lock: Any, append: Callable[[list], None],
                 alert: Callable[[str, str], None], clock: Callable[[], int],
                 publish: Callable[[int, frozenset[str], frozenset[str]], None],
                 breaker_rejects_per_s: int) -> None:
        self._lock = lock
        self._append = append
        self._alert = alert
        self._clock = clock
        self._publish = publish
        self._limit = breaker_rejects_per_s
        self.state = OperatorState()
        self.audit: deque[dict[str, Any]] = deque(maxlen=200)
        self._rej: dict[str, list[int]] = {}  # strategy -> [second, rejects in it]

    def restore(self, state: OperatorState, audit: Iterable[dict[str, Any]]) -> None:
        """Take the state rebuilt from the decision log (start-up only)."""
        with self._lock:
            self.audit.extend(audit)
            self._set(state)

    def command(self, cmd: OperatorCommand) -> None:
        """Apply an operator command, logged with who and why. Misuse: ValueError."""
        if cmd.action not in OPERATOR_ACTIONS:
            raise ValueError(f"unknown operator action {cmd.action!r}; one of {OPERATOR_ACTIONS}")
        if not (cmd.who or "").strip() or not (cmd.why or "").strip():
            raise ValueError("operator commands need a non-empty 'who' and 'why'")
        with self._lock:
            now = self._clock()
            if cmd.action == "reset_breaker" and cmd.sym is None:
                if cmd.strategy is None:
                    self._rej.clear()
                else:
                    self._rej.pop(cmd.strategy, None)
            self._set(apply_action(self.state, cmd.action, cmd.sym, cmd.strategy))
            self._append(["O", now, cmd.action, cmd.who, cmd.why, cmd.sym, cmd.strategy])
            self.audit.append({"ts": now, "action": cmd.action, "who": cmd.who,
                               "why": cmd.why, "sym": cmd.sym, "strategy": cmd.strategy})

    def trip_breaker(self, ts: int, why: str, strategy: str | None = None) -> None:
        """Trip a circuit breaker: `strategy`'s, or with None the global one (reserved for
        the operator and its tools). Only an operator resets a breaker."""
        with self._lock:
            self._set(apply_trip(self.state, "breaker", strategy))
            self._append(["T", ts, "breaker", strategy, why])
            self._alert("circuit_breaker", why if strategy is None else f"{strategy}: {why}")

    def latch(self, sym: str, ts: int, reason: str) -> None:
        """A HALTED model row for `sym`: halt it until an operator clears it (once)."""
        with self._lock:
            if sym in self.state.latched:
                return
            self._set(apply_trip(self.state, "latch", sym))
            self._append(["T", ts, "latch", sym, reason])
        self._alert("halted_row", f"{sym}: {reason}")

    def note_reject(self, ts: int, strategy: str = "") -> None:
        """Count a reject of `strategy` at order time `ts` (ns); trips that strategy's
        breaker at the per-second limit.

        Called on the order path (under the engine's lock) for rejects only."""
        limit = self._limit
        if limit <= 0 or strategy in self.state.tripped:
            return
        sec = ts // 1_000_000_000
        r = self._rej.get(strategy)
        if r is None:
            r = self._rej[strategy] = [sec, 0]
        elif r[0] != sec:
            r[0], r[1] = sec, 0
        r[1] += 1
        if r[1] >= limit:
            self.trip_breaker(ts, f"{r[1]} rejects within one second", strategy)

    def _set(self, state: OperatorState) -> None:
        self.state = state
        self._publish(state.flags, state.blocked, state.tripped)
