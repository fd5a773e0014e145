"""The enforcer engine: one entry point per command, thread-safe, never raises on orders.

`Enforcer` is the decision core and the facade over its collaborators:

* `enforcer.feed.LimitsFeed` polls the store, judges each symbol's publisher and swaps in
  the limits snapshot the order path reads (`feed.wake()`, `feed.add_listener()`);
* `enforcer.controls.OperatorControls` holds the kill switch, halts, breaker and latches,
  and publishes the reason bits every order gets;
* `enforcer.executions.Executions` applies the venue's reports (fills, cancels, replace
  confirmations) and the session-day roll to positions and the order ledger;
* `enforcer.sink.DecisionSink` queues decision rows and batch-appends them to the table;
* `enforcer.poller.PollLoop` is the background thread (poll, flush).

Flow of `submit(NewOrder)`, all under one lock: malformed? -> look up (dynamic, static)
limits in the current snapshot -> fused rule set for each -> pick the enforced verdict by
mode -> on ACCEPT update positions / throttle / duplicates -> append the record to the
decision log (write(2), fsync per policy) -> queue the row for the `decisions` table ->
return the Decision. `poll()` swaps in new limits; `flush()` batch-appends queued rows.
The order path reads three plain attributes its collaborators publish into (`_snap`,
`_flags`, `_blocked`): no call and no extra lookup per order.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from enforcer import recovery
from enforcer.book import Book
from enforcer.commands import CancelOrder, Fill, NewOrder, OperatorCommand, OrderDone, ReplaceOrder
from enforcer.config import EnforcerConfig, StaticLimits
from enforcer.controls import OperatorControls
from enforcer.decision import Decision, ab_dynamic
from enforcer.decision_log import DecisionLog
from enforcer.executions import Executions
from enforcer.executions import json_safe as _j
from enforcer.feed import LimitsFeed, Listener
from enforcer.killswitch import Kill, kill_bit
from enforcer.limits import LimitsSnapshot
from enforcer.lots import Lots
from enforcer.orders import DONE, OrderEntry, OrderLedger
from enforcer.poller import PollLoop
from enforcer.reasons import Reason, mask_to_names
from enforcer.record import DecisionRecord, fast_body, plain
from enforcer.rules import B_BREAKER, B_HALTED, B_KILL, malformed_mask, order_mask
from enforcer.sink import DecisionSink
from enforcer.throttle import COST

Clock = Callable[[], int]  # returns UTC ns
_B_INTERNAL = 1 << Reason.INTERNAL_ERROR
_B_UNKNOWN_ORDER = 1 << Reason.UNKNOWN_ORDER


_new_decision = tuple.__new__


class RuleContext(NamedTuple):
    """What the batch path needs from the live engine besides the snapshot and the book."""

    flags: int  # kill / breaker / halt-all reason bits
    blocked: frozenset[str]  # halted or latched symbols
    mids: Mapping[str, float]  # reference mid per symbol (a copy)
    rate: int  # throttle nano-tokens per ns
    cap: int  # throttle bucket capacity, nano-tokens
    need_ref: bool  # reject without a reference price


class Enforcer:
    """Pre-trade risk gate. `Enforcer(config, store=None, clock=time.time_ns)`.

    With a decision log that already exists, the constructor replays it first
    (`recovery.recover` returns what it rebuilt: positions, throttles, duplicates, kill
    switch, breaker, halts, and the decisions not yet in the table, queued for the next
    `flush`) and applies it.
    """

    def __init__(self, config: EnforcerConfig, store: Any | None = None,
                 clock: Clock | None = None) -> None:
        self.cfg = config
        self.store = store
        self.clock: Clock = clock or time.time_ns
        self.static = StaticLimits.load(config.static_limits_path)
        self.lots = Lots.load(config.instruments_path)  # venue units <-> lots at the edges
        self._lock = threading.RLock()
        self.book = Book(config.fat_finger_window, config.fat_finger_min_history,
                         self.static.duplicate_depth)
        self.orders = OrderLedger()
        self._rate = self.static.throttle_rate
        self._cap = self.static.throttle_burst * COST
        dup_rules = (self.static.duplicate, *self.static.duplicate_by_strategy.values())
        self._window = max(r.window_ns for r in dup_rules)  # duplicate keys kept this long
        self._dups: dict[str, tuple[int, int]] = {}  # strategy -> (window ns, max_identical)
        self._need_ref = self.static.reject_without_reference
        self._mids: dict[str, float] = {}
        self._ab: dict[str, bool] = {}
        self.alerts: deque[dict[str, Any]] = deque(maxlen=200)
        self.counters = {"orders": 0, "accepted": 0, "rejected": 0, "cancels": 0,
                         "fills": 0, "polls": 0, "poll_errors": 0, "flushed": 0,
                         "flush_errors": 0, "internal_errors": 0}
        self._seq = 0
        self._log: DecisionLog | None = None
        self.log_id = "none"
        self.sink = DecisionSink(store, lock=self._lock, alert=self._alert,
                                 counters=self.counters, lots=self.lots)
        self._queue = self.sink.queue  # the order path's one call per decision
        self.executions = Executions(lock=self._lock, book=self.book, orders=self.orders,
                                     append=self._append, counters=self.counters)
        # what the order path reads, published by the collaborators below
        self._flags = 0
        self._blocked: frozenset[str] = frozenset()
        self._tripped: frozenset[str] = frozenset()
        self._tripped_sessions: frozenset[str] = frozenset()
        self._kills: frozenset[Kill] = frozenset()  # scoped / reduce-only kill switches
        self.controls = OperatorControls(
            lock=self._lock, append=self._append, alert=self._alert, clock=self.clock,
            publish=self._publish_flags, breaker_rejects_per_s=config.breaker_rejects_per_s)
        self.feed = LimitsFeed(
            self.static, store, self.clock,
            staleness_bound_ns=int(config.staleness_bound.total_seconds() * 1e9),
            alert=self._alert, on_halted_row=self.controls.latch, on_swap=self._publish_snap,
            lots=self.lots)
        self._snap: LimitsSnapshot = self.feed.snapshot
        poll_s = config.poll_interval.total_seconds()
        self._loop = PollLoop(poll=self.poll, flush=self.flush, feed=self.feed,
                              alert=self._alert, poll_s=poll_s,
                              flush_every=round(config.flush_interval.total_seconds() / poll_s))
        if config.decision_log_path is not None:
            self._apply_recovered(recovery.recover(
                config.decision_log_path, self.book, self.orders, rate=self._rate,
                cap=self._cap,
                store=store, static_version=self.static.version))
            self._log = DecisionLog(config.decision_log_path, config.fsync)
            if self._seq == 0:
                self._append(["H", self.log_id, self.clock()])

    def _apply_recovered(self, rec: recovery.Recovered) -> None:
        self.log_id = rec.log_id
        self._seq = rec.seq
        self.executions.session_day = rec.day
        for k, v in rec.counters.items():
            self.counters[k] += v
        self.controls.restore(rec.operator, rec.audit)
        self.sink.extend(rec.pending)

    def _publish_flags(self, flags: int, blocked: frozenset[str],
                       tripped: frozenset[str] = frozenset(),
                       tripped_sessions: frozenset[str] = frozenset(),
                       kills: frozenset[Kill] = frozenset()) -> None:
        self._flags, self._blocked, self._tripped = flags, blocked, tripped
        self._tripped_sessions, self._kills = tripped_sessions, kills

    def _publish_snap(self, snap: LimitsSnapshot) -> None:
        self._snap = snap

    # ---- orders -------------------------------------------------------------------------
    def submit(self, cmd: NewOrder | ReplaceOrder | CancelOrder) -> Decision:
        """Decide, append to the local log (per the fsync policy), queue for the table.

        A command with a `key` already decided is not decided again: the recorded
        decision comes back (same seq), nothing is logged or changed."""
        with self._lock:
            try:
                key = cmd.key
                t = type(cmd)
                if key is not None:
                    if t is CancelOrder:
                        d = self.orders.cancels.get(key)
                        if d is not None:
                            return d
                    else:
                        e = self.orders.by_key.get(key)
                        if e is not None:
                            return e.decision
                if t is CancelOrder:
                    return self._cancel(cmd)
                if t is ReplaceOrder:
                    return self._replace(cmd)
                return self._decide(cmd, record=True)
            except Exception as e:  # fail safe: reject, count, alert; never raise
                return self._internal_error(cmd, e)

    def submit_once(self, cmd: NewOrder | ReplaceOrder | CancelOrder) -> tuple[Decision, bool]:
        """`submit`, and whether the decision is new (False: the key was decided before)."""
        with self._lock:
            seq = self._seq
            d = self.submit(cmd)
            return d, self._seq != seq

    def hold(self) -> None:
        """Gather this thread's decision-log records until `release` (one write for a
        batch). The caller must `release` (or `flush_held`) before acknowledging any of
        the decisions: the decision is on disk before the acknowledgement."""
        if self._log is not None:
            self._log.hold()

    def flush_held(self) -> None:
        """Write the gathered records now (any thread); the hold stays."""
        if self._log is not None:
            self._log.flush()

    def release(self) -> None:
        """Write the gathered records and end the hold."""
        if self._log is not None:
            self._log.release()

    def order(self, key: str) -> OrderEntry | None:
        """The ledger entry of a keyed order (None: never decided). Read-only use."""
        return self.orders.by_key.get(key)

    def open_orders(self) -> list[OrderEntry]:
        """Keyed orders accepted and not done (new or partly filled), oldest first."""
        return self.executions.open_orders()

    def pending_replace(self, e: OrderEntry) -> OrderEntry | None:
        """The order `e` replaces while the venue has not answered (None: not pending)."""
        with self._lock:
            return self.orders.pending_replace(e)

    def cancel_decided(self, key: str) -> bool:
        """Whether the cancel request keyed `key` was decided already."""
        return key in self.orders.cancels

    def order_by_seq(self, seq: int) -> OrderEntry | None:
        """The ledger entry of the keyed order decided as record `seq` (its venue id)."""
        return self.orders.by_seq.get(seq)

    def check(self, order: NewOrder) -> Decision:
        """Dry run: the verdict `submit` would give now; records and changes nothing."""
        with self._lock:
            try:
                return self._decide(order, record=False)
            except Exception as e:
                return self._internal_error(order, e, record=False)
    def _replace(self, r: ReplaceOrder) -> Decision:
        orig = self.orders.by_key.get(r.orig_key)
        book = self.book
        rec = None if orig is None or orig.status in DONE else \
            book.open_orders.get(orig.key)
        o = NewOrder(order_id=r.order_id, ts=r.ts, trader=r.trader, strategy=r.strategy,
                     sym=r.sym, side=r.side, order_type=r.order_type, key=r.key,
                     session=r.session, price=r.price, qty=r.qty - orig.cum_qty if orig is not None and
                     type(r.qty) is int else r.qty)
        if rec is None:  # unknown, done, or not open here: nothing to replace
            return self._decide(o, record=True, force=_B_UNKNOWN_ORDER)
        # decided as if the original were gone (the delta goes through the rules); then
        # the original counts again until the venue answers (`on_replaced` / `on_done`):
        # a fill of it may still win the race there
        released = book.apply_cancel(orig.key)
        d = self._decide(o, record=True, replaces=orig.seq)
        self.orders.carry(r.key, orig)
        book.restore_open(orig.key, rec, released)
        return d

    def _decide(self, o: NewOrder, *, record: bool, force: int = 0,  # noqa: C901
                replaces: int | None = None) -> Decision:
        snap = self._snap
        sym, strategy, qty, ts = o.sym, o.strategy, o.qty, o.ts
        dyn, st = snap.lookup(sym, strategy)
        price = o.price
        mal = malformed_mask(dyn is not None, o.side, qty, price, o.order_type)
        book = self.book
        if mal:
            dmask = smask = mal
            if dyn is None:
                dyn = st = snap.default_static or next(iter(snap.static.values()), None)
        else:
            price = None if o.order_type == "MARKET" else float(price)
            buy = o.side == "B"
            pos = book.pos.get((strategy, sym))
            bucket = book.buckets.get(strategy)
            key = (strategy, sym, o.side, qty, price)
            dup = book.dups.get(key)
            dup_w, dup_n = self._dups.get(strategy) or self._dup_rule(strategy)
            median = book.medians.get(o.trader, 0.0)
            mid = self._mids.get(sym)
            flags = self._flags | (B_HALTED if sym in self._blocked else 0) | force
            if self._tripped and strategy in self._tripped:
                flags |= B_BREAKER
            if self._tripped_sessions and o.session in self._tripped_sessions:
                flags |= B_BREAKER
            if self._kills:
                flags |= kill_bit(self._kills, sym, strategy, o.session, buy, qty, pos)
            ffq = snap.fat_finger_max_qty.get((sym, o.trader), math.inf) \
                if snap.fat_finger_max_qty else math.inf  # layer 1's row (dynamic only)
            dmask = flags | order_mask(dyn, buy, qty, price, mid, ts, pos, bucket, dup,
                                       median, self._rate, self._cap, dup_w,
                                       self._need_ref, dup_n, ffq)
            smask = dmask if dyn is st else flags | order_mask(
                st, buy, qty, price, mid, ts, pos, bucket, dup, median, self._rate,
                self._cap, dup_w, self._need_ref, dup_n)
        use_dyn = self._use_dynamic(strategy)
        mask, lim = (dmask, dyn) if use_dyn else (smask, st)
        if record:
            seq = self._next_seq()
            if not mal:
                book.note_qty(o.trader, qty)
            if mask == 0:
                book.apply_accept(o.order_id if o.key is None else o.key, ts, strategy, sym,
                                  o.side, qty, price, self._rate, self._cap)
            self._count(mask, ts, strategy, o.session)
        else:
            seq = 0
        version = lim.version if lim is not None else self.static.version
        mode = self.cfg.mode
        risk_state = self._risk_state(sym, lim, mask)
        d = _new_decision(Decision, (
            o.order_id, ts, "ACCEPT" if mask == 0 else "REJECT", mask_to_names(mask), version,
            mode, "ACCEPT" if smask == 0 else "REJECT", "ACCEPT" if dmask == 0 else "REJECT",
            risk_state, mask_to_names(dmask), mask_to_names(smask), seq))
        if record:
            trader, oid, log, key = o.trader, o.order_id, self._log, o.key
            if log is None:
                pass
            elif not mal and plain(trader, strategy, sym, version, key, oid, ts):
                # the common record, pre-formatted: same bytes as DecisionRecord.encode
                log.append_body(fast_body(seq, ts, oid, trader, strategy, sym, o.side, qty,
                                          price, o.order_type, mask, smask, dmask, version,
                                          mode, risk_state, key, replaces))
            else:
                if mal:
                    qty, price = _j(qty), _j(price)
                log.append_body(DecisionRecord(
                    seq, ts, oid, trader, strategy, sym, o.side, qty, price,
                    _j(o.order_type), mask, smask, dmask, version, mode, risk_state,
                    _j(key), replaces).encode())
            if key is not None:
                self.orders.add(OrderEntry(key, d, strategy, sym, o.side, qty, price,
                                           o.order_type))
            self._queue(d, "NEW", o.trader, strategy, sym, o.side, qty, price)
        return d

    def _dup_rule(self, strategy: str) -> tuple[int, int]:
        r = self.static.duplicate_for(strategy)
        v = self._dups[strategy] = (r.window_ns, r.max_identical)
        return v

    def _use_dynamic(self, strategy: str) -> bool:
        mode = self.cfg.mode
        if mode == "enforce":
            return True
        if mode == "shadow":
            return False
        v = self._ab.get(strategy)
        if v is None:
            v = self._ab[strategy] = ab_dynamic(strategy, self.cfg.ab_share)
        return v

    def _cancel(self, c: CancelOrder) -> Decision:
        seq = self._next_seq()
        released = self.book.apply_cancel(
            c.orig_order_id if c.orig_key is None else c.orig_key)
        self.counters["cancels"] += 1
        d = Decision(order_id=c.order_id, ts=c.ts, verdict="ACCEPT", reasons=(),
                     limits_version=self._snap.static_cfg.version, mode=self.cfg.mode,
                     static_verdict="ACCEPT", dynamic_verdict="ACCEPT",
                     risk_state=self._risk_state(c.sym, None), seq=seq)
        self._append(["X", seq, c.ts, c.order_id, c.trader, c.strategy, c.sym,
                      c.orig_order_id, released, self.cfg.mode, d.risk_state, c.key,
                      c.orig_key])
        if c.key is not None:
            self.orders.cancels[c.key] = d
        self._queue(d, "CANCEL", c.trader, c.strategy, c.sym, None, None, None)
        return d

    def _internal_error(self, cmd: Any, e: Exception, record: bool = True) -> Decision:
        self.counters["internal_errors"] += 1
        self._alert("internal_error", f"{type(e).__name__}: {e}")
        names = mask_to_names(_B_INTERNAL)
        oid, ts = getattr(cmd, "order_id", -1), getattr(cmd, "ts", 0)
        oid = oid if type(oid) is int else -1
        ts = ts if type(ts) is int else self.clock()
        d = Decision(order_id=oid, ts=ts, verdict="REJECT", reasons=names,
                     limits_version=self.static.version, mode=self.cfg.mode,
                     static_verdict="REJECT", dynamic_verdict="REJECT",
                     risk_state="RiskAlert_InternalError", dynamic_reasons=names,
                     static_reasons=names)
        if record:
            try:
                seq = self._next_seq()
                d = d._replace(seq=seq)
                key = getattr(cmd, "key", None)
                key = key if type(key) is str else None
                if self._log is not None:
                    self._log.append_body(DecisionRecord(
                        seq, ts, oid, "", "", "", "", None, None, "", _B_INTERNAL,
                        _B_INTERNAL, _B_INTERNAL, d.limits_version, self.cfg.mode,
                        d.risk_state, key).encode())
                if key is not None:  # a resend gets this reject back, not a new decision
                    g = getattr
                    self.orders.add(OrderEntry(key, d, g(cmd, "strategy", None),
                                               g(cmd, "sym", None), g(cmd, "side", None),
                                               g(cmd, "qty", None), g(cmd, "price", None),
                                               g(cmd, "order_type", None)))
                self._queue(d, "NEW", None, None, None, None, None, None)
            except Exception as e2:  # the log itself failed: nothing more we can do here
                self._alert("decision_log_error", repr(e2))
        return d

    # ---- helpers on the hot path -----------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _append(self, rec: list) -> None:
        if self._log is not None:
            self._log.append(rec)

    def _count(self, mask: int, ts: int, strategy: str = "",
               session: str | None = None) -> None:
        c = self.counters
        c["orders"] += 1
        if mask == 0:
            c["accepted"] += 1
            return
        c["rejected"] += 1
        self.controls.note_reject(ts, strategy if type(strategy) is str else "", session)

    def _risk_state(self, sym: str, lim, mask: int = 0) -> str:
        """Tag 8011's text. mask: the order's own reason bits, so that a scoped kill or
        breaker (its bit set for the orders it covers only) names its state as the global
        one does."""
        f = self._flags | (mask & (B_KILL | B_BREAKER))
        if f & B_KILL:
            return "RiskAlert_KillSwitch"
        if f & B_BREAKER:
            return "RiskAlert_CircuitBreaker"
        if f & B_HALTED or sym in self._blocked:
            return "RiskAlert_Halted"
        if lim is None:
            snap = self._snap
            if snap.source == "dynamic":
                return "RiskAlert_StaleLimits" if sym in snap.stale else "Normal"
            return "Normal" if self.store is None else "RiskAlert_StaleLimits"
        return lim.risk_state

    # ---- operator controls (enforcer.controls), fills, quotes -------------------------------
    def operator(self, cmd: OperatorCommand) -> None:
        """Apply an operator command, logged with who and why. Misuse: ValueError."""
        self.controls.command(cmd)

    def trip_breaker(self, ts: int, why: str) -> None:
        """Trip the global circuit breaker (automatic); only an operator resets it."""
        self.controls.trip_breaker(ts, why)

    @property
    def kill(self) -> bool:
        return self.controls.state.kill

    @property
    def breaker(self) -> bool:
        return self.controls.state.breaker

    @property
    def halt_all(self) -> bool:
        return self.controls.state.halt_all

    @property
    def halted(self) -> frozenset[str]:
        """Symbols halted by an operator."""
        return self.controls.state.halted

    @property
    def latched(self) -> frozenset[str]:
        """Symbols latched by a HALTED model row, until an operator clears them."""
        return self.controls.state.latched

    @property
    def audit(self) -> deque[dict[str, Any]]:
        return self.controls.audit

    # ---- venue reports (enforcer.executions) -------------------------------------------------
    @property
    def session_day(self) -> str | None:
        """The FIX session day of the order ledger (see `roll_day`)."""
        return self.executions.session_day

    def on_fill(self, fill: Fill) -> OrderEntry | None:
        """A fill: position and the order's ledger entry follow; logged (`Executions`)."""
        return self.executions.on_fill(fill)

    def on_done(self, done: OrderDone) -> OrderEntry | None:
        """A venue cancel or expiry releases the order's open qty; logged (`Executions`)."""
        return self.executions.on_done(done)

    def on_replaced(self, order_seq: int, leaves: int, ts: int) -> OrderEntry | None:
        """The venue confirmed a replace (`Executions.on_replaced`)."""
        return self.executions.on_replaced(order_seq, leaves, ts)

    def roll_day(self, ts: int, day: str) -> int:
        """A new FIX session day compacts the ledger (`Executions.roll_day`)."""
        return self.executions.roll_day(ts, day)

    def on_quote(self, sym: str, bid: float | None, ask: float | None, ts: int) -> None:
        """Reference mid = (bid + ask) / 2; a one-sided or crossed book clears it."""
        if bid is None or ask is None or not (0.0 < bid <= ask < math.inf):
            self._mids.pop(sym, None)
        else:
            self._mids[sym] = (bid + ask) / 2.0

    # ---- limits (enforcer.feed) ---------------------------------------------------------------
    def poll(self) -> None:
        """One polling step: the feed's poll (new limits, freshness, swap); housekeeping."""
        self.counters["polls"] += 1
        if not self.feed.poll():
            self.counters["poll_errors"] += 1
        with self._lock:
            self.book.refresh_medians()
            self.book.prune_dups(self._window)
        if self._log is not None:
            self._log.sync()

    def wake(self) -> None:
        """Poll now rather than at the next interval (the background thread does it)."""
        self.feed.wake()

    def add_listener(self, fn: Listener) -> None:
        """`fn(snapshot, swapped_ns)` after every limits swap (see LimitsFeed.add_listener)."""
        self.feed.add_listener(fn)

    def _alert(self, kind: str, msg: str) -> None:
        self.alerts.append({"ts": self.clock(), "kind": kind, "msg": msg})

    # ---- persistence ----------------------------------------------------------------------
    def flush(self) -> int:
        """Batch-append queued decisions to `decisions`; returns rows written (0 on error,
        the rows stay queued and an alert is raised: `DecisionSink.flush`)."""
        return self.sink.flush(self.log_id)

    # ---- introspection ----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """JSON-able status of the daemon (limits freshness per symbol under 'freshness')."""
        with self._lock:
            now = self.clock()
            ops = self.controls.state
            return {
                "mode": self.cfg.mode, "ab_share": self.cfg.ab_share,
                **self.feed.state(now), "static_version": self.static.version,
                "kill_switch": ops.kill, "circuit_breaker": ops.breaker,
                "kills": [{"scope": k[0], "name": k[1], "reduce_only": k[2]}
                          for k in sorted(ops.kills)],
                "breakers": ops.breakers,
                "halt_all": ops.halt_all, "halted_syms": sorted(ops.blocked),
                "latched_syms": sorted(ops.latched), "alerts": list(self.alerts)[-20:],
                "operator_log": list(self.audit)[-20:], "counters": dict(self.counters),
                "pending_decisions": len(self.sink), "log_seq": self._seq,
                "log_id": self.log_id,
            }

    def limits_for(self, sym: str, strategy: str = "*") -> dict[str, Any]:
        """JSON-able limits of (sym, strategy): effective, dynamic, static, model row."""
        return self._snap.describe(sym, strategy)

    def snapshot(self) -> LimitsSnapshot:
        """The limits snapshot in force (immutable; used by the batch path)."""
        return self._snap

    def rule_context(self) -> RuleContext:
        """Flags, mids and rule parameters for the batch path (`enforcer/batch_host.py`)."""
        with self._lock:
            return RuleContext(self._flags, self._blocked, dict(self._mids), self._rate,
                               self._cap, self._need_ref)

    # ---- background thread ------------------------------------------------------------------
    def start(self) -> None:
        """Start the background poll + flush thread (`enforcer.poller.PollLoop`;
        idempotent)."""
        self._loop.start()

    def stop(self) -> None:
        """Stop the thread, final flush, fsync and close the log."""
        self._loop.stop()
        self.flush()
        if self._log is not None:
            self._log.close()
            self._log = None
