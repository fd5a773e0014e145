"""Helpers shared by CLI commands: store connection strings and table printing."""

from __future__ import annotations

import argparse

import pyarrow as pa

from adaptrisk.errors import UsageError

DEFAULT_DB = "duckdb::path=data/adaptrisk.duckdb"


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        default=DEFAULT_DB,
        help="store connection string (duckdb::path=FILE, questdb::addr=..., kdb::host=...;port=...) "
        f"or a plain DuckDB file path (default: {DEFAULT_DB})",
    )


def conf(db: str) -> str:
    """A connection string from ``--db``: a bare path means an embedded DuckDB file."""
    if "::" in db:
        return db
    if not db:
        raise UsageError("--db is empty")
    return f"duckdb::path={db}"


def open_store(db: str, **kw):
    from tsdb import Store

    return Store.from_conf(conf(db), **kw)


def format_table(tbl: pa.Table, max_rows: int = 50) -> str:
    """Render an Arrow table as aligned text (the analyst's view), at most ``max_rows`` rows."""
    names = tbl.column_names
    rows = tbl.slice(0, max_rows).to_pylist()
    cells = [[_cell(r[n]) for n in names] for r in rows]
    widths = [max([len(n)] + [len(c[i]) for c in cells]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if _num(c) else c.ljust(w) for c, w in zip(r, widths, strict=True))
            for r in cells]
    more = tbl.num_rows - len(rows)
    out.append(f"({tbl.num_rows} row{'s' if tbl.num_rows != 1 else ''}"
               + (f", {more} not shown" if more > 0 else "") + ")")
    return "\n".join(out)


def _cell(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _num(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
