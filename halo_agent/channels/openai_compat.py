"""An OpenAI-compatible face for chat frontends (Open WebUI, LibreChat, IDE assistants, n8n, ...):
`GET /v1/models` lists one model, `halo-agent`; `POST /v1/chat/completions` runs one agent turn.

These clients resend the whole conversation on every request. Only the last user message is taken as
new input; everything else (tool calls, results, pauses, what was said before) comes from the server's
own session, so a client-sent history can never rewrite what the agent did. A conversation maps to one
session: the frontend's chat id when it sends one (`X-OpenWebUI-Chat-Id`, `X-Conversation-Id`),
otherwise a derivation from the API key, the person and the conversation's first user message.

Confirmations are answered by reply ("yes"/"no"); previews come as text. `usage` is the model's usage
for the turn. Errors use OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sse_starlette import EventSourceResponse, ServerSentEvent

from halo_agent.agent.events import AgentEvent
from halo_agent.agent.service import AgentService
from halo_agent.channels import http_app
from halo_agent.channels.chat_text import ChatText
from halo_agent.channels.forwarded import TrustedProxies, chat_id, direct_peer, user_from_headers
from halo_agent.channels.http_auth import ApiError, Gate
from halo_agent.channels.http_models import MAX_MESSAGE_CHARS
from halo_agent.channels.input_text import lone_surrogate_at, string_not_text, undecodable
from halo_agent.channels.turns import TurnFeed, TurnRunner
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal

MODEL_ID = "halo-agent"
CREATED = 1_764_547_200  # 2025-12-01: a fixed "created" for the one model
MAX_COMPLETIONS_BODY_BYTES = 2 * 1024 * 1024  # frontends resend the whole conversation every time


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: the server's session is the record
    role: str
    content: str | list[_Part] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class _StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class CompletionRequest(BaseModel):
    # Sampling options, tools, user, ...: accepted and ignored, since the agent chooses its own.
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[_Message] = Field(min_length=1)
    stream: bool = False
    stream_options: _StreamOptions | None = None

    def new_input(self) -> str:
        last = self.messages[-1]
        if last.role != "user" or not last.text.strip():
            raise ApiError(400, "invalid_request_error", "the last message must be the user's, with text")
        if len(last.text) > MAX_MESSAGE_CHARS:
            raise ApiError(400, "invalid_request_error", f"the message is over {MAX_MESSAGE_CHARS} chars")
        return last.text

    def first_user_text(self) -> str:
        return next((m.text for m in self.messages if m.role == "user"), "")


def add_openai_routes(app: FastAPI) -> None:
    service: AgentService = app.state.service
    runner: TurnRunner = app.state.runner
    gate: Gate = app.state.gate

    @app.get("/v1/models", summary="OpenAI-compatible: the one model, `halo-agent`")
    async def models(request: Request) -> Response:
        try:
            gate.api_key(request)
        except ApiError as exc:
            return openai_error(exc.status, exc.error, exc.detail, exc.headers)
        card = {"id": MODEL_ID, "object": "model", "created": CREATED, "owned_by": "halo-agent"}
        return JSONResponse({"object": "list", "data": [card]})

    @app.post("/v1/chat/completions", summary="OpenAI-compatible chat completions (JSON or SSE stream)")
    async def completions(request: Request) -> Response:
        try:
            principal, session_id = await _caller(request, gate)  # authenticated before the body is read
            body = await _body(request)
            message = body.new_input()
            if is_frontend_task(message):
                feed = runner.start(_no_turn)  # answered empty: never a turn, never in the session
            else:
                session_id = session_id or _derived_session(request, gate, principal, body.first_user_text())
                feed = runner.start(lambda: service.handle(message, principal, session_id))
            first = await feed.first()
        except ApiError as exc:
            return openai_error(exc.status, exc.error, exc.detail, exc.headers)
        except HaloAgentError as exc:
            status, kind = http_app._domain_status(exc)
            return openai_error(status, kind, str(exc) if status != 500 else "internal error; see the log")
        completion = _Completion(first, feed)
        if body.stream:
            usage = body.stream_options is not None and body.stream_options.include_usage
            return EventSourceResponse(completion.chunks(include_usage=usage), ping=15, sep="\n")
        return JSONResponse(await completion.whole())


def is_frontend_task(message: str) -> bool:
    """A frontend's own background request (Open WebUI's title, tags, follow-up and search-query
    prompts: "### Task:" then the chat so far inside <chat_history>), not the person's words. Run as a
    turn it would replay the person's earlier requests to the agent, and in the chat's own session it
    would cancel a confirmation the person has not answered yet."""
    text = message.lstrip()
    return text.startswith("### Task:") and "<chat_history>" in text


async def _no_turn() -> AsyncIterator[AgentEvent]:
    return
    yield  # an async generator that yields nothing


async def _caller(request: Request, gate: Gate) -> tuple[Principal, str | None]:
    proxies: TrustedProxies = getattr(request.app.state, "trusted_proxies", TrustedProxies())
    peer = direct_peer(request)
    user = user_from_headers(request.headers, peer, proxies)
    principal = await gate.principal(request, user)
    frontend_chat = chat_id(request.headers)
    return principal, _session_id(gate, request, principal, frontend_chat) if frontend_chat else None


async def _body(request: Request) -> CompletionRequest:
    raw = await request.body()
    try:
        body = CompletionRequest.model_validate_json(raw)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "body"
        unparsed = exc.errors()[0]["type"] == "json_invalid"
        problem = (_not_text(raw) if unparsed else None) or f"{where}: {exc.errors()[0]['msg']}"
        raise ApiError(400, "invalid_request_error", problem) from None
    if body.model != MODEL_ID:
        raise ApiError(404, "model_not_found", f"the model {body.model!r} does not exist; use {MODEL_ID!r}")
    return body


def _not_text(raw: bytes) -> str | None:
    """Where a refused body is not UTF-8 text, or None when that is not why. The JSON parser says only
    "unexpected end of hex escape" of an escaped lone surrogate ("\\ud800"): Python's own parser keeps
    it, so the field holding it can be named."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return f"body: {undecodable(exc)}"
    except ValueError:
        return None  # malformed for another reason: the parser's own words say it
    found = _lone_surrogate(data, "")
    return f"{found[0] or 'body'}: {string_not_text(found[1])}" if found else None


