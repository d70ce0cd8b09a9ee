"""Confirmations and approvals: bound to a human act, re-checked against fresh Halo facts, run once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingStore
from halo_agent.tools.executor import CallOutcome
from halo_agent.tools.registry import default_registry
from tests.tools.conftest import Desk, make_desk, payload


async def _raise_to_critical(desk: Desk) -> CallOutcome:
    out = await desk.call(desk.admin, "haloitsm_update_ticket", {"ticket_id": 789, "priority": "Critical"},
                          said="make 789 critical")
    assert out.status == "paused" and out.pending is not None and out.pending.kind == "approval"
    return out


async def _emma_closes_789(desk: Desk) -> CallOutcome:
    out = await desk.call(desk.emma, "haloitsm_resolve_ticket", {"ticket_id": 789}, said="close 789")
    assert out.status == "paused" and out.pending is not None
    return out


def test_no_tool_lets_the_model_confirm_or_approve() -> None:
    names = " ".join(default_registry().names())
    assert not any(word in names for word in ("confirm", "approv", "pending", "resume"))


async def test_a_model_calling_a_confirm_tool_gets_an_unknown_tool_error(desk: Desk) -> None:
    paused = await _emma_closes_789(desk)
    assert paused.pending is not None
    out = await desk.call(desk.emma, "confirm", {"pending_id": paused.pending.id})
    assert out.status == "error" and "haloitsm_resolve_ticket" in payload(out)["choices"]
    assert desk.ticket(789)["status_id"] == 2


async def test_paused_message_carries_preview_but_nothing_runs(desk: Desk) -> None:
    out = await _raise_to_critical(desk)
    data = payload(out)
    assert data["status"] == "paused" and data["kind"] == "approval"
    assert data["preview"] == "Ticket 789 'Cannot access email': priority High -> Critical"
    assert desk.ticket(789)["priority_id"] == 2
    assert [e.type for e in out.events] == ["tool_call", "decision", "paused"]


async def test_confirmation_by_another_principal_is_refused(desk: Desk) -> None:
    paused = await _emma_closes_789(desk)
    assert paused.pending is not None
    for other in (desk.liam, desk.admin):
        with pytest.raises(PendingError):
            await desk.executor.resume(paused.pending.id, other, approve=True)
    assert desk.store.get(paused.pending.id).state == "pending"  # type: ignore[union-attr]
    assert desk.ticket(789)["status_id"] == 2


async def test_admin_cannot_approve_their_own_request(desk: Desk) -> None:
    paused = await _raise_to_critical(desk)
    assert paused.pending is not None
    with pytest.raises(PendingError, match="your own request"):
        await desk.executor.resume(paused.pending.id, desk.admin, approve=True)
    assert desk.ticket(789)["priority_id"] == 2


async def test_an_employee_cannot_approve(desk: Desk) -> None:
    paused = await _raise_to_critical(desk)
    assert paused.pending is not None
    with pytest.raises(PendingError, match="approve"):
        await desk.executor.resume(paused.pending.id, desk.emma, approve=True)


async def test_another_admin_approves_and_it_runs(desk: Desk) -> None:
    paused = await _raise_to_critical(desk)
    assert paused.pending is not None
    done = await desk.executor.resume(paused.pending.id, desk.admin2, approve=True)
    assert done.status == "ok", done.tool_message
    assert desk.ticket(789)["priority_id"] == 1
    assert desk.store.get(paused.pending.id).state == "done"  # type: ignore[union-attr]


async def test_an_approval_runs_once_even_if_approved_twice_concurrently(desk: Desk) -> None:
    paused = await _raise_to_critical(desk)
    assert paused.pending is not None
    third = Principal(role="admin", name="Sam Turner", halo_agent_id=6)
    writes_before = desk.app.state_store.calls("POST", "/api/Tickets")
    results = await asyncio.gather(
        desk.executor.resume(paused.pending.id, desk.admin2, approve=True),
        desk.executor.resume(paused.pending.id, third, approve=True),
        return_exceptions=True,
    )
    assert sum(isinstance(r, CallOutcome) and r.status == "ok" for r in results) == 1
    assert sum(isinstance(r, PendingError) for r in results) == 1
    assert desk.app.state_store.calls("POST", "/api/Tickets") == writes_before + 1
    with pytest.raises(PendingError):
        await desk.executor.resume(paused.pending.id, desk.admin2, approve=True)


async def test_denial_runs_nothing_and_is_audited(desk: Desk) -> None:
    paused = await _raise_to_critical(desk)
    assert paused.pending is not None
    out = await desk.executor.resume(paused.pending.id, desk.admin2, approve=False, reason="not on-call")
    assert out.status == "refused" and "not on-call" in payload(out)["reason"]
    assert desk.ticket(789)["priority_id"] == 2
    last = desk.audit_records()[-1]
    assert last["event"] == "pending_decision" and last["act"] == "deny"


async def test_fresh_facts_are_rechecked_before_running(desk: Desk) -> None:
    paused = await _emma_closes_789(desk)
    assert paused.pending is not None
    desk.app.state_store.tickets[789]["user_id"] = desk.liam.halo_user_id  # reassigned meanwhile
    out = await desk.executor.resume(paused.pending.id, desk.emma, approve=True)
    assert out.status == "refused" and "not one of your tickets" in payload(out)["reason"]
    assert desk.ticket(789)["status_id"] == 2


async def test_tampered_arguments_do_not_run(desk: Desk) -> None:
    paused = await _emma_closes_789(desk)
    assert paused.pending is not None
    with desk.store._connect() as conn:
        conn.execute("UPDATE pending SET args = ? WHERE id = ?", ('{"ticket_id": 790}', paused.pending.id))
    out = await desk.executor.resume(paused.pending.id, desk.emma, approve=True)
    assert out.status == "error" and "does not match" in payload(out)["error"]
    assert desk.ticket(790)["status_id"] == 2 and desk.ticket(789)["status_id"] == 2


async def test_expired_requests_cannot_run(desk: Desk, tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = PendingStore(tmp_path / "clocked.db", clock=lambda: now[0])
    people = {"admin": desk.admin, "admin2": desk.admin2, "emma": desk.emma, "liam": desk.liam}
    clocked = make_desk(desk.app, desk.client, tmp_path, people, store=store)
    paused = await _emma_closes_789(clocked)
    assert paused.pending is not None
    now[0] += 3601
    with pytest.raises(PendingError, match="expired"):
        await clocked.executor.resume(paused.pending.id, clocked.emma, approve=True)
    assert clocked.ticket(789)["status_id"] == 2
    assert clocked.audit_records()[-1]["outcome"]["status"] == "error"
