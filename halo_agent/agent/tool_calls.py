"""Running a model's proposed calls through the executor: in parallel, counted, and never crashing a turn.

Calls are independent unless they name the same ticket: those run one after another in the order the
model proposed them (a note and then a close on ticket 789 must not race). Halo calls are counted per
call with the client's context-local scope, so concurrent sessions never mix their counts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from halo_agent.agent.events import AgentEvent, ErrorEvent
from halo_agent.agent.model import ToolCallRequest
from halo_agent.errors import PendingError
from halo_agent.halo.stats import ClientStats
from halo_agent.storage.approvals import PendingRecord
from halo_agent.tools.executor import CallOutcome, Executor, TurnContext

T = TypeVar("T")


class HaloCallCounter:
    """Halo API calls made by this turn's tool calls (0 when the stats are not known)."""

    def __init__(self, stats: ClientStats | None) -> None:
        self.stats = stats
        self.calls = 0

    async def run(self, work: Awaitable[T]) -> T:
        if self.stats is None:
            return await work
        with self.stats.scope() as counter:
            try:
                return await work
            finally:
                self.calls += counter.api_calls


async def execute_all(
    executor: Executor, calls: Sequence[ToolCallRequest], turn: TurnContext, counter: HaloCallCounter
) -> AsyncIterator[CallOutcome]:
    """Each call's outcome as soon as it is ready (the caller restores call order for the history).

    Every call runs in a task of its own group, so a consumer that goes away (a dropped stream, Ctrl-C,
    a timeout) never cancels a call whose Halo request may already be out: the calls finish and leave
    their audit records before this generator lets go.
    """
    ready: asyncio.Queue[CallOutcome | Exception] = asyncio.Queue()

    async def run_group(group: list[ToolCallRequest]) -> None:
        try:
            for call in group:
                ready.put_nowait(await counter.run(executor.execute(call, turn)))
        except Exception as exc:  # a storage failure, not a Halo one: surface it instead of waiting forever
            ready.put_nowait(exc)

    tasks = [asyncio.create_task(run_group(group)) for group in _groups(calls)]
    try:
        for _ in calls:
            item = await ready.get()
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        await settle(tasks)


async def settle(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Wait for every task to finish, even while being cancelled; then let a cancellation go on."""
    cancelled: asyncio.CancelledError | None = None
    pending = {task for task in tasks if not task.done()}
    while pending:
        try:
            _done, pending = await asyncio.wait(pending)
        except asyncio.CancelledError as exc:  # keep waiting: these calls may have reached Halo
            cancelled = exc
    if cancelled is not None:
        raise cancelled


@dataclass(frozen=True)
class Resumed:
    """A pending call the person answered: the record as it was paused, and what resuming did."""

    record: PendingRecord
    outcome: CallOutcome


async def resume_one(
    executor: Executor,
    pending_id: str,
    turn: TurnContext,
    counter: HaloCallCounter,
    approve: bool,
    resumed: list[Resumed],
    reason: str | None = None,
) -> AsyncIterator[AgentEvent]:
    """Confirm or decline one pending call as the turn's principal; its events, or why it could not be."""
    record = executor.pending.get(pending_id)
    try:
        if record is None:
            raise PendingError(f"request {pending_id} no longer exists")
        outcome = await counter.run(
            executor.resume(pending_id, turn.principal, approve=approve, reason=reason)
        )
    except PendingError as exc:
        yield ErrorEvent(kind="pending", message=str(exc))
        return
    resumed.append(Resumed(record, outcome))
    for event in outcome.events:
        yield event


def _groups(calls: Sequence[ToolCallRequest]) -> list[list[ToolCallRequest]]:
    groups: dict[object, list[ToolCallRequest]] = {}
    for call in calls:
        groups.setdefault(_ticket_of(call) or call.id, []).append(call)
    return list(groups.values())


def _ticket_of(call: ToolCallRequest) -> str | None:
    try:
        args = json.loads(call.arguments)
    except ValueError:
        return None
    ticket = args.get("ticket_id") if isinstance(args, dict) else None
    return f"ticket:{ticket}" if ticket is not None else None
