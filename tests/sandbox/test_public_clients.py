"""Public Halo clients' own request shapes work against the sandbox unchanged.

Each test replays the exact requests a public client builds (read from its source), so the sandbox is
held to what real integrations send, not to what our own client happens to send.
"""

from __future__ import annotations

import json

import httpx2

from halo_agent.sandbox import SandboxConfig, create_app
from tests.sandbox.conftest import BASE

FORM = {"grant_type": "client_credentials", "client_id": "halo-agent-demo", "client_secret": "sandbox-secret"}


async def test_n8n_hosted_token_then_paginated_get_all() -> None:
    """n8n-io/n8n packages/nodes-base/nodes/HaloPSA/GenericFunctions.ts: getAuthUrl() posts the form to
    `${authUrl}/token?tenant=${tenant}` when hosted; haloPSAApiRequestAllItems() sets page_size=100,
    page_no=1, pageinate=true, reads response[propertyName] and loops while returned < record_count."""
    app = create_app(SandboxConfig(tenant="acme"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app)) as client:
        token = await client.post(
            f"{BASE}/auth/token?tenant=acme",
            data={**FORM, "scope": "all"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "User-Agent": "https://n8n.io",
            "Accept": "*/*",
            "Content-Type": "application/json",
        }
        rows: list[dict[str, object]] = []
        query: dict[str, str | int] = {"page_size": 100, "page_no": 1, "pageinate": "true"}
        while True:
            body = (await client.get(f"{BASE}/api/tickets", params=query, headers=headers)).json()
            rows += body["tickets"]
            query["page_no"] = int(query["page_no"]) + 1
            if len(rows) >= body["record_count"]:
                break
        assert len(rows) == len(app.state_store.tickets) and query["page_no"] == 4


async def test_n8n_delete_reads_the_returned_id() -> None:
    """n8n's haloPSAApiRequest() treats a DELETE answer with an `id` as success."""
    app = create_app()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        token = (await client.post("/auth/token", data={**FORM, "scope": "all"})).json()["access_token"]
        answer = await client.delete("/api/tickets/701", headers={"Authorization": f"Bearer {token}"})
        assert answer.json()["id"] == 701


async def test_haloapi_powershell_discovers_auth_then_posts_as_array() -> None:
    """homotechsual/HaloAPI Public/Connect-HaloAPI.ps1: GET api/authinfo, token URL = auth_url + '/token'
    with `tenant=<tenant_id>`; Invoke-HaloRequest sends `Authorization: <token_type> <access_token>`;
    Private/New-HaloPOSTRequest.ps1 sends `ConvertTo-Json -AsArray` to api/<Endpoint> with
    'application/json; charset=utf-8'; New-HaloQuery lower-cases names and sends switches as 'true'."""
    app = create_app(SandboxConfig(tenant="acme"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app)) as client:
        info = (await client.get(f"{BASE}/api/authinfo")).json()
        token = (
            await client.post(
                f"{info['auth_url'].rstrip('/')}/token?tenant={info['tenant_id']}",
                data={**FORM, "scope": "all"},
            )
        ).json()
        headers = {
            "Authorization": f"{token['token_type']} {token['access_token']}",
            "Content-Type": "application/json; charset=utf-8",
        }
        body = json.dumps([{"summary": "From PowerShell", "details": "d", "site_id": 18}])
        created = await client.post(f"{BASE}/api/Tickets", content=body, headers=headers)
        assert created.status_code == 201 and created.json()["summary"] == "From PowerShell"
        listed = await client.get(
            f"{BASE}/api/Tickets",
            headers=headers,
            params={"pageinate": "true", "page_size": 100, "page_no": 1, "open_only": "true"},
        )
        assert listed.json()["page_size"] == 100 and listed.json()["tickets"]


async def test_halopsa_pypi_package_token_and_search() -> None:
    """PyPI HaloPSA (ItsJustAGitHubMichealWhosGonnaSeeIt5Ppl/HaloPSA-API, src/HaloPSA/Halo.py): posts the
    form to https://{tenant}.halopsa.com/auth/token with scope 'all', then GETs with Python booleans
    (`pageinate=True`) and drops page_size/page_no unless pageinate is set; expects 200/201."""
    app = create_app()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        token = (
            await client.post(
                "/auth/token",
                data={**FORM, "scope": "all"},
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        ).json()
        client.headers.update(
            {"Content-Type": "application/json", "Authorization": "Bearer " + token["access_token"]}
        )
        assets = await client.get(
            "/api/Asset", params={"pageinate": "True", "page_size": 50, "page_no": 1, "client_id": 1}
        )
        assert assets.status_code == 200
        body = assets.json()
        assert len(body["assets"]) == min(50, body["record_count"]) and {
            a["client_id"] for a in body["assets"]
        } == {1}
        users = await client.get("/api/Users")
        assert users.json()["record_count"] == len(users.json()["users"])
