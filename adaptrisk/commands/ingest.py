"""``adaptrisk ingest {parquet,csv,lobster} ...``: load files into the store, all-or-nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from adaptrisk.common import add_calendar_args, add_db_arg, open_store, session_from_args
from adaptrisk.errors import UsageError


def register(sub) -> None:
    p = sub.add_parser("ingest", help="load Parquet, CSV or LOBSTER files into the store",
                       description="Load files into the store. Every file is one batch: a bad row "
                       "rejects it whole, naming the row and column, and nothing is written.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind in ("parquet", "csv"):
        k = kinds.add_parser(kind, help=f"a {kind} file whose columns are the table's",
                             description=f"Ingest a {kind} file into TABLE.")
        k.add_argument("table", help="schema table, e.g. trades, quotes, book, orders")
        k.add_argument("path", help=f"{kind} file")
        add_db_arg(k)
        k.add_argument("--no-session-check", action="store_true",
                       help="accept timestamps outside the trading session")
        add_calendar_args(k)
        k.add_argument("--tz", default="UTC",
                       help="IANA zone of timestamps written without Z or an offset (default UTC)")
        k.add_argument("--ts-unit", choices=("s", "ms", "us", "ns"), default="ns",
                       help="unit of integer epoch timestamps (default ns)")
        k.set_defaults(func=_run_file)
    lob = kinds.add_parser("lobster", help="a LOBSTER ticker-day (zip, or message + orderbook CSVs)",
                           description="Import LOBSTER files: executions become trades, the order "
                           "book becomes quotes and 100 ms book snapshots, every message (halts "
                           "included) lands in the messages table.")
    lob.add_argument("files", nargs="+", help="MESSAGE.csv ORDERBOOK.csv, or one LOBSTER .zip")
    lob.add_argument("--symbol", help="ticker (default: from the file name)")
    lob.add_argument("--date", help="trading date YYYY-MM-DD (default: from the file name)")
    lob.add_argument("--book-interval-ms", type=float, default=100.0,
                     help="book snapshot grid in ms; 0 keeps one snapshot per message (default 100)")
    add_db_arg(lob)
    lob.set_defaults(func=_run_lobster)


def _run_file(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    from tsdb.timestamps import TimeFormat

    try:
        fmt = TimeFormat(tz=args.tz, unit=args.ts_unit)
    except (ValueError, KeyError) as exc:
        raise UsageError(f"--tz {args.tz!r}: {exc}") from None
    kw = {"session": None if args.no_session_check else session_from_args(args)}
    kw["time_format"] = fmt
    with open_store(args.db) as store:
        fn = store.ingest_parquet if args.kind == "parquet" else store.ingest_csv
        n = fn(args.table, args.path, **kw)
    print(f"{args.table}: {n:,} rows from {args.path} in {time.perf_counter() - t0:.2f} s")
    return 0


def _run_lobster(args: argparse.Namespace) -> int:
    from tsdb.lobster import import_lobster

    if len(args.files) == 1:
        source, message = args.files[0], None
        if not source.endswith(".zip"):
            raise UsageError("give MESSAGE.csv and ORDERBOOK.csv, or one LOBSTER .zip")
    elif len(args.files) == 2:
        message, source = args.files
    else:
        raise UsageError("give MESSAGE.csv and ORDERBOOK.csv, or one LOBSTER .zip")
    date = dt.date.fromisoformat(args.date) if args.date else None
    t0 = time.perf_counter()
    with open_store(args.db) as store:
        s = import_lobster(store, source, message, symbol=args.symbol, date=date,
                           book_interval_ns=int(args.book_interval_ms * 1e6))
    print(f"LOBSTER {s.symbol} {s.date}: {s.messages:,} messages ({s.executions:,} executions, "
          f"{s.halts} halt messages) -> trades {s.trades:,}, quotes {s.quotes:,}, book {s.book:,}; "
          f"price {s.price_min:.2f}-{s.price_max:.2f}; {time.perf_counter() - t0:.2f} s")
    return 0
