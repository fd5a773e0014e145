"""Layer 1 at the gate: the fat-finger trees on size inputs normalised per trader and per
symbol, and their decision level inverted into a max order quantity per (sym, trader).

Every input in ``L1_INPUTS`` is either proportional to the order's qty given the trader's
baseline and the symbol's state (qty / the trader's median, / its largest recent order,
/ the symbol's 20-minute volume, / its average print), the trader's log-qty z-score (which
moves by ln(q / qty) / its scale), or independent of qty (the trader's log-qty scale). So
for one order's row, the inputs at any other quantity q are known exactly
(``inputs_at``), and the smallest size the trees flag is found on a geometric grid
refined by bisection over integer lots (``first_flagged_qty``). That size minus one is the
max qty the gate enforces for the trader's orders while that baseline holds
(``fat_finger_limits`` rows, ``publish_rows``): the gate's verdict ``qty >
fat_finger_max_qty`` is the trees' verdict wherever the trees are monotone in qty along
that line (``gate_flags`` vs ``TreeModel.flag``; the bench counts where not).

Demonstrated sizes: a trader who has sent a size often enough may send it again. The gate's
max qty is at least ``margin`` x the largest size the trader sent at least max(``k``,
``share`` x n) times among its n previous orders in the symbol (the last ``hist``) that
passed the static multiple of their median (``demonstrated_qty``, computed causally per
order in ``sql/*/models/order_history.sql``; ``gate_max_qty``), and at most what the
enforcer's static rule allows (``fat_finger_threshold`` x the median, applied besides).
Why not the trees alone: the gate inverts them fail-safe along qty, and a block trader's
blocks (20x its median) sit above its x10 slips (~10x), so no max qty from the trees can pass
one and stop the other. Poisoning: one slip (or k - 1 of them) never lifts the bar above a
size the trader sent k times before, and slips rarer than ``share`` of the trader's orders
do not either; orders over the static multiple (most x100, x1000 and notional-as-qty slips)
never count. The store does not know layer 1's own verdicts, so a size counts once sent
(a blocked block that is sent again counts). The price: x10 and notional-as-qty slips of a
block trader's orders under its demonstrated block size pass layer 1.

Price errors (``price_decimal``, ``price_through_book``) are not this model's job: the
gate's price collar and the no-reference rule judge prices; the bench reports both.

Shapes: x float32[n, F] rows of ``L1_INPUTS`` (NaN = missing), qty float64[n] lots.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from jaxmodels import gbdt
from jaxmodels.config import ORDER_INPUTS, GBDTConfig, StaticCaps
from jaxmodels.errors import ModelError

L1_INPUTS: tuple[str, ...] = ORDER_INPUTS  # the default tree inputs (jaxmodels/config.py)
PROPORTIONAL = frozenset({"qty_over_trader_median", "qty_over_trader_max",
                          "qty_over_vol_20m", "qty_over_avg_trade"})
QTY_FREE = frozenset({"log_qty_scale"})
LOG_Z_FLOOR = 0.05  # sql/duckdb/models/order_history.sql: log_qty_z's scale floor
QTY_KINDS = ("qty_x10", "qty_x100", "qty_x1000", "notional_as_qty")
PRICE_KINDS = ("price_decimal", "price_through_book")
NO_LIMIT = 2**40  # lots: "the trees flag no size at this baseline" (above any real order)
GRID_STEPS = 4  # grid points per doubling of qty in first_flagged_qty


@dataclasses.dataclass(frozen=True, kw_only=True)
class Demonstrated:
    """The demonstrated size (see the module doc): the largest qty (lots) the trader sent at
    least max(``k``, ``share`` x n) times among its n previous orders in the symbol (the
    last ``hist``) under ``fat_finger_threshold`` x their median (the static rule's
    multiple: ``StaticCaps``), times ``margin``."""

    hist: int = 2000
    k: int = 3
    share: float = 0.01
    margin: float = 1.1
    fat_finger_threshold: float = StaticCaps().fat_finger_threshold

    def __post_init__(self) -> None:
        if self.k < 2 or self.hist < self.k or self.margin < 1.0 or not 0 <= self.share < 1:
            raise ModelError(f"Demonstrated needs k >= 2, hist >= k, margin >= 1, share in "
                             f"[0, 1): {self}")

    def sql_params(self) -> dict:
        """Bound parameters of ``models/order_history.sql``'s demonstrated_qty."""
        return {"demo_hist": int(self.hist), "demo_k": int(self.k),
                "demo_kmax": max(int(self.k), int(np.ceil(self.share * self.hist))),
                "demo_share": float(self.share),
                "ff_threshold": float(self.fat_finger_threshold)}


