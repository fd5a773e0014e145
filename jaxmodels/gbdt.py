"""Layer 1, order-entry error: gradient-boosted oblivious trees written in JAX.

Features are histogram-binned (bin 0 = missing, bins 1.. by training quantiles); every tree
has ``depth`` levels and one (feature, threshold) per level shared by all nodes of that
level (oblivious), leaves are Newton steps of the logistic loss, shrunk by the learning
rate; boosting stops early when the validation log-loss has not improved for
``early_stopping_rounds`` trees. Inference is one jit-compiled function over a padded
batch of raw inputs float32[B, F] (NaN = missing) -> logit float32[B]; an order is flagged
when its logit is above the threshold set for ``target_fpr`` on valid validation orders.
"""

from __future__ import annotations

import dataclasses
import warnings
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from jaxmodels.config import GBDTConfig
from jaxmodels.errors import MSG_FEW_ROWS, MSG_NO_ROWS, FewSamplesWarning, ModelError
from jaxmodels.prep import pad_rows


def bin_edges(x: np.ndarray, n_bins: int, y: np.ndarray | None = None) -> np.ndarray:
    """Edges float32[F, n_bins - 2] of raw inputs x float[n, F] (+inf padded).

    Half the edges are quantiles of all values, a quarter quantiles of the distinct values
    (so the sparse tails where errors live get resolution) and a quarter quantiles of the
    positive rows ``y`` (all to distinct values when ``y`` is None or has no positives).
    """
    k = n_bins - 2
    out = np.full((x.shape[1], k), np.inf, np.float32)
    pos = np.zeros(len(x), bool) if y is None else np.asarray(y, bool)
    for j in range(x.shape[1]):
        fin = np.isfinite(x[:, j])
        v = x[fin, j]
        if v.size == 0:
            continue
        u, vp = np.unique(v), x[fin & pos, j]
        k_all, k_pos = k // 2, (k // 4 if vp.size else 0)
        qs = lambda a, m: np.quantile(a, np.linspace(0, 1, m + 2)[1:-1]) if m else []  # noqa: E731
        # positive-class edges sit just below the positives so ``x > edge`` includes them
        ep = np.nextafter(np.asarray(qs(vp, k_pos), np.float32), np.float32(-np.inf))
        e = np.unique(np.concatenate([np.asarray(qs(v, k_all), np.float32),
                                      np.asarray(qs(u, k - k_all - k_pos), np.float32), ep]))
        out[j, :e.size] = e[:k]
    return out


