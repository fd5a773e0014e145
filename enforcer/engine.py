"""The enforcer engine: one entry point per command (API skeleton, implementation follows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from enforcer.commands import CancelOrder, Fill, NewOrder, OperatorCommand
from enforcer.config import EnforcerConfig

Clock = Callable[[], int]  # returns UTC ns


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """One verdict. `reasons` are Reason names sorted by code ('' tuple when accepted).

    verdict: the verdict enforced ('ACCEPT'/'REJECT'); static_verdict / dynamic_verdict:
    what the static rule set alone and the dynamic (model, clipped to static) limits say;
    mode: 'enforce' | 'shadow' | 'ab'; limits_version: version of the limits that decided;
    risk_state: FIX tag 8011 text ('Normal', 'RiskAlert_StaleLimits', 'RiskAlert_Halted',
    'RiskAlert_Reducing', 'RiskAlert_HighAnomaly', 'RiskAlert_KillSwitch',
    'RiskAlert_CircuitBreaker'); seq: position on the decision log (0 for dry runs).
    """

    order_id: int
    ts: int
    verdict: str
    reasons: tuple[str, ...]
    limits_version: str
    mode: str
    static_verdict: str
    dynamic_verdict: str
    risk_state: str
    dynamic_reasons: tuple[str, ...] = ()
    static_reasons: tuple[str, ...] = ()
    seq: int = 0

    @property
    def accepted(self) -> bool:
        return self.verdict == "ACCEPT"


class Enforcer:
    """Pre-trade risk gate. Thread-safe: front ends call `submit` from their own threads.

    Construct with `Enforcer(config, store=None, clock=time.time_ns)`; if the decision log
    exists it is replayed first (positions, throttles, latches, pending decisions).
    """

    def __init__(self, config: EnforcerConfig, store: Any | None = None,
                 clock: Clock | None = None) -> None:
        raise NotImplementedError

    def submit(self, cmd: NewOrder | CancelOrder) -> Decision:
        """Decide, append to the local log (per the fsync policy) and return. Never raises."""
        raise NotImplementedError

    def check(self, order: NewOrder) -> Decision:
        """Dry run: same verdict `submit` would give now; records and changes nothing."""
        raise NotImplementedError

    def operator(self, cmd: OperatorCommand) -> None:
        """Apply an operator command; logged with who and why. Bad action: ValueError."""
        raise NotImplementedError

    def on_fill(self, fill: Fill) -> None:
        """Apply an execution report to the position (logged)."""
        raise NotImplementedError

    def on_quote(self, sym: str, bid: float | None, ask: float | None, ts: int) -> None:
        """Update the reference mid of `sym` (used by the collar and MARKET notional)."""
        raise NotImplementedError

    def poll(self) -> None:
        """One polling step: new risk_limits rows, atomic swap, staleness check."""
        raise NotImplementedError

    def flush(self) -> int:
        """Batch-append pending decisions to the `decisions` table; returns rows written."""
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """JSON-able status: mode, limits source, staleness, alerts, halts, counters."""
        raise NotImplementedError

    def limits_for(self, sym: str, strategy: str = "*") -> dict[str, Any]:
        """JSON-able limits in force for (sym, strategy): dynamic, static and effective."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the background poll + flush thread."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the thread, final flush, fsync and close the log."""
        raise NotImplementedError
