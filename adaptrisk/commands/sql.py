"""``adaptrisk sql "SELECT ..."``: the analyst's way in — run a query, print a table."""

from __future__ import annotations

import argparse

from adaptrisk.common import add_db_arg, format_table, open_store


def register(sub) -> None:
    p = sub.add_parser("sql", help="run a query in the store's dialect and print the result",
                       description="Run one query (in the backend's own dialect) and print the rows.")
    p.add_argument("query", help='the query, e.g. "SELECT sym, count(*) FROM trades GROUP BY sym"')
    add_db_arg(p)
    p.add_argument("--max-rows", type=int, default=50, help="rows to print (default 50)")
    p.add_argument("--csv", action="store_true", help="print CSV instead of an aligned table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        tbl = store.query(args.query)
    if args.csv:
        import sys

        import pyarrow.csv as pcsv

        pcsv.write_csv(tbl.slice(0, args.max_rows), sys.stdout.buffer)
    else:
        print(format_table(tbl, args.max_rows))
    return 0