def apply_bins(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index int32[n, F]: 0 for NaN, else 1 + number of edges strictly below x."""
    b = np.empty(x.shape, np.int32)
    for j in range(x.shape[1]):
        b[:, j] = 1 + np.searchsorted(edges[j], x[:, j], side="left")
    b[~np.isfinite(x) & ~np.isposinf(x)] = 0
    return b


@partial(jax.jit, static_argnames=("depth", "n_bins"))
def fit_tree(xb, g, h, *, depth: int, n_bins: int, l2: float, min_hess: float):
    """One oblivious tree on binned inputs int32[n, F] with gradients and hessians f32[n].

    Returns (feat int32[D], split_bin int32[D], leaf f32[2**D], node int32[n]); a row goes
    right at level d when ``xb[:, feat[d]] > split_bin[d]``.
    """
    n, f = xb.shape
    node = jnp.zeros(n, jnp.int32)
    feats, bins = [], []
    cols = jnp.arange(f, dtype=jnp.int32)[None, :] * n_bins
    for level in range(depth):
        nodes = 2**level
        seg = (node[:, None] * (f * n_bins) + cols + xb).ravel()
        size = nodes * f * n_bins
        gh = jax.ops.segment_sum(jnp.repeat(g, f), seg, num_segments=size)
        hh = jax.ops.segment_sum(jnp.repeat(h, f), seg, num_segments=size)
        gl = jnp.cumsum(gh.reshape(nodes, f, n_bins), axis=2)
        hl = jnp.cumsum(hh.reshape(nodes, f, n_bins), axis=2)
        gt, ht = gl[..., -1:], hl[..., -1:]
        gr, hr = gt - gl, ht - hl
        gain = gl**2 / (hl + l2) + gr**2 / (hr + l2) - gt**2 / (ht + l2)
        ok = (hl >= min_hess) & (hr >= min_hess)
        total = jnp.where(ok, gain, 0.0).sum(axis=0)  # [F, B]
        total = total.at[:, -1].set(-1.0)  # "everything left" is no split
        best = jnp.argmax(total.ravel())
        bf, bb = best // n_bins, best % n_bins
        node = node * 2 + (xb[:, bf] > bb).astype(jnp.int32)
        feats.append(bf)
        bins.append(bb)
    gsum = jax.ops.segment_sum(g, node, num_segments=2**depth)
    hsum = jax.ops.segment_sum(h, node, num_segments=2**depth)
    leaf = -gsum / (hsum + l2)
    return jnp.stack(feats).astype(jnp.int32), jnp.stack(bins).astype(jnp.int32), leaf, node


@jax.jit
def _grad_hess(logit, y, w):
    p = jax.nn.sigmoid(logit)
    return w * (p - y), jnp.maximum(w * p * (1.0 - p), 1e-6)


@jax.jit
def _logloss(logit, y, w):
    ll = jnp.logaddexp(0.0, logit) - y * logit
    return jnp.sum(w * ll) / jnp.sum(w)


@jax.jit
def _tree_nodes(xb, feat, split_bin):
    bits = (xb[:, feat] > split_bin[None, :]).astype(jnp.int32)  # [n, D]
    return (bits * (2 ** jnp.arange(feat.shape[0] - 1, -1, -1))).sum(axis=1)


@jax.jit
def predict_logit(x, feat, thr, leaf, base):
    """Raw inputs float32[B, F] -> logit float32[B] for trees feat int32[T, D], thr f32[T, D],
    leaf f32[T, 2**D] (NaN inputs go left at every level, like bin 0)."""
    d = feat.shape[1]
    bits = (x[:, feat] > thr[None]).astype(jnp.int32)  # [B, T, D]
    idx = (bits * (2 ** jnp.arange(d - 1, -1, -1))).sum(axis=-1)  # [B, T]
    vals = jnp.take_along_axis(leaf[None], idx[..., None], axis=2)[..., 0]
    return base + vals.sum(axis=1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class TreeModel:
    """A trained ensemble. Trees are padded to a multiple of 8 with zero leaves."""

    feat: np.ndarray  # int32[T, D]
    thr: np.ndarray  # float32[T, D]: raw-unit thresholds, right when x > thr
    leaf: np.ndarray  # float32[T, 2**D]
    base: float
    threshold: float  # logit above which an order is flagged
    config: GBDTConfig
    n_trees: int

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits float32[n] of raw inputs float[n, F] in padded batches of ``infer_batch``."""
        bs = self.config.infer_batch
        xp, n = pad_rows(np.asarray(x, np.float32), bs)
        parts = [np.asarray(predict_logit(xp[i:i + bs], self.feat, self.thr, self.leaf,
                                          np.float32(self.base)))
                 for i in range(0, len(xp), bs)]
        return np.concatenate(parts)[:n]

    def flag(self, x: np.ndarray) -> np.ndarray:
        """bool[n]: predicted order-entry errors."""
        return self.logits(x) > self.threshold


def _split_valid(y: np.ndarray, frac: float, seed: int) -> np.ndarray:
    """Stratified random validation mask (both classes represented when possible)."""
    rng = np.random.default_rng(seed)
    valid = np.zeros(len(y), bool)
    for cls in (False, True):
        idx = np.flatnonzero(y == cls)
        k = int(round(len(idx) * frac))
        valid[rng.choice(idx, size=k, replace=False)] = True
    return valid


def fit(x: np.ndarray, y: np.ndarray, config: GBDTConfig,
        valid: np.ndarray | None = None) -> tuple[TreeModel, dict]:
    """Boost on raw inputs float[n, F] and labels bool[n]; ``valid`` bool[n] marks the
    early-stopping / threshold fold (stratified random when None)."""
    x = np.asarray(x, np.float32)
    y = np.asarray(y, bool)
    if len(y) == 0:
        raise ModelError(MSG_NO_ROWS.format(what="labelled order", action="train on"))
    if y.sum() < 20:
        warnings.warn(MSG_FEW_ROWS.format(n=int(y.sum()), what="error-labelled order",
                                          action="train on"), FewSamplesWarning, stacklevel=2)
    valid = _split_valid(y, config.valid_fraction, config.seed) if valid is None else valid
    edges = bin_edges(x[~valid], config.n_bins, y[~valid])
    xb_t, xb_v = apply_bins(x[~valid], edges), apply_bins(x[valid], edges)
    yt, yv = y[~valid].astype(np.float32), y[valid].astype(np.float32)
    wt = np.where(yt > 0, config.pos_weight, 1.0).astype(np.float32)
    wv = np.where(yv > 0, config.pos_weight, 1.0).astype(np.float32)
    prior = float(np.clip((wt * yt).sum() / wt.sum(), 1e-6, 1 - 1e-6))
    base = float(np.log(prior / (1 - prior)))
    ft, fv = np.full(len(yt), base, np.float32), np.full(len(yv), base, np.float32)
    trees, best, best_n, curve = [], np.inf, 0, []
    for _ in range(config.max_trees):
        g, h = _grad_hess(ft, yt, wt)
        feat, sb, leaf, node = fit_tree(xb_t, g, h, depth=config.depth, n_bins=config.n_bins,
                                        l2=config.l2, min_hess=config.min_hess)
        leaf = leaf * config.learning_rate
        ft = ft + leaf[node]
        fv = fv + leaf[_tree_nodes(xb_v, feat, sb)] if len(yv) else fv
        trees.append((np.asarray(feat), np.asarray(sb), np.asarray(leaf)))
        loss = float(_logloss(fv, yv, wv)) if len(yv) else 0.0
        curve.append(loss)
        if loss < best - 1e-7:
            best, best_n = loss, len(trees)
        elif len(trees) - best_n >= config.early_stopping_rounds:
            break
    trees = trees[:max(best_n, 1)]
    model = _assemble(trees, edges, base, config)
    neg = model.logits(x[valid][~y[valid]])
    thr = float(np.quantile(neg, 1.0 - config.target_fpr)) if len(neg) else 0.0
    model = dataclasses.replace(model, threshold=thr)
    return model, {"n_trees": len(trees), "valid_logloss": best, "curve": curve,
                   "threshold": thr, "train_rows": int((~valid).sum()),
                   "valid_rows": int(valid.sum()), "train_errors": int(y[~valid].sum())}


def _assemble(trees, edges: np.ndarray, base: float, config: GBDTConfig) -> TreeModel:
    t = len(trees)
    tp = -(-t // 8) * 8
    d = config.depth
    feat = np.zeros((tp, d), np.int32)
    thr = np.full((tp, d), np.inf, np.float32)
    leaf = np.zeros((tp, 2**d), np.float32)
    for i, (f, sb, lv) in enumerate(trees):
        feat[i] = f
        leaf[i] = lv
        # right when bin > sb  <=>  x > edges[f, sb - 1] (sb = 0: any non-missing value)
        thr[i] = np.where(sb == 0, -np.inf, edges[f, np.maximum(sb - 1, 0)])
    return TreeModel(feat=feat, thr=thr, leaf=leaf, base=base, threshold=0.0, config=config,
                     n_trees=t)
