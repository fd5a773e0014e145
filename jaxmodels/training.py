"""Training from the store: read both layers' data, fit (here or on a Dask worker), save."""

from __future__ import annotations

from jaxmodels.config import ModelsConfig
from jaxmodels.data import events, market_rows
from jaxmodels.model import fit_layers, normal_mask
from jaxmodels.persist import register_layers
from jaxmodels.registry import Registry


def train_and_register(store, reg: Registry, cfg: ModelsConfig, *, since: int,
                       until: int, submit=None) -> dict:
    """Train both layers on (since, until] of the store; save both; return ids and metrics.
    ``submit(fn, *args) -> future`` runs the fit elsewhere (a Dask client's ``submit``)."""
    fut = (submit or _run_here)(fit_layers, *layer_data(store, cfg, since, until), cfg)
    return register_layers(reg, *fut.result())


def layer_data(store, cfg: ModelsConfig, since: int, until: int) -> tuple:
    """(MarketRows, normal mask, order table) of (since, until] read from the store."""
    from jaxmodels.data import order_rows

    rows = market_rows(store, cfg.vae.inputs, since, until)
    return rows, normal_mask(rows, events(store)), order_rows(store, since, until)


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _run_here(fn, *args):
    """In-process stand-in for ``Client.submit``."""
    return _Done(fn(*args))
