"""Limits feed: poll the store, judge each symbol's publisher, swap in a new snapshot.

One `poll()` (never two at once): read the risk_limits rows newer than the watermark and
the newest publisher_heartbeat row per symbol, merge them into what was seen before, judge
every symbol (`judge`), build a `LimitsSnapshot` off to the side and swap it in with one
reference assignment; the order path only does dict lookups on whichever snapshot is in
force. Listeners (`add_listener`) hear of every swap after it, outside the poll lock.

Freshness, per symbol (DESIGN "Live"): a symbol's latest risk_limits rows, however old,
stay in force while its newest heartbeat says the publisher is alive
(`now - published_ts <= bound`, wall clock from the injected clock) and has judged the
newest market data it had (`market_ts - ts <= bound`). Otherwise that symbol, alone, falls
back to its static limits with risk state 'RiskAlert_StaleLimits' and an alert naming it
and why; when it is fresh again an alert says so. A symbol with rows but no heartbeat is
stale. A store that does not answer, or holds no risk_limits rows, or no symbol in force,
means static limits for every symbol. Layer 1's fat_finger_limits rows (latest per
(sym, trader), `queries/latest_fat_finger.sql`) ride along with a symbol's rows in force; a
store without that table or query gives none (the static fat-finger rule alone).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from enforcer.config import StaticLimits
from enforcer.limits import HALTED, STALE, DynRow, LimitsSnapshot, rows_from_arrow
from enforcer.lots import Lots
from enforcer.overrides import Override, overrides_from_arrow
from tsdb.config import UNBOUNDED_NS

Listener = Callable[[LimitsSnapshot, int], None]
_MAX_NAMED = 10  # symbols named in one alert; the rest are counted
OVERRIDES_READ_NS = 1_000_000_000  # limit overrides re-read at least this often
MIN_WAIT_S = 0.001  # past an expiry, so the poll after it judges the symbol stale


class Heartbeat(NamedTuple):
    """The newest publisher_heartbeat row of a symbol (UTC ns)."""

    ts: int  # end of the newest bucket judged (market time)
    publisher: str
    model_version: str
    market_ts: int  # the publisher's intake clock when it wrote the row
    published_ts: int  # wall clock of the write


class Freshness(NamedTuple):
    """How a symbol's publisher looked at the last poll. Durations in ns."""

    heartbeat_ts: int | None
    published_ts: int | None
    age_ns: int | None  # now - published_ts
    lag_ns: int | None  # market_ts - ts
    in_force: bool
    why: str | None  # None when in force

    def to_json(self) -> dict[str, Any]:
        return {"heartbeat_ts": self.heartbeat_ts, "published_ts": self.published_ts,
                "age_s": None if self.age_ns is None else self.age_ns / 1e9,
                "lag_s": None if self.lag_ns is None else self.lag_ns / 1e9,
                "in_force": self.in_force, "why": self.why}


def judge(hb: Heartbeat | None, now: int, bound_ns: int) -> Freshness:
    """In force iff `hb` exists, `now - published_ts <= bound` and `market_ts - ts <= bound`."""
    if hb is None:
        return Freshness(None, None, None, None, False, "no heartbeat")
    age, lag = now - hb.published_ts, hb.market_ts - hb.ts
    if age > bound_ns:
        why = f"no heartbeat for {age / 1e9:.1f} s"
    elif lag > bound_ns:
        why = f"publisher {lag / 1e9:.1f} s behind the market"
    else:
        why = None
    return Freshness(hb.ts, hb.published_ts, age, lag, why is None, why)


def heartbeats_from_arrow(tbl: Any) -> dict[str, Heartbeat]:
    """publisher_heartbeat Arrow table -> {sym: newest Heartbeat} (by ts, then published_ts)."""
    out: dict[str, Heartbeat] = {}
    if tbl.num_rows == 0:
        return out
    d = tbl.to_pydict()
    ns = {c: tbl.column(c).cast("int64").to_pylist() for c in ("ts", "market_ts", "published_ts")}
    for i in range(tbl.num_rows):
        hb = Heartbeat(ns["ts"][i], d["publisher"][i], d["model_version"][i],
                       ns["market_ts"][i], ns["published_ts"][i])
        old = out.get(d["sym"][i])
        if old is None or (hb.ts, hb.published_ts) >= (old.ts, old.published_ts):
            out[d["sym"][i]] = hb
    return out


