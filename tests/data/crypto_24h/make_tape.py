"""Make the 24/7 test tape in this folder (run from the repository root):

    .venv/bin/python tests/data/crypto_24h/make_tape.py

Source: NOT a real exchange tape. No real 24-hour tape can be fetched on the machines this
project is built on, so this one is made by our own simulator (``sim.simulate``, seed 17,
one symbol named BTCUSD, 30 minutes, 'normal' scenario) and moved in time to open at
Saturday 2026-06-20 23:45:00 UTC: it runs over a weekend and across UTC midnight, where the
09:30-16:00 New York session would refuse every row. Prices are the simulator's; market-data
sizes (trades, quotes, book levels) are its integer lots times ``BTC_PER_LOT`` = 0.00137 BTC,
so they are fractional as a crypto venue's are (0.00411 BTC, ...), each a multiple of the
1e-8 BTC lot that ``instruments.toml`` declares. Order quantities stay whole lots: ``orders.qty``
is integer lots until orders take fractional quantities. Licence: made by this project, under
the project's own terms; no third-party data is included. Trades and quotes are written by
pyarrow's CSV writer (ISO 8601 with ``Z``, the form the issue's Bitstamp tape had), the book
as Parquet (lists of 10 levels).
"""

from __future__ import annotations

import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.config import SimConfig
from sim.simulate import simulate

HERE = pathlib.Path(__file__).resolve().parent
OPEN = int(np.datetime64("2026-06-20T23:45:00", "ns").astype(np.int64))  # a Saturday, UTC
BTC_PER_LOT = 0.00137  # 137,000 satoshi: every size stays a multiple of the 1e-8 BTC lot
SIZES = {"trades": ("size",), "quotes": ("bid_size", "ask_size"), "book": ("bid_sz", "ask_sz")}


def _moved(t: pa.Table, delta: int, utc: bool) -> pa.Table:
    ts = pa.array(t.column("ts").cast(pa.int64()).to_numpy() + delta, pa.timestamp("ns"))
    return t.set_column(0, "ts", ts.cast(pa.timestamp("ns", "UTC")) if utc else ts)


def _fractional(t: pa.Table, name: str) -> pa.Table:
    """Sizes in BTC: lots x BTC_PER_LOT rounded to the satoshi (1e-8), as DOUBLE."""
    for col in SIZES.get(name, ()):
        i = t.column_names.index(col)
        c = t.column(i).combine_chunks()
        if pa.types.is_fixed_size_list(c.type):
            flat = np.round(c.flatten().to_numpy().astype(np.float64) * BTC_PER_LOT, 8)
            arr = pa.FixedSizeListArray.from_arrays(pa.array(flat), c.type.list_size)
        else:
            arr = pa.array(np.round(c.to_numpy().astype(np.float64) * BTC_PER_LOT, 8))
        t = t.set_column(i, col, arr)
    return t


def main() -> None:
    res = simulate(SimConfig(n_symbols=1, symbols=("BTCUSD",), minutes=30.0, seed=17,
                             scenario="normal"))
    delta = OPEN - res.open_ns
    for name in ("trades", "quotes", "orders"):
        pcsv.write_csv(_fractional(_moved(res.tables()[name], delta, True), name),
                       HERE / f"{name}.csv")
    pq.write_table(_fractional(_moved(res.book, delta, False), "book"), HERE / "book.parquet",
                   compression="zstd")


if __name__ == "__main__":
    main()
