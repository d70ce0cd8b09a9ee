"""The loop against a small fake executor: parallel calls, bounded corrections, step limit, pauses,
confirmation answers read in code, history budget and usage counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from halo_agent.agent.events import (
    AgentEvent,
    ErrorEvent,
    FinalAnswer,
    Paused,
    TextDelta,
    ToolCallProposed,
    ToolResultEvent,
)
from halo_agent.agent.history import history_size
from halo_agent.agent.loop import answer_confirmation, run_turn
from halo_agent.agent.model import Message, ModelResponse, ToolSchema
from halo_agent.config import AgentSettings
from halo_agent.errors import ModelError
from halo_agent.principal import Principal
from halo_agent.storage.sessions import Session
from halo_agent.testing import FunctionModel, ScriptedModel, call, raw_call, text
from halo_agent.tools.executor import Executor
from tests.agent.loop_fakes import FakeExecutor, slow

ADMIN = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)
SETTINGS = AgentSettings(max_steps=4, max_correction_attempts=2)


@pytest.fixture
def executor(tmp_path: Path) -> FakeExecutor:
    fake = FakeExecutor(tools={}, store_path=tmp_path / "state.db", confirm={"close"}, approval={"delete"})
    stats = fake.client.stats
    fake.tools = {
        "get": slow({"ticket": 789}, stats=stats),
        "list": slow({"tickets": []}, stats=stats),
        "close": slow({"closed": True}, seconds=0.0, stats=stats),
        "delete": slow({"deleted": True}, seconds=0.0),
    }
    return fake


async def _turn(
    session: Session, message: str, model: Any, executor: FakeExecutor, settings: AgentSettings = SETTINGS,
    *, live_text: bool = True,
) -> list[AgentEvent]:
    events = run_turn(
        session, message, model=model, executor=_real(executor), settings=settings, system_prompt="SYS",
        live_text=live_text,
    )
    return [event async for event in events]


def _real(fake: FakeExecutor) -> Executor:
    return cast("Executor", fake)  # the fake has the interface the loop uses


def _well_formed(history: list[Message]) -> bool:
    expected: list[str] = []
    for message in history:
        if message["role"] == "tool":
            if not expected or message["tool_call_id"] != expected.pop(0):
                return False
        elif expected:
            return False
        expected = [c["id"] for c in message.get("tool_calls") or []] or expected
    return not expected


def _final(events: list[AgentEvent]) -> FinalAnswer:
    assert isinstance(events[-1], FinalAnswer), events[-1]
    return events[-1]


async def test_a_plain_answer_ends_the_turn(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([text("Hello, how can I help?")])
    events = await _turn(session, "hi", model, executor)
    assert _final(events).text == "Hello, how can I help?"
    assert model.requests[0].messages[0] == {"role": "system", "content": "SYS"}
    assert session.history == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello, how can I help?"},
    ]


async def test_independent_calls_run_in_parallel_and_are_recorded_in_call_order(
    executor: FakeExecutor,
) -> None:
    session = Session(id="s", principal=ADMIN)
    first, second = call("get", ticket_id=789), call("list", agent=6)
    model = ScriptedModel([[first, second], text("Done.")])
    events = await _turn(session, "show 789 and agent 6's tickets", model, executor)
    starts = {cid: t for kind, cid, t in executor.trace if kind == "start"}
    ends = {cid: t for kind, cid, t in executor.trace if kind == "end"}
    assert starts[second.id] < ends[first.id]  # the second began before the first finished
    assert [m.get("tool_call_id") for m in session.history if m["role"] == "tool"] == [first.id, second.id]
    assert _well_formed(session.history)
    assert len([e for e in events if isinstance(e, ToolResultEvent)]) == 2
    sent_back = model.requests[1].messages
    assert [m["role"] for m in sent_back[-3:]] == ["assistant", "tool", "tool"]


async def test_calls_on_the_same_ticket_run_one_after_another(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    first, second = call("get", ticket_id=789), call("list", ticket_id=789)
    await _turn(session, "x", ScriptedModel([[first, second], text("ok")]), executor)
    order = [(kind, cid) for kind, cid, _ in executor.trace]
    assert order == [("start", first.id), ("end", first.id), ("start", second.id), ("end", second.id)]


async def test_invalid_calls_go_back_to_the_model_which_can_correct_them(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel(
        [[call("get_tickets")], [raw_call("get", "{oops")], [call("get", ticket_id=1)], "Fixed."]
    )
    events = await _turn(session, "ticket 1?", model, executor)
    assert _final(events).text == "Fixed."
    errors = [json.loads(m["content"]) for m in model.requests[1].messages if m["role"] == "tool"]
    assert errors == [{"status": "error", "error": "no tool get_tickets"}]


async def test_corrections_are_bounded(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("nope")]] * 5)
    events = await _turn(session, "do something", model, executor, AgentSettings(max_correction_attempts=2))
    assert len(model.requests) == 3  # the first try and two corrections
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "corrections"
    assert "rephrase" in _final(events).text
    assert _well_formed(session.history)


async def test_the_step_limit_ends_with_a_clear_message(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("get", ticket_id=n)] for n in range(10)])
    events = await _turn(session, "loop forever", model, executor, AgentSettings(max_steps=3))
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == ["step_limit"]
    final = _final(events)
    assert "3 steps" in final.text
    assert final.usage.model_round_trips == 3 and final.usage.tool_calls == 3
    assert _well_formed(session.history)


async def test_text_is_streamed_as_deltas_before_the_answer(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    events = await _turn(session, "hi", ScriptedModel(["Ticket 789 is open."]), executor)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == _final(events).text


async def test_without_live_text_the_answer_comes_whole(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("get", ticket_id=1)], "Ticket 789 is open."])
    events = await _turn(session, "hi", model, executor, live_text=False)
    assert not [e for e in events if isinstance(e, TextDelta)]
    assert _final(events).text == "Ticket 789 is open." and _final(events).usage.model_round_trips == 2


@pytest.mark.parametrize("live_text", [True, False])
async def test_a_model_failure_is_an_error_event_and_the_session_stays_usable(
    executor: FakeExecutor, live_text: bool
) -> None:
    session = Session(id="s", principal=ADMIN)

    def failing(messages: list[Message], tools: list[ToolSchema]) -> ModelResponse:
        raise ModelError("endpoint answered 503")

    events = await _turn(session, "hi", FunctionModel(failing), executor, live_text=live_text)
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and events[0].kind == "model"
    assert "503" in events[0].message
    events = await _turn(session, "hi again", ScriptedModel(["Back."]), executor)
    assert _final(events).text == "Back."
    assert _well_formed(session.history)


async def test_usage_counts_round_trips_tokens_tool_calls_and_halo_calls(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("get", ticket_id=1), call("list")], [call("get", ticket_id=2)], "Done."])
    usage = _final(await _turn(session, "x", model, executor)).usage
    assert usage.model_round_trips == 3
    assert usage.tool_calls == 3
    assert usage.halo_calls == 3
    assert usage.usage.prompt_tokens > 0 and usage.usage.completion_tokens >= 3
    assert usage.seconds > 0


async def test_history_sent_to_the_model_stays_within_budget(executor: FakeExecutor) -> None:
    budget = AgentSettings(history_budget_chars=2_000)
    session = Session(id="s", principal=ADMIN)
    for n in range(6):
        model = ScriptedModel([[call("get", ticket_id=n, padding="p" * 600)], f"Answer {n} " + "a" * 300])
        await _turn(session, f"question {n}", model, executor, budget)
    sent = model.requests[-1].messages
    assert history_size(sent) <= 2_000
    assert sent[1]["role"] == "user" and sent[-1]["role"] == "tool"
    assert "question 0" not in json.dumps(sent) and "question 5" in json.dumps(sent)
    assert _well_formed(sent[1:])


# --- pauses and the person's answer ---------------------------------------------------------------


async def _paused_session(executor: FakeExecutor) -> tuple[Session, str]:
    session = Session(id="s", principal=ADMIN)
    events = await _turn(session, "close 790", ScriptedModel([[call("close", ticket_id=790)]]), executor)
    assert isinstance(events[-1], Paused) and events[-1].kind == "confirmation"
    return session, events[-1].pending_id


async def test_a_pause_ends_the_turn_and_remembers_the_pending_id(executor: FakeExecutor) -> None:
    session, pending_id = await _paused_session(executor)
    assert session.pending_confirmations == [pending_id]
    assert session.history[-1]["role"] == "assistant" and pending_id in session.history[-1]["content"]
    assert _well_formed(session.history)
    assert executor.pending.get(pending_id).state == "pending"  # type: ignore[union-attr]


async def test_yes_runs_the_paused_call_and_the_model_answers(executor: FakeExecutor) -> None:
    session, pending_id = await _paused_session(executor)
    model = ScriptedModel(["Ticket 790 is closed."])
    events = await _turn(session, "Yes", model, executor)
    assert executor.resumed == [(pending_id, True, None)]
    assert _final(events).text == "Ticket 790 is closed."
    sent = model.requests[0].messages
    assert sent[-3]["role"] == "user" and sent[-3]["content"] == "Yes"
    assert sent[-2]["tool_calls"][0]["function"] == {"name": "close", "arguments": '{"ticket_id": 790}'}
    assert json.loads(sent[-1]["content"])["status"] == "ok"
    assert session.pending_confirmations == [] and _well_formed(session.history)
    assert executor.pending.get(pending_id).state == "done"  # type: ignore[union-attr]


async def test_no_declines_without_asking_the_model(executor: FakeExecutor) -> None:
    session, pending_id = await _paused_session(executor)
    model = ScriptedModel([])
    events = await _turn(session, "no", model, executor)
    assert executor.resumed == [(pending_id, False, "declined by the person")]
    assert "nothing was changed" in _final(events).text and model.requests == []
    assert executor.pending.get(pending_id).state == "denied"  # type: ignore[union-attr]
    assert session.pending_confirmations == []


async def test_another_message_cancels_the_pending_call_and_is_handled_normally(
    executor: FakeExecutor,
) -> None:
    session, pending_id = await _paused_session(executor)
    model = ScriptedModel([[call("get", ticket_id=791)], "Ticket 791 is open."])
    events = await _turn(session, "actually, what about 791?", model, executor)
    assert executor.resumed == [(pending_id, False, "not confirmed: the person sent another message instead")]
    assert _final(events).text == "Ticket 791 is open."
    assert any("cancelled" in (m.get("content") or "") for m in model.requests[0].messages)
    assert model.requests[0].messages[-1] == {"role": "user", "content": "actually, what about 791?"}
    assert _well_formed(session.history)


async def test_the_model_cannot_confirm_by_calling_a_tool(executor: FakeExecutor) -> None:
    """A 'yes' only counts from the person; a model repeating the call just pauses again."""
    session, first_id = await _paused_session(executor)
    model = ScriptedModel([[call("close", ticket_id=790)]])
    events = await _turn(session, "please close it now, I said so", model, executor)
    assert isinstance(events[-1], Paused) and events[-1].pending_id != first_id
    assert executor.pending.get(first_id).state == "denied"  # type: ignore[union-attr]


async def test_a_button_answer_confirms_one_pending_call(executor: FakeExecutor) -> None:
    session, pending_id = await _paused_session(executor)
    turn = answer_confirmation(
        session,
        pending_id,
        approve=True,
        model=ScriptedModel(["Closed."]),
        executor=_real(executor),
        settings=SETTINGS,
    )
    events = [event async for event in turn]
    assert _final(events).text == "Closed."
    assert session.history[-4] == {"role": "user", "content": "yes"}


async def test_an_expired_confirmation_is_reported_not_run(executor: FakeExecutor) -> None:
    session, pending_id = await _paused_session(executor)
    executor.pending.decide(pending_id, by=ADMIN, approve=False)  # decided elsewhere meanwhile
    events = await _turn(session, "yes", ScriptedModel([]), executor)
    assert [e.kind for e in events if isinstance(e, ErrorEvent)] == ["pending"]
    assert _final(events).text == "Nothing was changed."


async def test_an_approval_pause_is_remembered_for_later_turns(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    events = await _turn(session, "delete 5", ScriptedModel([[call("delete", ticket_id=5)]]), executor)
    paused = events[-1]
    assert isinstance(paused, Paused) and paused.kind == "approval"
    assert session.awaiting_approvals == [paused.pending_id] and session.pending_confirmations == []
    assert [e for e in events if isinstance(e, ToolCallProposed)]


async def test_repeated_call_ids_from_a_model_are_made_distinct(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    first = call("get", ticket_id=1).model_copy(update={"id": "call_0"})
    second = call("get", ticket_id=2).model_copy(update={"id": "call_0"})
    await _turn(session, "x", ScriptedModel([[first, second], "ok"]), executor)
    ids = [m["tool_call_id"] for m in session.history if m["role"] == "tool"]
    assert len(set(ids)) == 2 and _well_formed(session.history)


async def test_an_empty_model_answer_is_not_shown_as_silence(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    events = await _turn(session, "hi", ScriptedModel([ModelResponse(text="  ")]), executor)
    assert "empty answer" in _final(events).text


async def test_the_turns_audit_records_are_on_disk_before_the_answer(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("get", id=1), call("list")], text("Done.")])
    async for event in run_turn(session, "go", model=model, executor=_real(executor), settings=SETTINGS):
        if isinstance(event, FinalAnswer):
            assert not executor.audit.needs_sync
    assert executor.audit.verify().records == 2


async def test_a_pause_is_shown_only_after_the_records_are_on_disk(executor: FakeExecutor) -> None:
    session = Session(id="s", principal=ADMIN)
    model = ScriptedModel([[call("close", id=789)]])
    turn = run_turn(session, "close 789", model=model, executor=_real(executor), settings=SETTINGS)
    async for event in turn:
        if isinstance(event, Paused):
            assert not executor.audit.needs_sync
    assert session.pending_id is not None
