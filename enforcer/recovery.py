"""Rebuild an Enforcer's state from its decision log, and turn queued decisions into rows.

After a crash, `recover` replays the log through the same Book calls the live path makes
(positions, throttle buckets, duplicate keys, trader histories), re-applies operator
commands and automatic trips with the controls' own pure functions, and collects every
decision whose seq is above the highest seq of this log already in the `decisions` table
(`sql/duckdb/enforcer/max_logged_seq.sql`). Flushes append contiguous seq ranges in order,
all-or-nothing, so "seq > max" is exactly the set that is missing: none lost, none written
twice. It returns a `Recovered` value; the engine applies it (nothing here touches the
engine).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa

from enforcer.book import Book
from enforcer.commands import OPERATOR_ACTIONS
from enforcer.controls import OperatorState, apply_action, apply_trip
from enforcer.decision import Decision
from enforcer.decision_log import read_log
from enforcer.orders import OrderEntry, OrderLedger, confirm_replace
from enforcer.record import DecisionRecord

_SCHEMA = pa.schema([
    ("ts", pa.timestamp("ns")), ("order_id", pa.int64()), ("verdict", pa.string()),
    ("reasons", pa.string()), ("limits_version", pa.string()), ("mode", pa.string()),
    ("static_verdict", pa.string()), ("dynamic_verdict", pa.string()),
    ("static_reasons", pa.string()), ("dynamic_reasons", pa.string()),
    ("risk_state", pa.string()), ("kind", pa.string()), ("trader", pa.string()),
    ("strategy", pa.string()), ("sym", pa.string()), ("side", pa.string()),
    ("qty", pa.float64()), ("price", pa.float64()), ("log_id", pa.string()),
    ("seq", pa.int64()),
])


def _int(v: Any) -> int | None:
    return v if type(v) is int and -(2**63) <= v < 2**63 else None


def _float(v: Any) -> float | None:
    return v if type(v) is float else (float(v) if type(v) is int else None)


def _str(v: Any) -> str | None:
    return v if type(v) is str else None


def decisions_table(batch: list[tuple], log_id: str | None, lots: Any | None = None
                    ) -> pa.Table:
    """Queued (Decision, kind, trader, strategy, sym, side, qty, price) -> Arrow rows.

    qty is queued in lots and written in venue units (`lots.to_venue` of the row's symbol,
    an `enforcer.lots.Lots`; None: lot 1).

    Column-wise (one comprehension per column) rather than row by row: this runs on the
    flush thread and every bytecode it executes holds the GIL the order path needs.
    """
    if not batch:
        return _SCHEMA.empty_table()
    ds, kinds, traders, strategies, syms, sides, qtys, prices = zip(*batch, strict=True)
    fs = list(zip(*ds, strict=True))  # Decision fields, column-wise (Decision is a NamedTuple)
    (oid, ts, verdict, reasons, version, mode, sverdict, dverdict, rstate, dreasons,
     sreasons, seq) = fs
    j = ",".join
    cols = {
        "ts": ts, "order_id": [_int(v) or -1 for v in oid], "verdict": verdict,
        "reasons": [j(r) for r in reasons], "limits_version": version, "mode": mode,
        "static_verdict": sverdict, "dynamic_verdict": dverdict,
        "static_reasons": [j(r) for r in sreasons],
        "dynamic_reasons": [j(r) for r in dreasons], "risk_state": rstate, "kind": kinds,
        "trader": [_str(v) for v in traders], "strategy": [_str(v) for v in strategies],
        "sym": [_str(v) for v in syms], "side": [_str(v) for v in sides],
        "qty": [_qty(v) for v in (qtys if lots is None else
                                  map(lots.to_venue, syms, qtys))],
        "price": [_price(v) for v in prices],
        "log_id": [log_id] * len(batch), "seq": [v or None for v in seq],
    }
    return pa.table([pa.array(cols[f.name], f.type) for f in _SCHEMA], schema=_SCHEMA)


def _qty(v: Any) -> float | None:
    """A decision's qty for the DOUBLE column: finite numbers (a malformed one: NULL)."""
    if type(v) is int:
        return float(v) if -(2**63) <= v < 2**63 else None
    return v if type(v) is float and v == v and abs(v) != float("inf") else None


def _price(v: Any) -> float | None:
    p = _float(v)
    return p if p is not None and p == p and abs(p) != float("inf") else None


class Recovered(NamedTuple):
    """What `recover` rebuilt from a decision log.

    log_id: the log's id (a new one for an empty log); seq: the last record number (0: no
    decision yet); book: the Book passed in, with the log replayed into it; counters:
    orders / accepted / rejected / cancels / fills seen; operator: the operator state at
    the end of the log; audit: the operator commands, oldest first; pending: queued rows
    (Decision, kind, trader, strategy, sym, side, qty, price) not yet in the table; day:
    the session day of the last end-of-day record ("E"; None: none yet).
    """

    log_id: str
    seq: int
    book: Book
    counters: dict[str, int]
    operator: OperatorState
    audit: tuple[dict[str, Any], ...]
    pending: tuple[tuple, ...]
    day: str | None = None


