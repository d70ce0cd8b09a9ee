"""The MCP server in-process: per-role tools, policy on every call, confirmations by elicitation only."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext

from halo_agent.agent.service import AgentService
from halo_agent.channels.mcp_server import McpBridge, fixed_identity
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.principal import Principal
from halo_agent.testing import ScriptedModel, text

MODES = ["auto", "legacy"]  # the 2026-07-28 per-request era, and the initialize-handshake era


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    service = await AgentService.create(
        Settings(home=tmp_path / "home"), model=ScriptedModel([text("Closed.")])
    )  # the summary after a later confirm
    yield service
    await service.aclose()


async def _emma(service: AgentService) -> Principal:
    return await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)


async def _admin(service: AgentService) -> Principal:
    return await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)


def _client(
    service: AgentService, who: Principal, mode: str, answer: Literal["accept", "decline"] | None = None
) -> Client:
    async def callback(
        context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        assert "790" in params.message  # the person sees the exact change
        assert answer is not None
        return types.ElicitResult(action=answer)

    server = McpBridge(service, fixed_identity(who)).server()
    return Client(server, mode=mode, elicitation_callback=callback if answer else None)


def _payload(result: types.CallToolResult) -> dict[str, Any]:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    payload: dict[str, Any] = json.loads(content.text)
    return payload


def _status(service: AgentService, ticket_id: int) -> int:
    assert service.sandbox is not None
    ticket = service.sandbox.state_store.ticket(ticket_id)
    assert ticket is not None
    status: int = ticket["status_id"]
    return status


@pytest.mark.parametrize("mode", MODES)
async def test_tools_are_listed_per_role_with_the_agents_schemas(service: AgentService, mode: str) -> None:
    emma, admin = await _emma(service), await _admin(service)
    async with _client(service, emma, mode) as client:
        employee_tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    async with _client(service, admin, mode) as client:
        admin_tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    expected = {s["function"]["name"]: s["function"] for s in service.executor.tool_schemas(emma)}
    assert set(employee_tools) == set(expected) and "haloitsm_lookup" not in employee_tools
    assert set(admin_tools) > set(employee_tools) and "haloitsm_update_ticket" in admin_tools
    for name, tool in employee_tools.items():
        assert tool.input_schema == expected[name]["parameters"]
    get, resolve = admin_tools["haloitsm_get_ticket"], admin_tools["haloitsm_resolve_ticket"]
    assert get.annotations and get.annotations.read_only_hint and get.annotations.idempotent_hint
    assert (
        resolve.annotations
        and resolve.annotations.destructive_hint
        and not resolve.annotations.read_only_hint
    )
    assert not any("confirm" in name or "approve" in name for name in admin_tools)


@pytest.mark.parametrize("mode", MODES)
async def test_calls_are_allowed_or_refused_by_policy(service: AgentService, mode: str) -> None:
    async with _client(service, await _emma(service), mode) as client:
        own = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 789})
        other = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 790})  # Liam's ticket
        hidden = await client.call_tool(
            "haloitsm_add_note", {"ticket_id": 789, "note": "x", "hidden_from_user": True}
        )
    assert not own.is_error and _payload(own)["status"] == "ok"
    assert other.is_error and _payload(other)["status"] in ("refused", "error")
    assert hidden.is_error and _payload(hidden)["reason"]
    audited = [r for r in service.audit.tail(50) if r.get("tool") == "haloitsm_get_ticket"]
    assert len(audited) == 2 and all(r["principal"]["role"] == "employee" for r in audited)


@pytest.mark.parametrize("mode", MODES)
async def test_an_accepted_elicitation_runs_the_confirmed_call(service: AgentService, mode: str) -> None:
    async with _client(service, await _admin(service), mode, answer="accept") as client:
        result = await client.call_tool("haloitsm_resolve_ticket", {"ticket_id": 790, "note": "Renewed."})
    assert not result.is_error and _payload(result)["status"] == "ok"
    assert _status(service, 790) == 9


@pytest.mark.parametrize("mode", MODES)
async def test_a_declined_elicitation_changes_nothing(service: AgentService, mode: str) -> None:
    before = _status(service, 790)
    async with _client(service, await _admin(service), mode, answer="decline") as client:
        result = await client.call_tool("haloitsm_resolve_ticket", {"ticket_id": 790, "note": "Renewed."})
    assert result.is_error and "declined" in _payload(result)["reason"]
    assert _status(service, 790) == before


async def test_without_elicitation_the_call_is_parked_for_the_person(service: AgentService) -> None:
    admin = await _admin(service)
    async with _client(service, admin, "auto") as client:
        result = await client.call_tool("haloitsm_resolve_ticket", {"ticket_id": 790, "note": "Renewed."})
    payload = _payload(result)
    assert payload["status"] == "paused"
    [parked] = re.findall(r"--session (mcp-\S+) yes", payload["how_to_confirm"])
    assert len(parked) > 20  # random, unguessable (issue 9)
    assert _status(service, 790) != 9
    session = service.sessions.get(parked)
    assert session is not None and session.pending_confirmations == [payload["pending_id"]]
    events = await service.confirm(parked, payload["pending_id"], admin, yes=True)
    assert events and _status(service, 790) == 9


async def test_an_unknown_identity_cannot_list_tools(service: AgentService) -> None:
    async def nobody(_headers: Any) -> Principal:
        return await service.resolve_principal("employee", email="nobody@example.com")

    async with Client(McpBridge(service, nobody).server()) as client:
        with pytest.raises(Exception, match=r"nobody@example\.com"):
            await client.list_tools()