def config(**kw) -> GBDTConfig:
    """The gate model's tree configuration: ``L1_INPUTS``, otherwise GBDTConfig's fields."""
    return GBDTConfig(inputs=L1_INPUTS, **kw)


def inputs_at(x0: np.ndarray, qty0: np.ndarray, q: np.ndarray,
              inputs: tuple[str, ...] = L1_INPUTS) -> np.ndarray:
    """The inputs float32[n, F] the rows x0 (at quantities qty0 lots) would have at q lots."""
    x0 = np.asarray(x0, np.float32)
    r = np.asarray(q, np.float64) / np.asarray(qty0, np.float64)
    x = x0.copy()
    for j, name in enumerate(inputs):
        if name in PROPORTIONAL:
            x[:, j] = (x0[:, j].astype(np.float64) * r).astype(np.float32)
        elif name == "log_qty_z":
            scale = np.maximum(x0[:, inputs.index("log_qty_scale")].astype(np.float64),
                               LOG_Z_FLOOR)
            x[:, j] = (x0[:, j].astype(np.float64) + np.log(r) / scale).astype(np.float32)
        elif name not in QTY_FREE:
            raise ModelError(f"layer-1 input {name!r} has no known dependence on qty")
    return x


def first_flagged_qty(tm: gbdt.TreeModel, x0: np.ndarray, qty0: np.ndarray,
                      steps_per_octave: int = GRID_STEPS, chunk: int = 4096) -> np.ndarray:
    """int64[n]: the smallest size (lots) the trees flag on each row's line: the first
    flagged point of a geometric grid (``steps_per_octave`` points per doubling, 1 lot to
    ``NO_LIMIT``), refined by bisection over integer lots down from it (``NO_LIMIT`` where
    no grid point is flagged). Fail safe: where the trees are not monotone in qty (an
    unflagged size above a flagged one, e.g. a block trader's usual blocks above the
    sizes of its x10 slips), the gate blocks from the first flagged size on."""
    n = len(qty0)
    grid = np.unique(np.rint(2.0 ** (np.arange(0, 40 * steps_per_octave + 1)
                                     / steps_per_octave)).astype(np.int64))
    g = len(grid)
    lo = np.zeros(n, np.int64)
    hi = np.full(n, NO_LIMIT, np.int64)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        m = b - a
        xs = inputs_at(np.repeat(x0[a:b], g, axis=0), np.repeat(qty0[a:b], g),
                       np.tile(grid, m).astype(np.float64), tm.config.inputs)
        f = tm.flag(xs).reshape(m, g)
        k = np.where(f.any(axis=1), np.argmax(f, axis=1), g)  # first flagged grid index
        hi[a:b] = np.where(k < g, grid[np.minimum(k, g - 1)], NO_LIMIT)
        lo[a:b] = np.where(k > 0, grid[np.maximum(k - 1, 0)], 0)
    open_ = (hi < NO_LIMIT) & (hi - lo > 1)
    while open_.any():
        i = np.flatnonzero(open_)
        a, b = lo[i], hi[i]
        mid = (a + b) // 2
        f = tm.flag(inputs_at(x0[i], qty0[i], mid.astype(np.float64), tm.config.inputs))
        hi[i] = np.where(f, mid, b)
        lo[i] = np.where(f, a, mid)
        open_[i] = hi[i] - lo[i] > 1
    return hi


def max_qty(tm: gbdt.TreeModel, x0: np.ndarray, qty0: np.ndarray) -> np.ndarray:
    """int64[n]: largest qty (lots) the gate lets through at each row's baseline."""
    return first_flagged_qty(tm, x0, qty0) - 1


def demonstrated_max(demonstrated_qty: np.ndarray, demo: Demonstrated) -> np.ndarray:
    """int64[n]: the max qty (lots) the trader's demonstrated size allows: floor(margin x
    demonstrated_qty), 0 where none is demonstrated (NaN)."""
    d = np.asarray(demonstrated_qty, np.float64)
    return np.where(np.isfinite(d), np.floor(demo.margin * np.nan_to_num(d)), 0).astype(
        np.int64)


def gate_max_qty(tm: gbdt.TreeModel, x0: np.ndarray, qty0: np.ndarray,
                 demonstrated_qty: np.ndarray, demo: Demonstrated) -> np.ndarray:
    """int64[n]: the max qty (lots) the gate enforces at each row's baseline: the trees'
    ``max_qty``, raised to the trader's demonstrated size (``demonstrated_max``)."""
    return np.maximum(max_qty(tm, x0, qty0), demonstrated_max(demonstrated_qty, demo))