class LimitsFeed:
    """The limits in force, kept fresh from the store. Thread-safe.

    static: the static rule set (floor and fallback); store: a tsdb Store or None (static
    limits only); clock: UTC ns; staleness_bound_ns: see the module doc; alert(kind, msg):
    the daemon's alert sink; on_halted_row(sym, ts, reason): a HALTED model row was read
    (the operator controls latch the symbol); on_swap(snapshot): called at each swap, under
    the poll lock (the engine keeps its own reference for the order path).
    """

    def __init__(self, static: StaticLimits, store: Any | None, clock: Callable[[], int], *,
                 staleness_bound_ns: int, alert: Callable[[str, str], None],
                 on_halted_row: Callable[[str, int, str], None],
                 on_swap: Callable[[LimitsSnapshot], None] | None = None,
                 lots: Lots | None = None) -> None:
        self.static = static
        self.lots = lots or Lots()  # venue units -> lots, per symbol (enforcer.lots)
        self.store = store
        self._clock = clock
        self._bound = staleness_bound_ns
        self._alert = alert
        self._on_halted_row = on_halted_row
        self._on_swap = on_swap
        self._static_snap = LimitsSnapshot(static, {}, source="static", lots=self.lots)
        self._stale_snap = LimitsSnapshot(static, {}, source="static", static_risk_state=STALE,
                                          lots=self.lots)
        self.snapshot: LimitsSnapshot = self._static_snap if store is None else self._stale_snap
        self.fallback_reason: str | None = None if store is None else "no limits polled yet"
        self.rows: dict[tuple[str, str], DynRow] = {}
        self.fat_finger: dict[tuple[str, str], tuple[int, float]] = {}  # (ts, max qty, venue)
        self._ff_seen: int | None = None  # newest fat_finger_limits ts seen
        self.heartbeats: dict[str, Heartbeat] = {}
        self.freshness: dict[str, Freshness] = {}  # replaced whole at each poll, never mutated
        self._expiry: int | None = None  # when the first symbol in force turns stale (clock ns)
        self._with_rows: frozenset[str] = frozenset()  # symbols with rows (for state())
        self.watermark: int | None = None  # newest risk_limits ts seen
        self._hb_seen: int | None = None  # newest published_ts seen
        self.last_ok_poll: int | None = None
        self._poll_lock = threading.Lock()
        self._wake = threading.Event()
        self._listeners: list[Listener] = []
        self.overrides: tuple[Override, ...] = ()  # manual overrides in force (console)
        self._ovr_static: LimitsSnapshot | None = None  # the fallback with those overrides
        self._ovr_read: int | None = None  # when the overrides were last read (clock ns)
        self._ovr_due = False

    # ---- waking and listening ---------------------------------------------------------------
    def wake(self) -> None:
        """Ask the poll loop for a poll now instead of at the next interval (any thread)."""
        self._wake.set()

    def wait_s(self, poll_s: float) -> float:
        """How long the poll loop may sleep before its next poll: `poll_s`, or less when a
        symbol's limits in force expire sooner (its newest heartbeat turns older than the
        bound), so that its fallback to static limits comes at the expiry (plus
        `MIN_WAIT_S`) rather than up to one interval after it."""
        exp = self._expiry
        if exp is None:
            return poll_s
        return min(poll_s, max(MIN_WAIT_S, (exp - self._clock()) / 1e9 + MIN_WAIT_S))

    def wait(self, timeout_s: float) -> bool:
        """Block the poll loop until `wake()` or `timeout_s`; True when woken."""
        woken = self._wake.wait(timeout_s)
        self._wake.clear()
        return woken

    def add_listener(self, fn: Listener) -> None:
        """Call `fn(snapshot, swapped_ns)` after every swap, outside the poll lock; an
        exception it raises is caught and alerted ('listener_error')."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        self._listeners.remove(fn)

    # ---- polling ------------------------------------------------------------------------------
    def poll(self) -> bool:
        """One poll (serialised with any other); False when the store did not answer."""
        ok = True
        with self._poll_lock:
            before = self.snapshot
            if self.store is not None:
                ok = self._poll_store(self._clock())
            swapped = self.snapshot if self.snapshot is not before else None
            swapped_ns = self._clock() if swapped is not None else 0
        if swapped is not None:
            for fn in list(self._listeners):
                try:
                    fn(swapped, swapped_ns)
                except Exception as e:  # a listener must not stop the feed
                    self._alert("listener_error", f"{type(e).__name__}: {e}")
        return ok

    def _poll_store(self, now: int) -> bool:
        since_hb = None if self._hb_seen is None else self._hb_seen - self._bound
        try:
            tbl = self.store.latest_limits(since_ns=self.watermark)
            hbs = self.store.latest_heartbeats(since_ns=since_hb)
        except Exception as e:  # the store does not answer: fail safe to static
            self._expiry = None
            self._to_static(f"store error: {type(e).__name__}: {e}")
            return False
        self.last_ok_poll = now
        changed = self._merge_rows(rows_from_arrow(tbl))
        changed = self._merge_heartbeats(heartbeats_from_arrow(hbs)) or changed
        changed = self._merge_fat_finger() or changed
        changed = self._merge_overrides(now) or changed
        self._rebuild(now, changed)
        return True

    def _merge_rows(self, new: dict[tuple[str, str], DynRow]) -> bool:
        changed = False
        for key, row in new.items():
            old = self.rows.get(key)
            if old is None or row.ts >= old.ts:
                self.rows[key] = row
                changed = True
                if row.state == HALTED:
                    self._on_halted_row(key[0], row.ts, row.reason)
            if self.watermark is None or row.ts > self.watermark:
                self.watermark = row.ts
        return changed

    def _merge_fat_finger(self) -> bool:
        """Read and merge the fat_finger_limits rows newer than the last seen; True when
        one changed. A backend without the table or query answers nothing (no alert: the
        static fat-finger rule is the floor either way)."""
        since = -UNBOUNDED_NS if self._ff_seen is None else self._ff_seen
        try:
            tbl = self.store.query_file("queries/latest_fat_finger.sql", [since])
        except Exception:
            return False
        changed = False
        d = tbl.to_pydict()
        for ts, sym, trader, q in zip(d["ts_ns"], d["sym"], d["trader"],
                                      d["fat_finger_max_qty"], strict=True):
            old = self.fat_finger.get((sym, trader))
            if old is None or ts >= old[0]:
                changed = changed or old is None or old[1] != q
                self.fat_finger[(sym, trader)] = (int(ts), float(q))
            if self._ff_seen is None or ts > self._ff_seen:
                self._ff_seen = int(ts)
        return changed

    def overrides_changed(self) -> None:
        """A limit override was written (the console): read them at the next poll, now."""
        self._ovr_due = True
        self.wake()

    def _merge_overrides(self, now: int) -> bool:
        """The limit overrides in force at `now`; True when they changed (one added, ended
        or expired). Read (`queries/overrides_in_force.sql`) when `overrides_changed` was
        called or OVERRIDES_READ_NS after the last read (rows written by hand in SQL);
        between reads an expiry is applied here. A backend without the table or query has
        none."""
        if self._ovr_due or self._ovr_read is None or now - self._ovr_read >= OVERRIDES_READ_NS:
            self._ovr_due, self._ovr_read = False, now
            try:
                ovr = overrides_from_arrow(
                    self.store.query_file("queries/overrides_in_force.sql", [now]))
            except Exception:
                ovr = ()
        else:
            ovr = tuple(o for o in self.overrides if o.expires_ts > now)
        if ovr == self.overrides:
            return False
        self.overrides = ovr
        self._ovr_static = None
        return True

    def _merge_heartbeats(self, new: dict[str, Heartbeat]) -> bool:
        changed = False
        for sym, hb in new.items():
            old = self.heartbeats.get(sym)
            if old is None or (hb.ts, hb.published_ts) >= (old.ts, old.published_ts):
                changed = changed or old is None or hb.ts != old.ts
                self.heartbeats[sym] = hb
            if self._hb_seen is None or hb.published_ts > self._hb_seen:
                self._hb_seen = hb.published_ts
        return changed

    def _rebuild(self, now: int, changed: bool) -> None:
        with_rows = {sym for sym, _ in self.rows}
        self._with_rows = frozenset(with_rows)
        fresh = {sym: judge(self.heartbeats.get(sym), now, self._bound)
                 for sym in with_rows | set(self.heartbeats)}
        self._alert_transitions(fresh, with_rows)
        self.freshness = fresh
        stale = frozenset(s for s in with_rows if not fresh[s].in_force)
        self._expiry = min((f.published_ts + self._bound for s, f in fresh.items()
                            if f.in_force and s in with_rows), default=None)
        if not self.rows:
            self._to_static("no risk_limits rows")
            return
        if stale == with_rows:
            self._to_static("no symbol's limits in force: " + _named(stale, fresh))
            return
        hb_ts = {sym: hb.ts for sym, hb in self.heartbeats.items()}
        cur = self.snapshot
        if (not changed and cur.source == "dynamic" and cur.stale == stale
                and cur.heartbeats == hb_ts):
            return
        snap = LimitsSnapshot(self.static, dict(self.rows), source="dynamic", stale=stale,
                              heartbeats=hb_ts,
                              fat_finger={k: v[1] for k, v in self.fat_finger.items()},
                              overrides=self.overrides, lots=self.lots)
        if self.fallback_reason is not None:
            self._alert("limits_dynamic", "dynamic limits back in force")
        self.fallback_reason = None
        self._swap(snap)

    def _alert_transitions(self, fresh: dict[str, Freshness], with_rows: set[str]) -> None:
        went_stale, back = [], []
        for sym in sorted(with_rows):
            prev = self.freshness.get(sym)
            if not fresh[sym].in_force and (prev is None or prev.in_force):
                went_stale.append(sym)
            elif fresh[sym].in_force and prev is not None and not prev.in_force:
                back.append(sym)
        if went_stale:
            self._alert("limits_static", "static limits for " + _named(went_stale, fresh))
        if back:
            self._alert("limits_dynamic", "dynamic limits back in force for "
                        + ", ".join(back[:_MAX_NAMED])
                        + (f" and {len(back) - _MAX_NAMED} more" if len(back) > _MAX_NAMED
                           else ""))

    def _to_static(self, why: str) -> None:
        if self.fallback_reason is None or self.snapshot.source == "dynamic":
            self._alert("limits_static", why)
        self.fallback_reason = why
        if self.overrides and self._ovr_static is None:
            self._ovr_static = LimitsSnapshot(self.static, {}, source="static",
                                              static_risk_state=STALE,
                                              overrides=self.overrides, lots=self.lots)
        self._swap(self._ovr_static if self.overrides else self._stale_snap)

    def _swap(self, snap: LimitsSnapshot) -> None:
        if snap is self.snapshot:
            return
        self.snapshot = snap  # the atomic swap: one reference assignment
        if self._on_swap is not None:
            self._on_swap(snap)

    # ---- status -------------------------------------------------------------------------------
    def state(self, now: int) -> dict[str, Any]:
        """JSON-able status: source, why static, ages, per-symbol freshness."""
        snap = self.snapshot
        newest = snap.newest_ts if snap.source == "dynamic" else None
        return {
            "limits_source": snap.source, "fallback_reason": self.fallback_reason,
            "limits_age_s": None if newest is None else (now - newest) / 1e9,
            "last_ok_poll_age_s": None if self.last_ok_poll is None
            else (now - self.last_ok_poll) / 1e9,
            "watermark_ns": self.watermark,
            "stale_syms": sorted(snap.stale if snap.source == "dynamic" else self._with_rows),
            "freshness": {s: f.to_json() for s, f in sorted(self.freshness.items())},
        }


def _named(syms: Any, fresh: dict[str, Freshness]) -> str:
    """'AAA: no heartbeat for 7.2 s; BBB: ...' for at most _MAX_NAMED symbols."""
    syms = sorted(syms)
    text = "; ".join(f"{s}: {fresh[s].why}" for s in syms[:_MAX_NAMED])
    return text + (f"; and {len(syms) - _MAX_NAMED} more" if len(syms) > _MAX_NAMED else "")
