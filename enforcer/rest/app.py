"""REST API of the enforcer daemon (FastAPI). OpenAPI spec at /openapi.json, docs at /docs.

    GET  /health              liveness: {"status": "ok"}
    GET  /state               Enforcer.state()
    GET  /limits/{sym}        Enforcer.limits_for(sym, strategy)   (404: unknown symbol)
    POST /check               dry-run verdict via Enforcer.check (records nothing)
    POST /halt, /resume       operator halt/resume of one symbol or all      [bearer token]
    POST /killswitch          engage (default) or release the kill switch      [bearer token]
    GET  /breakers            tripped circuit breakers with their scope (global, strategy,
                              session: a FIX SenderCompID) and name
    POST /breaker/reset       reset a circuit breaker (a strategy's, a FIX session's, a
                              symbol's latch, or all); answers the scope reset  [bearer token]
    POST /quote               reference quote to the engine (and the venue)    [bearer token]

Every handler turns the JSON body into one frozen command and calls one entry point.
Errors are 4xx with {"detail": "<one line>"}: 400 invalid JSON, 401 missing/bad token,
404 unknown symbol, 422 a field of the wrong type or an order the engine calls malformed
(UNKNOWN_SYMBOL, BAD_QTY, BAD_PRICE, BAD_SIDE, BAD_ORDER_TYPE; the decision is in the body).
"""

from __future__ import annotations

import hmac
import math
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from enforcer.commands import NewOrder, OperatorCommand
from enforcer.lots import Lots
from enforcer.reasons import MALFORMED_MASK, mask_to_names
from enforcer.rest.config import RestConfig

MALFORMED = frozenset(mask_to_names(MALFORMED_MASK))
_HINTS = {"UNKNOWN_SYMBOL": "symbol is not known to the static rule set",
          "BAD_QTY": "qty must be > 0 and a whole number of the symbol's lot",
          "BAD_PRICE": "price must be finite and > 0 (and given for a LIMIT order)",
          "BAD_SIDE": "side must be 'B' or 'S'",
          "BAD_ORDER_TYPE": "order_type must be LIMIT or MARKET"}


BearerCred = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


class ApiError(Exception):
    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


class OrderIn(BaseModel):
    """An order to check. qty in venue units (a whole number of the symbol's lot: 0.05 BTC
    on a 1e-8 lot); price in currency (null for MARKET); ts UTC ns."""

    model_config = ConfigDict(extra="forbid")
    sym: str = Field(min_length=1, max_length=64)
    side: str = Field(description="'B' or 'S'")
    qty: int | float
    price: float | None = None
    order_type: str = "LIMIT"
    trader: str = Field(default="rest", max_length=64)
    strategy: str = Field(default="default", max_length=64)
    order_id: int = Field(default=0, ge=0, lt=1 << 63)
    ts: int | None = Field(default=None, description="UTC ns; default: now")


class OperatorIn(BaseModel):
    """Who does it and why (both logged). sym: one symbol, or null for all."""

    model_config = ConfigDict(extra="forbid")
    who: str = Field(min_length=1, max_length=64)
    why: str = Field(min_length=1, max_length=500)
    sym: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("who", "why")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v


class BreakerIn(OperatorIn):
    """strategy / session: reset that strategy's / FIX session's (SenderCompID) breaker
    only (automatic trips are per strategy and per session); none of sym, strategy and
    session: the global breaker and every strategy's and session's."""

    strategy: str | None = Field(default=None, min_length=1, max_length=64)
    session: str | None = Field(default=None, min_length=1, max_length=64)


class KillIn(OperatorIn):
    engage: bool = True


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sym: str = Field(min_length=1, max_length=64)
    bid: float = Field(gt=0, allow_inf_nan=False)
    ask: float = Field(gt=0, allow_inf_nan=False)
    ts: int | None = None