def _lone_surrogate(value: Any, where: str) -> tuple[str, str] | None:
    """(dotted path, the string) of the first string or key holding a lone surrogate, as pydantic
    names fields: `messages.0.content`."""
    if isinstance(value, str):
        return (where, value) if lone_surrogate_at(value) is not None else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        path = f"{where}.{key}" if where else str(key)
        found = _lone_surrogate(str(key), where) or _lone_surrogate(item, path)
        if found:
            return found
    return None


def _derived_session(request: Request, gate: Gate, principal: Principal, first_text: str) -> str:
    return _session_id(gate, request, principal, "first-message:" + first_text)


def _session_id(gate: Gate, request: Request, principal: Principal, basis: str) -> str:
    """One conversation's session: keyed by the API key and the resolved person, so one frontend's
    chat id can never land in another frontend's or another person's session."""
    key = gate.api_key(request)
    digest = hashlib.sha256("\0".join((key.name, principal.key, basis)).encode()).hexdigest()
    return f"openai-{digest[:40]}"


class _Completion:
    """One turn's events as an OpenAI completion: whole, or as chunks."""

    def __init__(self, first: AgentEvent | None, feed: TurnFeed) -> None:
        self.first = first
        self.feed = feed
        self.text = ChatText()
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    async def pieces(self) -> AsyncIterator[str]:
        if self.first is None:
            return  # the turn ended without an event: its end was already read
        yield self.text.feed(self.first)
        async for event in self.feed.rest():
            yield self.text.feed(event)

    async def whole(self) -> dict[str, Any]:
        content = "".join([piece async for piece in self.pieces()])
        choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        return {**self._head("chat.completion"), "choices": [choice], "usage": self.usage()}

    async def chunks(self, *, include_usage: bool) -> AsyncIterator[ServerSentEvent]:
        yield self._chunk({"role": "assistant", "content": ""})
        async for piece in self.pieces():
            if piece:
                yield self._chunk({"content": piece})
        yield self._chunk({}, finish="stop")
        if include_usage:
            yield self._event({**self._head("chat.completion.chunk"), "choices": [], "usage": self.usage()})
        yield ServerSentEvent(data="[DONE]")

    def usage(self) -> dict[str, int]:
        used = self.text.usage.usage if self.text.usage else None
        prompt, completion = (used.prompt_tokens, used.completion_tokens) if used else (0, 0)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": MODEL_ID}

    def _chunk(self, delta: dict[str, str], finish: Literal["stop"] | None = None) -> ServerSentEvent:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return self._event({**self._head("chat.completion.chunk"), "choices": [choice]})

    def _event(self, data: dict[str, Any]) -> ServerSentEvent:
        return ServerSentEvent(data=json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def openai_error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    return JSONResponse(body, status_code=status, headers=headers)
