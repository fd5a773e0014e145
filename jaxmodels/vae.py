"""Layer 2, market anomaly: a VAE over standardised market-state vectors.

Pure functions of (params, batch, rng). ``x`` is float32[B, F] standardised inputs and
``mask`` float32[B] (1 = real row, 0 = padding). Per-row scores are in nats-like units:
``recon`` = 0.5 * squared reconstruction error of the posterior mean; ``nelbo`` adds the KL.
Training data are market states of periods labelled normal; tiers are quantiles of the
EWMA-smoothed score on held-out normal rows.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state
from scipy.ndimage import minimum_filter1d

from jaxmodels.config import TIERS, VAEConfig
from jaxmodels.errors import MSG_FEW_ROWS, MSG_NO_ROWS, FewSamplesWarning, ModelError
from jaxmodels.prep import alpha_from_half_life, ewma_grouped, pad_rows


class VAE(nn.Module):
    """Gaussian encoder / unit-variance Gaussian decoder, two hidden layers each."""

    features: int
    hidden: int = 64
    latent: int = 6

    def setup(self) -> None:
        self.enc1, self.enc2 = nn.Dense(self.hidden), nn.Dense(self.hidden)
        self.mu, self.logvar = nn.Dense(self.latent), nn.Dense(self.latent)
        self.dec1, self.dec2 = nn.Dense(self.hidden), nn.Dense(self.hidden)
        self.out = nn.Dense(self.features)

    def encode(self, x):
        h = nn.gelu(self.enc2(nn.gelu(self.enc1(x))))
        return self.mu(h), jnp.clip(self.logvar(h), -10.0, 5.0)

    def decode(self, z):
        return self.out(nn.gelu(self.dec2(nn.gelu(self.dec1(z)))))

    def __call__(self, x, rng):
        mu, logvar = self.encode(x)
        z = mu + jnp.exp(0.5 * logvar) * jax.random.normal(rng, mu.shape)
        return self.decode(z), mu, logvar


class TrainState(train_state.TrainState):
    """The whole training state, one frozen pytree (``.replace`` to change it)."""

    beta: float = dataclasses.field(default=1.0, metadata={"pytree_node": False})


def _kl(mu, logvar):
    return 0.5 * jnp.sum(jnp.exp(logvar) + mu**2 - 1.0 - logvar, axis=-1)


def loss_fn(params, apply_fn: Callable, batch: dict, rng, beta: float):
    """Masked mean negative ELBO of a batch; returns (loss, metrics)."""
    x, mask = batch["x"], batch["mask"]
    xhat, mu, logvar = apply_fn({"params": params}, x, rng)
    recon = 0.5 * jnp.sum((x - xhat) ** 2, axis=-1)
    kl = _kl(mu, logvar)
    n = jnp.maximum(mask.sum(), 1.0)
    loss = jnp.sum((recon + beta * kl) * mask) / n
    return loss, {"loss": loss, "recon": jnp.sum(recon * mask) / n, "kl": jnp.sum(kl * mask) / n}


@jax.jit
def train_step(state: TrainState, batch: dict, rng) -> tuple[TrainState, dict]:
    """One optimiser step on ``batch`` ({"x": f32[B, F], "mask": f32[B]})."""
    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
    (_, metrics), grads = grad_fn(state.params, state.apply_fn, batch, rng, state.beta)
    return state.apply_gradients(grads=grads), metrics


def make_scorer(model: VAE, kind: str) -> Callable:
    """A jit-compiled ``score(params, x) -> f32[B]`` (deterministic: posterior mean)."""

    def score(params, x):
        mu, logvar = model.apply({"params": params}, x, method=VAE.encode)
        xhat = model.apply({"params": params}, mu, method=VAE.decode)
        recon = 0.5 * jnp.sum((x - xhat) ** 2, axis=-1)
        return recon + _kl(mu, logvar) if kind == "nelbo" else recon

    return jax.jit(score)


def init_state(config: VAEConfig, n_features: int, rng) -> TrainState:
    model = VAE(features=n_features, hidden=config.hidden, latent=config.latent)
    params = model.init(rng, jnp.zeros((1, n_features), jnp.float32), rng)["params"]
    tx = optax.adamw(config.learning_rate, weight_decay=1e-5)
    state = TrainState.create(apply_fn=model.apply, params=params, tx=tx, beta=config.beta)
    # a concrete int32 step: a Python 0 would be weakly typed and recompile on the 2nd step
    return state.replace(step=jnp.zeros((), jnp.int32))


def train(x: np.ndarray, config: VAEConfig) -> tuple[dict, list[dict]]:
    """Fit on standardised normal rows float32[n, F]; return (params, per-epoch metrics)."""
    n, f = x.shape
    if n == 0:
        raise ModelError(MSG_NO_ROWS.format(what="normal market-state", action="train on"))
    if n < 10 * config.batch_size:
        warnings.warn(MSG_FEW_ROWS.format(n=n, what="normal market-state", action="train on"),
                      FewSamplesWarning, stacklevel=2)
    key = jax.random.PRNGKey(config.seed)
    key, k0 = jax.random.split(key)
    state = init_state(config, f, k0)
    bs = config.batch_size
    perm_rng = np.random.default_rng(config.seed)
    history, steps = [], 0
    for epoch in range(config.epochs):
        order = perm_rng.permutation(n)
        xp, _ = pad_rows(x[order], bs)
        mask = np.zeros(len(xp), np.float32)
        mask[:n] = 1.0
        acc = []
        for i in range(0, len(xp), bs):
            key, k = jax.random.split(key)
            batch = {"x": xp[i:i + bs], "mask": mask[i:i + bs]}
            state, m = train_step(state, batch, k)
            acc.append(m)
            steps += 1
            if steps >= config.max_steps:
                break
        history.append({"epoch": epoch, **{k: float(np.mean([float(a[k]) for a in acc]))
                                            for k in acc[0]}})
        if steps >= config.max_steps:
            break
    return jax.device_get(state.params), history


def holdout_mask(groups: np.ndarray, fraction: float, block: int) -> np.ndarray:
    """bool[n]: every k-th block of ``block`` rows per group, k = round(1 / fraction)."""
    hold = np.zeros(len(groups), bool)
    every = max(int(round(1.0 / fraction)), 2)
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(groups)], strict=True):
        blk = np.arange(b - a) // block
        hold[a:b] = blk % every == every - 1
    return hold


@dataclasses.dataclass(frozen=True, kw_only=True)
class AnomalyModel:
    """A trained VAE with its tier thresholds (3 increasing smoothed-score cut-offs)."""

    params: dict
    config: VAEConfig
    n_features: int
    thresholds: np.ndarray  # float64[3]

    @property
    def scorer(self) -> Callable:
        return _scorer(self.n_features, self.config.hidden, self.config.latent, self.config.score)

    @property
    def block_scorer(self) -> Callable:
        """What ``raw_scores`` calls: ``scorer`` run block by block (``score_block`` > 0)."""
        blk = self.config.score_block
        return self.scorer if blk <= 0 else _blocked(self.scorer, blk)

    def raw_scores(self, x: np.ndarray) -> np.ndarray:
        """Unsmoothed scores float64[n] of standardised rows float32[n, F].

        Calls of at most ``score_batch`` rows, each padded to a power-of-two number of
        ``score_block``-row blocks (a few shapes ever compile, however the rows are cut into
        calls). With ``score_block`` > 0 the blocks are scored one by one inside the call
        (``lax.map``), so a row's score does not depend on how many rows are scored with it:
        XLA's matmul rounds differently per batch shape (~3e-7 relative in float32 on CPU),
        and the live scorer, stepping a few buckets at a time, must reproduce a batch run
        bit for bit (tiers and limits are thresholds of the score)."""
        x = np.asarray(x, np.float32)
        n, blk = len(x), max(self.config.score_block, 1)
        cap = max(blk, self.config.score_batch // blk * blk)
        score = self.block_scorer
        parts = []
        for i in range(0, n, cap):
            part = x[i:i + cap]
            size = min(cap, blk * (1 << max(-(-len(part) // blk) - 1, 0).bit_length()))
            xp, m = pad_rows(part, size)
            parts.append(np.asarray(score(self.params, xp))[:m])
        return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)

    def smooth(self, raw: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """EWMA per symbol (rows sorted by symbol then time)."""
        return ewma_grouped(raw, groups, alpha_from_half_life(self.config.ewma_half_life))

    def held(self, smoothed: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Smoothed score held for ``persist_buckets`` buckets: its trailing minimum per
        symbol (rows sorted by symbol then time), float64[n]."""
        return held_score(smoothed, groups, self.config.persist_buckets)

    def tiers(self, smoothed: np.ndarray, groups: np.ndarray | None = None,
              calibratable: np.ndarray | None = None) -> np.ndarray:
        """Tier index int8[n]: 0 NORMAL .. 3 CRITICAL, of the held score (``groups`` None:
        one series; ``calibratable`` bool[n]: rows whose held score may enter a symbol's
        tail window, default all)."""
        return self.tiers_detail(smoothed, groups, calibratable)[0]

    def tiers_detail(self, smoothed: np.ndarray, groups: np.ndarray | None = None,
                     calibratable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(``tiers``, the held score over its row's HIGH_ALERT threshold float64[n]; 0
        where that threshold is inf): the tier is at least HIGH_ALERT where the ratio is
        above 1."""
        g = np.zeros(len(smoothed), np.int32) if groups is None else groups
        h = self.held(smoothed, g)
        thr = self.symbol_thresholds(h, g, calibratable)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.nan_to_num(h / thr[:, 1], nan=0.0, posinf=0.0)
        return (h[:, None] > thr).sum(axis=1).astype(np.int8), ratio

    def symbol_thresholds(self, held: np.ndarray, groups: np.ndarray,
                          calibratable: np.ndarray | None = None) -> np.ndarray:
        """Per-row tier thresholds float64[n, 3] of held scores (see ``symbol_thresholds``)."""
        return symbol_thresholds(held, groups, self.thresholds, self.config, calibratable)


def symbol_thresholds(held: np.ndarray, groups: np.ndarray, thresholds: np.ndarray,
                      config: VAEConfig, calibratable: np.ndarray | None = None) -> np.ndarray:
    """Tier thresholds per row, float64[n, 3], calibrated to each symbol's own score tail
    (rows sorted by symbol, time): the larger of

    - the training thresholds stretched by ``max(1, Q / u)``, Q the ``tier_quantiles[0]``
      quantile of the symbol's trailing held scores and u the training ELEVATED level, and
    - when that ratio is at least ``tail_gate`` (the symbol's ordinary tail is visibly not
      the training one), also the thresholds that ``episode_thresholds`` (the training rule: ELEVATED quantile, then
      the levels crossed ``episodes_per_day`` times by an exponential tail fitted to the
      episode peaks) gives on those trailing held scores,

    both from the symbol's past ``tail_window`` rows only, refreshed every ``tail_block``
    rows (the peaks-over-threshold fit on one trailing hour is noisy, so it is used only
    out of the training regime); the training thresholds before ``tail_warm`` rows of history or with
    ``tail_window`` 0. Never below the training thresholds, never above them times
    ``tail_max_stretch`` (a bounded stretch: a symbol can not calibrate its alerts away).

    Rows with ``calibratable`` False (the first ``tail_skip_open_s`` of a session, where
    the windowed features and the online standardiser are still warming up and score
    10-20x the ELEVATED level) never enter a tail window: they count as missing, so a
    window made only of them leaves the training thresholds in force.

    The thresholds are tail levels of the training instruments' score distribution. An
    instrument the model never saw (a real stock scored by a model trained on simulated
    days: a trade in 2 % of its 100 ms buckets instead of 20 %, bursts of quotes) has a
    heavier ordinary tail, so the same absolute levels would be crossed every few minutes.
    On the training instruments the own-tail levels stay near the training ones, and a
    sudden break (a flash crash) is judged against the calm past, so its first alert is not
    delayed."""
    thr = np.asarray(thresholds, np.float64)
    out = np.tile(thr, (len(held), 1))
    window, warm, block = config.tail_window, config.tail_warm, config.tail_block
    if not tail_on(thr, config) or len(held) == 0:
        return out
    ref = calibration_ref(held, calibratable)
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(held)], strict=True):
        for a in range(lo + warm, hi, block):
            out[a:min(a + block, hi)] = tail_thresholds(ref[max(a - window, lo):a], thr,
                                                        config)
    return out


def calibration_ref(held: np.ndarray, calibratable: np.ndarray | None) -> np.ndarray:
    """Held scores as a tail window sees them: NaN (missing) where not ``calibratable``."""
    held = np.asarray(held, np.float64)
    return held if calibratable is None else np.where(calibratable, held, np.nan)


def tail_on(thresholds: np.ndarray, config: VAEConfig) -> bool:
    """Whether ``symbol_thresholds`` calibrates to the symbol's own tail at all."""
    u = float(thresholds[0])
    return config.tail_window > 0 and bool(np.isfinite(u)) and u > 0


def tail_thresholds(ref: np.ndarray, thresholds: np.ndarray, config: VAEConfig) -> np.ndarray:
    """One refresh of ``symbol_thresholds``: float64[3] from the trailing held scores ``ref``
    (float64[<= tail_window], time order); the training thresholds with fewer than
    ``tail_warm`` finite values."""
    thr = np.asarray(thresholds, np.float64)
    ref = ref[np.isfinite(ref)]
    if len(ref) < config.tail_warm:
        return thr
    cap = thr * config.tail_max_stretch
    r = max(1.0, float(np.quantile(ref, config.tier_quantiles[0])) / float(thr[0]))
    new = thr * min(r, config.tail_max_stretch)
    if r >= config.tail_gate:  # out of the training regime: its own tail shape too
        own = episode_thresholds(ref, np.zeros(len(ref), np.int32), config)
        new = np.maximum(new, np.where(np.isfinite(own), own, thr))
    return np.minimum(new, cap)


def held_score(x: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """Trailing minimum over ``k`` rows of each group (fewer at a group's start)."""
    x = np.asarray(x, np.float64)
    if k <= 1 or len(x) == 0:
        return x.copy()
    out = np.empty_like(x)
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(x)], strict=True):
        out[a:b] = minimum_filter1d(x[a:b], k, origin=(k - 1) // 2, mode="nearest")
        out[a:min(a + k - 1, b)] = np.minimum.accumulate(x[a:min(a + k - 1, b)])
    return out


def episode_peaks(x: np.ndarray, groups: np.ndarray, level: float, merge: int) -> np.ndarray:
    """Peak value of every run of ``x > level`` per group (runs closer than ``merge`` rows
    merged), float64[m]."""
    out = []
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(x)], strict=True):
        idx = np.flatnonzero(x[a:b] > level)
        if not len(idx):
            continue
        br = np.flatnonzero(np.diff(idx) > merge)
        for s, e in zip(np.r_[0, br + 1], np.r_[br, len(idx) - 1], strict=True):
            out.append(float(x[a + idx[s]:a + idx[e] + 1].max()))
    return np.asarray(out, np.float64)


