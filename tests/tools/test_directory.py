"""People and places by name, email or id, resolved in code against Halo; ticket numbers as people write
them. Through the executor against the sandbox, with the audit record checked for the resolved id."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.tools.conftest import Desk, payload


async def test_reassigning_to_an_agent_by_name_assigns_that_agent(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "agent": "Grace Lin"})
    assert out.status == "ok", out.tool_message
    assert desk.ticket(789)["agent_id"] == 7
    assert desk.audit_records()[-1]["args"] == {"ticket_id": 789, "agent": 7}  # what the policy saw


@pytest.mark.parametrize("ref", ["grace lin", "Lin", "grace.lin@example.com", "7", 7, "#7", "agent 7",
                                 "Grace Lin (grace.lin@example.com; 2nd Line Support; id 7)"])
async def test_an_agent_is_found_by_name_surname_email_id_or_offered_choice(desk: Desk, ref: object) -> None:
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "agent": ref})
    assert out.status == "ok", out.tool_message
    assert desk.ticket(789)["agent_id"] == 7


async def test_an_unknown_agent_is_an_error_with_choices_and_nothing_changes(desk: Desk) -> None:
    before = desk.ticket(789)
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "agent": "Zed Nobody"})
    body = payload(out)
    assert out.status == "error" and "no agent matches 'Zed Nobody'" in body["error"]
    assert any("Ben Carter" in choice for choice in body["choices"])
    assert desk.ticket(789) == before


async def test_an_agent_id_that_does_not_exist_or_is_disabled_is_refused(desk: Desk) -> None:
    for ref in (999, 12):  # 12 is Ravi Kumar, disabled
        out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "agent": ref})
        assert out.status == "error" and f"no active agent has id {ref}" in payload(out)["error"]


async def test_an_ambiguous_name_returns_every_candidate_to_ask_about(desk: Desk) -> None:
    firsts = Counter(u["name"].split()[0] for u in desk.app.state_store.lookup("users"))
    shared = next(name for name, count in firsts.items() if count > 1)
    out = await desk.call(desk.admin, "haloitsm_create_ticket",
                          {"summary": "x", "details": "y", "user": shared})
    body = payload(out)
    assert out.status == "error" and "ask the person which one" in body["error"]
    assert len(body["choices"]) == firsts[shared]
    assert all("@example.com" in choice and "id " in choice for choice in body["choices"])


async def test_a_requester_and_a_site_by_name(desk: Desk) -> None:
    site_name = next(s["name"] for s in desk.app.state_store.lookup("sites") if s["id"] == 18)
    out = await desk.call(desk.admin, "haloitsm_create_ticket", {
        "summary": "Dock broken", "details": "No display.", "user": "Liam Cole", "site": site_name})
    assert out.status == "ok", out.tool_message
    created = desk.ticket(payload(out)["result"]["ticket_id"])
    assert created["user_id"] == desk.liam.halo_user_id and created["site_id"] == 18


@pytest.mark.parametrize("ref", ["Emma Hart", "hart emma", "emma.hart@example.com", "EMMA HART", 101])
async def test_tickets_listed_by_requester_name_email_or_id(desk: Desk, ref: object) -> None:
    out = await desk.call(desk.admin, "haloitsm_list_tickets", {"user": ref, "status": "open"})
    rows = payload(out)["untrusted_data"]["tickets"]
    assert rows and all(desk.ticket(r["id"])["user_id"] == desk.emma.halo_user_id for r in rows)


async def test_lookup_of_users_at_a_site_given_by_name(desk: Desk) -> None:
    site_name = next(s["name"] for s in desk.app.state_store.lookup("sites") if s["id"] == 18)
    out = await desk.call(desk.admin, "haloitsm_lookup", {"kind": "users", "site": site_name})
    users = payload(out)["untrusted_data"]["users"]
    assert users and {u["site"] for u in users} == {site_name}


async def test_an_employee_cannot_probe_the_directory_through_errors(desk: Desk) -> None:
    """Arguments the role may not set are refused by policy, never looked up (no choices leak)."""
    out = await desk.call(desk.emma, "haloitsm_create_ticket",
                          {"summary": "x", "details": "y", "user": "Zed Nobody"})
    assert out.status == "refused" and "choices" not in payload(out)
    out = await desk.call(desk.emma, "haloitsm_lookup", {"kind": "users", "site": "Nowhere"})
    assert out.status == "refused" and "choices" not in payload(out)


@pytest.mark.parametrize("ref", [789, "789", "#789", "ticket 789", "Ticket #789", " 789 "])
async def test_ticket_numbers_as_people_write_them(desk: Desk, ref: object) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": ref})
    assert out.status == "ok", out.tool_message
    assert payload(out)["untrusted_data"]["ticket"]["id"] == 789


@pytest.mark.parametrize(("tool", "args"), [
    ("haloitsm_get_ticket", {"ticket_id": True}),
    ("haloitsm_resolve_ticket", {"ticket_id": False}),
    ("haloitsm_update_ticket", {"ticket_id": 789, "agent": True}),
    ("haloitsm_get_ticket", {"ticket_id": "789 and 790"}),
    ("haloitsm_get_ticket", {"ticket_id": 0}),
])
async def test_booleans_and_non_numbers_are_never_tickets_or_people(
    desk: Desk, tool: str, args: dict[str, object]
) -> None:
    out = await desk.call(desk.admin, tool, args)
    assert out.status == "error" and payload(out)["error"].startswith("invalid arguments")
