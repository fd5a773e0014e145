"""LOBSTER import: message + orderbook files -> trades, quotes, book snapshots and messages.

LOBSTER (https://lobsterdata.com) writes, per ticker and day, a message file
``(time, type, order_id, size, price, direction)`` and an orderbook file with the book
*after* each message, ``(ask_px1, ask_sz1, bid_px1, bid_sz1, ...)``. Times are seconds after
midnight, exchange-local (New York); prices are dollars x 10,000. Mapping:

* types 4 and 5 (visible / hidden execution) -> ``trades``; the aggressor is the opposite
  of the resting order's direction (a sell limit order executed = buyer-initiated ``'B'``);
* the orderbook file -> ``quotes`` (one row per change of level 1) and ``book`` snapshots
  sampled on a fixed grid (default every 100 ms: the book in force at each grid time,
  matching the simulator's snapshots); ``book_interval_ns=0`` keeps one row per message;
* every message -> ``messages``, trading halts (type 7) included, with their halt state.

Dummy prices (+-9999999999) of unoccupied levels become NULL with size 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import pathlib
import re
import zipfile
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from tsdb.store import Store

PRICE_SCALE = 10_000.0
DUMMY = 9_999_999_999
_NAME = re.compile(r"(?P<sym>[A-Z.]+)_(?P<date>\d{4}-\d{2}-\d{2})_\d+_\d+_(?P<kind>message|orderbook)_(?P<lvl>\d+)\.csv$")
_HALT = {-1: "HALTED", 0: "QUOTING", 1: "TRADING"}
LEVELS = 10


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class LobsterSummary:
    """What an import produced (row counts per table) and what it found in the feed."""

    symbol: str
    date: dt.date
    messages: int
    executions: int
    trades: int
    quotes: int
    book: int
    halts: int
    price_min: float
    price_max: float


def find_files(source: str | pathlib.Path, message: str | pathlib.Path | None = None):
    """Resolve ``(message_bytes, orderbook_bytes, symbol, date, levels)`` from a zip or two CSVs."""
    source = pathlib.Path(source)
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as zf:
            names = {m.group("kind"): (n, m) for n in zf.namelist() if (m := _NAME.search(n))}
            if set(names) != {"message", "orderbook"}:
                raise ValueError(f"{source}: expected one LOBSTER message and one orderbook file")
            msg = zf.read(names["message"][0])
            book = zf.read(names["orderbook"][0])
            meta = names["message"][1]
    else:
        if message is None:
            raise ValueError("give the message CSV and the orderbook CSV, or one LOBSTER zip")
        msg_path, book_path = pathlib.Path(message), source
        if _NAME.search(msg_path.name) and _NAME.search(msg_path.name).group("kind") == "orderbook":
            msg_path, book_path = book_path, msg_path
        msg, book = msg_path.read_bytes(), book_path.read_bytes()
        meta = _NAME.search(msg_path.name)
    sym = meta.group("sym") if meta else None
    day = dt.date.fromisoformat(meta.group("date")) if meta else None
    return msg, book, sym, day


def read_lobster(
    message_csv: bytes,
    orderbook_csv: bytes,
    *,
    symbol: str,
    date: dt.date,
    tz: str = "America/New_York",
    book_interval_ns: int = 100_000_000,
    session_open: dt.time = dt.time(9, 30),
    session_close: dt.time = dt.time(16, 0),
) -> dict[str, pa.Table]:
    """Parse LOBSTER bytes into Arrow tables keyed by store table name (no I/O to a store)."""
    mcols = ["time", "type", "order_id", "size", "price", "direction"]
    m = pcsv.read_csv(
        io.BytesIO(message_csv),
        read_options=pcsv.ReadOptions(column_names=mcols),
        convert_options=pcsv.ConvertOptions(column_types={
            "time": pa.float64(), "type": pa.int8(), "order_id": pa.int64(),
            "size": pa.int64(), "price": pa.int64(), "direction": pa.int8()}),
    )
    ob = pcsv.read_csv(io.BytesIO(orderbook_csv), read_options=pcsv.ReadOptions(autogenerate_column_names=True))
    if ob.num_rows != m.num_rows:
        raise ValueError(f"orderbook has {ob.num_rows} rows but the message file has {m.num_rows}")
    nlev = ob.num_columns // 4
    if nlev * 4 != ob.num_columns or not 1 <= nlev <= LEVELS:
        raise ValueError(f"orderbook has {ob.num_columns} columns; expected 4 x levels (1..10)")
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=ZoneInfo(tz))
    base = int(midnight.timestamp()) * 1_000_000_000
    secs = m.column("time").to_numpy()
    ts = base + np.rint(secs * 1e9).astype(np.int64)
    typ = m.column("type").to_numpy()
    size = m.column("size").to_numpy().astype(np.float64)  # shares; the store's sizes are DOUBLE
    price_raw = m.column("price").to_numpy()
    direction = m.column("direction").to_numpy()
    n = len(ts)
    raw = np.column_stack([c.to_numpy() for c in ob.columns]).astype(np.int64) if n else np.zeros((0, 4 * nlev), np.int64)
    ask_px, ask_sz = raw[:, 0::4], raw[:, 1::4]
    bid_px, bid_sz = raw[:, 2::4], raw[:, 3::4]
    sym_col = lambda k: pa.array(np.full(k, symbol, dtype=object), pa.string())  # noqa: E731
    tsa = lambda v: pa.array(v, pa.timestamp("ns"))  # noqa: E731

    halt = typ == 7
    msgs = pa.table({
        "ts": tsa(ts), "sym": sym_col(n), "seq": np.arange(n, dtype=np.int64),
        "event_type": typ, "order_id": m.column("order_id").to_numpy(), "size": size,
        "price": pa.array(price_raw / PRICE_SCALE, mask=halt),
        "direction": direction,
        "halt_state": pa.array([_HALT.get(int(p)) if h else None for p, h in zip(price_raw, halt, strict=True)]
                               if halt.any() else [None] * n, pa.string()),
    })

    ex = (typ == 4) | (typ == 5)
    trades = pa.table({
        "ts": tsa(ts[ex]), "sym": sym_col(int(ex.sum())), "price": price_raw[ex] / PRICE_SCALE,
        "size": size[ex], "side": pa.array(np.where(direction[ex] == -1, "B", "S").astype(object), pa.string()),
        "trade_id": np.flatnonzero(ex).astype(np.int64),
    })

    l1 = np.column_stack([ask_px[:, 0], ask_sz[:, 0], bid_px[:, 0], bid_sz[:, 0]])
    changed = np.ones(n, bool)
    changed[1:] = (l1[1:] != l1[:-1]).any(axis=1)
    q_bid, q_ask = bid_px[changed, 0], ask_px[changed, 0]
    quotes = pa.table({
        "ts": tsa(ts[changed]), "sym": sym_col(int(changed.sum())),
        "bid": pa.array(q_bid / PRICE_SCALE, mask=q_bid <= -DUMMY),
        "ask": pa.array(q_ask / PRICE_SCALE, mask=q_ask >= DUMMY),
        "bid_size": np.where(q_bid <= -DUMMY, 0, bid_sz[changed, 0]).astype(np.float64),
        "ask_size": np.where(q_ask >= DUMMY, 0, ask_sz[changed, 0]).astype(np.float64),
    })

    if book_interval_ns > 0:
        open_ns = int(dt.datetime.combine(date, session_open, tzinfo=ZoneInfo(tz)).timestamp()) * 10**9
        close_ns = int(dt.datetime.combine(date, session_close, tzinfo=ZoneInfo(tz)).timestamp()) * 10**9
        snap_ts = np.arange(open_ns + book_interval_ns, close_ns + 1, book_interval_ns, dtype=np.int64)
        idx = np.searchsorted(ts, snap_ts, side="right") - 1  # last message at or before each grid time
        keep = idx >= 0
        snap_ts, idx = snap_ts[keep], idx[keep]
    else:
        snap_ts, idx = ts, np.arange(n)
    book = pa.table({
        "ts": tsa(snap_ts), "sym": sym_col(len(idx)),
        "bid_px": _levels(bid_px[idx], bid_px[idx] <= -DUMMY, nlev),
        "bid_sz": _levels(np.where(bid_px[idx] <= -DUMMY, 0, bid_sz[idx]), None, nlev),
        "ask_px": _levels(ask_px[idx], ask_px[idx] >= DUMMY, nlev),
        "ask_sz": _levels(np.where(ask_px[idx] >= DUMMY, 0, ask_sz[idx]), None, nlev),
    })
    return {"messages": msgs, "trades": trades, "quotes": quotes, "book": book}


def _levels(values: np.ndarray, empty: np.ndarray | None, nlev: int) -> pa.FixedSizeListArray:
    """(rows, nlev) -> fixed_size_list<double>[10]: prices (``empty`` given) scaled to dollars,
    empty -> NULL; sizes (``empty`` None) as shares, 0 beyond the file's levels."""
    rows = values.shape[0]
    out = np.zeros((rows, LEVELS), dtype=np.float64)
    mask = np.ones((rows, LEVELS), bool) if empty is not None else np.zeros((rows, LEVELS), bool)
    if empty is not None:
        out[:, :nlev] = values / PRICE_SCALE
        mask[:, :nlev] = empty
    else:
        out[:, :nlev] = values
    flat = pa.array(out.ravel(), mask=mask.ravel() if mask.any() else None)
    return pa.FixedSizeListArray.from_arrays(flat, LEVELS)


