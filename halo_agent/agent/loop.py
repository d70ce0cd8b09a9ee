"""The agent loop: model -> proposed calls -> executor -> results back to the model, until an answer.

A turn ends in exactly one of: a final answer, a pause (the person must confirm or an approver must
decide), or a stop with an error event (model failure, step limit, too many invalid calls). Every
decision is the executor's; this module only moves messages and events.

A pending confirmation is answered in code, from the person's next message (yes/no words), never by
the model: the model cannot forge the human act that releases a paused write.

The turn's audit records are each written as the calls finish; they are forced to disk once, before the
turn's answer or pause is handed over (`AuditLog.sync`), rather than once per call. (Syncing in a worker
thread while the model thinks was measured slower: the thread hand-offs cost more than the overlap.)
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from halo_agent.agent.confirm_words import classify_answer
from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, TextDelta, TurnUsage
from halo_agent.agent.history import fit_history, holds_halo_text
from halo_agent.agent.model import ChatModel, Message, ModelResponse, ToolCallRequest, ToolSchema, new_call_id
from halo_agent.agent.tool_calls import HaloCallCounter, Resumed, execute_all, resume_one
from halo_agent.config import AgentSettings
from halo_agent.errors import ModelError
from halo_agent.storage.sessions import Session
from halo_agent.tools.executor import CallOutcome, Executor, TurnContext
from halo_agent.tools.hidden_notes import hidden_notes_in_history
from halo_agent.tools.reconcile import pending_outcome_note

MAX_USER_TEXTS = 100  # the person's messages kept for "did they name this ticket themselves"
EMPTY_ANSWER = "The model returned an empty answer; please try again or rephrase."
_MOVED_ON = "not confirmed: the person sent another message instead"


@dataclass
class _Turn:
    session: Session
    model: ChatModel
    executor: Executor
    settings: AgentSettings
    system_prompt: str | None
    context: TurnContext
    halo: HaloCallCounter
    started: float = field(default_factory=time.monotonic)
    usage: TurnUsage = field(default_factory=TurnUsage)
    corrections: int = 0
    paused: bool = False
    live_text: bool = True  # someone reads the text as it is written: ask the model to stream

    def messages(self) -> list[Message]:
        budget = self.settings.history_budget_chars - len(self.system_prompt or "")
        self.session.history = fit_history(self.session.history, budget)
        # Tainted while Halo text is in what the model sees, in this turn or any later one.
        self.context.untrusted_seen = holds_halo_text(self.session.history)
        self.context.hidden_notes = hidden_notes_in_history(self.session.history)
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        return system + self.session.history

    async def final(self, text: str) -> FinalAnswer:
        await self.executor.audit.sync()  # before the person reads an answer, what it reports is on disk
        if text:
            self.session.history.append({"role": "assistant", "content": text})
        return FinalAnswer(text=text, usage=self.closing_usage())

    def closing_usage(self) -> TurnUsage:
        """What the turn cost, as it ends (in an answer or a pause)."""
        self.usage.seconds = round(time.monotonic() - self.started, 3)
        self.usage.halo_calls = self.halo.calls
        return self.usage.model_copy()


async def run_turn(
    session: Session,
    message: str,
    *,
    model: ChatModel,
    executor: Executor,
    settings: AgentSettings,
    system_prompt: str | None = None,
    live_text: bool = True,
) -> AsyncGenerator[AgentEvent, None]:
    """One turn for the person's `message`. The caller holds the session's lock and saves it afterwards.
    `live_text=False` when no one shows text as it arrives (JSON answers, evals): the model does not
    stream, and the answer comes whole in the FinalAnswer event."""
    turn = _start(session, message, model, executor, settings, system_prompt)
    turn.live_text = live_text
    answer = classify_answer(message) if session.pending_confirmations else None
    session.history.append({"role": "user", "content": message})
    try:
        if answer == "unclear":  # never declined silently: the system's own preview, asked again
            yield await turn.final(_ask_again(executor, session.pending_confirmations))
            return
        if answer is not None:
            ids, session.pending_confirmations = session.pending_confirmations, []
            async for event in _answer_pending(turn, ids, approve=answer == "yes"):
                yield event
            return
        async for event in _cancel_pending(turn):
            yield event
        async for event in _run_steps(turn):
            yield event
    finally:
        await executor.audit.sync()  # a turn that ends early (error, cancel) still leaves its records on disk


def _ask_again(executor: Executor, pending_ids: Sequence[str]) -> str:
    previews = [r.preview for r in map(executor.pending.get, pending_ids) if r is not None]
    shown = "".join(f"\n- {preview}" for preview in previews)
    return f"Please answer yes or no. Waiting for your confirmation:{shown}"


async def answer_confirmation(
    session: Session,
    pending_id: str,
    *,
    approve: bool,
    model: ChatModel,
    executor: Executor,
    settings: AgentSettings,
    system_prompt: str | None = None,
) -> AsyncIterator[AgentEvent]:
    """A yes/no given by button (HTTP, CLI) for one of the session's pending confirmations."""
    word = "yes" if approve else "no"
    turn = _start(session, word, model, executor, settings, system_prompt)
    turn.live_text = False  # the caller collects the events into one answer
    session.pending_confirmations.remove(pending_id)  # the caller checked it is there
    session.history.append({"role": "user", "content": word})
    try:
        async for event in _answer_pending(turn, [pending_id], approve=approve):
            yield event
    finally:
        await executor.audit.sync()