def demonstrated_column(orders: pa.Table) -> np.ndarray:
    """float64[n]: ``demonstrated_qty`` of ``jaxmodels.data.order_rows`` (NaN = none)."""
    return np.asarray(orders.column("demonstrated_qty").cast(pa.float64()).fill_null(np.nan)
                      .to_numpy(zero_copy_only=False), np.float64)


def gate_flags(tm: gbdt.TreeModel, x0: np.ndarray, qty0: np.ndarray,
               demonstrated_qty: np.ndarray | None = None,
               demo: Demonstrated | None = None) -> np.ndarray:
    """bool[n]: what the gate decides for the rows themselves (qty > its max qty; the trees'
    alone when ``demonstrated_qty`` is None)."""
    lim = (max_qty(tm, x0, qty0) if demonstrated_qty is None else
           gate_max_qty(tm, x0, qty0, demonstrated_qty, demo or Demonstrated()))
    return np.asarray(qty0, np.float64) > lim


def training_mask(kind: np.ndarray, known: np.ndarray) -> np.ndarray:
    """bool[n]: labelled rows the size model trains on: valid orders and size errors
    (price errors are left to the price collar: in size they look like valid orders)."""
    k = np.asarray(kind, object)
    return known & ((k == "") | np.isin(k, QTY_KINDS))


def publish_rows(orders: pa.Table, limits: np.ndarray, version: str) -> pa.Table:
    """``fat_finger_limits`` rows: at each order's ts, the max qty (lots) its trader's orders
    in its symbol get from then on, as known before that order; only rows that change the
    pair's value are kept (orders sorted by time; same-ts rows keep the last)."""
    ts = orders.column("ts_ns").to_numpy().astype(np.int64)
    sym = orders.column("sym").to_pylist()
    trader = orders.column("trader").to_pylist()
    last: dict[tuple[str, str], int] = {}
    keep = []
    for i in range(len(ts)):
        k = (sym[i], trader[i])
        v = int(limits[i])
        if last.get(k) != v:
            keep.append(i)
            last[k] = v
    idx = np.asarray(keep, np.int64)
    return pa.table({
        "ts": pa.array(ts[idx], pa.timestamp("ns")),
        "sym": pa.array([sym[i] for i in idx], pa.string()),
        "trader": pa.array([trader[i] for i in idx], pa.string()),
        "fat_finger_max_qty": pa.array(np.asarray(limits, np.int64)[idx], pa.int64()),
        "model_version": pa.array([version] * len(idx), pa.string()),
    })


def invertible(inputs: tuple[str, ...]) -> bool:
    """True when every input's dependence on qty is known (``inputs_at`` can move it)."""
    return all(n in PROPORTIONAL or n in QTY_FREE or n == "log_qty_z" for n in inputs) and (
        "log_qty_z" not in inputs or "log_qty_scale" in inputs)


def publish_store(store, tm: gbdt.TreeModel, version: str, *, since: int, until: int,
                  demo: Demonstrated | None = None) -> int:
    """Write ``fat_finger_limits`` rows for the orders with since < ts <= until (UTC ns): at
    each order, the max qty its trader's orders in its symbol get from then on, from the
    baseline before it (``gate_max_qty``, ``publish_rows``). Returns rows written (0 when
    the trees' inputs cannot be inverted, e.g. a model trained on absolute sizes)."""
    import pyarrow.compute as pc

    from jaxmodels.data import order_rows, to_matrix

    if not invertible(tm.config.inputs):
        return 0
    demo = demo or Demonstrated()
    orders = order_rows(store, since, until, demo=demo)
    orders = orders.filter(pc.greater(orders.column("qty"), 0))
    if orders.num_rows == 0:
        return 0
    qty = orders.column("qty").to_numpy().astype(np.float64)
    lim = gate_max_qty(tm, to_matrix(orders, tm.config.inputs), qty,
                       demonstrated_column(orders), demo)
    rows = publish_rows(orders, lim, version)
    return store.ingest("fat_finger_limits", rows, session=None) if rows.num_rows else 0


def publish_promoted(store, reg, *, since: int, until: int,
                     demo: Demonstrated | None = None) -> int:
    """``publish_store`` with the registry's promoted tree model (0 rows when none)."""
    from jaxmodels.persist import load_trees

    mid = reg.promoted("gbdt")
    return 0 if mid is None else publish_store(store, load_trees(reg, mid), mid, since=since,
                                               until=until, demo=demo)