def import_lobster(
    store: Store,
    source: str | pathlib.Path,
    message: str | pathlib.Path | None = None,
    *,
    symbol: str | None = None,
    date: dt.date | None = None,
    book_interval_ns: int = 100_000_000,
) -> LobsterSummary:
    """Load one LOBSTER ticker-day (a zip, or orderbook + message CSVs) into ``store``.

    Each table is ingested as one validated batch; a bad file leaves its table unchanged.
    """
    msg, book, fsym, fdate = find_files(source, message)
    symbol = symbol or fsym
    date = date or fdate
    if not symbol or not date:
        raise ValueError("symbol and date are needed (not found in the LOBSTER file names)")
    tables = read_lobster(msg, book, symbol=symbol, date=date, book_interval_ns=book_interval_ns)
    for name in ("messages", "trades", "quotes", "book"):
        store.ingest(name, tables[name])
    mt, tr = tables["messages"], tables["trades"]
    prices = tr.column("price").to_numpy()
    et = mt.column("event_type").to_numpy()
    return LobsterSummary(
        symbol=symbol, date=date, messages=mt.num_rows,
        executions=int(((et == 4) | (et == 5)).sum()), trades=tr.num_rows,
        quotes=tables["quotes"].num_rows, book=tables["book"].num_rows,
        halts=int((et == 7).sum()),
        price_min=float(prices.min()) if len(prices) else float("nan"),
        price_max=float(prices.max()) if len(prices) else float("nan"),
    )
