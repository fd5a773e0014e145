"""Feature selection: rank features by mutual information with labels, and by recursive
feature elimination (RFE) with a small L2 logistic model in JAX.

Labels are read here, in Python, from ``labels_orders`` (target ``fat_finger``: one label per
order) or ``labels_events`` (target ``stress``: a bucket is positive when its ts lies in an
event window of its symbol); feature queries never read them.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pyarrow as pa

from features import registry
from features.config import DEFAULT_CONFIG, FeatureConfig
from features.errors import (
    MSG_CONSTANT,
    MSG_NO_LABELS,
    MSG_UNKNOWN_TARGET,
    DegenerateFeatureWarning,
    FeatureError,
)
from features.orders import order_features
from tsdb.store import Store

TARGETS = ("fat_finger", "stress")
SKIP = {"best_bid", "best_ask", "mid"}  # price levels, not risk signals


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Ranking:
    """Both rankings, best first: ``mi`` as (name, nats), ``rfe`` as (name, |weight| when it
    was eliminated or at the end); ``n`` rows and ``positives`` in the sample."""

    target: str
    mi: list[tuple[str, float]]
    rfe: list[tuple[str, float]]
    n: int
    positives: int


def load_xy(store: Store, target: str, config: FeatureConfig = DEFAULT_CONFIG, *,
            max_rows: int = 50_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Feature matrix X (n, d) float64 with NaN for NULL, labels y (n,) in {0, 1}, names."""
    if target == "fat_finger":
        tbl = order_features(store, config)
        names = registry.names("order")
        lab = store.query("SELECT order_id, is_error FROM labels_orders")
        lab_map = dict(zip(lab.column("order_id").to_pylist(), lab.column("is_error").to_pylist(),
                           strict=True))
        keep = [i for i, o in enumerate(tbl.column("order_id").to_pylist()) if o in lab_map]
        y = np.array([lab_map[o] for o in tbl.column("order_id").to_pylist() if o in lab_map],
                     dtype=np.float64)
        tbl = tbl.take(pa.array(keep, pa.int64()))
        table_name = "labels_orders"
    elif target == "stress":
        names = [n for n in registry.names("market") if n not in SKIP]
        tbl = store.query("SELECT * FROM features ORDER BY ts, sym")
        ev = store.query("SELECT sym, start_ts, end_ts FROM labels_events")
        y = _in_windows(tbl, ev)
        table_name = "labels_events"
    else:
        raise FeatureError(MSG_UNKNOWN_TARGET.format(target=target, known=TARGETS))
    if len(y) == 0 or y.sum() == 0:
        raise FeatureError(MSG_NO_LABELS.format(target=target, table=table_name))
    x = np.column_stack([_as_float(tbl.column(n)) for n in names])
    if len(y) > max_rows:  # every positive, and a seeded sample of the negatives
        rng = np.random.default_rng(seed)
        pos = np.flatnonzero(y > 0)
        neg = np.flatnonzero(y == 0)
        neg = rng.choice(neg, max(max_rows - len(pos), 1), replace=False)
        idx = np.sort(np.concatenate([pos, neg]))
        x, y = x[idx], y[idx]
    return x, y, names


def _as_float(col: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_boolean(col.type):
        col = col.cast(pa.float64())
    return col.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)


def _in_windows(tbl: pa.Table, ev: pa.Table) -> np.ndarray:
    ts = tbl.column("ts").cast(pa.int64()).to_numpy()
    sym = np.asarray(tbl.column("sym").to_pylist(), dtype=object)
    y = np.zeros(len(ts))
    for s, a, b in zip(ev.column("sym").to_pylist(), ev.column("start_ts").cast(pa.int64())
                       .to_pylist(), ev.column("end_ts").cast(pa.int64()).to_pylist(), strict=True):
        y[(sym == s) & (ts >= a) & (ts <= b)] = 1.0
    return y


