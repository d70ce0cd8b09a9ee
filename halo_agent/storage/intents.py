"""The write-intent journal: every write to Halo, recorded as intended before it is sent and settled after.

It is not the audit log (that keeps exactly one record per proposed call); it is what lets a restarted
process find the writes a dead one left in flight, look them up in Halo, and finish their records
(`tools/reconcile.py`), and what shows an identical write made moments ago (`tools/write_intents.py`).

`IntentJournal` is the interface; `SqliteIntentJournal` keeps it in the state database beside the pending
store (WAL, one long-lived connection, like `approvals.PendingStore`). Each intent names its owner (host,
pid and the process's start time) so a live process's write in flight is never reconciled under it.

States: intended -> applied | failed | unknown;  intended | unknown -> applied | not_applied (reconciled).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from halo_agent.storage.sqlite_files import StateFile

IntentState = Literal["intended", "applied", "failed", "unknown", "not_applied"]
OPEN_STATES = ("intended", "unknown")
LANDED_OR_UNSURE = ("intended", "applied", "unknown")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id TEXT PRIMARY KEY, call_id TEXT NOT NULL, session_id TEXT NOT NULL, request_id TEXT NOT NULL,
    principal TEXT NOT NULL, principal_key TEXT NOT NULL, tool TEXT NOT NULL, args TEXT NOT NULL,
    fingerprint TEXT NOT NULL, pending_id TEXT, attempt TEXT NOT NULL, owner TEXT NOT NULL,
    created_at REAL NOT NULL, state TEXT NOT NULL, halo_id INTEGER, detail TEXT, settled_at REAL,
    audited INTEGER NOT NULL DEFAULT 0, notice TEXT, told INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS intents_open ON intents (state, session_id);
CREATE INDEX IF NOT EXISTS intents_unaudited ON intents (audited);
CREATE INDEX IF NOT EXISTS intents_repeat ON intents (principal_key, fingerprint, created_at);
CREATE INDEX IF NOT EXISTS intents_untold ON intents (session_id, told);
CREATE TABLE IF NOT EXISTS pending_owners (
    pending_id TEXT PRIMARY KEY, owner TEXT NOT NULL, at REAL NOT NULL);
"""


class Intent(BaseModel):
    """One write: who asked, in which call, what was sent (`attempt`), and how it ended."""

    id: str
    call_id: str
    session_id: str
    request_id: str
    principal: dict[str, Any]  # Principal as JSON
    principal_key: str
    tool: str
    args: dict[str, Any]
    fingerprint: str
    pending_id: str | None = None
    attempt: dict[str, Any]  # halo.lost_writes.Attempt as JSON
    owner: str
    created_at: float
    state: IntentState = "intended"
    halo_id: int | None = None
    detail: str | None = None
    settled_at: float | None = None
    audited: bool = False
    notice: str | None = None
    told: bool = True


class IntentJournal(Protocol):
    """What the write path, the repeat guard and the reconciler need; PostgreSQL may implement it too."""

    def begin(self, intent: Intent) -> None: ...
    def settle(self, intent_id: str, state: IntentState, *, halo_id: int | None, detail: str | None,
               notice: str | None = None) -> None: ...
    def mark_audited(self, intent_ids: list[str]) -> None: ...
    def open_intents(self, session_id: str | None = None) -> list[Intent]: ...
    def unaudited(self, session_id: str | None = None) -> list[Intent]: ...
    def for_pending(self, pending_id: str) -> list[Intent]: ...
    def recent_same(self, principal_key: str, fingerprint: str, since: float) -> list[Intent]: ...
    def take_notices(self, session_id: str) -> list[str]: ...
    def own_pending(self, pending_id: str) -> None: ...
    def pending_owner(self, pending_id: str) -> str | None: ...
    def close(self) -> None: ...


def new_intent_id() -> str:
    return "w" + secrets.token_hex(6)


