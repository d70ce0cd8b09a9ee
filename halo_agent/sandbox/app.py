"""The sandbox as one ASGI app: auth, faults, scopes and routing in front of the in-memory store.

It is a plain ASGI callable (not a framework router) so paths match case-insensitively, as Halo's do,
and so faults can act at the transport level: a dropped connection or a read timeout raised here reaches
an in-process `httpx2.ASGITransport` client exactly as the network error would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx2
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from halo_agent.config import HaloSettings
from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.auth import OAuthError, TokenIssuer, may_access
from halo_agent.sandbox.faults import RATE_LIMIT_MESSAGE, Fault, FaultInjector
from halo_agent.sandbox.routes_actions import actions_route
from halo_agent.sandbox.routes_auth import AuthSetup, authinfo, token_endpoint
from halo_agent.sandbox.routes_lookups import LOOKUPS, lookup_route
from halo_agent.sandbox.routes_tickets import tickets_route
from halo_agent.sandbox.store import RequestRecord, SandboxStore
from halo_agent.sandbox.wire import Call, HaloHttpError, json_response

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

SANDBOX_URL = "http://sandbox.local"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Route = Callable[[Call], Response]
ROUTES: dict[str, Route] = {"tickets": tickets_route, "actions": actions_route,
                            **{name: lookup_route for name in LOOKUPS}}
FAULT_BODIES = {500: "An error has occurred.", 502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
                503: "Service Unavailable", 504: "<html><body><h1>504 Gateway Time-out</h1></body></html>"}


class SandboxConfig(BaseModel):
    """How the sandbox behaves. A `tenant` makes it a hosted instance (token requests need `?tenant=`)."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = "halo-agent-demo"
    client_secret: str = "sandbox-secret"
    tenant: str | None = None
    token_ttl_seconds: int = Field(default=3600, ge=1)
    granted_scopes: str = "all"  # what the API application may be granted
    state_file: Path | None = None
    ticket_count: int = Field(default=300, ge=250)  # demo tickets; benchmarks ask for 10,000
    api_agent_id: int = d.API_AGENT_ID  # the agent the API application acts as


class SandboxApp:
    """The ASGI app. `state_store` holds the data, `faults` the programmed failures."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state_store = SandboxStore.demo(ticket_count=config.ticket_count, state_file=config.state_file)
        self.faults = FaultInjector()
        self.tokens = TokenIssuer(ttl_seconds=config.token_ttl_seconds, agent_id=config.api_agent_id)
        agent = self.state_store.find("agents", config.api_agent_id)
        self._deferred: list[_Deferred] = []  # writes a delayed_commit fault will commit later
        self._auth = AuthSetup(config.client_id, config.client_secret, config.tenant, config.granted_scopes,
                               agent["name"] if agent else "API")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        self._commit_due()
        record = self.state_store.record_request(request.method, request.url.path, request.url.query)
        response = await self._respond(request, body, send)
        record.status = response.status_code
        await response(scope, receive, send)

    async def _respond(self, request: Request, body: bytes, send: Send) -> Response:
        method, path = request.method, request.url.path
        await self._before(method, path, send)
        failing = self.faults.take(method, path, ("status",))
        if failing is not None:
            return _fault_response(failing)
        delayed = self.faults.take(method, path, ("delayed_commit",))
        if delayed is not None:
            self._defer(delayed, request, body)
            await _drop(send)
        response = self._dispatch(request, body)
        committed = self.faults.take(method, path, ("commit_then_timeout",))
        if committed is not None and response.status_code < 400:
            await _time_out(committed, "the write was committed, then the answer timed out")
        answered = self.faults.take(method, path, ("commit_then_status",))
        if answered is not None and response.status_code < 400:
            return _fault_response(answered)  # e.g. a gateway's 502 in front of a write that landed
        return response

    def _defer(self, fault: Fault, request: Request, body: bytes) -> None:
        """Hold a write to commit later (after `requests` more requests, or `seconds`; default 0.5 s)."""
        seconds = fault.seconds if fault.seconds is not None or fault.requests is not None else 0.5
        entry = _Deferred(request, body, fault.requests)
        self._deferred.append(entry)
        if seconds is not None:
            asyncio.get_running_loop().call_later(seconds, self._commit, entry)

    def _commit_due(self) -> None:
        for entry in list(self._deferred):
            if entry.requests is not None:
                entry.requests -= 1
                if entry.requests <= 0:
                    self._commit(entry)

    def _commit(self, entry: _Deferred) -> None:
        if entry in self._deferred:
            self._deferred.remove(entry)
            self._dispatch(entry.request, entry.body)

    def commit_deferred(self) -> int:
        """Commit every held write now (tests: Halo caught up); how many there were."""
        held = list(self._deferred)
        for entry in held:
            self._commit(entry)
        return len(held)

    async def _before(self, method: str, path: str, send: Send) -> None:
        """Faults that strike before Halo does anything: latency, a dropped connection, a timeout."""
        slow = self.faults.take(method, path, ("latency",))
        if slow is not None:
            await asyncio.sleep(slow.seconds or 0.1)
        if self.faults.take(method, path, ("drop",)) is not None:
            await _drop(send)
        stalled = self.faults.take(method, path, ("timeout",))
        if stalled is not None:
            await _time_out(stalled, "the server did not answer in time")

    def _dispatch(self, request: Request, body: bytes) -> Response:
        path = request.url.path.lower().rstrip("/")
        params = {key.lower(): value for key, value in parse_qsl(request.url.query, keep_blank_values=True)}
        if path in ("/auth/token", "/token"):
            if request.method != "POST":
                return Response(status_code=405)
            headers = {key.lower(): value for key, value in request.headers.items()}
            return token_endpoint(self._auth, self.tokens, path=path, params=params, headers=headers,
                                  body=body)
        if path == "/api/authinfo":
            return authinfo(self._auth, _base_url(request))
        if not path.startswith("/api/"):
            return Response(status_code=404)
        try:
            return self._api(request, path, params, body)
        except HaloHttpError as error:
            return _error_response(error)

    def _api(self, request: Request, path: str, params: dict[str, str], body: bytes) -> Response:
        try:
            token = self.tokens.check(request.headers.get("authorization"), self.faults.tokens_expired_at)
        except OAuthError as error:
            return _unauthorised(error)
        resource, *rest = path.split("/")[2:]
        route = ROUTES.get(resource)
        if route is None:
            return Response(status_code=404)
        if not may_access(token.scopes, resource, request.method):
            return Response(status_code=403)  # Halo sends no body with a 403
        call = Call(request.method, request.url.path, resource, rest, params, body, self.state_store, token,
                    _base_url(request))
        with self.state_store.shared(write=request.method not in ("GET", "HEAD")):
            return route(call)


@dataclass(eq=False)
class _Deferred:
    request: Request
    body: bytes
    requests: int | None


async def _drop(send: Send) -> None:
    """Start an answer, then vanish: a real server leaves the client with a truncated response."""
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    await send(start)
    raise httpx2.RemoteProtocolError("Server disconnected without sending a complete response.")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _time_out(fault: Fault, what: str) -> None:
    """In-process: raise the client's ReadTimeout. Served (`seconds` set): stall so the client times out."""
    if fault.seconds:
        await asyncio.sleep(fault.seconds)
        return
    raise httpx2.ReadTimeout(f"Read timed out ({what}).")


