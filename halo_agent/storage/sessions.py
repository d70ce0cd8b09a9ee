"""Conversations persisted by session id, so a confirmation can arrive in a later command or request.

The `Session` record and the embedded backend's store: one SQLite table (`agent_sessions`) in the state
database shared with the pending store. A session belongs to the principal that opened it. Two turns of
one session never interleave, in one process or many: `lock` (see `session_locks`) holds a lock on the
session's byte of one lock file beside the database (a file per session where the OS lacks byte-range
open-file-description locks) for the whole turn.

The store keeps one connection (WAL, `synchronous=NORMAL`: a commit survives a crash of this process and
costs no fsync; a power cut may lose the last few saves, never corrupt the file) and writes a session only
when it changed since it was loaded or last saved. Pending calls, the state a confirmation really rests
on, live in the pending store, not here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal
from halo_agent.storage.interface import SESSION_WAIT_SECONDS
from halo_agent.storage.session_locks import SessionLocks, session_lock_files
from halo_agent.storage.sqlite_files import open_state_file

Message = dict[str, Any]  # an OpenAI chat message (as in halo_agent.agent.model)

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
SESSION_COLUMNS = _COLUMNS


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
    # The row as last loaded or saved (without updated_at), to skip saving an unchanged session.
    _stored: tuple[object, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def pending_id(self) -> str | None:
        """The first call waiting for this person's confirmation, if any."""
        return self.pending_confirmations[0] if self.pending_confirmations else None


class SessionStore:
    """Sessions in SQLite at `path`, over one connection shared by this store's threads (under a lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db_lock = threading.Lock()
        self._db = open_state_file(path, timeout=10.0, autocommit=False)
        self._locks = SessionLocks(session_lock_files(path.parent / "locks"))
        weakref.finalize(self, self._db.close)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def lock(
        self, session_id: str, *, wait_seconds: float = SESSION_WAIT_SECONDS
    ) -> AbstractAsyncContextManager[None]:
        """Hold for a whole turn: one turn of a session at a time in every process on this data
        directory. Waits up to `wait_seconds`, then raises SessionBusyError."""
        return self._locks.lock(session_id, wait_seconds=wait_seconds)

    def load(self, session_id: str, principal: Principal) -> Session:
        """The stored session, or a new empty one. Another principal's session is refused."""
        return owned_session(session_id, principal, self.get(session_id))

    def get(self, session_id: str) -> Session | None:
        """The stored session regardless of owner (for administration and tests)."""
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM agent_sessions WHERE id = ?", (session_id,)).fetchone()
        return session_from_row(row) if row else None

    def save(self, session: Session) -> None:
        """Write the session, unless nothing in it changed since it was loaded or last saved."""
        row = session_row(session)
        if row == session._stored:
            return
        session.updated_at = time.time()
        with self._connect() as db:
            db.execute(_UPSERT, (*row, session.updated_at))
        session._stored = row

    def delete(self, session_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM agent_sessions WHERE id = ?", (session_id,))

    def close(self) -> None:
        with self._db_lock:
            self._db.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The shared connection, in a transaction committed on success (rolled back on error)."""
        with self._db_lock, self._db:
            yield self._db


def owned_session(session_id: str, principal: Principal, stored: Session | None) -> Session:
    """`stored`, or a new session when there is none; refused when it belongs to someone else."""
    _check_id(session_id)
    if stored is None:
        return Session(id=session_id, principal=principal)
    if stored.principal.key != principal.key:
        raise SessionError(f"session {session_id!r} belongs to another user; start a new session")
    return stored


def _check_id(session_id: str) -> None:
    if not session_id or len(session_id) > MAX_SESSION_ID_LENGTH or not session_id.isprintable():
        raise SessionError(f"a session id must be 1-{MAX_SESSION_ID_LENGTH} printable characters")


def session_row(session: Session) -> tuple[object, ...]:
    """Every column but updated_at, in _COLUMNS order."""
    return (
        session.id,
        session.principal.key,
        session.principal.model_dump_json(),
        json.dumps(session.history),
        json.dumps(session.pending_confirmations),
        json.dumps(session.awaiting_approvals),
        json.dumps(session.user_texts),
        session.created_at,
    )


def session_from_row(row: tuple[object, ...]) -> Session:
    sid, _key, principal, history, pending, approvals, texts, created, updated = row
    session = Session(
        id=str(sid),
        principal=Principal.model_validate_json(str(principal)),
        history=json.loads(str(history)),
        pending_confirmations=json.loads(str(pending)),
        awaiting_approvals=json.loads(str(approvals)),
        user_texts=json.loads(str(texts)),
        created_at=float(str(created)),
        updated_at=float(str(updated)),
    )
    session._stored = session_row(session)
    return session
