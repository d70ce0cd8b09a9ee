"""MCP over streamable HTTP: the caller comes from the API key and X-Halo-* headers, refusals audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from halo_agent.agent.service import AgentService
from halo_agent.channels.mcp_identity import HeaderIdentity, McpAuthError
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.testing import ScriptedModel
from tests.channels.conftest import ADMIN_KEY, PORTAL_KEY, keyring


@pytest.fixture
async def identify(tmp_path: Path) -> AsyncIterator[HeaderIdentity]:
    service = await AgentService.create(Settings(home=tmp_path / "home"), model=ScriptedModel([]))
    yield HeaderIdentity(service, keyring())
    await service.aclose()


def _refusals(identify: HeaderIdentity) -> list[int]:
    return [r["status"] for r in identify.service.audit.tail(20) if r.get("event") == "mcp_auth_refused"]


async def test_the_key_and_headers_name_the_caller(identify: HeaderIdentity) -> None:
    emma = await identify(
        {
            "authorization": f"Bearer {PORTAL_KEY}",
            "x-halo-role": "employee",
            "x-halo-user": DEMO_EMPLOYEE_EMAIL,
        }
    )
    admin = await identify(
        {
            "authorization": f"Bearer {ADMIN_KEY}",
            "x-halo-role": "admin",
            "x-halo-agent-id": str(DEMO_ADMIN_AGENT_ID),
        }
    )
    assert emma.halo_user_id is not None and emma.role == "employee"
    assert admin.halo_agent_id == DEMO_ADMIN_AGENT_ID


async def test_wrong_keys_and_roles_are_refused_and_audited(identify: HeaderIdentity) -> None:
    with pytest.raises(McpAuthError, match="API key"):
        await identify({"authorization": "Bearer wrong-key-00000000", "x-halo-role": "employee"})
    with pytest.raises(McpAuthError, match="'admin'"):
        await identify(
            {
                "authorization": f"Bearer {PORTAL_KEY}",
                "x-halo-role": "admin",
                "x-halo-agent-id": str(DEMO_ADMIN_AGENT_ID),
            }
        )
    with pytest.raises(McpAuthError, match="headers"):
        await identify(None)  # stdio-style request on the HTTP identity: no headers, no caller
    assert _refusals(identify) == [401, 403]
