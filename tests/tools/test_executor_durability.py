"""The executor's audit durability per call, and the role toolsets it builds once."""

from __future__ import annotations

from dataclasses import replace

from tests.tools.conftest import Desk


async def test_a_call_outside_a_turn_is_on_disk_when_execute_returns(desk: Desk) -> None:
    await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 789})
    assert desk.audit_records() and not desk.audit.needs_sync


async def test_a_call_inside_a_turn_leaves_the_sync_to_the_turn(desk: Desk) -> None:
    turn = replace(desk.turn(desk.admin), defer_audit_sync=True)
    await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 789}, turn=turn)
    assert desk.audit_records() and desk.audit.needs_sync


async def test_a_roles_toolset_is_built_once_and_handed_out_as_a_fresh_list(desk: Desk) -> None:
    first = desk.executor.tool_schemas(desk.emma)
    first.clear()
    again = desk.executor.tool_schemas(desk.emma)
    assert again and again == desk.executor.tool_schemas(desk.liam)
    assert len(desk.executor.tool_schemas(desk.admin)) > len(again)

