"""Who a chat-platform person is: decided by Halo and the deployment's admins file, never by the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.agent.service import AgentService
from halo_agent.channels.bots.identity import AdminMapping, BotIdentity, BotIdentityRefusedError
from halo_agent.config import Settings
from halo_agent.errors import ConfigError


@pytest.fixture
async def service(tmp_path: Path) -> AgentService:
    return await AgentService.create(Settings(home=tmp_path / "home"))


async def test_a_listed_agent_acts_as_admin_and_an_unlisted_one_only_as_employee_or_not_at_all(
    service: AgentService,
) -> None:
    try:
        listed = await BotIdentity(service, AdminMapping.of(["Alex.Morgan@example.com"])).principal(
            "alex.morgan@example.com", platform="Slack")  # fmt: skip
        assert listed.role == "admin" and listed.halo_agent_id == 1
        with pytest.raises(BotIdentityRefusedError, match=r"can.t find priya\.shah@example\.com"):
            await BotIdentity(service, AdminMapping()).principal("priya.shah@example.com", platform="Slack")
        employee = await BotIdentity(service, AdminMapping()).principal(
            "emma.hart@example.com", platform="Slack"
        )
        assert employee.role == "employee" and employee.halo_user_id is not None
    finally:
        await service.aclose()


async def test_a_listed_email_of_a_disabled_halo_agent_is_not_an_admin(service: AgentService) -> None:
    try:
        identity = BotIdentity(service, AdminMapping.of(["ravi.kumar@example.com"]))  # agent 12, disabled
        with pytest.raises(BotIdentityRefusedError, match="can't find"):
            await identity.principal("ravi.kumar@example.com", platform="Slack")
    finally:
        await service.aclose()


async def test_a_group_grants_admin_and_no_email_is_a_clear_refusal(service: AgentService) -> None:
    try:
        identity = BotIdentity(service, AdminMapping.of(groups=["it-admins"]))
        admin = await identity.principal("alex.morgan@example.com", groups=["IT-Admins"], platform="Slack")
        assert admin.role == "admin"
        with pytest.raises(BotIdentityRefusedError, match="no email address"):
            await identity.principal(None, platform="Teams")
    finally:
        await service.aclose()


def test_a_bad_admins_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "admins.toml"
    path.write_text('emails = "alex@example.com"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="emails") as caught:
        AdminMapping.load(path)
    assert str(path) in str(caught.value)
    path.write_text('admins = ["x"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown field"):
        AdminMapping.load(path)