def _start(
    session: Session,
    message: str,
    model: ChatModel,
    executor: Executor,
    settings: AgentSettings,
    system_prompt: str | None,
) -> _Turn:
    session.user_texts = [*session.user_texts, message][-MAX_USER_TEXTS:]
    context = TurnContext(
        principal=session.principal,
        session_id=session.id,
        request_id=uuid.uuid4().hex[:16],
        user_texts=list(session.user_texts),
        untrusted_seen=holds_halo_text(session.history),
        hidden_notes=hidden_notes_in_history(session.history),
        defer_audit_sync=True,  # this loop syncs once, at the end of the turn
    )
    return _Turn(
        session, model, executor, settings, system_prompt, context, HaloCallCounter(executor.client.stats)
    )


async def _run_steps(turn: _Turn) -> AsyncIterator[AgentEvent]:
    """Model round trips until an answer, a pause or a limit."""
    for _ in range(turn.settings.max_steps):
        response: list[ModelResponse] = []
        async for delta in _ask_model(turn, response):
            yield delta
        if not response:
            return  # the model failed; _ask_model said so
        if not response[0].tool_calls:
            yield await turn.final((response[0].text or "").strip() or EMPTY_ANSWER)
            return
        async for event in _run_calls(turn, response[0]):
            yield event
        if turn.paused:
            return  # the Paused events ended the turn
        if turn.corrections > turn.settings.max_correction_attempts:
            message = f"The model made {turn.corrections} invalid tool calls in a row; stopping."
            yield ErrorEvent(kind="corrections", message=message)
            yield await turn.final(
                "I could not find a valid way to do this. Please rephrase it with exact names."
            )
            return
    yield ErrorEvent(kind="step_limit", message=f"Stopped after {turn.settings.max_steps} model steps.")
    yield await turn.final(
        f"I stopped after {turn.settings.max_steps} steps without finishing. Nothing further was done; "
        "the results above are what happened. Please rephrase or split the request."
    )


async def _ask_model(turn: _Turn, out: list[ModelResponse]) -> AsyncIterator[AgentEvent]:
    """One round trip, streaming text deltas as they arrive when someone reads them. Appends the
    response to `out` on success."""
    tools = turn.executor.tool_schemas(turn.session.principal)
    got: list[ModelResponse] = []
    try:
        if turn.live_text:
            async with aclosing(_streamed(turn.model, turn.messages(), tools, got)) as deltas:
                async for delta in deltas:
                    yield TextDelta(text=delta)
        else:  # streaming costs time when no one watches, and so would a task and queue for it
            got.append(await turn.model.complete(turn.messages(), tools, on_text=None))
    except ModelError as exc:
        yield ErrorEvent(kind="model", message=f"The chat model failed: {exc}. Nothing more was done.")
        return
    response = got[0]
    turn.usage.model_round_trips += 1
    turn.usage.usage = turn.usage.usage + response.usage
    out.append(response)


async def _streamed(
    model: ChatModel, messages: list[Message], tools: list[ToolSchema], got: list[ModelResponse]
) -> AsyncGenerator[str, None]:
    """The model's text as it arrives (the request runs as a task meanwhile); its response in `got`."""
    deltas: asyncio.Queue[str | None] = asyncio.Queue()
    task = asyncio.create_task(model.complete(messages, tools, on_text=deltas.put_nowait))
    task.add_done_callback(lambda _: deltas.put_nowait(None))
    try:
        while (delta := await deltas.get()) is not None:
            yield delta
        got.append(await task)
    finally:
        task.cancel()  # a no-op when done; stops the request if the consumer went away


async def _run_calls(turn: _Turn, response: ModelResponse) -> AsyncIterator[AgentEvent]:
    """Run the proposed calls (in parallel), then record them in history in call order."""
    outcomes: list[CallOutcome] = []
    held: list[AgentEvent] = []  # pauses go last: they end the turn
    calls = _unique_ids(response.tool_calls)
    async for outcome in execute_all(turn.executor, calls, turn.context, turn.halo):
        outcomes.append(outcome)
        for event in outcome.events:
            if isinstance(event, Paused):
                held.append(event)
            else:
                yield event
    turn.usage.tool_calls += len(outcomes)
    by_id = {o.call_id: o for o in outcomes}
    _record_calls(turn.session, response.text, calls, [by_id[c.id] for c in calls], response.extra)
    _count_corrections(turn, outcomes)
    if held:
        turn.paused = True
        turn.session.history.append({"role": "assistant", "content": _pause_note(turn.session, outcomes)})
        await turn.executor.audit.sync()  # a pause ends the turn: its records are on disk before it is shown
        held[-1] = held[-1].model_copy(update={"usage": turn.closing_usage()})
        for event in held:
            yield event


