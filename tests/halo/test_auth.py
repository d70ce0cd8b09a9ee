"""Token URL discovery, caching, renewal, and what a refused token request says."""

from __future__ import annotations

import asyncio
import logging

import httpx2
import pytest
import structlog

from halo_agent.halo.errors import HaloAuthError, HaloPermissionError, HaloUnavailableError
from tests.halo.fakes import BASE, SECRET, FakeClock, FakeHalo, ok, raiser, status


async def _types(fake: FakeHalo, **overrides: object) -> list[str]:
    fake.route("GET", "/api/TicketType", [{"id": 1, "name": "Incident"}])
    async with fake.client(**overrides) as client:
        meta = await client.request_json("GET", "TicketType")
    return [row["name"] for row in meta]


async def test_self_hosted_uses_instance_auth_token_without_tenant() -> None:
    fake = FakeHalo()
    assert await _types(fake) == ["Incident"]
    (token_call,) = fake.calls("POST", "/auth/token")
    assert "tenant" not in str(token_call.url)
    form = token_call.content.decode()
    assert "grant_type=client_credentials" in form and "scope=all" in form


async def test_hosted_tenant_is_sent_on_the_instance_token_url() -> None:
    fake = FakeHalo()
    await _types(fake, tenant="acme")
    (token_call,) = fake.calls("POST", "/auth/token")
    assert token_call.url.params["tenant"] == "acme"


async def test_authinfo_names_the_auth_server_and_tenant() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/authinfo", {"auth_url": "https://auth.example.net", "tenant_id": "t-42"})
    fake.route("POST", "/token", fake.routes[("POST", "/auth/token")])
    await _types(fake)
    (token_call,) = fake.calls("POST", "/token")
    assert token_call.url.host == "auth.example.net"
    assert token_call.url.params["tenant"] == "t-42"
    assert fake.calls("POST", "/auth/token") == []


async def test_explicit_auth_url_overrides_discovery() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/authinfo", {"auth_url": "https://wrong.example.net"})
    fake.route("POST", "/custom/token", fake.routes[("POST", "/auth/token")])
    await _types(fake, auth_url="https://login.example.org/custom")
    assert [r.url.host for r in fake.calls("POST", "/custom/token")] == ["login.example.org"]
    assert fake.calls("GET", "/api/authinfo") == []


async def test_token_is_cached_then_renewed_at_80_percent_of_its_lifetime() -> None:
    fake = FakeHalo(token_lifetime=100)
    fake.route("GET", "/api/Status", [])
    clock = FakeClock()
    async with fake.client(clock) as client:
        await client.request_json("GET", "Status")
        clock.advance(79)
        await client.request_json("GET", "Status")
        assert client.stats.token_calls == 1
        clock.advance(2)
        await client.request_json("GET", "Status")
        assert client.stats.token_calls == 2


async def test_twenty_concurrent_calls_on_an_expired_token_renew_once() -> None:
    fake = FakeHalo(token_lifetime=100)
    fake.route("GET", "/api/Status", [])
    clock = FakeClock()
    async with fake.client(clock) as client:
        await client.request_json("GET", "Status")
        clock.advance(500)
        await asyncio.gather(*(client.request_json("GET", "Status") for _ in range(20)))
        assert client.stats.token_calls == 2
    assert fake.tokens_issued == 2


async def test_twenty_concurrent_401s_share_one_renewal() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Status", [])
    async with fake.client() as client:
        await client.request_json("GET", "Status")
        fake.expire_tokens()  # Halo revoked the token although our clock says it is fresh
        await asyncio.gather(*(client.request_json("GET", "Status") for _ in range(20)))
        assert client.stats.token_calls == 2


async def test_a_401_renews_once_then_reports_an_auth_error() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Status", status(401))
    async with fake.client() as client:
        with pytest.raises(HaloAuthError, match="even after renewing"):
            await client.request_json("GET", "Status")
    assert len(fake.calls("GET", "/api/Status")) == 2
    assert fake.tokens_issued == 2


async def test_bad_secret_says_client_id_or_secret_rejected() -> None:
    fake = FakeHalo()
    fake.route("POST", "/auth/token", status(401, body={"error": "invalid_client", "error_description": "x"}))
    with pytest.raises(HaloAuthError, match="client id or secret") as caught:
        await _types(fake)
    assert SECRET not in str(caught.value)


async def test_wrong_tenant_500_explains_the_tenant() -> None:
    fake = FakeHalo()
    fake.route("POST", "/auth/token", status(500))
    with pytest.raises(HaloAuthError, match="tenant is wrong") as caught:
        await _types(fake, tenant="nope")
    assert "'nope'" in str(caught.value) and "HALO_TENANT" in str(caught.value)


async def test_invalid_scope_names_the_scope_setting() -> None:
    fake = FakeHalo()
    fake.route("POST", "/auth/token", status(400, body={"error": "invalid_scope"}))
    with pytest.raises(HaloPermissionError, match="read:users"):
        await _types(fake, scope="read:users")


async def test_unreachable_url_says_it_cannot_reach_halo() -> None:
    fake = FakeHalo()
    fake.fault("GET", "/api/authinfo", *[raiser(httpx2.ConnectError)] * 10)
    with pytest.raises(HaloUnavailableError, match=f"Cannot reach Halo at {BASE}"):
        await _types(fake)


async def test_secret_and_token_never_appear_in_repr_or_logs(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))  # a host's debug
    fake = FakeHalo()
    fake.route("GET", "/api/Status", [])
    async with fake.client() as client:
        await client.request_json("GET", "Status")
        token = await client.auth.token()
        texts = [repr(client), repr(client.settings), repr(token), repr(client.auth.settings)]
    texts += [record.getMessage() for record in caplog.records]
    captured = capsys.readouterr()
    texts += [captured.out, captured.err]
    assert "halo.call" in captured.out + captured.err + " ".join(texts)  # calls are logged ...
    assert not any(SECRET in t or "tok-1" in t for t in texts)  # ... but never a secret or token


async def test_token_answer_without_access_token_is_unexpected() -> None:
    fake = FakeHalo()
    fake.route("POST", "/auth/token", lambda r: ok({"hello": "world"}))
    with pytest.raises(HaloAuthError.__mro__[1], match="usable access_token"):
        await _types(fake)
