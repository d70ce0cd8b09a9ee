"""Every tool through the executor against the sandbox, with Halo's final state checked."""

from __future__ import annotations

from tests.tools.conftest import Desk, payload


async def test_admin_creates_an_incident_for_a_site_with_priority_and_team(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_create_ticket", {
        "summary": "Printer on floor 2 keeps jamming", "details": "Jams on every job.",
        "priority": "high", "site": 18, "team": "1st line support",
    })
    assert out.status == "ok", out.tool_message
    created = desk.ticket(payload(out)["result"]["ticket_id"])
    assert created["site_id"] == 18 and created["client_id"] == 1
    assert created["priority_id"] == 2 and created["team"] == "1st Line Support"
    assert created["tickettype_id"] == 1 and created["summary"] == "Printer on floor 2 keeps jamming"


async def test_admin_creates_a_ticket_for_a_user_by_email(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_create_ticket", {
        "summary": "New starter laptop", "details": "Needs a laptop by Monday.",
        "ticket_type": "Service Request", "user": "liam.cole@example.com", "agent": 6,
    })
    created = desk.ticket(payload(out)["result"]["ticket_id"])
    assert created["user_id"] == desk.liam.halo_user_id and created["site_id"] == 18
    assert created["agent_id"] == 6 and created["tickettype_id"] == 4


async def test_admin_lists_open_incidents_of_an_agent(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_list_tickets",
                          {"ticket_type": "Incident", "status": "open", "agent": 6})
    data = payload(out)["untrusted_data"]
    closed = (await desk.client.metadata()).closed_status_ids  # Closed and Resolved are not open work
    assert {status.name for status in (await desk.client.metadata()).statuses if status.id in closed} >= {
        "Closed", "Resolved"}
    expected = [t for t in desk.app.state_store.tickets.values()
                if t["agent_id"] == 6 and t["tickettype_id"] == 1 and int(t["status_id"]) not in closed]
    assert data["total"] == len(expected) >= 5
    assert {row["agent"] for row in data["tickets"]} == {"Sam Turner"}
    assert {row["type"] for row in data["tickets"]} == {"Incident"}
    assert set(data) == {"tickets", "total", "page", "more", "matched"}
    assert data["matched"] == {"agent": "Sam Turner (agent 6)"}  # whom Halo matched, for the answer


async def test_list_pages_hold_at_most_25_rows_and_say_there_is_more(desk: Desk) -> None:
    data = payload(await desk.call(desk.admin, "haloitsm_list_tickets", {}))["untrusted_data"]
    assert len(data["tickets"]) == 25 and data["more"] is True and data["total"] > 25
    assert set(data["tickets"][0]) == {"id", "summary", "status", "priority", "type", "agent", "team", "user"}


async def test_admin_mine_lists_tickets_assigned_to_the_admin(desk: Desk) -> None:
    data = payload(await desk.call(desk.admin, "haloitsm_list_tickets", {"mine": True}))["untrusted_data"]
    assigned = [t for t in desk.app.state_store.tickets.values() if t["agent_id"] == desk.admin.halo_agent_id]
    assert data["total"] == len(assigned) > 0
    assert {r["id"] for r in data["tickets"]} <= {t["id"] for t in assigned}


async def test_admin_adds_a_hidden_note(desk: Desk) -> None:
    before = len(desk.notes(789))
    out = await desk.call(desk.admin, "haloitsm_add_note", {
        "ticket_id": 789, "note": "Checked the mail server logs, waiting on the vendor.",
        "hidden_from_user": True,
    }, said="Add a hidden note to ticket 789")
    assert out.status == "ok", out.tool_message
    notes = desk.notes(789)
    assert len(notes) == before + 1
    assert notes[-1]["hiddenfromuser"] is True and "vendor" in notes[-1]["note"]


async def test_admin_reprioritises_and_reassigns(desk: Desk) -> None:
    args = {"ticket_id": 789, "priority": "Low", "team": "2nd Line Support"}
    out = await desk.call(desk.admin, "haloitsm_update_ticket", args, said="ticket 789")
    assert out.status == "ok", out.tool_message
    assert payload(out)["result"]["changed"] == ["priority High -> Low",
                                                 "team 1st Line Support -> 2nd Line Support"]
    ticket = desk.ticket(789)
    assert ticket["priority_id"] == 4 and ticket["team"] == "2nd Line Support"


async def test_admin_closes_with_a_public_note_after_confirming(desk: Desk) -> None:
    args = {"ticket_id": 790, "note": "VPN certificate renewed, all working."}
    out = await desk.call(desk.admin, "haloitsm_resolve_ticket", args, said="ticket 790")
    assert out.status == "paused" and out.pending is not None
    assert "Ticket 790" in out.pending.preview and "In Progress -> Closed" in out.pending.preview
    assert desk.ticket(790)["status_id"] == 2  # nothing happened yet
    done = await desk.executor.resume(out.pending.id, desk.admin, approve=True)
    assert done.status == "ok", done.tool_message
    assert desk.ticket(790)["status_id"] == 9
    last = desk.notes(790)[-1]
    assert last["hiddenfromuser"] is False and "certificate renewed" in last["note"]


