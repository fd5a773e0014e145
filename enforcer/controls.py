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

Circuit breakers have three scopes: `global` (the operator's; never tripped automatically),
`strategy` and `session` (a FIX session: the counterparty's SenderCompID). The automatic
ones count rejects per second of order time; a reject counts against its session first,
and the reject that trips a session's breaker, like every later reject of that session,
does not count against its strategy: one client's storm halts that client only, while a
storm spread over many sessions of one strategy still trips the strategy's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from enforcer.commands import OPERATOR_ACTIONS, OperatorCommand
from enforcer.killswitch import Kill, engage, kill_key, release
from enforcer.rules import B_BREAKER, B_HALTED, B_KILL


class OperatorState(NamedTuple):
    """What operators (and automatic trips) have set. Immutable; see `apply_action`."""

    kill: bool = False
    breaker: bool = False
    halt_all: bool = False
    halted: frozenset[str] = frozenset()  # operator halts
    latched: frozenset[str] = frozenset()  # HALTED model rows, until an operator clears them
    tripped: frozenset[str] = frozenset()  # strategies whose own circuit breaker tripped
    tripped_sessions: frozenset[str] = frozenset()  # FIX sessions (SenderCompIDs) tripped
    kills: frozenset[Kill] = frozenset()  # scoped / reduce-only kills (enforcer.killswitch)

    @property
    def flags(self) -> int:
        """Reason bits every order gets (KILL_SWITCH, CIRCUIT_BREAKER, STATE_HALTED)."""
        return ((B_KILL if self.kill else 0) | (B_BREAKER if self.breaker else 0)
                | (B_HALTED if self.halt_all else 0))

    @property
    def blocked(self) -> frozenset[str]:
        """Symbols whose orders are rejected STATE_HALTED: halted or latched."""
        return self.halted | self.latched

    @property
    def breakers(self) -> list[dict[str, str | None]]:
        """Tripped circuit breakers with their scope: [{"scope": "global" | "strategy" |
        "session", "name": None | strategy | SenderCompID}], global first, then sorted."""
        out: list[dict[str, str | None]] = [{"scope": "global", "name": None}] \
            if self.breaker else []
        out += [{"scope": "strategy", "name": n} for n in sorted(self.tripped)]
        out += [{"scope": "session", "name": n} for n in sorted(self.tripped_sessions)]
        return out


def apply_action(s: OperatorState, action: str, sym: str | None,
                 strategy: str | None = None, session: str | None = None,
                 reduce_only: bool = False) -> OperatorState:
    """The state after operator `action` ('kill', 'unkill', 'halt', 'resume',
    'reset_breaker') on `sym` (None: all). reset_breaker with `strategy` and/or `session`
    resets that strategy's / session's breaker; with none of sym, strategy and session,
    the global one and every strategy's and session's. kill / unkill reach one scope
    (`enforcer.killswitch.kill_key`: session, else strategy, else symbol, else global);
    a global kill without `reduce_only` is the plain kill switch. Pure."""
    if action in ("kill", "unkill"):
        scope, name = kill_key(sym, strategy, session)
        kills = release(s.kills, scope, name)
        if action == "unkill":
            return s._replace(kill=False, kills=kills) if scope == "global" \
                else s._replace(kills=kills)
        if scope == "global" and not reduce_only:
            return s._replace(kill=True, kills=kills)
        return s._replace(kills=engage(s.kills, scope, name, reduce_only),
                          kill=s.kill and scope != "global")
    if action == "halt":
        return s._replace(halt_all=True) if sym is None else s._replace(halted=s.halted | {sym})
    if action == "resume":
        if sym is None:
            return s._replace(halt_all=False, halted=frozenset(), latched=frozenset())
        return s._replace(halted=s.halted - {sym}, latched=s.latched - {sym})
    if action == "reset_breaker":
        if strategy is not None or session is not None:
            return s._replace(tripped=s.tripped - {strategy},
                              tripped_sessions=s.tripped_sessions - {session})
        if sym is None:
            return s._replace(breaker=False, tripped=frozenset(),
                              tripped_sessions=frozenset())
        return s._replace(latched=s.latched - {sym})
    raise ValueError(f"unknown operator action {action!r}; one of {OPERATOR_ACTIONS}")


def apply_trip(s: OperatorState, what: str, sym: str | None,
               scope: str = "strategy") -> OperatorState:
    """The state after a trip: 'breaker' with sym None (the global breaker, operator's),
    'breaker' with a name in `sym` (that strategy's, or with scope 'session' that FIX
    session's), or 'latch' (sym). Pure."""
    if what == "breaker":
        if sym is None:
            return s._replace(breaker=True)
        if scope == "session":
            return s._replace(tripped_sessions=s.tripped_sessions | {sym})
        return s._replace(tripped=s.tripped | {sym})
    if what == "latch" and sym is not None:
        return s._replace(latched=s.latched | {sym})
    raise ValueError(f"unknown trip {what!r} (sym {sym!r})")


class OperatorControls:
    """The daemon's operator state, logged and audited; thread-safe under the engine's lock.

    lock: the engine's (re-entrant) lock, so a control and an order are ordered the same
    way on the decision log as in memory; append(record): the decision log writer;
    alert(kind, msg): the daemon's alert sink; clock: UTC ns; publish(flags, blocked,
    tripped, tripped_sessions, kills): called under the lock after every change;
    breaker_rejects_per_s: rejects of one session (or one strategy) within one second of
    order time that trip THAT session's (strategy's) breaker (0: never; one client's
    reject storm must not halt every strategy: the global breaker is the operator's).
    """

    def __init__(self, *, lock: Any, append: Callable[[list], None],
                 alert: Callable[[str, str], None], clock: Callable[[], int],
                 publish: Callable[..., None],
                 breaker_rejects_per_s: int) -> None:
        self._lock = lock
        self._append = append
        self._alert = alert
        self._clock = clock
        self._publish = publish
        self._limit = breaker_rejects_per_s
        self.state = OperatorState()
        self.audit: deque[dict[str, Any]] = deque(maxlen=200)
        self._rej: dict[tuple[str, str], list[int]] = {}  # (scope, name) -> [second, n]

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
                if cmd.strategy is None and cmd.session is None:
                    self._rej.clear()
                else:
                    self._rej.pop(("strategy", cmd.strategy), None)
                    self._rej.pop(("session", cmd.session), None)
            self._set(apply_action(self.state, cmd.action, cmd.sym, cmd.strategy,
                                   cmd.session, cmd.reduce_only))
            self._append(["O", now, cmd.action, cmd.who, cmd.why, cmd.sym, cmd.strategy,
                          cmd.session, cmd.reduce_only])
            self.audit.append({"ts": now, "action": cmd.action, "who": cmd.who,
                               "why": cmd.why, "sym": cmd.sym, "strategy": cmd.strategy,
                               "session": cmd.session, "reduce_only": cmd.reduce_only})

    def trip_breaker(self, ts: int, why: str, strategy: str | None = None, *,
                     session: str | None = None) -> None:
        """Trip a circuit breaker: FIX `session`'s, else `strategy`'s, or with neither the
        global one (reserved for the operator and its tools). Only an operator resets a
        breaker."""
        name, scope = (session, "session") if session is not None else (strategy, "strategy")
        with self._lock:
            self._set(apply_trip(self.state, "breaker", name, scope))
            self._append(["T", ts, "breaker", name, why, scope])
            self._alert("circuit_breaker", why if name is None else f"{scope} {name}: {why}")

    def latch(self, sym: str, ts: int, reason: str) -> None:
        """A HALTED model row for `sym`: halt it until an operator clears it (once)."""
        with self._lock:
            if sym in self.state.latched:
                return
            self._set(apply_trip(self.state, "latch", sym))
            self._append(["T", ts, "latch", sym, reason])
        self._alert("halted_row", f"{sym}: {reason}")

    def note_reject(self, ts: int, strategy: str = "", session: str | None = None) -> None:
        """Count a reject of `session` (a FIX SenderCompID; None: an order without one)
        and `strategy` at order time `ts` (ns); trips the session's breaker, or else the
        strategy's, at the per-second limit (see the module doc).

        Called on the order path (under the engine's lock) for rejects only."""
        limit = self._limit
        if limit <= 0:
            return
        st = self.state
        if session is not None:
            if session in st.tripped_sessions:
                return  # contained: a stopped client's rejects count nowhere else
            n = self._bump(("session", session), ts)
            if n >= limit:
                self.trip_breaker(ts, f"{n} rejects within one second", session=session)
                return
        if strategy in st.tripped:
            return
        n = self._bump(("strategy", strategy), ts)
        if n >= limit:
            self.trip_breaker(ts, f"{n} rejects within one second", strategy)

    def _bump(self, k: tuple[str, str], ts: int) -> int:
        """One more reject of scope `k` in the second of `ts`; the count in that second."""
        sec = ts // 1_000_000_000
        r = self._rej.get(k)
        if r is None:
            r = self._rej[k] = [sec, 0]
        elif r[0] != sec:
            r[0], r[1] = sec, 0
        r[1] += 1
        return r[1]

    def _set(self, state: OperatorState) -> None:
        self.state = state
        self._publish(state.flags, state.blocked, state.tripped, state.tripped_sessions,
                      state.kills)
