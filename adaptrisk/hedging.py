"""The hedger in the system: train and register it, evaluate it, and run its schedule for a
book as hedge orders through the enforcer.

``run_schedule`` walks one hedging episode step by step: at each decision time the policy
gives a target position for the book's current greeks, the difference from the position
held becomes an order submitted to the enforcer (the same gate as every other order: a
REDUCING state passes only orders that move the strategy's position toward zero, HALTED
and the limits block them), an accepted order is filled at its limit price (no venue in
this loop: the fill is reported to the enforcer so its position follows), a rejected one
leaves the position as it was and the next decision starts from there. Each order with
its decision goes to ``hedge_orders``, each decision time to ``hedge_schedule``.

The price path is simulated from the book's spot by the environment the hedger was trained
on (GBM or Heston), seeded; it is not read from the store's quotes.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pyarrow as pa

from enforcer.commands import Fill, NewOrder
from jaxmodels.hedge import baselines
from jaxmodels.hedge.agent import make_policy
from jaxmodels.hedge.config import BookConfig, HedgeConfig, MarketConfig
from jaxmodels.hedge.env import env_params, greeks_jit, observe_jit, reset_jit, step_jit
from jaxmodels.hedge.evaluate import evaluate
from jaxmodels.hedge.persist import KIND, load, save
from jaxmodels.hedge.training import train
from jaxmodels.registry import Registry

BASELINES = {"bs_delta": baselines.bs_delta, "no_hedge": baselines.no_hedge}


def train_and_register(reg: Registry, cfg: HedgeConfig, *, eval_paths: int = 10_000) -> dict:
    """Train, evaluate out of sample and register a hedger; return id and figures."""
    trained = train(cfg)
    figures = evaluate(cfg, trained.params, n_paths=eval_paths) if eval_paths else None
    mid = save(reg, cfg, trained, figures)
    return {"id": mid, "wall_s": trained.wall_s, "backend": trained.backend,
            "val_objective": trained.val_objective, "evaluation": figures}


def resolve(reg: Registry, model: str | None) -> str:
    """The hedger id: ``model``, else the promoted one, else the newest of kind hedge."""
    if model:
        return model
    mid = reg.promoted(KIND)
    if mid:
        return mid
    ids = [m for m in reg.ids() if reg.manifest(m).get("kind") == KIND]
    if not ids:
        raise ValueError("no hedger in the registry: run `adaptrisk hedge train` first")
    return sorted(ids, key=lambda m: reg.manifest(m)["created"])[-1]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Book:
    """A book to hedge: its underlying ``sym``, ``spot``, the options (BookConfig) and the
    hedge position held now (shares)."""

    sym: str
    spot: float
    options: BookConfig
    position: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Book:
        """{"sym", "spot", "position"?, "options": [{"qty", "strike", "expiry_days",
        "call"}...]}; unknown keys are an error."""
        unknown = sorted(set(d) - {"sym", "spot", "position", "options"})
        if unknown:
            raise ValueError(f"book: unknown keys {unknown}")
        opts = d.get("options") or []
        if not opts or not d.get("sym") or float(d.get("spot", 0)) <= 0:
            raise ValueError("book: needs sym, spot > 0 and at least one option")
        bc = BookConfig(qty=tuple(float(o["qty"]) for o in opts),
                        strike=tuple(float(o["strike"]) for o in opts),
                        expiry_days=tuple(float(o["expiry_days"]) for o in opts),
                        is_call=tuple(bool(o.get("call", True)) for o in opts))
        return cls(sym=str(d["sym"]), spot=float(d["spot"]), options=bc,
                   position=int(d.get("position", 0)))


def book_config(cfg: HedgeConfig, book: Book) -> HedgeConfig:
    """The hedger's configuration with the book's options and spot."""
    return cfg.replace(book=book.options,
                       market=MarketConfig(**{**cfg.market.to_dict(), "s0": book.spot}))


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunSpec:
    """How a schedule is sent: strategy and trader names, first order id, start time and
    spacing of decision times (ns), the path's seed, the model version recorded."""

    strategy: str = "HEDGE"
    trader: str = "hedger"
    first_order_id: int = 0
    start_ts: int = 0
    step_ns: int = 1_000_000_000
    seed: int = 0
    model_version: str = "bs_delta"
    run_id: str = ""


