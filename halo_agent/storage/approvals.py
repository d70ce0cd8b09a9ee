"""Paused calls (confirmations and approvals) and rate-limit counters, in one SQLite file.

Several processes may share the file (CLI approvals while the REPL or server runs): every method opens its
own short connection, WAL mode lets readers work beside a writer, and every read-modify-write runs inside
`BEGIN IMMEDIATE`. `claim` is one conditional UPDATE (approved -> running), so a call runs exactly once even
when it is approved twice or claimed concurrently.

States: pending -> approved -> running -> done | failed;  pending -> denied;  pending | approved -> expired.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from pydantic import BaseModel

from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.sqlite_files import StateFile

PendingKind = Literal["confirmation", "approval"]
PendingState = Literal["pending", "approved", "denied", "running", "done", "failed", "expired"]
_EXPIRY_SHOWS = (None, "pending", "approved", "expired")  # the listings an expiry can change
CALL_RETENTION_SECONDS = 31 * 24 * 3600  # the longest rate window a policy may declare

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL,
    requester TEXT NOT NULL, requester_key TEXT NOT NULL, session_id TEXT NOT NULL,
    action TEXT NOT NULL, args TEXT NOT NULL, args_hash TEXT NOT NULL, preview TEXT NOT NULL,
    rule_id TEXT NOT NULL, approver_roles TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL,
    decided_by TEXT, decided_at REAL, reason TEXT, result TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS pending_by_state ON pending (state, requester_key);
CREATE TABLE IF NOT EXISTS calls (principal_key TEXT NOT NULL, action TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS calls_by_key ON calls (principal_key, action, at);
"""


