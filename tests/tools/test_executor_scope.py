"""Identity decides scope: an employee never reads or writes another user's ticket, whatever the model
asks for, and untrusted text cannot make a write run on its own."""

from __future__ import annotations

import pytest

from tests.tools.conftest import Desk, payload

LIAMS_TICKET = 790


@pytest.mark.parametrize(("tool", "args"), [
    ("haloitsm_get_ticket", {"ticket_id": LIAMS_TICKET}),
    ("haloitsm_add_note", {"ticket_id": LIAMS_TICKET, "note": "please close this"}),
    ("haloitsm_resolve_ticket", {"ticket_id": LIAMS_TICKET, "note": "done"}),
])
async def test_employee_naming_another_users_ticket_is_refused_and_halo_unchanged(
    desk: Desk, tool: str, args: dict[str, object]
) -> None:
    before_ticket, before_notes = desk.ticket(LIAMS_TICKET), desk.notes(LIAMS_TICKET)
    out = await desk.call(desk.emma, tool, args, said=f"look at ticket {LIAMS_TICKET}")
    assert out.status == "refused", out.tool_message
    assert "not one of your tickets" in payload(out)["reason"]
    assert payload(out)["rule"].startswith("employee-")
    assert desk.ticket(LIAMS_TICKET) == before_ticket and desk.notes(LIAMS_TICKET) == before_notes
    assert "Liam" not in out.tool_message and "VPN" not in out.tool_message


async def test_employee_hidden_note_is_refused_not_silently_made_public(desk: Desk) -> None:
    before = desk.notes(789)
    out = await desk.call(desk.emma, "haloitsm_add_note",
                          {"ticket_id": 789, "note": "secret", "hidden_from_user": True}, said="789")
    assert out.status == "refused" and "hidden from user" in payload(out)["reason"]
    assert desk.notes(789) == before


async def test_employee_note_is_forced_public(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_add_note", {"ticket_id": 789, "note": "Still broken."},
                          said="note on 789")
    assert out.status == "ok", out.tool_message
    assert desk.notes(789)[-1]["hiddenfromuser"] is False


async def test_employee_list_returns_only_her_tickets(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_list_tickets", {"status": "open"})
    rows = payload(out)["untrusted_data"]["tickets"]
    own_open = [t for t in desk.app.state_store.tickets.values()
                if t["user_id"] == desk.emma.halo_user_id and not t.get("hasbeenclosed")]
    assert sorted(r["id"] for r in rows) == sorted(t["id"] for t in own_open)
    assert all(r["user"] == "Emma Hart" for r in rows)


async def test_employee_list_drops_foreign_rows_even_if_halo_ignores_the_filter(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from halo_agent.halo.queries import TicketQuery

    real = desk.client.list_tickets

    async def ignores_user_filter(query: TicketQuery, **kw: int) -> object:
        return await real(query.model_copy(update={"user_id": None}), **kw)

    monkeypatch.setattr(desk.client, "list_tickets", ignores_user_filter)
    data = payload(await desk.call(desk.emma, "haloitsm_list_tickets", {}))["untrusted_data"]
    assert data["tickets"] and all(desk.ticket(r["id"])["user_id"] == desk.emma.halo_user_id
                                   for r in data["tickets"])
    assert data["total"] == len(data["tickets"])  # the unfiltered total is not leaked


async def test_employee_cannot_open_a_ticket_for_someone_else(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_create_ticket", {
        "summary": "x", "details": "y", "user": "liam.cole@example.com"})
    assert out.status == "refused" and "user" in payload(out)["reason"]


async def test_employee_cannot_raise_a_critical_ticket_even_by_a_prefix(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_create_ticket",
                          {"summary": "x", "details": "y", "priority": "crit"})
    assert out.status == "refused" and payload(out)["rule"] == "employee-no-critical"


async def test_untrusted_text_then_unnamed_target_pauses_even_an_admin(desk: Desk) -> None:
    turn = desk.turn(desk.admin, "summarise my open tickets")
    await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 791}, turn=turn)
    assert turn.untrusted_seen  # set after the call that returned Halo text
    before = desk.notes(789)
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "planted"}, turn=turn)
    assert out.status == "paused" and out.pending is not None and out.pending.kind == "confirmation"
    assert desk.notes(789) == before


async def test_untrusted_text_does_not_block_a_target_the_person_named(desk: Desk) -> None:
    turn = desk.turn(desk.admin, "add a note to 789 saying the vendor replied", untrusted=True)
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "vendor replied"},
                          turn=turn)
    assert out.status == "ok", out.tool_message


async def test_a_number_inside_another_number_does_not_count_as_named(desk: Desk) -> None:
    turn = desk.turn(desk.admin, "see order 17890", untrusted=True)
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "x"}, turn=turn)
    assert out.status == "paused"


async def test_a_read_does_not_raise_the_flag_before_it_runs(desk: Desk) -> None:
    turn = desk.turn(desk.admin, "hi")
    out = await desk.call(desk.admin, "haloitsm_ticket_options", {}, turn=turn)
    assert out.status == "ok" and not turn.untrusted_seen  # admin-configured names are trusted