def run_schedule(enf, cfg: HedgeConfig, policy: Callable, pp, book: Book,
                 spec: RunSpec) -> tuple[pa.Table, pa.Table, dict]:
    """Walk one episode of ``book`` under ``policy``, every trade through ``enf`` (an
    ``enforcer.engine.Enforcer``). Returns (hedge_orders rows, hedge_schedule rows,
    summary)."""
    params = env_params(book_config(cfg, book))
    pol = jax.jit(policy)
    k0, k1 = jax.random.split(jax.random.PRNGKey(spec.seed))
    _, st = reset_jit(k0, params)
    st = st.replace(h=st.h * 0 + book.position)
    keys = jax.random.split(k1, params.max_steps_in_episode)
    horizon = params.max_steps_in_episode * params.dt
    run_id = spec.run_id or uuid.uuid4().hex[:12]
    orders: list[dict] = []
    sched: list[dict] = []
    cum, oid = 0.0, spec.first_order_id
    for step in range(params.max_steps_in_episode):
        ts = spec.start_ts + step * spec.step_ns
        g = greeks_jit(st, params)
        spot, held = round(float(st.s), 4), int(round(float(st.h)))
        obs = observe_jit(st, params)
        target = int(round(float(np.clip(float(pol(pp, obs, st, params)),
                                         -params.max_shares, params.max_shares))))
        n, verdict = target - held, "NONE"
        if n != 0:
            d = _send(enf, spec, oid, ts, book.sym, n, spot)
            verdict = d.verdict
            orders.append({"ts": ts, "run_id": run_id, "order_id": oid, "sym": book.sym,
                           "strategy": spec.strategy, "side": "B" if n > 0 else "S",
                           "qty": abs(n), "price": spot, "position_before": held,
                           "target_position": target, "verdict": d.verdict,
                           "reasons": ",".join(d.reasons), "risk_state": d.risk_state,
                           "limits_version": d.limits_version,
                           "model_version": spec.model_version})
            oid += 1
        executed = target if verdict == "ACCEPT" else held
        _, st, _, _, info = step_jit(keys[step], st, float(executed), params)
        cost = float(info["cost"])
        cum += cost
        sched.append({"ts": ts, "run_id": run_id, "step": step, "sym": book.sym, "spot": spot,
                      "tau_days": horizon - step * params.dt, "book_delta": float(g.delta),
                      "book_gamma": float(g.gamma), "book_vega": float(g.vega),
                      "target_position": target, "trade_qty": executed - held,
                      "position": executed, "cost": cost, "cum_cost": cum,
                      "verdict": verdict, "model_version": spec.model_version})
    summary = {"run_id": run_id, "steps": len(sched), "orders": len(orders),
               "accepted": sum(o["verdict"] == "ACCEPT" for o in orders),
               "rejected": sum(o["verdict"] == "REJECT" for o in orders),
               "total_cost": cum, "pnl": float(st.w), "final_position": int(round(float(st.h)))}
    return _table(orders), _table(sched), summary


def _send(enf, spec: RunSpec, oid: int, ts: int, sym: str, n: int, spot: float):
    """Submit one hedge order (a quote around ``spot`` first: the collar's reference);
    an accepted order is filled at its price and the fill reported."""
    enf.on_quote(sym, spot * 0.9999, spot * 1.0001, ts)
    side = "B" if n > 0 else "S"
    d = enf.submit(NewOrder(order_id=oid, ts=ts, trader=spec.trader, strategy=spec.strategy,
                            sym=sym, side=side, qty=abs(n), price=spot))
    if d.verdict == "ACCEPT":
        enf.on_fill(Fill(ts=ts, sym=sym, strategy=spec.strategy, side=side, qty=abs(n),
                         price=spot, order_seq=d.seq or None))
    return d


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def write(store, orders: pa.Table, sched: pa.Table) -> dict[str, int]:
    """Append a run's rows to ``hedge_orders`` and ``hedge_schedule``."""
    out = {"hedge_orders": 0, "hedge_schedule": 0}
    for name, t in (("hedge_orders", orders), ("hedge_schedule", sched)):
        if t.num_rows:
            out[name] = store.ingest(name, _with_ts(t), session=None)
    return out


def _with_ts(t: pa.Table) -> pa.Table:
    i = t.schema.get_field_index("ts")
    return t.set_column(i, "ts", t.column("ts").cast(pa.timestamp("ns")))


def policy_for(reg: Registry | None, model: str) -> tuple[HedgeConfig, Callable, Any, str]:
    """(config, policy, policy params, version) for a registry id or a baseline name."""
    if model in BASELINES:
        return HedgeConfig(), BASELINES[model], 0.0, model
    cfg, params, _ = load(reg, model)
    return cfg, make_policy(cfg.agent.hidden), params, model


def now_ns() -> int:
    return time.time_ns()
