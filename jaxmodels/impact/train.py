"""Fitting the impact network: Adam on the pinball loss, early stopping on the newest rows,
then a split-conformal widening of the 10-90 % interval on those same held-out rows, its
conformity scores normalised by each row's scale (``interval_scale``: half the spread, plus
the 5-minute volatility by default).

``train_step(state, data, rng) -> (state, loss)`` is jit-compiled: it samples a batch of
fixed size from the whole (device) training arrays, so one compilation serves every step.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state

from jaxmodels.errors import MSG_NO_ROWS, ModelError
from jaxmodels.impact.config import ImpactConfig
from jaxmodels.impact.data import SIZE_INPUTS, ImpactRows, Scaler, context_inputs, size_inputs
from jaxmodels.impact.model import ImpactNet, make_predict, pinball, predict_bps


@dataclasses.dataclass(frozen=True, slots=True)
class ImpactModel:
    """A trained network with its scalers and conformal widening (units of
    ``interval_scale(r, config.interval_scale)``)."""

    params: dict
    config: ImpactConfig
    s_scaler: Scaler
    c_scaler: Scaler
    widen: float

    @property
    def net(self) -> ImpactNet:
        return ImpactNet(hidden=self.config.hidden, mono_hidden=self.config.mono_hidden,
                         n_size=len(SIZE_INPUTS))

    def arrays(self, r: ImpactRows, qty=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, c, half) float32 inputs of rows ``r`` at their own or at ``qty`` lots."""
        q = r.qty if qty is None else np.broadcast_to(np.asarray(qty, np.float64), r.qty.shape)
        s = self.s_scaler(size_inputs(q, r.depth1, r.depth5, r.volume_5m))
        return s, self.c_scaler(context_inputs(r)), (r.spread_bps / 2).astype(np.float32)

    def widen_rows(self, r: ImpactRows) -> np.ndarray:
        """float32[n] the conformal widening of each row in its spread units (what the
        predictor takes): widen x scale / half spread."""
        return (self.widen * interval_scale(r, self.config.interval_scale)
                / (r.spread_bps / 2)).astype(np.float32)

    def predict(self, r: ImpactRows, qty=None) -> np.ndarray:
        """float64[n, 3] predicted (q10, q50, q90) slippage in bps."""
        s, c, half = self.arrays(r, qty)
        return np.asarray(predictor(self.net)(self.params, s, c, half, self.widen_rows(r)),
                          np.float64)


def interval_scale(r: ImpactRows, kind: str) -> np.ndarray:
    """float64[n] bps: the unit of the conformal widening of each row, half the spread
    ('half') or half the spread plus sigma_bps ('half_sigma')."""
    half = np.asarray(r.spread_bps, np.float64) / 2
    return half + np.asarray(r.sigma_bps, np.float64) if kind == "half_sigma" else half


_PREDICTORS: dict = {}


def predictor(net: ImpactNet):
    """One jitted predictor per network shape (so loading a model again does not
    recompile)."""
    key = (net.hidden, net.mono_hidden, net.n_size)
    if key not in _PREDICTORS:
        _PREDICTORS[key] = make_predict(net)
    return _PREDICTORS[key]


def new_state(net: ImpactNet, params, cfg: ImpactConfig) -> train_state.TrainState:
    """Adam(W) with cosine decay over ``cfg.steps``. The step counter starts as a concrete
    int32 array: a Python 0 is weakly typed and would compile the step a second time."""
    st = train_state.TrainState.create(
        apply_fn=net.apply, params=params,
        tx=optax.adamw(optax.cosine_decay_schedule(cfg.learning_rate, cfg.steps, alpha=0.02),
                       weight_decay=cfg.weight_decay))
    return st.replace(step=jnp.asarray(0, jnp.int32))


def make_train_step(net: ImpactNet, batch: int):
    @jax.jit
    def train_step(state, data, rng):
        idx = jax.random.randint(rng, (batch,), 0, data["y"].shape[0])
        b = jax.tree_util.tree_map(lambda a: a[idx], data)

        def loss_fn(p):
            return pinball(predict_bps(net.apply, p, b["s"], b["c"], b["half"]), b["y"])

        loss, grads = jax.value_and_grad(loss_fn)(state.params)
        return state.apply_gradients(grads=grads), loss

    return train_step


def _loss(net, params, d) -> float:
    return float(pinball(predict_bps(net.apply, params, d["s"], d["c"], d["half"]), d["y"]))


def conformal_widen(q: np.ndarray, y: np.ndarray, scale: np.ndarray, level: float = 0.8
                    ) -> float:
    """Split-conformal (CQR) widening in units of ``scale`` (float[n] bps, > 0): the
    ceil((n+1) level)-th smallest of max(q10 - y, y - q90) / scale over held-out rows
    (negative narrows)."""
    e = np.sort(np.maximum(q[:, 0] - y, y - q[:, 2]) / scale)
    k = min(len(e) - 1, int(np.ceil((len(e) + 1) * level)) - 1)
    return float(e[k]) if len(e) else 0.0


def fit(r: ImpactRows, cfg: ImpactConfig | None = None) -> tuple[ImpactModel, dict]:
    """Train on rows ``r`` (time order); the newest ``holdout_share`` picks the best step
    and sets the conformal widening. Returns the model and metrics."""
    if len(r) < 10:
        raise ModelError(MSG_NO_ROWS.format(what="impact label", action="train on"))
    cfg = cfg or ImpactConfig()
    s_raw, c_raw = size_inputs(r.qty, r.depth1, r.depth5, r.volume_5m), context_inputs(r)
    n_fit = max(1, int(len(r) * (1 - cfg.holdout_share)))
    s_sc, c_sc = Scaler.fit(s_raw[:n_fit]), Scaler.fit(c_raw[:n_fit])
    data = {"s": s_sc(s_raw), "c": c_sc(c_raw), "half": (r.spread_bps / 2).astype(np.float32),
            "y": r.y.astype(np.float32)}
    tr = {k: jnp.asarray(v[:n_fit]) for k, v in data.items()}
    ho = {k: jnp.asarray(v[n_fit:]) for k, v in data.items()} if n_fit < len(r) else tr
    net = ImpactNet(hidden=cfg.hidden, mono_hidden=cfg.mono_hidden, n_size=len(SIZE_INPUTS))
    rng = jax.random.PRNGKey(cfg.seed)
    rng, k0 = jax.random.split(rng)
    params = net.init(k0, tr["s"][:1], tr["c"][:1])["params"]
    state = new_state(net, params, cfg)
    step = make_train_step(net, cfg.batch)
    best, best_loss, history = state.params, _loss(net, state.params, ho), []
    for i in range(1, cfg.steps + 1):
        rng, k = jax.random.split(rng)
        state, loss = step(state, tr, k)
        if i % cfg.eval_every == 0 or i == cfg.steps:
            hl = _loss(net, state.params, ho)
            history.append({"step": i, "train": float(loss), "holdout": hl})
            if hl < best_loss:
                best, best_loss = state.params, hl
    q = np.asarray(predict_bps(net.apply, best, ho["s"], ho["c"], ho["half"]), np.float64)
    scale = interval_scale(r, cfg.interval_scale)
    widen = conformal_widen(q, np.asarray(ho["y"], np.float64),
                            scale[n_fit:] if n_fit < len(r) else scale)
    model = ImpactModel(params=jax.device_get(best), config=cfg, s_scaler=s_sc, c_scaler=c_sc,
                        widen=widen)
    return model, {"rows": len(r), "holdout_rows": len(r) - n_fit,
                   "holdout_pinball": best_loss, "widen": widen, "history": history}
