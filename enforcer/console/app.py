"""The console's routes, mounted on the daemon's REST app under /console.

    GET  /console/login, POST /console/login     a bearer token -> an HttpOnly cookie
    GET  /console/                               live board (viewer)
    GET  /console/board/stream                   board rows + controls over SSE
    POST /console/kill, /console/reset           kill switch, breaker reset (operator)
    GET  /console/overrides, POST /console/overrides, POST /console/overrides/{id}/{decision}
    GET  /console/review, POST /console/review   disagreements, agree/disagree labels
    GET  /console/models, POST /console/models/{id}/{action}
    GET  /console/audit                          the audit trail (also SQL: table audit)

Authentication: `Authorization: Bearer <token>` or the cookie set at login; a token names
a user and a role (enforcer.console.config). Every POST turns its form into one frozen
command (enforcer.console.commands) for `Console.execute`; the answer is an HTML fragment
(status 200 done, 409 refused, with the reason), which htmx swaps into the page's flash.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from enforcer.console.cells import BoardFeed, cells, row_id
from enforcer.console.commands import (
    DecideOverride,
    Kill,
    LabelDecision,
    ModelAction,
    RequestOverride,
    ResetBreaker,
)
from enforcer.console.config import User
from enforcer.console.service import Console, Outcome
from enforcer.overrides import OVERRIDABLE

HERE = Path(__file__).parent
COOKIE = "adaptrisk_console"
CHECK_S = 0.05  # how often the SSE stream looks for a change (pushes: push_interval_s apart)
_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(["html"]))


def _utc(ns: Any) -> str:
    if not isinstance(ns, int):
        return ""
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


_env.filters["utc"] = _utc
_env.globals.update(cells=cells, row_id=row_id)


class NeedLogin(Exception):
    pass


def render(name: str, **ctx: Any) -> str:
    return _env.get_template(name).render(**ctx)


def _sse(event: str, html: str) -> str:
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in html.split("\n")) + "\n"


def signed_in(request: Request) -> User:
    """The user of the request's bearer token (header, else the login cookie)."""
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else \
        request.cookies.get(COOKIE)
    u = request.app.state.console.cfg.user_for(token)
    if u is None:
        raise NeedLogin()
    return u


Who = Annotated[User, Depends(signed_in)]


def mount_console(app: FastAPI, console: Console) -> None:
    """Serve `console` on `app` under /console (pages, SSE stream, vendored static files)."""
    r = APIRouter(prefix="/console")
    app.state.console = console
    _login_routes(app, r, console)
    _board_routes(r, console)
    _action_routes(r, console)
    _page_routes(r, console)
    app.include_router(r)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")


def page(name: str, u: User, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render(name, user=u, page=name.split(".")[0], **ctx))


def outcome(o: Outcome) -> HTMLResponse:
    return HTMLResponse(render("flash.html", o=o), 200 if o.ok else 409)


def _login_routes(app: FastAPI, r: APIRouter, console: Console) -> None:
    cfg = console.cfg

    @app.exception_handler(NeedLogin)
    async def _need_login(request: Request, _exc: NeedLogin) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/console/login", 303)
        return HTMLResponse("missing or invalid token", 401,
                            headers={"WWW-Authenticate": "Bearer"})

    @r.get("/login", response_class=HTMLResponse)
    def login_form() -> str:
        return render("login.html", user=None, page="login")

    @r.post("/login")
    def login(token: Annotated[str, Form()]) -> Response:
        if cfg.user_for(token) is None:
            return HTMLResponse(render("login.html", user=None, page="login",
                                       error="unknown token"), 401)
        resp = RedirectResponse("/console/", 303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/console")
        return resp

    @r.post("/logout")
    def logout() -> Response:
        resp = RedirectResponse("/console/login", 303)
        resp.delete_cookie(COOKIE, path="/console")
        return resp


def _board_routes(r: APIRouter, console: Console) -> None:
    cfg = console.cfg

    @r.get("/", response_class=HTMLResponse)
    def board(u: Who) -> HTMLResponse:
        console.board.refresh()
        return page("board.html", u, rows=console.board.rows(),
                    ctl=console.enf.state(),
                    history_min=round(cfg.history_s / 60))

    @r.get("/board/rows", response_class=HTMLResponse)
    def board_rows(u: Who) -> str:
        console.board.refresh()
        return render("board_rows.html", rows=console.board.rows())

    @r.get("/board/stream")
    async def stream(request: Request, u: Who) -> StreamingResponse:
        async def events():
            last, pushed, ctl = -1, 0.0, None
            feed = BoardFeed(lambda rows: render("board_rows.html", rows=rows))
            yield "retry: 1000\n\n"
            while not await request.is_disconnected():
                await anyio.to_thread.run_sync(console.board.refresh)
                b = console.board
                if b.version != last and time.monotonic() - pushed >= cfg.push_interval_s:
                    last, pushed = b.version, time.monotonic()
                    rows = await anyio.to_thread.run_sync(b.rows)
                    st = await anyio.to_thread.run_sync(console.enf.state)
                    out = await anyio.to_thread.run_sync(feed.step, rows)
                    for event, data in out:  # the whole body, or only changed cells
                        yield _sse(event, data)
                    html = render("controls_state.html", ctl=st)
                    if html != ctl:
                        ctl = html
                        yield _sse("controls", html)
                await asyncio.sleep(CHECK_S)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})


