"""Mistakes come back as results the model can correct; Halo failures as words a person understands;
and every proposed call leaves exactly one audit record."""

from __future__ import annotations

from typing import Any

import pytest

from halo_agent.halo.errors import HaloWriteUncertainError
from halo_agent.principal import Principal
from tests.tools.conftest import SECRET, Desk, payload


async def test_malformed_json_is_a_correctable_error(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", '{"ticket_id": 789')
    assert out.status == "error" and "JSON" in payload(out)["error"]
    assert [e.type for e in out.events] == ["tool_call", "decision", "tool_result"]
    assert out.events[0].arguments == '{"ticket_id": 789'  # type: ignore[union-attr]


async def test_a_json_array_is_not_an_arguments_object(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", "[789]")
    assert out.status == "error" and "JSON object" in payload(out)["error"]


async def test_unknown_tool_lists_the_roles_tools(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_delete_ticket", {"ticket_id": 789})
    data = payload(out)
    assert out.status == "error" and "haloitsm_delete_ticket" in data["error"]
    assert "haloitsm_get_ticket" in data["choices"] and "haloitsm_lookup" not in data["choices"]


@pytest.mark.parametrize(("args", "words"), [
    ({"ticket_id": "seven"}, "ticket_id: 'seven' is not a ticket number"),
        ({"ticket_id": True}, "ticket_id: give the ticket number, not true/false"),
    ({}, "ticket_id: required"),
    ({"ticket_id": 789, "force": True}, "force: not an argument of this tool"),
])
async def test_bad_arguments_are_explained_briefly(desk: Desk, args: dict[str, object], words: str) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", args)
    assert out.status == "error" and words in payload(out)["error"]
    assert out.decision is None


async def test_unknown_team_returns_the_choices_and_changes_nothing(desk: Desk) -> None:
    before = desk.ticket(789)
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "team": "Networking"},
                          said="789")
    data = payload(out)
    assert out.status == "error" and "Networking" in data["error"]
    assert "2nd Line Support" in data["choices"] and "Network" in data["choices"]
    assert desk.ticket(789) == before


async def test_unknown_priority_lists_priorities(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_create_ticket",
                          {"summary": "s", "details": "d", "priority": "urgent"})
    assert payload(out)["choices"] == ["Critical", "High", "Low", "Medium"]


async def test_closing_through_update_is_sent_to_resolve(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "status": "Resolved"},
                          said="789")
    assert out.status == "error"  # the policy would ask to confirm; building the preview refuses first
    assert "haloitsm_resolve_ticket" in payload(out)["error"] and desk.ticket(789)["status_id"] == 2


async def test_an_unknown_ticket_is_a_readable_error(desk: Desk) -> None:
    out = await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 99999}, said="99999")
    assert out.status == "error" and "not found" in payload(out)["error"]


async def test_halo_rate_limit_is_an_error_result_not_a_crash(desk: Desk) -> None:
    desk.app.faults.add(kind="status", status=429, times=None, method="GET", path="/api/Tickets")
    out = await desk.call(desk.admin, "haloitsm_list_tickets", {})
    assert out.status == "error" and "rate-limiting" in payload(out)["error"]


async def test_an_uncertain_write_says_it_may_have_landed(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def lost(*args: object, **kwargs: object) -> object:
        raise HaloWriteUncertainError("Adding the note to ticket #789 may have worked")

    monkeypatch.setattr(desk.client, "add_note", lost)
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "x"}, said="789")
    assert out.status == "error" and "MAY HAVE BEEN MADE" in payload(out)["error"]
    assert "Do not repeat it" in payload(out)["error"]


async def test_rate_limits_count_recent_calls(desk: Desk) -> None:
    for _ in range(20):
        desk.store.record_call(desk.emma.key, "haloitsm_create_ticket")
    out = await desk.call(desk.emma, "haloitsm_create_ticket", {"summary": "s", "details": "d"})
    assert out.status == "refused" and payload(out)["rule"] == "employee-create-ticket-rate"


async def test_successful_calls_are_counted_for_rate_limits(desk: Desk) -> None:
    await desk.call(desk.emma, "haloitsm_search_kb", {"query": "vpn"})
    assert desk.store.count_recent(desk.emma.key, "haloitsm_search_kb", 60) == 1


async def test_one_audit_record_per_call_with_who_what_and_outcome(desk: Desk) -> None:
    calls: list[tuple[Principal, str, dict[str, Any] | str]] = [
        (desk.admin, "haloitsm_get_ticket", {"ticket_id": 789}),
        (desk.emma, "haloitsm_get_ticket", {"ticket_id": 790}),
        (desk.admin, "haloitsm_resolve_ticket", {"ticket_id": 790}),
        (desk.admin, "nope", {}),
        (desk.admin, "haloitsm_add_note", '{"bad json'),
    ]
    for who, tool, args in calls:
        await desk.call(who, tool, args, said="789 790")
    records = desk.audit_records()
    assert len(records) == len(calls)
    assert [r["decision"] for r in records] == ["allow", "deny", "confirm", "invalid", "invalid"]
    assert [r["outcome"]["status"] for r in records] == ["ok", "refused", "paused", "error", "error"]
    first = records[0]
    assert first["principal"] == {"role": "admin", "user_id": None, "agent_id": 1, "email": None,
                                  "name": "Alex Morgan", "key": "admin:agent:1"}
    assert first["tool"] == "haloitsm_get_ticket" and first["args"] == {"ticket_id": 789}
    assert first["rule_id"] == "admin-get-ticket" and first["outcome"]["halo_ids"] == [789]
    assert first["duration_ms"] >= 0 and first["request_id"] and first["session_id"] == "s-1"
    assert records[1]["principal"]["user_id"] == desk.emma.halo_user_id
    assert records[2]["outcome"]["pending_id"]
    assert desk.audit.verify().ok
    assert SECRET not in desk.audit.path.read_text(encoding="utf-8")


async def test_a_pause_and_its_resolution_are_audited(desk: Desk) -> None:
    out = await desk.call(desk.emma, "haloitsm_resolve_ticket", {"ticket_id": 789}, said="789")
    assert out.pending is not None
    await desk.executor.resume(out.pending.id, desk.emma, approve=True)
    events = [(r["event"], r["outcome"]["status"]) for r in desk.audit_records()]
    assert events == [("tool_call", "paused"), ("pending_decision", "approved"), ("pending_run", "ok")]
