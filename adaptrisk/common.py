"""Helpers shared by CLI commands: store connection strings and table printing."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

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


def add_calendar_args(p: argparse.ArgumentParser) -> None:
    """``--calendar NAME`` (every symbol) and ``--instruments FILE`` (per symbol)."""
    p.add_argument("--calendar", default=None,
                   help="trading calendar of every symbol: nyse-hours (default: 09:30-16:00 New "
                   "York weekdays), XNYS (with holidays and half days), CME (Globex, daily "
                   "16:00-17:00 Chicago break), 24/7, or any exchange_calendars name")
    p.add_argument("--instruments", default=None, metavar="FILE",
                   help="TOML or JSON file giving each symbol its calendar, lot size and tick "
                   "size (see tsdb/instruments.py); symbols not listed follow --calendar")


def session_from_args(args: argparse.Namespace):
    """The calendar (or per-symbol ``Instruments``) that ``--calendar``/``--instruments`` name;
    bad input is a UsageError."""
    from tsdb.calendars import calendar
    from tsdb.instruments import Instruments

    try:
        cal = calendar(args.calendar)
        if not args.instruments:
            return cal
        ins = Instruments.load(args.instruments)
        return ins if args.calendar is None else Instruments(default=cal,
                                                              instruments=ins.instruments)
    except (ValueError, KeyError, OSError, TypeError) as exc:
        raise UsageError(f"--calendar/--instruments: {exc}") from None


def conf(db: str) -> str:
    """The connection string of ``--db``: a bare path means an embedded DuckDB file.

    Checked with ``tsdb.config.parse_conf``: a malformed string raises StoreError(BAD_CONF)
    here, before anything is opened; an empty one UsageError."""
    from tsdb.config import parse_conf

    if not db:
        raise UsageError("--db is empty")
    c = db if "::" in db else f"duckdb::path={db}"
    parse_conf(c)
    return c


def duckdb_path(db: str) -> Path | None:
    """The DuckDB file ``--db`` names (a bare path or ``duckdb::path=FILE;...``); None for
    another backend or an in-memory DuckDB."""
    from tsdb.config import parse_conf

    backend, params = parse_conf(conf(db))
    path = params.get("path", ":memory:")
    if backend != "duckdb" or path == ":memory:":
        return None
    return Path(path)


def open_store(db: str, **kw):
    from tsdb.connect import connect

    return connect(conf(db), **kw)


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


def decision_log_path(args: argparse.Namespace) -> Path:
    """``--log``, or ``<db file>.decisions.log`` beside a DuckDB file (daemons' default)."""
    if args.log:
        return Path(args.log)
    path = duckdb_path(args.db)
    if path is not None:
        return path.with_name(path.name + ".decisions.log")
    raise UsageError("--log PATH is required unless --db is a DuckDB file")


def bearer_token(args: argparse.Namespace) -> str | None:
    """The REST bearer token from the variable ``--token-env`` names (None without it)."""
    if not args.token_env:
        return None
    token = os.environ.get(args.token_env)
    if not token:
        raise UsageError(f"--token-env {args.token_env}: variable is not set or empty")
    if len(token) < 8:
        raise UsageError(f"--token-env {args.token_env}: token must be at least 8 characters")
    return token


def models_config(path: str | None, static_limits: Path | str | None = None,
                  instruments: Path | str | None = None):
    """``--config``: a ModelsConfig from a TOML or JSON file (the defaults without one), its
    static caps handed over from the enforcer's rule set (``--static-limits``, default
    ``enforcer/static_limits.toml``) with each symbol's lot size (``--instruments``): one
    limits contract (``adaptrisk.limits``)."""
    from adaptrisk.limits import with_static_caps
    from enforcer.config import ConfigError
    from jaxmodels.config import ModelsConfig

    if static_limits is not None and not Path(static_limits).is_file():
        raise UsageError(f"static limits file not found: {static_limits}")
    if instruments is not None and not Path(instruments).is_file():
        raise UsageError(f"instruments file not found: {instruments}")
    if not path:
        cfg = ModelsConfig()
    else:
        p = Path(path)
        if not p.exists():
            raise UsageError(f"config file {path} not found")
        if p.suffix == ".toml":
            import tomllib

            cfg = ModelsConfig.from_dict(tomllib.loads(p.read_text()))
        else:
            cfg = ModelsConfig.from_dict(json.loads(p.read_text()))
    try:
        return with_static_caps(cfg, static_limits, instruments)
    except ConfigError as e:
        raise UsageError(f"static limits: {e}") from e
    except ValueError as e:  # a bad instruments file
        raise UsageError(f"instruments: {e}") from e


def add_fix_config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fix-config", metavar="PATH", type=Path,
                   help="FIX acceptor settings as TOML (enforcer.fix.config.FixConfig fields: "
                   "allowed_senders, passwords = {SENDER = \"...\"}, standard_only, "
                   "reset_on_logon, comp_id, ...); --fix-port and --downstream win")


def fix_config(path: Path | None, *, port: int, downstream: str):
    """The acceptor's FixConfig from ``--fix-config`` (TOML) with the port and downstream of
    the command line; a bad file or field is a one-line UsageError."""
    import tomllib

    from enforcer.errors import ConfigError
    from enforcer.fix_config import FixConfig

    doc: dict = {}
    if path is not None:
        if not path.is_file():
            raise UsageError(f"--fix-config {path}: file not found")
        try:
            doc = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"--fix-config {path}: {e}") from None
    try:
        return FixConfig.from_dict({**doc, "port": port, "downstream": downstream})
    except (ConfigError, TypeError, ValueError) as e:
        raise UsageError(f"--fix-config {path}: {e}") from None
