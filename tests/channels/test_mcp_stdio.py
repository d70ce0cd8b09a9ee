"""`halo-agent mcp --transport stdio` as an MCP client launches it: identity from the flags only."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.stdio import StdioServerParameters

from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL

ROOT = Path(__file__).resolve().parents[2]


def _server(*identity: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "halo_agent", "mcp", "--transport", "stdio", *identity],
        env={**os.environ}, cwd=ROOT,
    )  # fmt: skip


def _payload(result: types.CallToolResult) -> dict[str, Any]:
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    payload: dict[str, Any] = json.loads(content.text)
    return payload


async def test_an_employee_over_stdio_gets_their_tools_and_only_their_tickets() -> None:
    async with Client(_server("--role", "employee", "--user", DEMO_EMPLOYEE_EMAIL)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        own = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 789})
        other = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 790})
    assert "haloitsm_get_ticket" in names and "haloitsm_lookup" not in names
    assert not own.is_error and _payload(own)["status"] == "ok"
    assert other.is_error


async def test_an_admin_over_stdio_confirms_by_elicitation() -> None:
    async def accept(context: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert "790" in params.message
        return types.ElicitResult(action="accept")

    identity = ("--role", "admin", "--agent-id", str(DEMO_ADMIN_AGENT_ID))
    async with Client(_server(*identity), elicitation_callback=accept) as client:
        closed = await client.call_tool("haloitsm_resolve_ticket", {"ticket_id": 790, "note": "Renewed."})
        after = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 790})
    assert not closed.is_error and _payload(closed)["status"] == "ok"
    assert "closed" in json.dumps(_payload(after)).lower()