def this_process() -> str:
    """`host:pid:start` naming this process (the start time tells a reused pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def owner_alive(owner: str) -> bool | None:
    """True/False for an owner on this host; None when it ran elsewhere (only its age can tell)."""
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _start_time(pid) == started


def _start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


class SqliteIntentJournal(StateFile):
    """In the state file (synchronous=NORMAL: safe from a killed process; `begin` syncs itself)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(path, _SCHEMA)
        self._clock = clock

    def begin(self, intent: Intent) -> None:
        row = intent.model_dump()
        for key in ("principal", "args", "attempt"):
            row[key] = json.dumps(row[key], default=str)
        row["audited"], row["told"] = int(intent.audited), int(intent.told)
        with self._connect() as conn:
            # FULL for this one commit: the intent survives even a power cut, since the write follows it.
            conn.execute("PRAGMA synchronous=FULL")
            try:
                conn.execute(f"INSERT INTO intents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                             tuple(row.values()))
            finally:
                conn.execute("PRAGMA synchronous=NORMAL")

    def settle(self, intent_id: str, state: IntentState, *, halo_id: int | None, detail: str | None,
               notice: str | None = None) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE intents SET state = ?, halo_id = ?, detail = ?, settled_at = ?, notice = ?, "
                "told = ? WHERE id = ?",
                (state, halo_id, detail, self._clock(), notice, int(notice is None), intent_id),
            )

    def mark_audited(self, intent_ids: list[str]) -> None:
        with self._connect() as conn:
            conn.executemany("UPDATE intents SET audited = 1 WHERE id = ?", [(i,) for i in intent_ids])

    def open_intents(self, session_id: str | None = None) -> list[Intent]:
        return self._select(f"state IN {OPEN_STATES}", session_id)

    def unaudited(self, session_id: str | None = None) -> list[Intent]:
        return self._select("audited = 0", session_id)

    def for_pending(self, pending_id: str) -> list[Intent]:
        return self._rows("SELECT * FROM intents WHERE pending_id = ? ORDER BY created_at", (pending_id,))

    def recent_same(self, principal_key: str, fingerprint: str, since: float) -> list[Intent]:
        return self._rows(
            f"SELECT * FROM intents WHERE principal_key = ? AND fingerprint = ? AND created_at >= ? "
            f"AND state IN {LANDED_OR_UNSURE} ORDER BY created_at DESC",
            (principal_key, fingerprint, since),
        )

    def take_notices(self, session_id: str) -> list[str]:
        with self._connect() as conn:
            if conn.execute("SELECT 1 FROM intents WHERE session_id = ? AND told = 0 LIMIT 1",
                            (session_id,)).fetchone() is None:
                return []  # the common case, read without taking the write lock
        with self._transaction() as conn:  # one taker per notice, across processes on this file
            rows = conn.execute("SELECT id, notice FROM intents WHERE session_id = ? AND told = 0 "
                                "ORDER BY created_at", (session_id,)).fetchall()
            conn.executemany("UPDATE intents SET told = 1 WHERE id = ?", [(row["id"],) for row in rows])
        return [row["notice"] for row in rows if row["notice"]]

    def own_pending(self, pending_id: str) -> None:
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO pending_owners (pending_id, owner, at) VALUES (?, ?, ?)",
                         (pending_id, this_process(), self._clock()))

    def pending_owner(self, pending_id: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT owner FROM pending_owners WHERE pending_id = ?",
                               (pending_id,)).fetchone()
        return str(row["owner"]) if row else None

    def _select(self, condition: str, session_id: str | None) -> list[Intent]:
        if session_id is None:
            return self._rows(f"SELECT * FROM intents WHERE {condition} ORDER BY created_at", ())
        return self._rows(f"SELECT * FROM intents WHERE {condition} AND session_id = ? ORDER BY created_at",
                          (session_id,))

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Intent]:
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_intent(row) for row in rows]


def _intent(row: sqlite3.Row) -> Intent:
    data = dict(row)
    for key in ("principal", "args", "attempt"):
        data[key] = json.loads(data[key])
    return Intent.model_validate(data)