def episode_thresholds(held: np.ndarray, groups: np.ndarray, config: VAEConfig,
                       bucket_s: float = 0.1) -> np.ndarray:
    """Tier thresholds float64[3] from held scores of held-out normal rows.

    ELEVATED: the ``tier_quantiles[0]`` quantile u. HIGH_ALERT / CRITICAL: the level crossed
    ``episodes_per_day`` times per symbol-session (6.5 h), from an exponential tail fitted to
    the episode peaks above u: N(x) = N(u) exp(-(x - u) / mean excess); each at least its
    quantile in ``tier_quantiles``.
    """
    if len(held) == 0:
        return np.full(3, np.inf)
    q = np.quantile(held, config.tier_quantiles)
    u = q[0]
    merge = int(round(config.episode_merge_s / bucket_s))
    pk = episode_peaks(held, groups, u, merge)
    days = len(held) * bucket_s / 23_400.0
    if len(pk) == 0:
        return np.maximum.accumulate(q + np.arange(3) * 1e-9)
    scale = max(float((pk - u).mean()), 1e-9)
    rate = len(pk) / days
    ext = [u + scale * np.log(max(rate / r, 1.0)) for r in config.episodes_per_day]
    thr = np.r_[u, np.maximum(ext, q[1:])]
    return np.maximum.accumulate(thr + np.arange(3) * 1e-9)


