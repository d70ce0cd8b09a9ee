"""Turns run as tasks the server owns, not the request: a client that drops its stream loses nothing.

Each turn's events go into a queue the response reads. If the response goes away (a dropped SSE stream,
a closed connection), the task still runs to the end and the service stores the session as always.
On shutdown `drain` waits for the turns still in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeAlias, cast

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused
from halo_agent.errors import HaloAgentError
from halo_agent.logs import get_logger, log_failure

log = get_logger(__name__)

_END = object()
Item: TypeAlias = AgentEvent | BaseException | object
EventSource: TypeAlias = Callable[[], AsyncIterator[AgentEvent]]


class TurnFeed:
    """The events of one running turn, read once, in order."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Item] = asyncio.Queue()

    async def first(self) -> AgentEvent | None:
        """The first event, or None if the turn ended without one; raises the turn's error if it
        failed before emitting anything (so the HTTP status can still say what went wrong)."""
        item = await self.queue.get()
        if isinstance(item, BaseException):
            raise item
        return None if item is _END else _event(item)

    async def rest(self) -> AsyncIterator[AgentEvent]:
        """Events after `first`; a failure mid-turn becomes an ErrorEvent (the status is already sent)."""
        while (item := await self.queue.get()) is not _END:
            if isinstance(item, BaseException):
                yield ErrorEvent(kind=_kind(item), message=_message(item))
            else:
                yield _event(item)


class TurnRunner:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def start(self, source: EventSource) -> TurnFeed:
        feed = TurnFeed()
        task = asyncio.create_task(_pump(source, feed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return feed

    def start_call(self, call: Callable[[], Awaitable[list[AgentEvent]]]) -> TurnFeed:
        """A service call answering a list of events (confirm), run the same way."""

        async def events() -> AsyncIterator[AgentEvent]:
            for event in await call():
                yield event

        return self.start(events)

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for the turns in flight, then cancel what is left."""
        if not self._tasks:
            return
        log.info("waiting for turns in flight", turns=len(self._tasks))
        _done, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()


async def _pump(source: EventSource, feed: TurnFeed) -> None:
    try:
        async for event in source():
            feed.queue.put_nowait(event)
    except Exception as exc:  # handed to the reader: an HTTP status, or an error event mid-stream
        if not isinstance(exc, HaloAgentError):
            log_failure(log, "turn failed", exc)  # one bounded record: no locals, no secrets
        feed.queue.put_nowait(exc)
    finally:
        feed.queue.put_nowait(_END)


def _event(item: Item) -> AgentEvent:
    return cast("AgentEvent", item)  # the queue holds events between the sentinel and errors


def _kind(exc: BaseException) -> str:
    return "halo" if isinstance(exc, HaloAgentError) else "internal"


def _message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, HaloAgentError) else "the turn failed on the server; see its log"


def summarize(events: list[AgentEvent]) -> tuple[str | None, list[Paused], str | None]:
    """The final answer, the pauses and the first error of a turn."""
    answer = next((e.text for e in reversed(events) if isinstance(e, FinalAnswer)), None)
    paused = [e for e in events if isinstance(e, Paused)]
    error = next((e.message for e in events if isinstance(e, ErrorEvent)), None)
    return answer, paused, error
