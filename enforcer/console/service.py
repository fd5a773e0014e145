"""The console's one entry point: `Console.execute(command) -> Outcome`.

Each command (enforcer.console.commands) is checked (a refusal is an Outcome with the
reason, never an exception), carried out through the engine's own entry points
(`Enforcer.operator`, the FIX gateway's venue cancel path, the store) and audited: one
`audit` row per action with the state before and after. A refused action is audited too
(action '<name>_refused'), so the trail shows attempts as well as changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa

from enforcer.commands import OperatorCommand
from enforcer.console.audit import AuditTrail
from enforcer.console.board import Board
from enforcer.console.commands import (
    DecideOverride,
    Kill,
    LabelDecision,
    ModelAction,
    RequestOverride,
    ResetBreaker,
)
from enforcer.console.config import ConsoleConfig
from enforcer.console.overrides import OverrideDesk
from enforcer.fix.mapping import SEP  # between SenderCompID and ClOrdID in an order key
from enforcer.killswitch import SCOPES, covers

_LABEL_SCHEMA = pa.schema([
    ("ts", pa.timestamp("ns")), ("log_id", pa.string()), ("seq", pa.int64()),
    ("order_id", pa.int64()), ("sym", pa.string()), ("strategy", pa.string()),
    ("static_verdict", pa.string()), ("dynamic_verdict", pa.string()), ("label", pa.string()),
    ("comment", pa.string()), ("who", pa.string())])


class Outcome(NamedTuple):
    ok: bool
    message: str


def _scope_args(scope: str, name: str) -> dict[str, str | None]:
    return {"sym": name if scope == "symbol" else None,
            "strategy": name if scope == "strategy" else None,
            "session": name if scope == "session" else None}


class Console:
    """enforcer: the engine; store: a tsdb Store (audit, overrides, labels; None: audit in
    memory only, no overrides); cancel_open(match) -> n: the FIX gateway's venue cancel
    path (None: no venue, nothing to cancel); models: the model desk (None: no page)."""

    def __init__(self, enforcer: Any, *, config: ConsoleConfig, store: Any | None = None,
                 clock: Callable[[], int] = time.time_ns,
                 cancel_open: Callable[[Callable], int] | None = None,
                 models: Any | None = None) -> None:
        self.enf, self.cfg, self.store, self.clock = enforcer, config, store, clock
        self.audit = AuditTrail(store, clock)
        self.overrides = OverrideDesk(store, clock, self._current,
                                      enforcer.feed.overrides_changed)
        self.board = Board(enforcer, store, clock, int(config.history_s * 1e9))
        self.models = models
        self._cancel_open = cancel_open

    def _current(self, sym: str, strategy: str, limit_name: str) -> float:
        d = self.enf.limits_for(sym, strategy)
        if not d.get("known"):
            raise KeyError(sym)
        return float(d["effective"][limit_name])

    def _controls(self) -> dict[str, Any]:
        s = self.enf.state()
        return {k: s[k] for k in ("kill_switch", "kills", "breakers", "halted_syms")}

    def execute(self, cmd: Any) -> Outcome:
        handler = {Kill: self._kill, ResetBreaker: self._reset, RequestOverride: self._request,
                   DecideOverride: self._decide, LabelDecision: self._label,
                   ModelAction: self._model}.get(type(cmd))
        if handler is None:
            raise TypeError(f"not a console command: {type(cmd).__name__}")
        return handler(cmd)

    def _refuse(self, cmd: Any, action: str, target: str, why: str, reason: str) -> Outcome:
        self.audit.record(cmd.user, action + "_refused", target, why.strip() or "-",
                          after={"refused": reason})
        return Outcome(False, reason)

    # ---- kill switch and resets ------------------------------------------------------------
    def _kill(self, cmd: Kill) -> Outcome:
        action = "kill" if cmd.engage else "unkill"
        target = cmd.scope if cmd.scope == "global" else f"{cmd.scope}:{cmd.name}"
        reason = (None if cmd.user.may("operator") else
                  f"{cmd.user.name} is a {cmd.user.role}: the kill switch needs operator")
        if reason is None and cmd.scope not in SCOPES:
            reason = f"scope must be one of {', '.join(SCOPES)}"
        if reason is None and cmd.scope != "global" and not cmd.name.strip():
            reason = f"a {cmd.scope} kill needs a name"
        if reason is None and not cmd.why.strip():
            reason = "why must not be blank"
        if reason is not None:
            return self._refuse(cmd, action, target, cmd.why, reason)
        before = self._controls()
        name = cmd.name.strip()
        self.enf.operator(OperatorCommand(action=action, who=cmd.user.name, why=cmd.why,
                                          reduce_only=cmd.reduce_only,
                                          **_scope_args(cmd.scope, name)))
        n = 0
        if cmd.engage and self._cancel_open is not None:
            key = (cmd.scope, name)
            n = self._cancel_open(
                lambda e: covers(key, e.sym, e.strategy, e.key.partition(SEP)[0]))
        after = {**self._controls(), "working_orders_cancelled": n}
        self.audit.record(cmd.user, action, target, cmd.why, before, after)
        if not cmd.engage:
            return Outcome(True, f"kill switch released: {target}")
        ro = " (risk-reducing orders pass)" if cmd.reduce_only else ""
        return Outcome(True, f"kill switch engaged: {target}{ro}; "
                             f"{n} working orders cancelled at the venue")

    def _reset(self, cmd: ResetBreaker) -> Outcome:
        target = cmd.scope if cmd.scope == "all" else f"{cmd.scope}:{cmd.name}"
        reason = (None if cmd.user.may("operator") else
                  f"{cmd.user.name} is a {cmd.user.role}: a reset needs operator")
        if reason is None and cmd.scope not in ("all", "strategy", "session", "symbol"):
            reason = "scope must be all, strategy, session or symbol"
        if reason is None and cmd.scope != "all" and not cmd.name.strip():
            reason = f"a {cmd.scope} reset needs a name"
        if reason is None and not cmd.why.strip():
            reason = "why must not be blank"
        if reason is not None:
            return self._refuse(cmd, "reset_breaker", target, cmd.why, reason)
        before = self._controls()
        args = _scope_args(cmd.scope, cmd.name.strip()) if cmd.scope != "all" else {}
        self.enf.operator(OperatorCommand(action="reset_breaker", who=cmd.user.name,
                                          why=cmd.why, **args))
        self.audit.record(cmd.user, "reset_breaker", target, cmd.why, before,
                          self._controls())
        return Outcome(True, f"breaker reset: {target}")

    # ---- overrides --------------------------------------------------------------------------
    def _request(self, cmd: RequestOverride) -> Outcome:
        target = f"{cmd.sym}/{cmd.strategy}/{cmd.limit_name}"
        row, why = self.overrides.request(cmd)
        if why is not None:
            return self._refuse(cmd, "override_request", target, cmd.why, why)
        self.audit.record(cmd.user, "override_request", row["override_id"], cmd.why,
                          {"limit": target, "value": row["current"]},
                          {"value": row["value"], "direction": row["direction"],
                           "status": row["status"], "expires_ts": row["expires_ts"]})
        if row["status"] == "active":
            return Outcome(True, f"override {row['override_id']}: {target} tightened to "
                                 f"{row['value']:g}, in force now")
        return Outcome(True, f"override {row['override_id']}: loosening {target} to "
                             f"{row['value']:g} waits for a second approver")

    def _decide(self, cmd: DecideOverride) -> Outcome:
        before, row, why = self.overrides.decide(cmd)
        if why is not None:
            return self._refuse(cmd, "override_" + cmd.decision, cmd.override_id, cmd.why, why)
        self.audit.record(cmd.user, "override_" + cmd.decision, cmd.override_id, cmd.why,
                          {"status": before["status"]},
                          {"status": row["status"], "approved_by": row["approved_by"]})
        return Outcome(True, f"override {cmd.override_id} {row['status']}")

    # ---- review labels and models -------------------------------------------------------------
    def _label(self, cmd: LabelDecision) -> Outcome:
        target = f"{cmd.log_id}:{cmd.seq}"
        reason = (None if cmd.user.may("operator") else
                  f"{cmd.user.name} is a {cmd.user.role}: labelling needs operator")
        if reason is None and cmd.label not in ("agree", "disagree"):
            reason = "label must be agree or disagree"
        if reason is None and self.store is None:
            reason = "no store"
        rows = [] if reason else self.store.query_file(
            "console/decision_by_seq.sql", [cmd.log_id, cmd.seq]).to_pylist()
        if reason is None and not rows:
            reason = f"no decision {target}"
        if reason is not None:
            return self._refuse(cmd, "review_label", target, cmd.comment, reason)
        d = rows[0]
        row = {"ts": self.clock(), "log_id": cmd.log_id, "seq": cmd.seq,
               "order_id": d["order_id"], "sym": d["sym"], "strategy": d["strategy"],
               "static_verdict": d["static_verdict"], "dynamic_verdict": d["dynamic_verdict"],
               "label": cmd.label, "comment": cmd.comment, "who": cmd.user.name}
        self.store.ingest("review_labels", pa.Table.from_pylist([row], schema=_LABEL_SCHEMA),
                          session=None)
        self.audit.record(cmd.user, "review_label", target, cmd.comment or cmd.label, None,
                          {"label": cmd.label})
        return Outcome(True, f"decision {target} labelled {cmd.label}")

    def _model(self, cmd: ModelAction) -> Outcome:
        reason = (None if cmd.user.may("approver") else
                  f"{cmd.user.name} is a {cmd.user.role}: {cmd.action} needs an approver")
        if reason is None and not cmd.why.strip():
            reason = "why must not be blank"
        if reason is None and self.models is None:
            reason = "no model registry configured"
        if reason is None:
            before, after, reason = self.models.act(cmd)
        if reason is not None:
            return self._refuse(cmd, "model_" + cmd.action, cmd.model_id, cmd.why, reason)
        self.audit.record(cmd.user, "model_" + cmd.action, cmd.model_id, cmd.why, before,
                          after)
        return Outcome(True, f"model {cmd.model_id}: {cmd.action} done")