def _fault_response(fault: Fault) -> Response:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
    if fault.status == 429:
        return PlainTextResponse(RATE_LIMIT_MESSAGE, status_code=429, headers=headers)
    if fault.status in (401, 403):
        return Response(status_code=fault.status, headers=headers)
    text = FAULT_BODIES.get(fault.status, "An error has occurred.")
    media = "text/html" if text.startswith("<html>") else "text/plain"
    return Response(text, status_code=fault.status, media_type=media, headers=headers)


def _unauthorised(error: OAuthError) -> Response:
    challenge = "Bearer"
    if error.error:
        challenge += f' error="{error.error}", error_description="{error.description}"'
    return Response(status_code=401, headers={"WWW-Authenticate": challenge})


def _error_response(error: HaloHttpError) -> Response:
    if error.body is None:
        return Response(status_code=error.status, headers=error.headers)
    return json_response(error.body, error.status, error.headers)


def _base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    return SandboxApp(config or SandboxConfig())


def sandbox_settings(config: SandboxConfig | None = None, *, url: str = SANDBOX_URL) -> HaloSettings:
    """The HaloSettings a client needs to reach this sandbox at `url`."""
    config = config or SandboxConfig()
    return HaloSettings(halo_url=url, client_id=config.client_id,
                        client_secret=config.client_secret,
                        tenant=config.tenant)


def sandbox_client(app: SandboxApp, **overrides: Any) -> HaloClient:
    """A HaloClient wired to `app` in-process. Overrides: HaloSettings fields, or HaloClient keywords."""
    from halo_agent.halo.client import HaloClient  # written alongside; imported late on purpose

    base = sandbox_settings(app.config).model_dump()
    base["client_secret"] = app.config.client_secret
    settings_fields = set(HaloSettings.model_fields)
    setting_values = {key: value for key, value in overrides.items() if key in settings_fields}
    client_kwargs = {key: value for key, value in overrides.items() if key not in settings_fields}
    settings = HaloSettings.model_validate({**base, **setting_values})
    return HaloClient(settings, transport=httpx2.ASGITransport(app), **client_kwargs)


__all__ = ["RequestRecord", "SandboxApp", "SandboxConfig", "create_app", "sandbox_client", "sandbox_settings"]
