"""The web chat page's routes, mounted on the HTTP service's app (`create_http_app`).

    GET  /                         the page (static HTML; the script and styles under /static/)
    GET  /signin?token=...         spends a one-time sign-in token, sets the session cookie, back to /
    POST /web/signout
    GET  /web/me                   who is signed in, and which Halo and model are in use (the banner)
    POST /web/chat                 {conversation, message}: the turn as an SSE stream of agent events
    POST /web/confirm              {conversation, pending_id, answer: yes|no}: the rest of the turn
    GET  /web/approvals            pauses this person may act on (their own, and approvals to decide)
    POST /web/approvals/{id}/approve | /deny   {reason?}

The person comes from the session cookie or a trusted SSO proxy (see signin.py), never from the page.
POSTs need the header `X-Halo-Web: 1`, which a cross-site form cannot send (with the SameSite=Strict
cookie, a second guard against cross-site requests). Turns run through the same runner, service and
JSON/SSE answers as `/v1/chat`.
"""

from __future__ import annotations

import hashlib
import math
from importlib import resources
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from halo_agent.agent.service import AgentService
from halo_agent.channels import http_app
from halo_agent.channels.forwarded import TrustedProxies, direct_peer, sso_user
from halo_agent.channels.http_auth import ApiError, Gate
from halo_agent.channels.http_models import MAX_MESSAGE_CHARS, PendingView
from halo_agent.channels.turns import TurnRunner
from halo_agent.channels.web.signin import COOKIE_NAME, SESSION_TTL_SECONDS, SignIns
from halo_agent.cli_common import backend_label, model_label
from halo_agent.principal import Principal

STATIC = resources.files("halo_agent.channels.web") / "static"
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
CSRF_HEADER = "x-halo-web"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the sign-in token is in a URL: never pass it on
}


SIGNIN_FAILED = (
    "<!doctype html><title>Sign-in</title><p>This sign-in link was already used or has expired. "
    "Restart <code>halo-agent serve</code> for a new one.</p>"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_CONVERSATION = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class WebChat(_Strict):
    conversation: str = _CONVERSATION
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class WebConfirm(_Strict):
    conversation: str = _CONVERSATION
    pending_id: str = Field(min_length=1, max_length=100)
    answer: Literal["yes", "no"]


class WebDecision(_Strict):
    reason: str | None = Field(default=None, max_length=2_000)


def add_web_routes(app: FastAPI) -> None:
    app.state.signins = SignIns(app.state.service.storage.signins)
    _add_page_routes(app)
    _add_turn_routes(app)
    _add_approval_routes(app)


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _add_page_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service
    signins: SignIns = app.state.signins

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(_static("index.html"), headers=SECURITY_HEADERS)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC_FILES:
            return Response("not found", status_code=404)
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return Response(_static(name), media_type=STATIC_FILES[name], headers=headers)

    @app.get("/signin", include_in_schema=False)
    async def signin(request: Request, token: str = "") -> Response:
        cookie = signins.redeem(token)
        if cookie is None:
            return HTMLResponse(SIGNIN_FAILED, 401, SECURITY_HEADERS)
        response = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(
            COOKIE_NAME, cookie, max_age=SESSION_TTL_SECONDS, httponly=True, samesite="strict",
            secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
        return response

    @app.post("/web/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        _require_page(request)
        signins.sign_out(request.cookies.get(COOKIE_NAME))
        response = JSONResponse({"signed_out": True})
        response.delete_cookie(COOKIE_NAME, path="/")
        return response

    @app.get("/web/me", include_in_schema=False)
    async def me(request: Request) -> dict[str, Any]:
        principal = await web_principal(request)
        settings = service.settings
        return {
            "name": principal.describe(), "role": principal.role, "halo": backend_label(settings),
            "model": model_label(settings), "sandbox": service.sandbox is not None,
        }  # fmt: skip


def _add_turn_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service
    runner: TurnRunner = app.state.runner

    @app.post("/web/chat", include_in_schema=False)
    async def chat(body: WebChat, request: Request) -> Response:
        principal = await _page_principal(request)
        session_id = web_session_id(principal, body.conversation)
        feed = runner.start(lambda: service.handle(body.message, principal, session_id))
        return await http_app._answer(request, session_id, feed)

    @app.post("/web/confirm", include_in_schema=False)
    async def confirm(body: WebConfirm, request: Request) -> Response:
        principal = await _page_principal(request)
        session_id = web_session_id(principal, body.conversation)
        http_app._known_pending(service, body.pending_id)
        yes = body.answer == "yes"
        feed = runner.start_call(lambda: service.confirm(session_id, body.pending_id, principal, yes=yes))
        return await http_app._answer(request, session_id, feed, pending_id=body.pending_id)


def _add_approval_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service

    @app.get("/web/approvals", include_in_schema=False)
    async def approvals(request: Request) -> list[dict[str, Any]]:
        principal = await web_principal(request)
        return [
            {**PendingView.of(record).model_dump(mode="json"), "mine": record.requester.key == principal.key}
            for record in service.pending(principal)
        ]

    @app.post("/web/approvals/{pending_id}/{verdict}", include_in_schema=False)
    async def decide(pending_id: str, verdict: str, body: WebDecision, request: Request) -> Response:
        if verdict not in ("approve", "deny"):
            return JSONResponse({"error": "not_found", "detail": "approve or deny"}, status_code=404)
        principal = await _page_principal(request)
        result = await http_app._decide(
            service, pending_id, principal, approve=verdict == "approve", reason=body.reason
        )
        return JSONResponse(result.model_dump(mode="json"))


def web_session_id(principal: Principal, conversation: str) -> str:
    """The page's conversation for this person only: another person's id lands in another session."""
    digest = hashlib.sha256(f"{principal.key}\0{conversation}".encode()).hexdigest()
    return f"web-{digest[:40]}"


async def web_principal(request: Request) -> Principal:
    """The signed-in person (cookie), or the one a trusted SSO proxy names; 401 otherwise."""
    signins: SignIns = request.app.state.signins
    principal = signins.principal(request.cookies.get(COOKIE_NAME))
    if principal is not None:
        return principal
    proxies: TrustedProxies = request.app.state.trusted_proxies
    user = sso_user(request.headers, direct_peer(request), proxies)
    if user is None:
        raise ApiError(401, "signed_out", "not signed in: open the sign-in link `halo-agent serve` printed")
    service: AgentService = request.app.state.service
    return await service.resolve_principal(user.role, email=user.email, agent_id=user.agent_id)


async def _page_principal(request: Request) -> Principal:
    """For POSTs: the page's own header, the person, and their rate limit."""
    _require_page(request)
    principal = await web_principal(request)
    gate: Gate = request.app.state.gate
    wait = gate.limiter.acquire(principal.key)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        retry = {"Retry-After": str(seconds)}
        raise ApiError(429, "rate_limited", f"too many requests; retry in {seconds} s", retry)
    return principal


def _require_page(request: Request) -> None:
    if request.headers.get(CSRF_HEADER) != "1":
        raise ApiError(403, "not_from_the_page", f"send the header {CSRF_HEADER}: 1 (the page does)")