def _action_routes(r: APIRouter, console: Console) -> None:
    @r.post("/kill")
    def kill(u: Who, scope: Annotated[str, Form()], why: Annotated[str, Form()] = "",
             name: Annotated[str, Form()] = "", engage: Annotated[str, Form()] = "1",
             reduce_only: Annotated[str, Form()] = "") -> HTMLResponse:
        return outcome(console.execute(Kill(
            user=u, scope=scope, name=name, why=why, engage=engage == "1",
            reduce_only=bool(reduce_only))))

    @r.post("/reset")
    def reset(u: Who, scope: Annotated[str, Form()], why: Annotated[str, Form()] = "",
              name: Annotated[str, Form()] = "") -> HTMLResponse:
        return outcome(console.execute(ResetBreaker(user=u, scope=scope, name=name, why=why)))

    @r.post("/overrides")
    def override_request(u: Who, sym: Annotated[str, Form()],
                         limit_name: Annotated[str, Form()], value: Annotated[float, Form()],
                         expires_s: Annotated[float, Form()], why: Annotated[str, Form()] = "",
                         strategy: Annotated[str, Form()] = "*") -> HTMLResponse:
        return outcome(console.execute(RequestOverride(
            user=u, sym=sym, strategy=strategy or "*", limit_name=limit_name, value=value,
            expires_s=expires_s, why=why)))

    @r.post("/overrides/{override_id}/{decision}")
    def override_decide(u: Who, override_id: str, decision: str,
                        why: Annotated[str, Form()] = "") -> HTMLResponse:
        return outcome(console.execute(DecideOverride(
            user=u, override_id=override_id, decision=decision, why=why)))

    @r.post("/review")
    def review_label(u: Who, log_id: Annotated[str, Form()], seq: Annotated[int, Form()],
                     label: Annotated[str, Form()],
                     comment: Annotated[str, Form()] = "") -> HTMLResponse:
        return outcome(console.execute(LabelDecision(user=u, log_id=log_id, seq=seq,
                                                     label=label, comment=comment)))

    @r.post("/models/{model_id}/{action}")
    def model_action(u: Who, model_id: str, action: str,
                     why: Annotated[str, Form()] = "") -> HTMLResponse:
        return outcome(console.execute(ModelAction(user=u, model_id=model_id, action=action,
                                                   why=why)))


def _page_routes(r: APIRouter, console: Console) -> None:
    @r.get("/overrides", response_class=HTMLResponse)
    def overrides(u: Who) -> HTMLResponse:
        return page("overrides.html", u, rows=console.overrides.latest(),
                    limits=OVERRIDABLE, syms=sorted(console.enf.snapshot().static))

    @r.get("/review", response_class=HTMLResponse)
    def review(u: Who) -> HTMLResponse:
        rows = [] if console.store is None else console.store.query_file(
            "console/disagreements.sql", [200]).to_pylist()
        return page("review.html", u, rows=rows)

    @r.get("/models", response_class=HTMLResponse)
    def models(u: Who) -> HTMLResponse:
        m = console.models
        return page("models.html", u, rows=m.listing() if m else [],
                    drift=m.drift() if m else [], root=str(m.root) if m else None)

    @r.get("/audit", response_class=HTMLResponse)
    def audit(u: Who) -> HTMLResponse:
        rows = console.audit.rows()
        for row in rows:
            row["ts_ns"] = row.get("ts_ns", row.get("ts"))
            for k in ("before", "after"):
                row[k] = row[k] if row.get(k) is None else json.dumps(json.loads(row[k]))
        return page("audit.html", u, rows=rows)
