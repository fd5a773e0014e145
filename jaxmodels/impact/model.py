"""The impact network: realised slippage (bps) and its 10 % / 90 % quantiles.

Pure functions of (params, batch). ``s`` float32[B, 3] standardised size inputs, ``c``
float32[B, 7] standardised context, ``half`` float32[B] half the quoted spread (bps).

Monotone in size by construction: each quantile head is ``base(c) + sum_j softplus(v_j)
tanh(s @ softplus(W) + b(c))_j`` -- non-negative weights on the size path and monotone
activations, so for a fixed context every head is non-decreasing in both size inputs (and
they are non-decreasing in the order size). The heads are ordered without losing that:
``q10 = min(h10, h50)`` and ``q90 = max(h90, h50)`` (a min or max of non-decreasing
functions is non-decreasing). Output in bps is ``half x head``: a positive per-order scale
that does not depend on size.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxmodels.impact.config import QUANTILES

N_Q = len(QUANTILES)


class ImpactNet(nn.Module):
    """Context trunk -> per-head base and size-path biases; monotone size path per head."""

    hidden: int = 32
    mono_hidden: int = 16
    n_size: int = 3

    @nn.compact
    def __call__(self, s, c):
        h = nn.gelu(nn.Dense(self.hidden)(c))
        h = nn.gelu(nn.Dense(self.hidden)(h))
        base = nn.Dense(N_Q)(h)                                        # [B, Q]
        bias = nn.Dense(N_Q * self.mono_hidden)(h).reshape(-1, N_Q, self.mono_hidden)
        init = nn.initializers.normal(0.5)
        w1 = self.param("w_size", init, (self.n_size, N_Q, self.mono_hidden))
        w2 = self.param("w_out", init, (N_Q, self.mono_hidden))
        z = jnp.tanh(jnp.einsum("bs,sqh->bqh", s, nn.softplus(w1)) + bias)
        raw = base + jnp.einsum("bqh,qh->bq", z, nn.softplus(w2))
        lo = jnp.minimum(raw[:, 0], raw[:, 1])
        hi = jnp.maximum(raw[:, 2], raw[:, 1])
        return jnp.stack([lo, raw[:, 1], hi], axis=-1)                 # spread units


def predict_bps(apply_fn, params, s, c, half, widen=0.0):
    """float32[B, 3] (q10, q50, q90) in bps; ``widen`` (spread units, split-conformal) moves
    the outer quantiles apart (or together, never past the median)."""
    q = apply_fn({"params": params}, s, c)
    lo = jnp.minimum(q[:, 0] - widen, q[:, 1])
    hi = jnp.maximum(q[:, 2] + widen, q[:, 1])
    return jnp.stack([lo, q[:, 1], hi], axis=-1) * half[:, None]


def pinball(pred, y):
    """Mean pinball loss over rows and the three quantiles; pred float[B, 3], y float[B]."""
    tau = jnp.asarray(QUANTILES, pred.dtype)
    d = y[:, None] - pred
    return jnp.mean(jnp.maximum(tau * d, (tau - 1.0) * d))


def make_predict(net: ImpactNet):
    """The jit-compiled predictor ``(params, s, c, half, widen) -> float32[B, 3]`` bps."""

    @jax.jit
    def predict(params, s, c, half, widen):
        return predict_bps(net.apply, params, s, c, half, widen)

    return predict
