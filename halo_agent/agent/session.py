"""Conversations persisted by session id, so a confirmation can arrive in a later command or request.

One SQLite table (`agent_sessions`) in the state database shared with the pending store. A session
belongs to the principal that opened it; within one process a per-session asyncio lock keeps two turns
of the same session from interleaving.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from halo_agent.agent.model import Message
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal

MAX_SESSION_ID_LENGTH = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_sessions (
    id TEXT PRIMARY KEY,
    principal_key TEXT NOT NULL,
    principal TEXT NOT NULL,
    history TEXT NOT NULL,
    pending_confirmations TEXT NOT NULL,
    awaiting_approvals TEXT NOT NULL,
    user_texts TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""
_COLUMNS = (
    "id, principal_key, principal, history, pending_confirmations, awaiting_approvals, user_texts, "
    "created_at, updated_at"
)

_UPSERT = f"INSERT OR REPLACE INTO agent_sessions ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"


class SessionError(HaloAgentError):
    """A session that cannot be used: a bad id, or one that belongs to someone else."""


@dataclass
class Session:
    """One conversation. `history` holds OpenAI chat messages without the system prompt (rebuilt each turn).

    `pending_confirmations` are ids of calls waiting for this person's yes/no (usually one);
    `awaiting_approvals` are ids of calls waiting for an approver, mentioned once decided.
    """

    id: str
    principal: Principal
    history: list[Message] = field(default_factory=list)
    pending_confirmations: list[str] = field(default_factory=list)
    awaiting_approvals: list[str] = field(default_factory=list)
    user_texts: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def pending_id(self) -> str | None:
        """The first call waiting for this person's confirmation, if any."""
        return self.pending_confirmations[0] if self.pending_confirmations else None


class SessionStore:
    """Sessions in SQLite at `path`. Cheap to create; every operation opens its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def lock(self, session_id: str) -> asyncio.Lock:
        """The in-process lock for one session; hold it for a whole turn."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        return lock

    def load(self, session_id: str, principal: Principal) -> Session:
        """The stored session, or a new empty one. Another principal's session is refused."""
        _check_id(session_id)
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM agent_sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return Session(id=session_id, principal=principal)
        session = _from_row(row)
        if session.principal.key != principal.key:
            raise SessionError(f"session {session_id!r} belongs to another user; start a new session")
        return session

    def get(self, session_id: str) -> Session | None:
        """The stored session regardless of owner (for administration and tests)."""
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM agent_sessions WHERE id = ?", (session_id,)).fetchone()
        return _from_row(row) if row else None

    def save(self, session: Session) -> None:
        session.updated_at = time.time()
        with self._connect() as db:
            db.execute(_UPSERT, _to_row(session))

    def delete(self, session_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM agent_sessions WHERE id = ?", (session_id,))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10.0)) as db, db:
            yield db


def _check_id(session_id: str) -> None:
    if not session_id or len(session_id) > MAX_SESSION_ID_LENGTH or not session_id.isprintable():
        raise SessionError(f"a session id must be 1-{MAX_SESSION_ID_LENGTH} printable characters")


def _to_row(session: Session) -> tuple[object, ...]:
    return (
        session.id,
        session.principal.key,
        session.principal.model_dump_json(),
        json.dumps(session.history),
        json.dumps(session.pending_confirmations),
        json.dumps(session.awaiting_approvals),
        json.dumps(session.user_texts),
        session.created_at,
        session.updated_at,
    )


def _from_row(row: tuple[object, ...]) -> Session:
    sid, _key, principal, history, pending, approvals, texts, created, updated = row
    return Session(
        id=str(sid),
        principal=Principal.model_validate_json(str(principal)),
        history=json.loads(str(history)),
        pending_confirmations=json.loads(str(pending)),
        awaiting_approvals=json.loads(str(approvals)),
        user_texts=json.loads(str(texts)),
        created_at=float(str(created)),
        updated_at=float(str(updated)),
    )