def mutual_information(x: np.ndarray, y: np.ndarray, *, bins: int = 10) -> np.ndarray:
    """MI (nats) of each column of x (n, d) with binary y (n,): quantile bins, NULL its own."""
    out = np.zeros(x.shape[1])
    for j in range(x.shape[1]):
        col = x[:, j]
        finite = np.isfinite(col)
        codes = np.full(len(col), bins, dtype=np.int64)  # bin `bins` = missing
        if finite.any():
            edges = np.unique(np.quantile(col[finite], np.linspace(0, 1, bins + 1)[1:-1]))
            codes[finite] = np.searchsorted(edges, col[finite], side="right")
        joint = np.zeros((bins + 1, 2))
        np.add.at(joint, (codes, y.astype(np.int64)), 1.0)
        p = joint / joint.sum()
        px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
        nz = p > 0
        out[j] = float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum())
    return out


def rfe(x: np.ndarray, y: np.ndarray, *, steps: int = 300, l2: float = 1e-3,
        seed: int = 0) -> list[tuple[int, float]]:
    """Recursive feature elimination with an L2 logistic model; (column, |w|) best first.

    Columns are standardised (NULL -> the column mean, i.e. 0). Each round fits on the
    remaining columns (a mask keeps shapes fixed, so the fit compiles once) and drops the
    column with the smallest |weight|.
    """
    import jax
    import jax.numpy as jnp
    import optax

    z = _standardise(x)
    xj, yj = jnp.asarray(z, jnp.float32), jnp.asarray(y, jnp.float32)
    opt = optax.adam(0.05)
    pos_w = float((1 - y.mean()) / max(y.mean(), 1e-9))  # balance the rare positives

    def loss(params, mask):
        logits = xj @ (params["w"] * mask) + params["b"]
        ll = optax.sigmoid_binary_cross_entropy(logits, yj)
        ll = ll * jnp.where(yj > 0, pos_w, 1.0)
        return ll.mean() + l2 * jnp.sum((params["w"] * mask) ** 2)

    @jax.jit
    def fit(mask):
        params = {"w": jnp.zeros(z.shape[1], jnp.float32), "b": jnp.zeros((), jnp.float32)}
        state = opt.init(params)

        def step(carry, _):
            p, s = carry
            g = jax.grad(loss)(p, mask)
            upd, s = opt.update(g, s, p)
            return (optax.apply_updates(p, upd), s), None

        (params, _), _ = jax.lax.scan(step, (params, state), None, length=steps)
        return jnp.abs(params["w"]) * mask

    active = np.ones(z.shape[1], np.float32)
    eliminated: list[tuple[int, float]] = []
    while active.sum() > 0:
        w = np.asarray(fit(jnp.asarray(active)))
        cand = np.flatnonzero(active > 0)
        j = int(cand[np.argmin(w[cand])])
        eliminated.append((j, float(w[j])))
        active[j] = 0.0
    return eliminated[::-1]


def _standardise(x: np.ndarray) -> np.ndarray:
    z = np.where(np.isfinite(x), x, np.nan)
    with warnings.catch_warnings():  # an all-NULL column has no mean: it becomes zeros
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nan_to_num(np.nanmean(z, axis=0))
        sd = np.nanstd(z, axis=0)
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    return np.nan_to_num((z - mu) / sd)


def rank(store: Store, target: str, config: FeatureConfig = DEFAULT_CONFIG, *,
         max_rows: int = 50_000, seed: int = 0) -> Ranking:
    """Rank the target's features by MI and by RFE (both best first)."""
    x, y, names = load_xy(store, target, config, max_rows=max_rows, seed=seed)
    for j, n in enumerate(names):
        col = x[:, j][np.isfinite(x[:, j])]
        if len(col) == 0 or np.all(col == col[0]):
            warnings.warn(MSG_CONSTANT.format(name=n), DegenerateFeatureWarning, stacklevel=2)
    mi = mutual_information(x, y)
    order = np.argsort(-mi, kind="stable")
    return Ranking(
        target=target, mi=[(names[j], float(mi[j])) for j in order],
        rfe=[(names[j], w) for j, w in rfe(x, y, seed=seed)], n=len(y), positives=int(y.sum()),
    )
