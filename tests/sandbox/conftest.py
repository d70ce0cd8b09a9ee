"""Fixtures: an in-process sandbox and a raw httpx2 client speaking to it the way any Halo client would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx2
import pytest

from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app

BASE = "http://sandbox.local"
TokenFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def app() -> SandboxApp:
    return create_app(SandboxConfig())


@pytest.fixture
async def raw(app: SandboxApp) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        yield client


async def fetch_token(
    client: httpx2.AsyncClient, scope: str | None = "all", path: str = "/auth/token", **extra: str
) -> httpx2.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": "halo-agent-demo",
        "client_secret": "sandbox-secret",
        **extra,
    }
    if scope is not None:
        form["scope"] = scope
    return await client.post(path, data=form)


@pytest.fixture
def auth(raw: httpx2.AsyncClient) -> TokenFactory:
    """`await auth("read:tickets")` -> headers carrying a fresh bearer token with that scope."""

    async def make(scope: str | None = "all") -> dict[str, str]:
        answer = await fetch_token(raw, scope)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return make


@pytest.fixture
async def headers(auth: TokenFactory) -> dict[str, str]:
    return await auth("all")