def block_maxima(held: np.ndarray, groups: np.ndarray, block: int) -> np.ndarray:
    """Maximum of every full ``block``-row block of each group (rows sorted by group, time),
    float64[m]; a group's last partial block is left out (blocks must be alike)."""
    out = []
    cut = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, len(held)], strict=True):
        k = (b - a) // block
        if k:
            out.append(np.asarray(held[a:a + k * block], np.float64).reshape(k, block).max(1))
    return np.concatenate(out) if out else np.zeros(0)


def conformal_high(held: np.ndarray, groups: np.ndarray, config: VAEConfig,
                   bucket_s: float = 0.1) -> tuple[float, int, int]:
    """The split-conformal HIGH_ALERT level of held-out normal held scores.

    The rows are cut into blocks of ``episode_merge_s`` (1 min); M_1..M_n are the block
    maxima. For a new block of a normal session exchangeable with them (same market, same
    instrument, a time of day the hold-out covers), P(M_new > M_(k)) <= (n + 1 - k) / (n + 1)
    (Vovk et al. 2005; ties only help). Alert episodes are merged within ``episode_merge_s``,
    so a block starts at most one episode, and the expected false HIGH_ALERT episodes per
    6.5 h session are at most B (n + 1 - k) / (n + 1), B = 23,400 s / ``episode_merge_s``.
    Returns (M_(k), k, n) with k the smallest rank for which that bound is at most
    ``episodes_per_day[0]`` (k = n, the largest maximum, when n is too small for that:
    the bound is then B / (n + 1)); (inf, 0, 0) with no full block."""
    block = max(int(round(config.episode_merge_s / bucket_s)), 1)
    m = np.sort(block_maxima(held, groups, block))
    n = len(m)
    if n == 0:
        return float("inf"), 0, 0
    per_day = 23_400.0 / (block * bucket_s)
    alpha = config.episodes_per_day[0] / per_day
    k = min(int(np.ceil((n + 1) * (1.0 - alpha))), n)
    return float(m[k - 1]), k, n


