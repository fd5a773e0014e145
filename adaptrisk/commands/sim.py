"""``adaptrisk sim``: simulate a session (market + OMS flow + labels) and ingest it.

A session whose time span already holds market data or orders is refused with one line (on
every backend): quotes and book have no natural key, so a rerun would duplicate them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import pyarrow as pa

from adaptrisk.common import (
    add_calendar_args,
    add_db_arg,
    format_table,
    open_store,
    session_from_args,
)
from adaptrisk.errors import UsageError

MARGIN_NS = 60_000_000_000  # a session's events may start a little before its open

# the simulator's scenario library (sim.SCENARIOS); listed here so --help needs no numba import
SCENARIOS = ("normal", "volatile", "liquidity_withdrawal", "flash_crash", "liquidity_vacuum",
             "grind", "news_jump")
# optional SimConfig fields a user may set (flag -> field); unset ones keep the simulator's
OPTIONAL = (("onset_minute", float, "minute after the open the stress regime starts"),
            ("stress_minutes", float, "how long the stress regime lasts, minutes"),
            ("oms_size_median", float, "trader population: median OMS order size, lots"),
            ("oms_clip_share", float, "share of orders from an algo slicing identical clips"),
            ("oms_block_share", float, "share of orders that are legitimate blocks (20x the "
                                       "trader's median)"))


def register(sub) -> None:
    p = sub.add_parser("sim", help="simulate a session and ingest it into the store",
                       description="Simulate an order-driven market for N symbols with the firm's "
                       "OMS order flow and injected fat-finger errors; ingest everything (labels "
                       "into the label tables only).")
    p.add_argument("--scenario", choices=SCENARIOS, default="normal")
    p.add_argument("--symbols", type=int, default=3, help="number of symbols (default 3)")
    p.add_argument("--minutes", type=float, default=60.0, help="session length from the open (default 60)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--date", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="session date, a weekday (default the simulator's, 2026-06-22); "
                   "a day that already holds data is refused")
    p.add_argument("--open-utc", type=_clock, default=None, metavar="HH:MM[:SS]",
                   help="24/7 mode: open at this UTC time of --date, any day of the week (the "
                   "session may cross midnight); ingest with --calendar 24/7")
    add_calendar_args(p)
    p.add_argument("--fat-finger-rate", type=float, default=None,
                   help="share of OMS orders made erroneous (default 1/2000)")
    for name, typ, text in OPTIONAL:
        p.add_argument("--" + name.replace("_", "-"), type=typ, default=None, help=text)
    add_db_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim import SimConfig

    kw = {} if args.fat_finger_rate is None else {"fat_finger_rate": args.fat_finger_rate}
    if args.date is not None:
        kw["session_date"] = args.date
    if args.open_utc is not None:
        kw["open_utc_s"] = args.open_utc
    kw |= {n: getattr(args, n) for n, _, _ in OPTIONAL if getattr(args, n) is not None}
    try:
        cfg = SimConfig(scenario=args.scenario, n_symbols=args.symbols, minutes=args.minutes,
                        seed=args.seed, **kw)
    except ValueError as e:
        raise UsageError(str(e)) from None
    with open_store(args.db, session=session_from_args(args)) as store:
        refuse_taken_day(store, cfg)
        simulate_and_ingest(store, cfg)
        print(landed_summary(store))
    return 0


def _clock(text: str) -> float:
    """Seconds after midnight of ``HH:MM[:SS]``."""
    try:
        t = dt.time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time of day: {text!r} (HH:MM[:SS])") from None
    return t.hour * 3600.0 + t.minute * 60.0 + t.second + t.microsecond / 1e6


def refuse_taken_day(store, cfg) -> None:
    """UsageError when ``store`` already holds trades, quotes, book or orders within the
    session ``cfg`` would simulate (its UTC span from the open, a minute either side): a
    second session there would duplicate the quotes and book of the first. By span, not by
    UTC date: a 24/7 session may cross midnight, and two that do not overlap may share a
    date."""
    from sim.simulate import session_open_ns

    t0 = session_open_ns(cfg.session_date, cfg.open_utc_s) - MARGIN_NS
    t1 = t0 + int(cfg.minutes * 60e9) + 2 * MARGIN_NS
    n = store.query_file("queries/day_rows.sql", {"t0": t0, "t1": t1})
    if n.column("n")[0].as_py():
        span = " to ".join(dt.datetime.fromtimestamp(t / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M")
                           for t in (t0 + MARGIN_NS, t1 - MARGIN_NS))
        raise UsageError(f"the store already holds market data or orders in {span} UTC (the "
                         f"session of {cfg.session_date}): a second simulated session there "
                         "would duplicate them; use a fresh store or another --date")


def simulate_and_ingest(store, cfg, *, out=print) -> dict[str, int]:
    """Run the simulator for ``cfg`` and ingest every table; return rows written per table."""
    from sim import simulate

    t0 = time.perf_counter()
    out(f"[sim] {cfg.scenario}: {cfg.n_symbols} symbols x {cfg.minutes:g} min, seed {cfg.seed} ...")
    res = simulate(cfg)
    t1 = time.perf_counter()
    out(f"[sim] {res.n_book_events:,} book events in {t1 - t0:.1f} s "
        f"({res.n_book_events / max(t1 - t0, 1e-9) / 1e6:.2f} M events/s)")
    counts = {}
    for name, tbl in res.tables().items():
        counts[name] = store.ingest(name, tbl)
    out("[ingest] " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f" rows in {time.perf_counter() - t1:.1f} s")
    return counts


def landed_summary(store) -> str:
    """A per-symbol summary of what is in the store, plus labelled events and errors."""
    parts = ["What landed, per symbol:", format_table(store.query_file("queries/landed_summary.sql"))]
    ev = store.query_file("queries/labelled_events.sql")
    if ev.num_rows:
        for name in ("start_ts", "end_ts"):  # UTC ns from every backend, shown as times
            i = ev.column_names.index(name)
            ev = ev.set_column(i, name, ev.column(i).cast(pa.int64()).cast(pa.timestamp("ns")))
        parts += ["Labelled events (ground truth, label tables only):", format_table(ev)]
    ff = store.query_file("queries/injected_errors.sql")
    n_orders = store.count("orders")
    parts.append(f"OMS orders: {n_orders:,}; injected fat-finger errors: "
                 f"{sum(ff.column('n').to_pylist()) if ff.num_rows else 0}")
    if ff.num_rows:
        parts.append(format_table(ff))
    return "\n".join(parts)
