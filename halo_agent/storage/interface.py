"""The storage interface: everything a process shares with the others serving the same desk.

Two backends implement it: the embedded default (SQLite files and the JSONL audit log under the data
directory; zero set-up, safe for many processes on one machine) and PostgreSQL (`HALO_AGENT_DATABASE_URL`;
many workers on many hosts). `open_storage` picks one from the settings.

The methods are synchronous: each is one short local round trip (a SQLite statement, a PostgreSQL
query on a pooled connection) that waits for no disk and for no lock held across one. What may wait
long is async: the session lock, and the audit log's `sync`, the turn's one wait for the disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.storage.approvals import NewPending, PendingRecord
    from halo_agent.storage.audit import Durability, VerifyReport
    from halo_agent.storage.bot_state import ApprovalPlaces
    from halo_agent.storage.intents import IntentJournal
    from halo_agent.storage.sessions import Session
    from halo_agent.storage.web_signins import WebSignIns

SESSION_WAIT_SECONDS = 30.0  # a second turn of a busy session waits this long, then is told it is busy


class Sessions(Protocol):
    """Conversations by id; a turn holds `lock(session_id)` from load to save, across every process."""

    def lock(self, session_id: str, *, wait_seconds: float = SESSION_WAIT_SECONDS
             ) -> AbstractAsyncContextManager[None]: ...
    def load(self, session_id: str, principal: Principal) -> Session: ...
    def get(self, session_id: str) -> Session | None: ...
    def save(self, session: Session) -> None: ...
    def delete(self, session_id: str) -> None: ...
    def close(self) -> None: ...


class PendingCalls(Protocol):
    """Paused calls (confirmations, approvals) with exactly-once claims, and the policy's rate counters."""

    def create(self, **new: Unpack[NewPending]) -> PendingRecord: ...
    def get(self, pending_id: str) -> PendingRecord | None: ...
    def list(self, *, state: str | None = "pending", requester_key: str | None = None
             ) -> list[PendingRecord]: ...
    def decide(self, pending_id: str, *, by: Principal, approve: bool, reason: str | None = None
               ) -> PendingRecord: ...
    def claim(self, pending_id: str) -> PendingRecord | None: ...
    def finish(self, pending_id: str, *, result: dict[str, Any] | None, error: str | None) -> None: ...
    def count_recent(self, principal_key: str, action: str, window_seconds: int) -> int: ...
    def record_call(self, principal_key: str, action: str) -> None: ...
    def close(self) -> None: ...


class AuditTrail(Protocol):
    """The hash-chained audit log: one record per decision, appended by every process in one chain."""

    durability: Durability

    @property
    def location(self) -> str: ...
    @property
    def needs_sync(self) -> bool: ...
    def append(self, record: dict[str, Any]) -> dict[str, Any]: ...
    async def sync(self) -> None: ...
    def verify(self) -> VerifyReport: ...
    def tail(self, n: int = 20) -> list[dict[str, Any]]: ...
    def records(self, *, after_seq: int = 0) -> Iterator[dict[str, Any]]: ...
    def close(self) -> None: ...


class RateBuckets(Protocol):
    """Token buckets for the HTTP per-user rate limit, shared by every worker."""

    def take(self, key: str, *, rate: float, capacity: float) -> float | None:
        """Take one token: None when allowed, else the seconds to wait before retrying."""
        ...

    def close(self) -> None: ...


class BotState(Protocol):
    """The chat bots' deliveries taken once and approval places (storage/bot_state.py)."""

    def first_delivery(self, platform: str, delivery_id: str) -> bool: ...
    def remember_approval(self, pending_id: str, platform: str, places: ApprovalPlaces) -> None: ...
    def approval_places(self, pending_id: str) -> ApprovalPlaces | None: ...
    def close(self) -> None: ...


@dataclass
class Storage:
    sessions: Sessions
    pending: PendingCalls
    audit: AuditTrail
    buckets: RateBuckets
    # Writes journaled before they are sent (storage/intents.py); None: not journaled by this backend.
    intents: IntentJournal | None = field(default=None, kw_only=True)
    # The Slack and Teams bots' shared state; None: a backend without it (the bots refuse to start).
    bots: BotState | None = field(default=None, kw_only=True)
    # The web page's sign-in tokens and cookie sessions (storage/web_signins.py).
    signins: WebSignIns = field(kw_only=True)

    def ping(self) -> str:
        """What the storage is, once it has answered (readiness probes); raises HaloAgentError if not."""
        return "embedded files"

    def close(self) -> None:
        """Close every part (the audit log first puts on disk what was not yet)."""
        for part in (self.sessions, self.pending, self.buckets, self.audit, self.signins):
            part.close()
        for extra in (self.intents, self.bots):
            if extra is not None:
                extra.close()