def false_high_bound(held: np.ndarray, groups: np.ndarray, high: float, config: VAEConfig,
                     bucket_s: float = 0.1) -> float | None:
    """The certified bound on expected false HIGH_ALERT episodes per symbol and 6.5 h session
    of the level ``high``: B (#{M_i > high} + 1) / (n + 1) over the block maxima of
    ``conformal_high`` (``high`` >= M_(k) for k = #{M_i <= high}). Holds for any threshold
    at least ``high`` too (the per-symbol stretch only raises thresholds). None with no
    full block."""
    block = max(int(round(config.episode_merge_s / bucket_s)), 1)
    m = block_maxima(held, groups, block)
    if len(m) == 0:
        return None
    per_day = 23_400.0 / (block * bucket_s)
    return float(per_day * (int((m > high).sum()) + 1) / (len(m) + 1))


_SCORERS: dict[tuple, Callable] = {}
_BLOCKED: dict[tuple, Callable] = {}


def _blocked(score: Callable, block: int) -> Callable:
    """jit ``score`` over float32[k * block, F] as k sequential ``block``-row calls."""
    key = (score, block)
    if key not in _BLOCKED:
        def run(params, x):
            xb = x.reshape(-1, block, x.shape[-1])
            return jax.lax.map(lambda b: score(params, b), xb).reshape(-1)

        _BLOCKED[key] = jax.jit(run)
    return _BLOCKED[key]


