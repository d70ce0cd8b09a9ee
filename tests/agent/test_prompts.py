"""System prompts: per role, strict, carrying identity, date and the instance's vocabulary, and short."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest

from halo_agent.halo.models import InstanceMetadata
from halo_agent.principal import Principal
from halo_agent.prompts import InstanceVocabulary, render_system_prompt
from halo_agent.prompts.loader import template_name
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client

ADMIN = Principal(role="admin", name="Alex Morgan", email="alex@example.com", halo_agent_id=1)
EMPLOYEE = Principal(role="employee", name="Emma Hart", email="emma.hart@example.com", halo_user_id=12)
TODAY = dt.date(2026, 3, 14)
PROMPT_BUDGET_BYTES = 1_536


async def _demo_metadata() -> InstanceMetadata:
    client = sandbox_client(create_app(SandboxConfig()))
    try:
        return await client.metadata()
    finally:
        await client.aclose()


@pytest.mark.parametrize("principal", [ADMIN, EMPLOYEE], ids=["admin", "employee"])
async def test_prompt_names_the_caller_the_date_and_the_instance_vocabulary(principal: Principal) -> None:
    metadata = await _demo_metadata()
    prompt = render_system_prompt(principal, InstanceVocabulary.from_metadata(metadata), today=TODAY)
    assert principal.name and principal.name in prompt
    assert "2026-03-14" in prompt
    for names in (metadata.ticket_types, metadata.statuses, metadata.priorities, metadata.teams):
        active = [row.name for row in names if row.name and not getattr(row, "inactive", False)]
        assert active and all(name in prompt for name in active)
    assert "untrusted_data" in prompt


@pytest.mark.parametrize("principal", [ADMIN, EMPLOYEE], ids=["admin", "employee"])
async def test_prompt_stays_within_its_byte_budget(principal: Principal) -> None:
    vocabulary = InstanceVocabulary.from_metadata(await _demo_metadata())
    size = len(render_system_prompt(principal, vocabulary, today=TODAY).encode())
    assert size <= PROMPT_BUDGET_BYTES, f"{principal.role} prompt is {size} bytes"


def test_roles_get_their_own_prompt() -> None:
    vocabulary = InstanceVocabulary(teams=["1st Line Support"])
    admin = render_system_prompt(ADMIN, vocabulary, today=TODAY)
    employee = render_system_prompt(EMPLOYEE, vocabulary, today=TODAY)
    assert "agent id 1" in admin and "agent id" not in employee
    assert "their own tickets only" in employee and "emma.hart@example.com" in employee


def test_unknown_roles_fall_back_by_kind_of_identity() -> None:
    assert template_name(Principal(role="auditor", halo_agent_id=4)) == "system_admin.j2"
    assert template_name(Principal(role="contractor", email="c@example.com")) == "system_employee.j2"


def test_missing_vocabulary_says_unknown_instead_of_failing() -> None:
    prompt = render_system_prompt(EMPLOYEE, InstanceVocabulary(), today=TODAY)
    assert "Teams: unknown" in prompt


def test_vocabulary_drops_duplicates_blanks_and_inactive_rows() -> None:
    metadata = InstanceMetadata.model_validate(
        {
            "priorities": [
                {"id": 1, "priorityid": 1, "slaid": 1, "name": "High"},
                {"id": 2, "priorityid": 1, "slaid": 2, "name": "High"},
                {"id": 3, "name": " "},
            ],
            "teams": [{"id": 1, "name": "Old team", "inactive": True}, {"id": 2, "name": "2nd Line"}],
        }
    )
    vocabulary = InstanceVocabulary.from_metadata(metadata)
    assert vocabulary.priorities == ["High"]
    assert vocabulary.teams == ["2nd Line"]


def test_templates_fail_on_undefined_names() -> None:
    from halo_agent.prompts.loader import _environment

    with pytest.raises(jinja2.UndefinedError):
        _environment().from_string("{{ not_given }}").render()
