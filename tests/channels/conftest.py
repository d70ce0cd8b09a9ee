"""An HTTP app over a real AgentService (scripted model, in-process sandbox) through ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from halo_agent.agent.model import ChatModel
from halo_agent.agent.service import AgentService
from halo_agent.channels.http_app import create_http_app
from halo_agent.channels.keys import ApiKey, KeyRing, hash_key
from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL

ADMIN_KEY = "admin-frontend-key-0123456789"
PORTAL_KEY = "employee-portal-key-0123456789"
EMMA = {"role": "employee", "email": DEMO_EMPLOYEE_EMAIL}
ADMIN = {"role": "admin", "agent_id": DEMO_ADMIN_AGENT_ID}


def auth(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def keyring() -> KeyRing:
    return KeyRing(
        [
            ApiKey(name="admin-console", sha256=hash_key(ADMIN_KEY)),
            ApiKey(name="portal", sha256=hash_key(PORTAL_KEY), roles=frozenset({"employee"})),
        ]
    )


@dataclass
class Api:
    service: AgentService
    client: httpx2.AsyncClient
    app: Any

    def audited(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.service.audit.tail(500) if r.get("event") == event]


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def make_api(tmp_path: Path) -> AsyncIterator[MakeApi]:
    opened: list[Api] = []

    async def make(model: ChatModel, *, limiter: RateLimiter | None = None, **options: Any) -> Api:
        service = await AgentService.create(Settings(home=tmp_path / "home"), model=model)
        app = create_http_app(service, keyring(), limiter=limiter, **options)
        client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url="http://halo-agent.test")
        api = Api(service, client, app)
        opened.append(api)
        return api

    yield make
    for api in opened:
        await api.client.aclose()
        await api.service.aclose()


@dataclass
class Live:
    """The HTTP app served by uvicorn on a loopback port, as `halo-agent serve` runs it."""

    service: AgentService
    url: str
    app: Any


MakeLive = Callable[..., Awaitable[Live]]


@pytest.fixture
async def make_live(tmp_path: Path) -> AsyncIterator[MakeLive]:
    import asyncio

    import uvicorn

    running: list[tuple[uvicorn.Server, asyncio.Task[None], AgentService]] = []

    async def start(model: ChatModel, **options: Any) -> Live:
        service = await AgentService.create(Settings(home=tmp_path / "live-home"), model=model)
        app = create_http_app(service, keyring(), **options)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        task = asyncio.create_task(server.serve())
        running.append((server, task, service))
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        return Live(service, f"http://127.0.0.1:{port}", app)

    yield start
    for server, task, service in running:
        server.should_exit = True
        await task
        await service.aclose()
