"""Hole 1: a call escaped the audit log and took a sibling write with it.

Every proposed call ends in exactly one audit record, whatever is raised or cancelled, and the model gets
a correctable error; `execute_all` never abandons a sibling whose Halo request already went out.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from halo_agent.agent.model import ToolCallRequest
from halo_agent.agent.tool_calls import HaloCallCounter, execute_all
from halo_agent.halo.models import Action
from tests.tools.conftest import Desk, payload


def _tool_records(desk: Desk) -> list[dict[str, Any]]:
    return [r for r in desk.audit_records() if r["event"] == "tool_call"]


async def test_an_unexpected_exception_in_a_handler_is_an_error_result_with_one_record(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> Action:
        raise ValueError("something no one expected")

    monkeypatch.setattr(desk.client, "add_note", broken)
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "hello"}, said="789")
    assert out.status == "error" and "internal error" in payload(out)["error"]
    [record] = _tool_records(desk)
    assert record["outcome"]["status"] == "error" and record["decision"] == "allow"
    assert desk.audit.verify().ok


@pytest.mark.parametrize(("arguments", "words"), [
    ('{"ticket_id": ' + "9" * 5000 + "}", "could not be read"),  # beyond Python's 4,300-digit limit
    ('{"ticket_id": ' + "[" * 15000 + "]" * 15000 + "}", "nested too deeply"),
    ('{"ticket_id": [[[[[[789]]]]]]}', "nested too deeply"),
    ('{"ticket_id": 789, "note": "\\ud800 planted"}', "not valid text"),
    ('{"ticket_id": 789, "note": "a\\u0000b"}', "not valid text"),
    ('{"ticket_id": 789, "note": " \\n\\t "}', "must not be blank"),
    (json.dumps({"ticket_id": 789, "note": "x" * 1_000_000}), "the limit is"),
    (json.dumps({"ticket_id": 789, "note": "x" * 9_000}), "at most 8000 characters"),
    ('{"ticket_id": true, "note": "hi"}', "not true/false"),
    ('{"ticket_id": 1e3, "note": "hi"}', "valid integer"),
    ('{"ticket_id": 99999999999999, "note": "hi"}', "Halo id"),
    ('{"ticket_id": -5, "note": "hi"}', "Halo id"),
    ('{"ticket_id": 789, "note": "hi", "hidden_from_user": 1}', "valid boolean"),
])
async def test_hostile_arguments_are_correctable_errors_with_one_record(
    desk: Desk, arguments: str, words: str
) -> None:
    before = len(desk.notes(789))
    out = await desk.call(desk.admin, "haloitsm_add_note", arguments, said="note on 789")
    assert out.status == "error" and words in payload(out)["error"], payload(out)
    [record] = _tool_records(desk)
    assert record["decision"] == "invalid" and record["outcome"]["status"] == "error"
    assert len(json.dumps(record)) < 4_000  # the refused text is kept short in the record
    assert len(desk.notes(789)) == before
    assert desk.audit.verify().ok


@pytest.mark.parametrize("field", ["summary", "details"])
async def test_a_whitespace_only_summary_or_details_is_refused(desk: Desk, field: str) -> None:
    args = {"summary": "Printer jammed", "details": "Paper stuck in tray 2"} | {field: "   "}
    out = await desk.call(desk.admin, "haloitsm_create_ticket", args)
    assert out.status == "error" and f"{field}: must not be blank" in payload(out)["error"]


async def test_a_huge_search_string_is_refused_before_halo(desk: Desk) -> None:
    calls = desk.client.stats.api_calls
    out = await desk.call(desk.admin, "haloitsm_list_tickets", {"search": "a" * 70_000})
    assert out.status == "error" and desk.client.stats.api_calls == calls


async def test_a_cancelled_call_leaves_one_record_and_the_cancellation_goes_on(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def hanging(*_args: object, **_kwargs: object) -> Action:
        started.set()
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    monkeypatch.setattr(desk.client, "add_note", hanging)
    task = asyncio.create_task(
        desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": "hi"}, said="789")
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [record] = _tool_records(desk)
    assert "interrupted" in record["outcome"]["error"]


class Landings:
    """Wraps add_note: the write reaches Halo, then its answer is slow, so the request is out when the
    consumer leaves. `wait(n)` returns once n notes have landed."""

    def __init__(self, original: Callable[..., Awaitable[Action]]) -> None:
        self.original = original
        self.landed: list[int] = []
        self.changed = asyncio.Condition()

    async def __call__(self, ticket_id: int, *args: object, **kwargs: object) -> Action:
        action = await self.original(ticket_id, *args, **kwargs)
        async with self.changed:
            self.landed.append(ticket_id)
            self.changed.notify_all()
        await asyncio.sleep(0.3)
        return action

    async def wait(self, count: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: len(self.landed) >= count)


async def test_execute_all_never_abandons_a_sibling_whose_write_went_out(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    landings = Landings(desk.client.add_note)
    monkeypatch.setattr(desk.client, "add_note", landings)
    calls = [
        ToolCallRequest(id="read", name="haloitsm_get_ticket", arguments='{"ticket_id": 790}'),
        ToolCallRequest(id="write", name="haloitsm_add_note", arguments='{"ticket_id": 789, "note": "hi"}'),
    ]
    turn = desk.turn(desk.admin, "read 790 and add a note to 789")
    stream = execute_all(desk.executor, calls, turn, HaloCallCounter(None))
    first = await anext(stream)
    assert first.call_id == "read"
    await landings.wait(1)
    await stream.aclose()  # the consumer goes away (a dropped stream) while the note's answer is pending
    written = [r for r in _tool_records(desk) if r["tool"] == "haloitsm_add_note"]
    assert len(written) == 1 and written[0]["outcome"]["status"] == "ok"


async def test_execute_all_cancelled_still_records_every_started_call(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    landings = Landings(desk.client.add_note)
    monkeypatch.setattr(desk.client, "add_note", landings)
    calls = [
        ToolCallRequest(id=f"w{t}", name="haloitsm_add_note",
                        arguments=json.dumps({"ticket_id": t, "note": "x"}))
        for t in (789, 790)
    ]
    turn = desk.turn(desk.admin, "789 790")

    async def consume() -> None:
        async for _ in execute_all(desk.executor, calls, turn, HaloCallCounter(None)):
            pass

    task = asyncio.create_task(consume())
    await landings.wait(2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    records = _tool_records(desk)
    assert sorted(r["args"]["ticket_id"] for r in records) == [789, 790]
    assert all(r["outcome"]["status"] == "ok" for r in records)


@pytest.mark.parametrize("name", ["\x85", "note\u2028", "x\u2029y"])
async def test_a_line_separator_in_a_tool_name_leaves_one_readable_record(desk: Desk, name: str) -> None:
    """Found by the fuzz gate: U+0085 in a tool name split the record into two unreadable lines."""
    out = await desk.call(desk.admin, name, {})
    assert out.status == "error"
    assert [r["tool"] for r in desk.audit.tail(5)] == [name] and desk.audit.verify().ok