async def test_get_ticket_shows_names_and_recent_notes(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 789}, said="789")
    data = payload(out)["untrusted_data"]
    assert [e.type for e in out.events] == ["tool_call", "decision", "tool_result"]
    assert data["ticket"]["status"] == "In Progress" and data["ticket"]["priority"] == "High"
    assert data["ticket"]["agent"] == "Ben Carter" and data["ticket"]["user"] == "Emma Hart"
    assert [n.get("hidden", False) for n in data["notes"]] == [False, True]  # admins see hidden, marked


async def test_employee_sees_only_public_notes(desk: Desk) -> None:
    data = payload(await desk.call(desk.emma, "haloitsm_get_ticket", {"ticket_id": 789}))["untrusted_data"]
    assert data["notes"] and all("hidden" not in n for n in data["notes"])
    assert data["notes_total"] == sum(1 for n in desk.notes(789) if not n["hiddenfromuser"])


async def test_employee_opens_a_ticket_for_herself(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_create_ticket", {
        "summary": "Laptop battery won't charge", "details": "The battery stays at 0%."})
    assert out.status == "ok", out.tool_message
    created = desk.ticket(payload(out)["result"]["ticket_id"])
    assert created["user_id"] == desk.emma.halo_user_id
    assert created["site_id"] == 18 and created["client_id"] == 1


async def test_employee_closes_her_ticket_after_confirming(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_resolve_ticket",
                          {"ticket_id": 789, "note": "Working again, thanks."}, said="close my email ticket")
    assert out.status == "paused" and out.pending is not None and out.pending.kind == "confirmation"
    done = await desk.executor.resume(out.pending.id, desk.emma, approve=True)
    assert done.status == "ok", done.tool_message
    assert desk.ticket(789)["status_id"] == 9


async def test_search_kb_returns_cut_articles(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_search_kb", {"query": "reset password"})
    articles = payload(out)["untrusted_data"]["articles"]
    assert articles and len(articles) <= 5
    assert any("password" in (a["title"] or "").lower() for a in articles)


async def test_lookups_find_users_and_teams(desk: Desk) -> None:
    users = payload(await desk.call(desk.admin, "haloitsm_lookup", {"kind": "users", "search": "emma"}))
    assert [u["email"] for u in users["untrusted_data"]["users"]] == ["emma.hart@example.com"]
    teams = payload(await desk.call(desk.admin, "haloitsm_lookup", {"kind": "teams", "search": "line"}))
    assert [t["name"] for t in teams["result"]["teams"]] == ["1st Line Support", "2nd Line Support"]


async def test_an_asset_names_its_site_as_halo_gives_it(desk: Desk) -> None:
    out = payload(await desk.call(desk.admin, "haloitsm_lookup", {"kind": "assets", "search": "LAP-0001"}))
    rows = next(iter(v for v in out.values() if isinstance(v, dict)))["assets"]
    assert rows[0]["site"] == "Manchester Office" and "site_id" not in rows[0]


async def test_ticket_options_list_the_vocabulary(desk: Desk) -> None:
    data = payload(await desk.call(desk.admin, "haloitsm_ticket_options", {}))["result"]
    assert "Closed" in data["closed_statuses"] and "Closed" not in data["statuses"]
    assert {"Incident", "Service Request"} <= set(data["ticket_types"])
    assert "2nd Line Support" in data["teams"] and "Critical" in data["priorities"]


async def test_a_reassignment_names_both_agents_first_and_their_ids_after(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "agent": 6}, said="789")
    assert out.status == "ok", out.tool_message
    assert payload(out)["result"]["changed"] == ["agent Ben Carter (agent 3) -> Sam Turner (agent 6)"]


async def test_an_employee_confirming_a_note_reads_who_will_see_it_from_their_side(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_resolve_ticket", {"ticket_id": 789, "note": "Fixed."})
    assert out.pending is not None and "note you and the IT team can see: 'Fixed.'" in out.pending.preview
    assert "the user" not in out.pending.preview


async def test_a_created_ticket_reports_its_summary_type_and_facts_apart(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_create_ticket", {
        "summary": "Printer jams", "details": "Jams on every job.", "site": 18, "priority": "high"})
    result = payload(out)["result"]
    assert result["summary"] == "Printer jams" and result["ticket_type"] == "Incident"
    assert result["changes"] == ["at Manchester Office (site 18)", "priority High"]


async def test_a_change_the_ticket_already_had_is_reported_not_dropped(desk: Desk) -> None:
    args = {"ticket_id": 789, "priority": "Low", "agent": 3}  # 789 is already Ben Carter's (agent 3)
    out = await desk.call(desk.admin, "haloitsm_update_ticket", args, said="789")
    assert out.status == "ok", out.tool_message
    result = payload(out)["result"]
    assert result["changed"] == ["priority High -> Low"]
    assert result["already"] == ["agent Ben Carter (agent 3)"]
    assert out.result is not None and "agent Ben Carter (agent 3) already" in out.result.summary


async def test_a_list_by_a_typed_name_says_whom_halo_matched(desk: Desk) -> None:
    args = {"agent": "grace lin", "site": "manchester office"}
    out = await desk.call(desk.admin, "haloitsm_list_tickets", args)
    assert out.status == "ok", out.tool_message
    data = payload(out)["untrusted_data"]  # directory names are Halo text, even with no rows
    assert data["matched"] == {"agent": "Grace Lin (agent 7)", "site": "Manchester Office (site 18)"}