def _unique_ids(calls: Sequence[ToolCallRequest]) -> list[ToolCallRequest]:
    """Some local models repeat or omit call ids; the history needs one distinct id per call (and one
    the agent writes itself must be valid on every server)."""
    seen: set[str] = set()
    unique = []
    for call in calls:
        if not call.id or call.id in seen:
            call = call.model_copy(update={"id": new_call_id()})
        seen.add(call.id)
        unique.append(call)
    return unique


def _count_corrections(turn: _Turn, outcomes: list[CallOutcome]) -> None:
    if outcomes and all(o.status == "error" for o in outcomes):
        turn.corrections += 1
    else:
        turn.corrections = 0


def _record_calls(
    session: Session, text: str | None, calls: Sequence[ToolCallRequest], outcomes: Sequence[CallOutcome],
    extra: dict[str, Any] | None = None,
) -> None:
    """An assistant message with its tool calls, then one tool message per call, in call order.
    Provider state (`extra`, each call's `extra`) goes back exactly as the server sent it."""
    session.history.append(
        {
            "role": "assistant",
            "content": text or None,
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments},
                 **c.extra}
                for c in calls
            ],
            **(extra or {}),
        }
    )
    for call, outcome in zip(calls, outcomes, strict=True):
        session.history.append({"role": "tool", "tool_call_id": call.id, "content": outcome.tool_message})


def _pause_note(session: Session, outcomes: Sequence[CallOutcome]) -> str:
    """Record who must act on each paused call, and remember the ids for the next turns."""
    notes = []
    for outcome in outcomes:
        record = outcome.pending
        if outcome.status != "paused" or record is None:
            continue
        if record.kind == "confirmation":
            session.pending_confirmations.append(record.id)
            notes.append(f"Waiting for the person to confirm ({record.id}): {record.preview}")
        else:
            session.awaiting_approvals.append(record.id)
            notes.append(
                f"Sent for approval by {', '.join(record.approver_roles)} ({record.id}): {record.preview}"
            )
    return "\n".join(notes)


async def _answer_pending(turn: _Turn, pending_ids: list[str], *, approve: bool) -> AsyncIterator[AgentEvent]:
    """Run (yes) or decline (no) the person's pending confirmations, then answer."""
    resumed: list[Resumed] = []
    for pending_id in pending_ids:
        reason = None if approve else "declined by the person"
        async for event in resume_one(
            turn.executor, pending_id, turn.context, turn.halo, approve, resumed, reason
        ):
            yield event
    if approve and resumed:
        turn.usage.tool_calls += len(resumed)
        _record_resumed(turn.session, resumed)
        async for event in _run_steps(turn):
            yield event
        return
    previews = "".join(f"\n- {r.record.preview}" for r in resumed)
    if resumed:
        yield await turn.final(f"OK, cancelled; nothing was changed.{previews}")
        return
    yield await turn.final(_already_settled(turn, pending_ids) or "Nothing was changed.")


def _already_settled(turn: _Turn, pending_ids: list[str]) -> str:
    """A yes or no to calls that already ran (or are running) says how they went, never "nothing"."""
    notes = []
    for pending_id in pending_ids:
        record = turn.executor.pending.get(pending_id)
        note = pending_outcome_note(record) if record else None
        if note:
            notes.append(note)
    return "\n".join(notes)


def _record_resumed(session: Session, resumed: Sequence[Resumed]) -> None:
    """History as if the model had called the tool now: the person's yes released exactly this call."""
    calls = [
        ToolCallRequest(
            id=new_call_id(), name=r.record.action, arguments=json.dumps(r.record.args)
        )
        for r in resumed
    ]
    _record_calls(session, None, calls, [r.outcome for r in resumed])


async def _cancel_pending(turn: _Turn) -> AsyncIterator[AgentEvent]:
    """The person moved on without answering: their pending confirmations are declined, not left open."""
    ids, turn.session.pending_confirmations = turn.session.pending_confirmations, []
    resumed: list[Resumed] = []
    for pending_id in ids:
        async for event in resume_one(
            turn.executor, pending_id, turn.context, turn.halo, False, resumed, _MOVED_ON
        ):
            yield event
    if resumed:
        note = "(Not confirmed, so cancelled: " + "; ".join(r.record.preview for r in resumed) + ")"
        turn.session.history.insert(len(turn.session.history) - 1, {"role": "assistant", "content": note})