def recover(path: Path, book: Book, orders: OrderLedger, *, rate: int,  # noqa: C901
            cap: int, store: Any | None,
            static_version: str) -> Recovered:  # -- one branch per record kind
    """Replay the log at `path` into `book` and `orders` (fresh); see the module doc.

    rate / cap: the throttle's (as the live path applies accepts); store: where decisions
    are flushed (None: nothing pending); static_version: limits version of a cancel row.
    """
    log_id, seq = "none", 0
    counters = {"orders": 0, "accepted": 0, "rejected": 0, "cancels": 0, "fills": 0}
    ops = OperatorState()
    audit: list[dict[str, Any]] = []
    decided: list[list[Any]] = []
    day = None
    for rec in read_log(path):
        kind = rec[0]
        if kind == "H":
            log_id = rec[1]
        elif kind == "D":
            r = DecisionRecord.decode(rec)
            seq, trader, qty, mask = r.seq, r.trader, r.qty, r.mask
            if type(qty) is int and qty > 0 and trader:
                book.note_qty(trader, qty)
            orig = orders.by_seq.get(r.replaces) if r.replaces is not None else None
            if mask == 0:
                book.apply_accept(r.order_id if r.key is None else r.key, r.ts, r.strategy,
                                  r.sym, r.side, qty, r.price, rate, cap)
            if r.key is not None:
                orders.add(OrderEntry(r.key, r.decision(), r.strategy, r.sym, r.side, qty,
                                      r.price, r.order_type))
                if orig is not None:
                    orders.carry(r.key, orig)
            counters["orders"] += 1
            counters["accepted" if mask == 0 else "rejected"] += 1
            decided.append(rec)
        elif kind == "X":
            seq = rec[1]
            book.apply_cancel(rec[12] if len(rec) > 12 and rec[12] is not None else rec[7])
            counters["cancels"] += 1
            decided.append(rec)
            if len(rec) > 11 and rec[11] is not None:
                orders.cancels[rec[11]] = _cancel_decision(rec, static_version)
        elif kind == "F":
            _, _ts, sym, strategy, side, qty, px = rec[:7]
            oseq = rec[7] if len(rec) > 7 else None
            e = orders.fill(oseq, qty, px) if oseq is not None else None
            book.apply_fill(strategy, sym, side, qty, e.key if e is not None else None)
            counters["fills"] += 1
        elif kind == "V":
            e = orders.done(rec[2], rec[3])
            if e is not None:
                book.apply_cancel(e.key)
        elif kind == "P":
            confirm_replace(book, orders, rec[2], rec[3])
        elif kind == "E":  # a new session day: the ledger keeps the open orders only
            orders.compact()
            day = rec[2]
        elif kind == "O":
            strategy = rec[6] if len(rec) > 6 else None
            session = rec[7] if len(rec) > 7 else None
            reduce_only = bool(rec[8]) if len(rec) > 8 else False
            if rec[2] in OPERATOR_ACTIONS:
                ops = apply_action(ops, rec[2], rec[5], strategy, session, reduce_only)
            audit.append({"ts": rec[1], "action": rec[2], "who": rec[3], "why": rec[4],
                          "sym": rec[5], "strategy": strategy, "session": session,
                          "reduce_only": reduce_only})
        elif kind == "T" and (rec[2] == "breaker" or (rec[2] == "latch" and rec[3])):
            ops = apply_trip(ops, rec[2], rec[3], rec[5] if len(rec) > 5 else "strategy")
    if log_id == "none":
        log_id = uuid.uuid4().hex
    book.refresh_medians()
    pending = _pending(decided, store, log_id, static_version) if store is not None else ()
    return Recovered(log_id, seq, book, counters, ops, tuple(audit), pending, day)


def _cancel_decision(rec: list[Any], static_version: str) -> Decision:
    """The Decision of an "X" record (cancels always pass)."""
    (_, seq, ts, oid, _trader, _strategy, _sym, _orig, _rel, mode, rs) = rec[:11]
    return Decision(order_id=oid, ts=ts, verdict="ACCEPT", reasons=(),
                    limits_version=static_version, mode=mode, static_verdict="ACCEPT",
                    dynamic_verdict="ACCEPT", risk_state=rs, seq=seq)


def _pending(decided: list[list[Any]], store: Any, log_id: str,
             static_version: str) -> tuple[tuple, ...]:
    """The decided records whose seq is above the table's highest seq of this log."""
    if not decided:
        return ()
    got = store.query_file("enforcer/max_logged_seq.sql", [log_id])
    max_seq = got.column("max_seq")[0].as_py() if got.num_rows else None
    max_seq = -1 if max_seq is None else max_seq
    out = []
    for rec in decided:
        if rec[1] <= max_seq:
            continue
        if rec[0] == "D":
            r = DecisionRecord.decode(rec)
            out.append((r.decision(), "NEW", r.trader, r.strategy, r.sym, r.side, r.qty,
                        r.price))
        else:
            out.append((_cancel_decision(rec, static_version), "CANCEL", rec[4], rec[5],
                        rec[6], None, None, None))
    return tuple(out)
