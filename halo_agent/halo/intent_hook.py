"""Where the write path tells the journal about a write: before it is sent, and how it ended.

The journal (`storage/intents.py`) knows who asked and in which call; the write path knows what is sent.
The executor installs a recorder for the duration of a call (a context variable, so parallel calls each
see their own); writes made outside a call (CLI tools, seeding) have none and are not journaled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, Protocol

from halo_agent.halo.lost_writes import Attempt

Settled = Literal["applied", "failed", "unknown"]


class WriteRecorder(Protocol):
    def intended(self, attempt: Attempt) -> str:
        """Record the write durably before it is sent; returns the intent's id."""
        ...

    def settled(self, intent_id: str, state: Settled, halo_id: int | None, detail: str | None) -> None:
        """Record how the write ended."""
        ...


_current: ContextVar[WriteRecorder | None] = ContextVar("halo_write_recorder", default=None)


def current_recorder() -> WriteRecorder | None:
    return _current.get()


@contextmanager
def recording(recorder: WriteRecorder) -> Iterator[None]:
    token = _current.set(recorder)
    try:
        yield
    finally:
        _current.reset(token)
