"""Token endpoints, discovery, expiry and scopes behave as halo-api.md §1 describes."""

from __future__ import annotations

import base64

import httpx2

from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app
from tests.sandbox.conftest import BASE, TokenFactory, fetch_token


async def test_self_hosted_token_has_the_oauth_fields(raw: httpx2.AsyncClient) -> None:
    answer = await fetch_token(raw, "read:tickets edit:tickets")
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"read:tickets", "edit:tickets"}
    assert body["refresh_token"] and body["id_token"].count(".") == 2


async def test_wrong_secret_is_invalid_client_401(raw: httpx2.AsyncClient) -> None:
    answer = await fetch_token(raw, client_secret="nope")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "nope" not in answer.text


async def test_basic_client_authentication_is_accepted(raw: httpx2.AsyncClient) -> None:
    pair = base64.b64encode(b"halo-agent-demo:sandbox-secret").decode()
    answer = await raw.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "scope": "all"},
        headers={"Authorization": f"Basic {pair}"},
    )
    assert answer.status_code == 200


async def test_json_token_request_is_refused(raw: httpx2.AsyncClient) -> None:
    answer = await raw.post(
        "/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "halo-agent-demo",
            "client_secret": "sandbox-secret",
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


async def test_unknown_scope_is_invalid_scope(raw: httpx2.AsyncClient) -> None:
    for scope in ("read:users", "read:actions", "read:tickets read:users"):
        answer = await fetch_token(raw, scope)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_scope"


async def test_scope_beyond_the_application_grant_is_refused() -> None:
    app = create_app(SandboxConfig(granted_scopes="read:tickets"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        assert (await fetch_token(client, "edit:tickets")).json()["error"] == "invalid_scope"
        assert (await fetch_token(client, "read:tickets")).status_code == 200


async def test_missing_and_unknown_tokens_get_401(raw: httpx2.AsyncClient) -> None:
    missing = await raw.get("/api/Tickets")
    unknown = await raw.get("/api/Tickets", headers={"Authorization": "Bearer forged"})
    assert missing.status_code == unknown.status_code == 401
    assert 'error="invalid_token"' in unknown.headers["www-authenticate"]


async def test_token_expires_after_its_lifetime() -> None:
    app = create_app(SandboxConfig(token_ttl_seconds=1))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        token = (await fetch_token(client)).json()
        assert token["expires_in"] == 1
        app.tokens._tokens[token["access_token"]].expires_at -= 5  # as if time passed
        answer = await client.get("/api/Status", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert answer.status_code == 401
        assert "expired" in answer.headers["www-authenticate"]


async def test_expire_tokens_fault_expires_old_tokens_only(
    app: SandboxApp, raw: httpx2.AsyncClient, auth: TokenFactory
) -> None:
    old = await auth()
    app.faults.expire_tokens()
    new = await auth()
    assert (await raw.get("/api/Status", headers=old)).status_code == 401
    assert (await raw.get("/api/Status", headers=new)).status_code == 200


async def test_read_tickets_token_cannot_write_tickets(raw: httpx2.AsyncClient, auth: TokenFactory) -> None:
    reader = await auth("read:tickets")
    assert (await raw.get("/api/Tickets/789", headers=reader)).status_code == 200
    refused = await raw.post("/api/Tickets", json=[{"id": 789, "summary": "x"}], headers=reader)
    assert refused.status_code == 403
    assert refused.content == b""
    assert (await raw.post("/api/Actions", json=[{"ticket_id": 789}], headers=reader)).status_code == 403


async def test_edit_implies_read_and_areas_are_separate(raw: httpx2.AsyncClient, auth: TokenFactory) -> None:
    editor = await auth("edit:tickets")
    assert (await raw.get("/api/Tickets", headers=editor)).status_code == 200
    assert (await raw.get("/api/Users", headers=editor)).status_code == 403
    kb = await auth("read:kb")
    assert (await raw.get("/api/KBArticle", headers=kb)).status_code == 200
    assert (await raw.get("/api/Asset", headers=kb)).status_code == 403


async def test_agents_and_teams_need_all_or_admin(raw: httpx2.AsyncClient, auth: TokenFactory) -> None:
    project = await auth("read:tickets edit:tickets read:customers read:assets read:kb")
    for path in ("/api/Agent", "/api/Team", "/api/Agent/me"):
        assert (await raw.get(path, headers=project)).status_code == 403
    admin = await auth("admin")
    assert (await raw.get("/api/Agent", headers=admin)).status_code == 200
    assert (await raw.get("/api/TicketType", headers=project)).status_code == 200


async def test_token_without_scope_reads_nothing(raw: httpx2.AsyncClient, auth: TokenFactory) -> None:
    bare = await auth(None)
    assert (await raw.get("/api/Tickets", headers=bare)).status_code == 403


async def test_hosted_sandbox_requires_the_tenant() -> None:
    app = create_app(SandboxConfig(tenant="acme"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        assert (await fetch_token(client)).status_code == 400
        assert (await fetch_token(client, path="/auth/token?tenant=other")).status_code == 500
        assert (await fetch_token(client, path="/auth/token?tenant=acme")).status_code == 200
        assert (await fetch_token(client, path="/token?tenant=ACME")).status_code == 200


async def test_self_hosted_has_no_separate_token_route(raw: httpx2.AsyncClient) -> None:
    assert (await fetch_token(raw, path="/token")).status_code == 404


async def test_authinfo_needs_no_token_and_names_the_auth_server() -> None:
    app = create_app(SandboxConfig(tenant="acme"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        info = (await client.get("/api/authinfo")).json()
        assert info == {"auth_url": f"{BASE}/auth", "tenant_id": "acme", "resource_server": f"{BASE}/api"}
        discovered = await fetch_token(client, path=f"{info['auth_url']}/token?tenant={info['tenant_id']}")
        assert discovered.status_code == 200
