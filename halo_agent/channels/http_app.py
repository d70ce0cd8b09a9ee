"""The HTTP service: chat (JSON or SSE), confirmations, approvals, health. OpenAPI at /docs.

    app = create_http_app(service, KeyRing.from_config(None))   # HALO_AGENT_API_KEY
    uvicorn.run(app, host="127.0.0.1", port=8080)

Every request carries `Authorization: Bearer <key>` and names the person (`user`: role + email or agent
id); the key limits the roles it may assert. Errors answer `{"error": "<kind>", "detail": "<message>"}`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.exceptions import HTTPException as StarletteHTTPException

from halo_agent import __version__
from halo_agent.agent.events import AgentEvent
from halo_agent.agent.service import AgentService, IdentityError
from halo_agent.channels.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from halo_agent.channels.forwarded import TrustedProxies, install_proxy_layers
from halo_agent.channels.http_auth import ApiError, ApiKeyFirst, Gate
from halo_agent.channels.http_models import (
    ChatRequest,
    ConfirmRequest,
    DecisionRequest,
    DecisionResponse,
    ErrorBody,
    PendingView,
    TurnResponse,
    UserRef,
)
from halo_agent.channels.input_text import string_not_text, undecodable
from halo_agent.channels.keys import KeyRing
from halo_agent.channels.openai_compat import MAX_COMPLETIONS_BODY_BYTES, add_openai_routes
from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.channels.turns import TurnFeed, TurnRunner, summarize
from halo_agent.channels.web.routes import add_web_routes
from halo_agent.errors import HaloAgentError, PendingError
from halo_agent.halo.errors import HaloError
from halo_agent.principal import Principal
from halo_agent.storage.session_locks import SessionBusyError
from halo_agent.storage.sessions import SessionError
from halo_agent.tools.executor import CallOutcome

SSE_MEDIA_TYPE = "text/event-stream"
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 422, 429, 502)
}


def create_http_app(
    service: AgentService,
    keys: KeyRing,
    *,
    limiter: RateLimiter | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    shutdown_grace_seconds: float = 60.0,
    trusted_proxies: TrustedProxies | None = None,
) -> FastAPI:
    """The ASGI app over one AgentService. The caller owns the service (and closes it).

    `trusted_proxies`: addresses whose forwarded user headers are believed (see channels/forwarded.py).
    """
    runner = TurnRunner()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await runner.drain(shutdown_grace_seconds)  # graceful shutdown: turns in flight finish

    app = FastAPI(
        title="halo-agent", version=__version__, lifespan=lifespan, responses=_ERRORS,
        description="A policy-guarded HaloITSM agent. Authenticate with `Authorization: Bearer <key>`.",
    )  # fmt: skip
    larger = {"/v1/chat/completions": max(max_body_bytes, MAX_COMPLETIONS_BODY_BYTES)}
    app.state.gate = gate = Gate(service, keys, limiter or RateLimiter())
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, larger=larger)
    app.add_middleware(ApiKeyFirst, gate=gate)  # no body is read for a caller without a key
    app.state.service = service
    app.state.trusted_proxies = trusted_proxies or TrustedProxies()
    install_proxy_layers(app, app.state.trusted_proxies)  # outermost: who connected, who is behind it
    app.state.runner = runner
    _install_error_handlers(app)
    _add_chat_routes(app)
    _add_approval_routes(app)
    _add_health_routes(app)
    add_openai_routes(app)
    add_web_routes(app)
    return app


# --- chat and confirmations ---------------------------------------------------------------------------


def _add_chat_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service
    runner: TurnRunner = app.state.runner
    gate: Gate = app.state.gate

    @app.post(
        "/v1/chat", response_model=TurnResponse,
        summary="One turn: JSON, or an SSE stream of the events with `Accept: text/event-stream`",
    )  # fmt: skip
    async def chat(body: ChatRequest, request: Request) -> Response:
        principal = await gate.principal(request, body.user)
        live = "text/event-stream" in request.headers.get("accept", "")  # a JSON answer needs no stream
        feed = runner.start(lambda: service.handle(body.message, principal, body.session_id, live_text=live))
        return await _answer(request, body.session_id, feed)

    @app.post(
        "/v1/sessions/{session_id}/confirm",
        response_model=TurnResponse,
        summary="Answer yes or no to a confirmation the session is waiting for",
    )
    async def confirm(session_id: str, body: ConfirmRequest, request: Request) -> Response:
        principal = await gate.principal(request, body.user)
        _known_session(service, session_id)
        _known_pending(service, body.pending_id)
        feed = runner.start_call(
            lambda: service.confirm(session_id, body.pending_id, principal, yes=body.answer == "yes")
        )
        return await _answer(request, session_id, feed, pending_id=body.pending_id)


async def _answer(
    request: Request, session_id: str, feed: TurnFeed, *, pending_id: str | None = None
) -> Response:
    try:
        first = await feed.first()  # errors before any event still get their own HTTP status
    except PendingError as exc:
        raise _pending_error(request.app.state.service, pending_id, exc) from exc
    if SSE_MEDIA_TYPE in request.headers.get("accept", ""):
        return EventSourceResponse(_sse(first, feed), ping=15)
    events = ([first] if first else []) + [event async for event in feed.rest()]
    answer, paused, error = summarize(events)
    turn = TurnResponse(session_id=session_id, answer=answer, paused=paused, error=error, events=events)
    return JSONResponse(turn.model_dump(mode="json"))


async def _sse(first: AgentEvent | None, feed: TurnFeed) -> AsyncIterator[ServerSentEvent]:
    if first is not None:
        yield _sse_event(first)
    async for event in feed.rest():
        yield _sse_event(event)
    yield ServerSentEvent(data="{}", event="done")


def _sse_event(event: AgentEvent) -> ServerSentEvent:
    return ServerSentEvent(data=event.model_dump_json(), event=event.type)


# --- approvals ----------------------------------------------------------------------------------------


def _add_approval_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service
    gate: Gate = app.state.gate

    @app.get(
        "/v1/approvals",
        response_model=list[PendingView],
        summary="Pauses this user may act on: their own, and approvals their role may decide",
    )
    async def approvals(
        request: Request,
        role: str = Query(min_length=1, max_length=64),
        email: str | None = Query(default=None, max_length=320),
        agent_id: int | None = Query(default=None, ge=1),
    ) -> list[PendingView]:
        user = _query_user(role, email, agent_id)
        principal = await gate.principal(request, user)
        return [PendingView.of(record) for record in service.pending(principal)]

    @app.post("/v1/approvals/{pending_id}/approve", response_model=DecisionResponse)
    async def approve(pending_id: str, body: DecisionRequest, request: Request) -> DecisionResponse:
        principal = await gate.principal(request, body.user)
        return await _decide(service, pending_id, principal, approve=True)

    @app.post("/v1/approvals/{pending_id}/deny", response_model=DecisionResponse)
    async def deny(pending_id: str, body: DecisionRequest, request: Request) -> DecisionResponse:
        principal = await gate.principal(request, body.user)
        return await _decide(service, pending_id, principal, approve=False, reason=body.reason)


def _query_user(role: str, email: str | None, agent_id: int | None) -> UserRef:
    try:
        return UserRef(role=role, email=email, agent_id=agent_id)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "query: give the user's email or agent_id") from exc


async def _decide(
    service: AgentService, pending_id: str, principal: Principal, *, approve: bool, reason: str | None = None
) -> DecisionResponse:
    _known_pending(service, pending_id)
    try:
        if approve:
            outcome: CallOutcome = await service.approve(pending_id, principal)
        else:
            outcome = await service.deny(pending_id, principal, reason)
    except PendingError as exc:
        raise _pending_error(service, pending_id, exc) from exc
    return DecisionResponse(
        pending_id=pending_id, status=outcome.status, result=json.loads(outcome.tool_message),
        events=outcome.events,
    )  # fmt: skip


def _known_session(service: AgentService, session_id: str) -> None:
    if service.sessions.get(session_id) is None:
        raise ApiError(404, "unknown_session", f"there is no session {session_id!r}")


def _known_pending(service: AgentService, pending_id: str) -> None:
    if service.pending_store.get(pending_id) is None:
        raise ApiError(404, "unknown_pending", f"there is no pending request {pending_id!r}")


def _pending_error(service: AgentService, pending_id: str | None, exc: PendingError) -> ApiError:
    """Already decided or expired: 409. Still waiting, but not for this person: 403."""
    record = service.pending_store.get(pending_id) if pending_id else None
    if record is not None and record.state == "pending" and not record.is_expired():
        return ApiError(403, "not_yours", str(exc))
    return ApiError(409, "pending_closed", str(exc))


# --- health -------------------------------------------------------------------------------------------


def _add_health_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service

    @app.get("/healthz", summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="A Halo token is obtainable, the chat model and the storage answer")
    async def readyz() -> JSONResponse:
        checks = {"halo": await _halo_ready(service), "model": await _model_ready(service),
                  "storage": _storage_ready(service)}  # fmt: skip
        ready = all(check["ok"] for check in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def _storage_ready(service: AgentService) -> dict[str, Any]:
    try:
        detail = service.storage.ping()
    except HaloAgentError as exc:
        return {"ok": False, "detail": str(exc)}
    return {"ok": True, "detail": detail}


async def _halo_ready(service: AgentService) -> dict[str, Any]:
    try:
        await service.client.auth.token()
    except HaloAgentError as exc:
        return {"ok": False, "detail": str(exc)}
    return {"ok": True, "detail": "sandbox" if service.sandbox is not None else "token obtained"}


async def _model_ready(service: AgentService) -> dict[str, Any]:
    """A model with a `ping()` coroutine is asked; in-process models (offline, scripted) are always up."""
    ping = getattr(service.model, "ping", None)
    if ping is None:
        return {"ok": True, "detail": f"{service.model.name} (in-process)"}
    try:
        await ping()
    except HaloAgentError as exc:
        return {"ok": False, "detail": str(exc)}
    return {"ok": True, "detail": service.model.name}


# --- errors -------------------------------------------------------------------------------------------


def _install_error_handlers(app: FastAPI) -> None:
    def error(status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": kind, "detail": detail}, status_code=status, headers=headers)

    async def api_error(_r: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error(exc.status, exc.error, exc.detail, exc.headers)

    async def invalid(_r: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error(422, "invalid_request", validation_message(exc))

    async def domain(_r: Request, exc: Exception) -> JSONResponse:
        status, kind = _domain_status(exc)
        return error(status, kind, str(exc) if status != 500 else "internal error; see the server log")

    async def unreadable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI could not read the body as UTF-8
            return error(422, "invalid_request", f"body: malformed JSON: {undecodable(exc.__cause__)}")
        return await http_exception_handler(request, exc)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, unreadable)
    app.add_exception_handler(HaloAgentError, domain)


def _domain_status(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, IdentityError):
        return 403, "unknown_identity"
    if isinstance(exc, SessionError):
        return 403, "session_not_yours"
    if isinstance(exc, PendingError):
        return 409, "pending_closed"
    if isinstance(exc, SessionBusyError):
        return 409, "session_busy"
    if isinstance(exc, HaloError):
        return 502, "halo_unavailable"
    return 500, "internal"


def validation_message(exc: RequestValidationError) -> str:
    """One line per problem, e.g. `body.user.nickname: unknown field`, `body: malformed JSON`."""
    lines = []
    for problem in exc.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()))
        kind = problem.get("type", "")
        if kind == "extra_forbidden":
            text = "unknown field (not part of this API)"
        elif kind == "json_invalid":
            text = "malformed JSON: " + str(problem.get("ctx", {}).get("error", "cannot parse"))
        elif kind == "string_unicode":
            text = string_not_text(problem.get("input"))
        else:
            text = str(problem.get("msg", "invalid"))
        lines.append(f"{where}: {text}")
    return "; ".join(lines) or "invalid request"