def jsonable(x: Any) -> Any:
    """Make engine output JSON-safe: non-finite floats -> None, tuples -> lists."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set | frozenset):
        return [jsonable(v) for v in x]
    if x is None or isinstance(x, str | int | bool):
        return x
    return str(x)


def decision_json(d) -> dict[str, Any]:
    return {"order_id": d.order_id, "ts": d.ts, "verdict": d.verdict, "reasons": list(d.reasons),
            "limits_version": d.limits_version, "mode": d.mode,
            "static_verdict": d.static_verdict, "dynamic_verdict": d.dynamic_verdict,
            "risk_state": d.risk_state, "static_reasons": list(d.static_reasons),
            "dynamic_reasons": list(d.dynamic_reasons)}


def breaker_scope(body: BreakerIn) -> str:
    """What a reset reaches: 'session', 'strategy', both ('strategy+session'), 'latch'
    (a symbol) or 'all'."""
    parts = [n for n, v in (("strategy", body.strategy), ("session", body.session)) if v]
    if parts:
        return "+".join(parts)
    return "latch" if body.sym is not None else "all"


def _field_errors(exc: RequestValidationError) -> tuple[int, str]:
    parts = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            return 400, f"invalid JSON: {e.get('ctx', {}).get('error', 'cannot parse body')}"
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    return 422, "; ".join(parts)[:500] or "invalid request"


def create_app(enforcer, *, config: RestConfig, on_quote=None, clock=time.time_ns,
               advice=None) -> FastAPI:
    """FastAPI app over `enforcer`. on_quote(sym, bid, ask, ts): quote sink (default: the
    engine's own `on_quote`; the daemon passes the FIX gateway's so the venue sees it too).
    advice: an `enforcer.advice.AdviceBoard` to serve GET /advice/{sym} (no route without)."""
    app = FastAPI(title="adaptrisk enforcer", version="1", description=__doc__)
    _add_error_handlers(app)
    _add_read_routes(app, enforcer, clock)
    if advice is not None:
        _add_advice_route(app, advice)
    _add_operator_routes(app, enforcer, config, on_quote or enforcer.on_quote, clock)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": exc.detail, **jsonable(exc.extra)}, exc.status,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        status, detail = _field_errors(exc)
        return JSONResponse({"detail": detail}, status)


def _add_read_routes(app: FastAPI, enforcer, clock) -> None:
    lots = getattr(enforcer, "lots", None) or Lots()  # venue units -> lots at this edge
    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "ts": clock()}

    @app.get("/state")
    def state() -> dict:
        return jsonable(enforcer.state())

    @app.get("/breakers")
    def breakers() -> dict:
        # the operator state is an immutable snapshot: no engine lock for one key
        return {"breakers": jsonable(enforcer.controls.state.breakers)}

    @app.get("/limits/{sym}")
    def limits(sym: str, strategy: str = "*") -> dict:
        try:
            out = enforcer.limits_for(sym, strategy)
        except KeyError:
            out = None
        if not out or out.get("known") is False:
            raise ApiError(404, f"unknown symbol {sym!r}")
        return jsonable(out)

    @app.post("/check")
    def check(order: OrderIn) -> dict:
        cmd = NewOrder(order_id=order.order_id, ts=order.ts or clock(), trader=order.trader,
                       strategy=order.strategy, sym=order.sym, side=order.side,
                       qty=lots.to_lots(order.sym, order.qty), price=order.price,
                       order_type=order.order_type)
        d = enforcer.check(cmd)
        bad = [r for r in d.reasons if r in MALFORMED]
        if bad:
            why = lots.why_bad(order.sym, order.qty)
            hints = {**_HINTS, "BAD_QTY": why} if why else _HINTS
            detail = "; ".join(f"{r}: {hints.get(r, 'malformed')}" for r in bad)
            raise ApiError(422, detail, decision=decision_json(d))
        return decision_json(d)


def _add_advice_route(app: FastAPI, board) -> None:
    @app.get("/advice/{sym}")
    def advice(sym: str) -> dict:
        row = board.get(sym)
        if row is None:
            raise ApiError(404, f"no execution advice for {sym!r}")
        return jsonable(row)


def _add_operator_routes(app: FastAPI, enforcer, config: RestConfig, quote_sink, clock) -> None:
    def authorised(cred: BearerCred) -> None:
        ok = (config.token is not None and cred is not None
              and cred.scheme.lower() == "bearer"
              and hmac.compare_digest(cred.credentials.encode(), config.token.encode()))
        if not ok:
            raise ApiError(401, "missing or invalid bearer token")

    auth = [Depends(authorised)]

    def _operator(action: str, body: OperatorIn) -> dict:
        cmd = OperatorCommand(action=action, who=body.who, why=body.why, sym=body.sym,
                              strategy=getattr(body, "strategy", None),
                              session=getattr(body, "session", None))
        try:
            enforcer.operator(cmd)
        except (ValueError, KeyError) as e:
            raise ApiError(422, f"{action} refused: {e}") from None
        return {"ok": True, "action": action, "sym": body.sym, "who": body.who}

    @app.post("/halt", dependencies=auth)
    def halt(body: OperatorIn) -> dict:
        return _operator("halt", body)

    @app.post("/resume", dependencies=auth)
    def resume(body: OperatorIn) -> dict:
        return _operator("resume", body)

    @app.post("/killswitch", dependencies=auth)
    def killswitch(body: KillIn) -> dict:
        return _operator("kill" if body.engage else "unkill",
                         OperatorIn(who=body.who, why=body.why, sym=None))

    @app.post("/breaker/reset", dependencies=auth)
    def breaker_reset(body: BreakerIn) -> dict:
        out = _operator("reset_breaker", body)
        return {**out, "scope": breaker_scope(body), "strategy": body.strategy,
                "session": body.session}

    @app.post("/quote", dependencies=auth)
    def quote(q: QuoteIn) -> dict:
        if q.bid > q.ask:
            raise ApiError(422, "bid must be <= ask")
        quote_sink(q.sym, q.bid, q.ask, q.ts or clock())
        return {"ok": True}
