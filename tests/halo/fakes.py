"""A scriptable fake Halo for MockTransport tests: routes, recorded requests, queued faults."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from halo_agent.config import HaloSettings
from halo_agent.halo.client import HaloClient
from halo_agent.halo.retry import RetryPolicy

BASE = "https://desk.example.org"
SECRET = "s3cr3t-value-never-shown"
Handler = Callable[[httpx2.Request], httpx2.Response]


def settings(**overrides: Any) -> HaloSettings:
    data: dict[str, Any] = {"halo_url": BASE, "client_id": "agent-app", "client_secret": SECRET}
    data.update(overrides)
    return HaloSettings.model_validate(data)


class FakeClock:
    """Monotonic and wall clocks that only move when sleep() is awaited or advance() is called."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def policy(self, **overrides: Any) -> RetryPolicy:
        fields: dict[str, Any] = {
            "sleep": self.sleep,
            "clock": lambda: self.now,
            "wall_clock": lambda: self.now,
            "jitter": lambda: 0.5,
        }
        fields.update(overrides)
        return RetryPolicy(**fields)


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=body, headers=headers)


@dataclass
class FakeHalo:
    """Routes keyed by (METHOD, lower-case path); faults queued per route are served first."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    faults: dict[tuple[str, str], deque[Handler]] = field(default_factory=dict)
    requests: list[httpx2.Request] = field(default_factory=list)
    token_lifetime: int = 3600
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.routes.setdefault(("POST", "/auth/token"), self._token)
        self.routes.setdefault(("GET", "/api/authinfo"), lambda r: httpx2.Response(404))

    def route(self, method: str, path: str, handler: Handler | Any) -> None:
        self.routes[(method, path.lower())] = handler if callable(handler) else (lambda r, b=handler: ok(b))

    def fault(self, method: str, path: str, *handlers: Handler) -> None:
        self.faults.setdefault((method, path.lower()), deque()).extend(handlers)

    def calls(self, method: str, path: str) -> list[httpx2.Request]:
        return [r for r in self.requests if r.method == method and r.url.path.lower() == path.lower()]

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        key = (request.method, request.url.path.lower())
        queued = self.faults.get(key)
        if queued:
            return queued.popleft()(request)
        if key[1].startswith("/api/") and key[1] != "/api/authinfo" and not self._authorised(request):
            return httpx2.Response(401)
        route = self.routes.get(key)
        return route(request) if route else httpx2.Response(404)

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handler)

    def client(self, clock: FakeClock | None = None, **setting_overrides: Any) -> HaloClient:
        policy = (clock or FakeClock()).policy()
        return HaloClient(settings(**setting_overrides), transport=self.transport(), retry=policy)

    def _authorised(self, request: httpx2.Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.removeprefix("Bearer ") in self.valid_tokens

    def _token(self, request: httpx2.Request) -> httpx2.Response:
        self.tokens_issued += 1
        value = f"tok-{self.tokens_issued}"
        self.valid_tokens.add(value)
        return ok(
            {"access_token": value, "token_type": "Bearer", "expires_in": self.token_lifetime, "scope": "all"}
        )


def body_of(request: httpx2.Request) -> Any:
    return json.loads(request.content)


def raiser(exc_type: type[Exception]) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc_type("simulated", request=request)  # type: ignore[call-arg]

    return handler


def status(code: int, headers: dict[str, str] | None = None, body: Any = None) -> Handler:
    return lambda request: httpx2.Response(code, headers=headers, json=body)
