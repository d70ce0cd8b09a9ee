"""Hole 6: admins identified by email were never checked against Halo, and an alias dodged the
two-person rule. Every identity is proven against Halo, and one canonical key names the person."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from halo_agent.agent.events import Paused
from halo_agent.agent.service import AgentService, IdentityError
from halo_agent.cli_common import principal_from_args
from halo_agent.config import Settings
from halo_agent.errors import PendingError
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.testing import ScriptedModel, call, text

ALEX = "alex.morgan@example.com"  # agent 1 in the sandbox


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    critical = call("haloitsm_update_ticket", ticket_id=789, priority="Critical")
    service = await AgentService.create(
        Settings(home=tmp_path / "home"), model=ScriptedModel([[critical], text("Sent for approval.")])
    )
    yield service
    await service.aclose()


@pytest.mark.parametrize(("email", "agent_id", "words"), [
    ("made.up.admin@example.com", None, "no active agent"),
    (DEMO_EMPLOYEE_EMAIL, None, "no active agent"),  # a user, not an agent
    ("ravi.kumar@example.com", None, "no active agent"),  # disabled
    (None, 12, "no active agent with id 12"),  # disabled
    (None, 999, "no active agent with id 999"),
    (DEMO_EMPLOYEE_EMAIL, DEMO_ADMIN_AGENT_ID, "does not have the email"),  # id and email disagree
    (None, None, "agent id or email"),
])
async def test_an_admin_must_be_an_enabled_halo_agent(
    service: AgentService, email: str | None, agent_id: int | None, words: str
) -> None:
    with pytest.raises(IdentityError, match=words):
        await service.resolve_principal("admin", email=email, agent_id=agent_id)


async def test_an_agent_by_id_and_by_email_is_one_principal(service: AgentService) -> None:
    by_id = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    by_email = await service.resolve_principal("admin", email="  Alex.Morgan@EXAMPLE.com ")
    assert by_id == by_email and by_id.key == "admin:agent:1" and by_id.email == ALEX


async def test_an_admin_cannot_approve_his_own_request_by_switching_to_his_email(
    service: AgentService,
) -> None:
    by_id = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    events = [e async for e in service.handle("make 789 critical", by_id, "s1")]
    [paused] = [e for e in events if isinstance(e, Paused)]
    by_email = await service.resolve_principal("admin", email=ALEX)
    with pytest.raises(PendingError, match="your own request"):
        await service.approve(paused.pending_id, by_email)
    assert service.pending_store.get(paused.pending_id).state == "pending"  # type: ignore[union-attr]


async def test_the_cli_never_acts_as_one_agent_while_auditing_another_person(service: AgentService) -> None:
    args = argparse.Namespace(role="admin", user=DEMO_EMPLOYEE_EMAIL, agent_id=None)
    with pytest.raises(IdentityError):
        await principal_from_args(service, args)
    args = argparse.Namespace(role="admin", user=ALEX, agent_id=None)
    assert (await principal_from_args(service, args)).halo_agent_id == DEMO_ADMIN_AGENT_ID


async def test_an_employee_cannot_carry_an_agent_id(service: AgentService) -> None:
    with pytest.raises(IdentityError):
        await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL, agent_id=DEMO_ADMIN_AGENT_ID)


async def test_the_audit_names_the_resolved_identity(service: AgentService) -> None:
    admin = await service.resolve_principal("admin", email=ALEX.upper())
    [_ async for _ in service.handle("make 789 critical", admin, "s2")]
    [record] = [r for r in service.audit.tail(10) if r.get("event") == "tool_call"]
    assert record["principal"]["email"] == ALEX and record["principal"]["name"] == "Alex Morgan"
    assert record["principal"]["key"] == "admin:agent:1"
