"""AgentService end to end: scripted model, real executor, policy and audit, the in-process sandbox.

Each seed request is asserted by Halo's final state and the audit records, not by wording.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, ToolResultEvent
from halo_agent.agent.service import AgentService, IdentityError
from halo_agent.config import Settings
from halo_agent.errors import PendingError
from halo_agent.examples import (
    DEMO_ADMIN_AGENT_ID,
    DEMO_EMPLOYEE_EMAIL,
    DEMO_SECOND_ADMIN_AGENT_ID,
    OTHER_EMPLOYEE_EMAIL,
)
from halo_agent.principal import Principal
from halo_agent.storage.sessions import SessionError
from halo_agent.testing import ScriptedModel, Step, call, text


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
async def make_service(settings: Settings) -> AsyncIterator[Any]:
    services: list[AgentService] = []

    async def make(steps: Sequence[Step]) -> AgentService:
        service = await AgentService.create(settings, model=ScriptedModel(steps))
        services.append(service)
        return service

    yield make
    for service in services:
        await service.aclose()


async def _admin(service: AgentService) -> Principal:
    return await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)


async def _emma(service: AgentService) -> Principal:
    return await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)


async def _run(service: AgentService, message: str, who: Principal, session: str = "s1") -> list[AgentEvent]:
    return [event async for event in service.handle(message, who, session)]


def _results(events: list[AgentEvent]) -> list[ToolResultEvent]:
    return [e for e in events if isinstance(e, ToolResultEvent)]


def _audited(service: AgentService, tool: str) -> list[dict[str, Any]]:
    return [r for r in service.audit.tail(200) if r.get("tool") == tool]


def _store(service: AgentService) -> Any:
    assert service.sandbox is not None
    return service.sandbox.state_store


# --- identity ---------------------------------------------------------------------------------------


async def test_an_answer_is_shown_once_its_session_is_saved_and_its_records_are_on_disk(
    make_service: Any,
) -> None:
    service = await make_service([[call("haloitsm_get_ticket", ticket_id=789)], text("Ticket 789 is open.")])
    admin = await _admin(service)
    answers = 0
    async for event in service.handle("Show ticket 789", admin, "s1", live_text=False):
        if isinstance(event, FinalAnswer):
            answers += 1
            stored = service.sessions.get("s1")
            assert stored is not None and stored.history[-1]["content"] == "Ticket 789 is open."
            assert not service.audit.needs_sync and _audited(service, "haloitsm_get_ticket")
    assert answers == 1


async def test_the_service_runs_on_the_sandbox_and_says_so(make_service: Any) -> None:
    service = await make_service([])
    assert service.sandbox is not None and service.sandbox_notice and "sandbox" in service.sandbox_notice


async def test_principals_are_checked_against_halo(make_service: Any) -> None:
    service = await make_service([])
    emma = await _emma(service)
    assert emma.halo_user_id is not None and emma.name == "Emma Hart"
    admin = await _admin(service)
    assert admin.halo_agent_id == DEMO_ADMIN_AGENT_ID and admin.name
    with pytest.raises(IdentityError, match=r"nobody@example\.com"):
        await service.resolve_principal("employee", email="nobody@example.com")
    with pytest.raises(IdentityError, match="9999"):
        await service.resolve_principal("admin", agent_id=9999)
    with pytest.raises(IdentityError, match="unknown role"):
        await service.resolve_principal("superuser", agent_id=1)


async def test_a_session_belongs_to_the_person_who_started_it(make_service: Any) -> None:
    service = await make_service([text("Hello Emma.")])
    await _run(service, "hi", await _emma(service))
    liam = await service.resolve_principal("employee", email=OTHER_EMPLOYEE_EMAIL)
    with pytest.raises(SessionError):
        await _run(service, "hi", liam)


# --- the admin's seed requests ---------------------------------------------------------------------


async def test_admin_creates_an_incident_for_site_18(make_service: Any) -> None:
    create = call(
        "haloitsm_create_ticket", summary="Second-floor printer keeps jamming",
        details="The printer on the second floor keeps jamming.", ticket_type="Incident", priority="High",
        site=18, team="1st Line Support",
    )  # fmt: skip
    service = await make_service([[create], text("Created.")])
    before = set(_store(service).tickets)
    events = await _run(service, "Create a new incident for site 18 ...", await _admin(service))
    assert isinstance(events[-1], FinalAnswer) and events[-1].usage.halo_calls > 0
    new = [_store(service).ticket(i) for i in set(_store(service).tickets) - before]
    assert len(new) == 1 and new[0]["site_id"] == 18 and new[0]["team"] == "1st Line Support"
    metadata = await service.client.metadata()
    assert metadata.priority_name(new[0]["priority_id"], new[0].get("sla_id")) == "High"
    [record] = _audited(service, "haloitsm_create_ticket")
    assert record["decision"] == "allow" and record["outcome"]["status"] == "ok"


async def test_admin_lists_open_incidents_of_agent_6(make_service: Any) -> None:
    listing = call("haloitsm_list_tickets", ticket_type="Incident", status="open", agent=6)
    service = await make_service([[listing], text("Here they are.")])
    events = await _run(service, "List all open incidents assigned to agent 6.", await _admin(service))
    [result] = _results(events)
    assert result.status == "ok" and result.halo_ids
    for ticket_id in result.halo_ids:
        ticket = _store(service).ticket(ticket_id)
        assert ticket["agent_id"] == 6 and ticket["status_id"] != 9


async def test_admin_adds_a_hidden_note_to_789(make_service: Any) -> None:
    note = call(
        "haloitsm_add_note", ticket_id=789, note="Checked the mail server logs.", hidden_from_user=True
    )
    service = await make_service([[note], text("Note added.")])
    await _run(service, "Add a hidden note to ticket 789 ...", await _admin(service))
    latest = _store(service).actions_for(789)[-1]
    assert latest["note"].startswith("Checked the mail server logs") and latest["hiddenfromuser"] is True
    assert _audited(service, "haloitsm_add_note")[0]["outcome"]["status"] == "ok"


async def test_admin_reprioritises_and_reassigns_789_in_one_call(make_service: Any) -> None:
    update = call("haloitsm_update_ticket", ticket_id=789, priority="High", team="2nd Line Support")
    service = await make_service([[update], text("Done.")])
    await _run(service, "Change the priority of ticket 789 to High and reassign ...", await _admin(service))
    ticket = _store(service).ticket(789)
    metadata = await service.client.metadata()
    assert ticket["team"] == "2nd Line Support"
    assert metadata.priority_name(ticket["priority_id"], ticket.get("sla_id")) == "High"


async def test_admin_closes_790_only_after_saying_yes(make_service: Any) -> None:
    resolve = call(
        "haloitsm_resolve_ticket", ticket_id=790, note="The VPN certificate was renewed, all working."
    )
    service = await make_service([[resolve], text("Ticket 790 is closed.")])
    admin = await _admin(service)
    events = await _run(service, "Close ticket 790 with a note visible to the user ...", admin)
    assert isinstance(events[-1], Paused) and events[-1].kind == "confirmation"
    assert _store(service).ticket(790)["status_id"] != 9  # nothing changed yet
    events = await _run(service, "yes", admin)
    assert isinstance(events[-1], FinalAnswer) and events[-1].usage.tool_calls == 1
    assert _store(service).ticket(790)["status_id"] == 9
    note = _store(service).actions_for(790)[-1]
    assert "certificate was renewed" in note["note"] and not note["hiddenfromuser"]
    assert {r["event"] for r in _audited(service, "haloitsm_resolve_ticket")} >= {
        "tool_call", "pending_decision", "pending_run",
    }  # fmt: skip


async def test_a_confirmation_can_be_given_by_button(make_service: Any) -> None:
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")
    service = await make_service([[resolve], text("Closed.")])
    admin = await _admin(service)
    paused = (await _run(service, "close 790", admin))[-1]
    assert isinstance(paused, Paused)
    other_admin = await service.resolve_principal("admin", agent_id=DEMO_SECOND_ADMIN_AGENT_ID)
    with pytest.raises(SessionError):
        await service.confirm("s1", paused.pending_id, other_admin, yes=True)
    with pytest.raises(PendingError):
        await service.confirm("s1", "not-an-id", admin, yes=True)
    events = await service.confirm("s1", paused.pending_id, admin, yes=True)
    assert isinstance(events[-1], FinalAnswer)
    assert _store(service).ticket(790)["status_id"] == 9


async def test_no_leaves_the_ticket_open_and_is_audited(make_service: Any) -> None:
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")
    service = await make_service([[resolve]])
    admin = await _admin(service)
    await _run(service, "close 790", admin)
    events = await _run(service, "no", admin)
    assert isinstance(events[-1], FinalAnswer) and "cancelled" in events[-1].text
    assert _store(service).ticket(790)["status_id"] != 9
    decisions = [r for r in _audited(service, "haloitsm_resolve_ticket") if r["event"] == "pending_decision"]
    assert decisions and decisions[-1]["outcome"]["status"] == "refused"
    assert decisions[-1]["rule_id"] == "pending-declined"


# --- the employee's seed requests ------------------------------------------------------------------


async def test_employee_opens_a_ticket_raised_for_themselves(make_service: Any) -> None:
    create = call(
        "haloitsm_create_ticket",
        summary="Laptop battery won't charge",
        details="My laptop battery won't charge anymore.",
    )
    service = await make_service([[create], text("Opened.")])
    emma = await _emma(service)
    before = set(_store(service).tickets)
    await _run(service, "My laptop battery won't charge anymore. Please open a ticket for me.", emma)
    [new_id] = set(_store(service).tickets) - before
    assert _store(service).ticket(new_id)["user_id"] == emma.halo_user_id


async def test_employee_reads_their_ticket_but_not_someone_elses(make_service: Any) -> None:
    service = await make_service(
        [
            [call("haloitsm_get_ticket", ticket_id=789)],
            text("Open."),
            [call("haloitsm_get_ticket", ticket_id=790)],
            text("No."),
        ]
    )
    emma = await _emma(service)
    [own] = _results(await _run(service, "What's the status of my ticket 789?", emma))
    assert own.status == "ok"
    [other] = _results(await _run(service, "and 790?", emma))
    assert other.status in ("refused", "error")
    assert "VPN" not in other.summary


async def test_employee_asks_the_knowledge_base(make_service: Any) -> None:
    service = await make_service([[call("haloitsm_search_kb", query="password")], text("Here is how.")])
    [result] = _results(await _run(service, "How do I reset my password?", await _emma(service)))
    assert result.status == "ok" and result.halo_ids


async def test_employee_closes_their_email_ticket_after_confirming(make_service: Any) -> None:
    service = await make_service(
        [
            [call("haloitsm_list_tickets", mine=True, status="open", search="email")],
            [call("haloitsm_resolve_ticket", ticket_id=789, note="It's working again.")],
            text("Closed ticket 789."),
        ]
    )
    emma = await _emma(service)
    events = await _run(service, "It's working again, you can close my email ticket.", emma)
    assert isinstance(events[-1], Paused)
    assert [r.id for r in service.pending(emma)] == [events[-1].pending_id]
    events = await _run(service, "go ahead", emma)
    assert isinstance(events[-1], FinalAnswer)
    assert _store(service).ticket(789)["status_id"] == 9


# --- approvals ---------------------------------------------------------------------------------------


async def test_an_approved_request_is_mentioned_to_the_requester_later(make_service: Any) -> None:
    critical = call("haloitsm_update_ticket", ticket_id=789, priority="Critical")
    service = await make_service([[critical], text("Anything else?")])
    admin = await _admin(service)
    paused = (await _run(service, "make 789 critical", admin))[-1]
    assert isinstance(paused, Paused) and paused.kind == "approval"
    approver = await service.resolve_principal("admin", agent_id=DEMO_SECOND_ADMIN_AGENT_ID)
    assert paused.pending_id in [r.id for r in service.pending(approver)]
    with pytest.raises(PendingError):
        await service.approve(paused.pending_id, admin)  # never your own
    outcome = await service.approve(paused.pending_id, approver)
    assert outcome.status == "ok"
    events = await _run(service, "thanks", admin)
    update = "".join(e.text for e in events if e.type == "text_delta")
    assert "approved" in update and paused.pending_id in update
    assert isinstance(events[-1], FinalAnswer)
    assert not any(isinstance(e, ErrorEvent) for e in events)


async def test_a_confirmation_can_arrive_in_a_later_process(settings: Settings) -> None:
    """`ask "close 790"` then `ask "yes"`: two services on the same data directory."""
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")
    first = await AgentService.create(settings, model=ScriptedModel([[resolve]]))
    try:
        paused = (await _run(first, "close 790", await _admin(first), "cli"))[-1]
    finally:
        await first.aclose()
    assert isinstance(paused, Paused)
    second = await AgentService.create(settings, model=ScriptedModel([text("Closed.")]))
    try:
        events = await _run(second, "yes", await _admin(second), "cli")
        assert isinstance(events[-1], FinalAnswer) and events[-1].usage.tool_calls == 1
        assert _store(second).ticket(790)["status_id"] == 9
    finally:
        await second.aclose()


async def test_the_system_prompt_follows_a_metadata_refresh(make_service: Any) -> None:
    service: AgentService = await make_service([])
    admin, emma = await _admin(service), await _emma(service)
    first = await service.system_prompt(admin)
    assert await service.system_prompt(admin) == first != await service.system_prompt(emma)
    assert service.sandbox is not None
    service.sandbox.state_store.lookup("teams").append({"id": 990, "name": "Night Shift Desk"})
    assert "Night Shift Desk" not in await service.system_prompt(admin)  # within the metadata TTL
    service.client.forget_metadata()
    assert "Night Shift Desk" in await service.system_prompt(admin)