def args_hash(action: str, args: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of action + arguments: binds a decision to the exact payload."""
    canonical = json.dumps({"action": action, "args": args}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PendingRecord(BaseModel):
    id: str
    kind: PendingKind
    state: PendingState
    requester: Principal
    session_id: str
    action: str
    args: dict[str, Any]
    args_hash: str
    preview: str
    rule_id: str
    approver_roles: list[str]
    created_at: datetime
    expires_at: datetime
    decided_by: Principal | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None  # addition to the contract: why a claimed call failed

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires_at


class PendingStore(StateFile):
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(path, _SCHEMA)
        self._clock = clock

    # pauses ----------------------------------------------------------------------------------------
    def create(self, **new: Unpack[NewPending]) -> PendingRecord:
        row = new_pending_row(now=self._clock(), **new)
        with self._connect() as conn:
            conn.execute(f"INSERT INTO pending ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         tuple(row.values()))
        return new_pending_record(row)

    def get(self, pending_id: str) -> PendingRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM pending WHERE id = ?", (pending_id,)).fetchone()
        return pending_record(row) if row else None

    def list(self, *, state: str | None = "pending", requester_key: str | None = None) -> list[PendingRecord]:
        if state in _EXPIRY_SHOWS:  # else expiring overdue records changes nothing listed: no write
            self._expire_overdue()
        sql, params = "SELECT * FROM pending WHERE 1 = 1", list[str]()
        if state is not None:
            sql, params = sql + " AND state = ?", [*params, state]
        if requester_key is not None:
            sql, params = sql + " AND requester_key = ?", [*params, requester_key]
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [pending_record(row) for row in rows]

    def decide(
        self, pending_id: str, *, by: Principal, approve: bool, reason: str | None = None
    ) -> PendingRecord:
        """Approve/confirm or deny a pending record. Raises PendingError when it cannot be decided."""
        with self._transaction() as conn:  # BEGIN IMMEDIATE: the row cannot change under the decision
            decision = decide_row(lambda sql, params: conn.execute(sql, params).fetchone(),
                                  pending_id, by, approve, reason, self._clock())  # fmt: skip
        return decided_record(pending_id, *decision)

    def claim(self, pending_id: str) -> PendingRecord | None:
        """Atomically move an approved, unexpired record to running. None: not yours to run (any more)."""
        now = self._clock()
        with self._connect() as conn:
            won = conn.execute(
                "UPDATE pending SET state = 'running' WHERE id = ? AND state = 'approved' AND expires_at > ?",
                (pending_id, now),
            ).rowcount
            if not won:
                conn.execute("UPDATE pending SET state = 'expired' WHERE id = ? AND state IN "
                             "('pending', 'approved') AND expires_at <= ?", (pending_id, now))
        return self.get(pending_id) if won else None

    def finish(self, pending_id: str, *, result: dict[str, Any] | None, error: str | None) -> None:
        stored = json.dumps(result, default=str) if result is not None else None
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE pending SET state = ?, result = ?, error = ? WHERE id = ? AND state = 'running'",
                ("failed" if error else "done", stored, error, pending_id),
            ).rowcount
        if not changed:
            raise PendingError(f"request {pending_id} is not running, so it cannot be finished")

    def _expire_overdue(self) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE pending SET state = 'expired' WHERE state IN ('pending', 'approved') "
                         "AND expires_at <= ?", (self._clock(),))

    # rate limits -----------------------------------------------------------------------------------
    def count_recent(self, principal_key: str, action: str, window_seconds: int) -> int:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM calls WHERE principal_key = ? AND action = ? AND at > ?",
                (principal_key, action, self._clock() - window_seconds),
            ).fetchone()
        return int(row[0])

    def record_call(self, principal_key: str, action: str) -> None:
        now = self._clock()
        with self._transaction() as conn:
            conn.execute("INSERT INTO calls (principal_key, action, at) VALUES (?, ?, ?)",
                         (principal_key, action, now))
            conn.execute("DELETE FROM calls WHERE principal_key = ? AND action = ? AND at <= ?",
                         (principal_key, action, now - CALL_RETENTION_SECONDS))


class NewPending(TypedDict):
    """What a new pause is made of (`PendingCalls.create`)."""

    kind: PendingKind
    requester: Principal
    session_id: str
    action: str
    args: dict[str, Any]
    preview: str
    rule_id: str
    approver_roles: list[str]
    ttl_seconds: int


def new_pending_row(*, now: float, **new: Unpack[NewPending]) -> dict[str, str | float]:
    """The columns of a new pending record (both backends store the same row)."""
    requester, action, args = new["requester"], new["action"], new["args"]
    return {
        "id": secrets.token_hex(6), "kind": new["kind"], "state": "pending",
        "requester": requester.model_dump_json(), "requester_key": requester.key,
        "session_id": new["session_id"], "action": action, "args": json.dumps(args, default=str),
        "args_hash": args_hash(action, args), "preview": new["preview"], "rule_id": new["rule_id"],
        "approver_roles": json.dumps(new["approver_roles"]), "created_at": now,
        "expires_at": now + new["ttl_seconds"],
    }


def new_pending_record(row: Mapping[str, Any]) -> PendingRecord:
    """The record of a row just inserted (not decided, no result)."""
    undecided = dict.fromkeys(("decided_by", "decided_at", "reason", "result", "error"))
    return pending_record({**row, **undecided})


Fetch = Callable[[str, tuple[Any, ...]], Mapping[str, Any] | None]  # one statement, its first row


def decide_row(
    fetch: Fetch, pending_id: str, by: Principal, approve: bool, reason: str | None, now: float,
    *, mark: str = "?", lock: str = "",
) -> tuple[Mapping[str, Any] | None, str | None]:
    """A decision's statements, inside the caller's transaction with the row locked (`lock`: the
    SELECT's locking clause, `mark`: the parameter mark): (the row as decided, the problem or None).
    The decided row comes from RETURNING, not a read after the commit: by then another process may
    have claimed it."""
    row = fetch(f"SELECT * FROM pending WHERE id = {mark}{lock}", (pending_id,))
    problem = decide_problem(row, by, approve, now)
    if problem == "expired":
        fetch(f"UPDATE pending SET state = 'expired' WHERE id = {mark} RETURNING id", (pending_id,))
    elif problem is None:
        row = fetch(
            f"UPDATE pending SET state = {mark}, decided_by = {mark}, decided_at = {mark}, reason = {mark} "
            f"WHERE id = {mark} RETURNING *",
            ("approved" if approve else "denied", by.model_dump_json(), now, reason, pending_id),
        )  # fmt: skip
    return row, problem


def decided_record(pending_id: str, row: Mapping[str, Any] | None, problem: str | None) -> PendingRecord:
    """The record as decided, or the PendingError saying why it was not (after the commit, so that an
    expiry found on the way is stored)."""
    if problem == "expired":
        raise PendingError(f"request {pending_id} has expired; ask again")
    if problem or row is None:
        raise PendingError(problem or f"request {pending_id} is not known")
    return pending_record(row)


def decide_problem(row: Mapping[str, Any] | None, by: Principal, approve: bool, now: float) -> str | None:
    """Why this record cannot be decided by `by` ("expired" is special: the state must change), or None."""
    if row is None:
        return "no such pending request"
    if row["state"] != "pending":
        return f"request {row['id']} is already {row['state']}"
    if row["expires_at"] <= now:
        return "expired"
    is_requester = by.key == row["requester_key"]
    if row["kind"] == "confirmation":
        return None if is_requester else "only the person who asked can confirm or cancel this request"
    if approve and is_requester:
        return "you cannot approve your own request; another approver must"
    if not is_requester and by.role not in json.loads(row["approver_roles"]):
        return f"role {by.role!r} may not decide this request"
    return None  # an approver, or the requester withdrawing their own request


def pending_record(row: Mapping[str, Any]) -> PendingRecord:
    data = dict(row)
    for key in ("args", "approver_roles", "result"):
        data[key] = json.loads(data[key]) if data[key] is not None else None
    for key in ("requester", "decided_by"):
        data[key] = Principal.model_validate_json(data[key]) if data[key] else None
    for key in ("created_at", "expires_at", "decided_at"):
        data[key] = datetime.fromtimestamp(data[key], UTC) if data[key] is not None else None
    del data["requester_key"]
    return PendingRecord.model_validate(data)