def _scorer(f: int, hidden: int, latent: int, kind: str) -> Callable:
    key = (f, hidden, latent, kind)
    if key not in _SCORERS:
        _SCORERS[key] = make_scorer(VAE(features=f, hidden=hidden, latent=latent), kind)
    return _SCORERS[key]


def fit(x: np.ndarray, groups: np.ndarray, config: VAEConfig) -> tuple[AnomalyModel, dict]:
    """Train on normal rows and set tier thresholds on held-out blocks of each symbol.

    ``x`` float32[n, F] standardised, rows sorted by (symbol, time); ``groups`` int[n] symbol
    codes. Every symbol's rows are cut into blocks of ``holdout_block`` rows and a
    ``holdout_fraction`` of the blocks, spread evenly over time (so every time of day is
    represented), is held out: the thresholds are quantiles on unseen minutes.
    Returns the model and its metrics.
    """
    hold = holdout_mask(groups, config.holdout_fraction, config.holdout_block)
    params, history = train(x[~hold], config)
    model = AnomalyModel(params=params, config=config, n_features=x.shape[1],
                         thresholds=np.full(3, np.inf))
    raw = model.raw_scores(x[hold])
    sm = model.smooth(raw, groups[hold])
    hh = model.held(sm, groups[hold])
    thr = episode_thresholds(hh, groups[hold], config)
    # HIGH_ALERT at least the conformal level: a stated bound on false HIGH episodes
    level, k, n_blocks = conformal_high(hh, groups[hold], config)
    if np.isfinite(level) and level > thr[1]:
        thr[1] = level
        thr[2] = max(thr[2], level + 1e-9)
    model = dataclasses.replace(model, thresholds=thr)
    bound = false_high_bound(hh, groups[hold], float(thr[1]), config)
    metrics = {"train_rows": int((~hold).sum()), "holdout_rows": int(hold.sum()),
               "final_loss": history[-1]["loss"], "history": history,
               "thresholds": dict(zip(TIERS[1:], map(float, thr), strict=True)),
               "holdout_score_median": float(np.median(sm)) if len(sm) else None,
               "conformal": {"blocks": n_blocks, "rank": k, "level": level,
                             "false_high_bound_per_day": bound}}
    return model, metrics
