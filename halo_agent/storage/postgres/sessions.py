"""Sessions in PostgreSQL, and the lease rows that serialise a session's turns across hosts.

A lease is a row (session, holder, expiry) taken with one conditional upsert: free, expired or already
ours. Its holder renews it while the turn runs; a worker killed mid-turn stops renewing, and the lease
lapses after `LEASE_SECONDS` so the session continues elsewhere. The database's clock decides expiry,
so hosts with skewed clocks agree. No connection is held while a turn runs.

Taking the lease also reads the session, in the same round trip: the turn's `load` comes next, and a row
read once the lease is ours is the row as the last holder left it (every save is made under the lease).

Saves and leases commit without waiting for the disk (db.py): visible to every worker at once and safe
from a killed worker; only a database crash in the next moment may undo the last ones, as a power cut
may the embedded store's last saves.
"""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractAsyncContextManager
from typing import Any

from halo_agent.principal import Principal
from halo_agent.storage.interface import SESSION_WAIT_SECONDS
from halo_agent.storage.postgres.db import Pool, batch
from halo_agent.storage.session_locks import SessionLocks
from halo_agent.storage.sessions import (
    SESSION_COLUMNS,
    Session,
    owned_session,
    session_from_row,
    session_row,
)

LEASE_SECONDS = 15.0
_COLUMN_NAMES = [name.strip() for name in SESSION_COLUMNS.split(",")]
_UPSERT = (
    f"INSERT INTO agent_sessions ({SESSION_COLUMNS}) VALUES ({', '.join(['%s'] * len(_COLUMN_NAMES))}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in _COLUMN_NAMES if name != "id")
)
_TAKE = """
INSERT INTO session_leases (session_id, holder, expires_at)
VALUES (%(id)s, %(holder)s, now() + make_interval(secs => %(ttl)s))
ON CONFLICT (session_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE session_leases.expires_at < now() OR session_leases.holder = EXCLUDED.holder
RETURNING holder"""
# After _TAKE in one batch, so it sees the lease as taken (or not): the row only for the lease's holder.
_READ_HELD = f"""
SELECT {SESSION_COLUMNS} FROM agent_sessions WHERE id = %(id)s
AND EXISTS (SELECT 1 FROM session_leases WHERE session_id = %(id)s AND holder = %(holder)s)"""
_NOT_READ = object()



class LeaseLocks:
    renew_seconds: float | None

    def __init__(self, pool: Pool, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.pool = pool
        self.lease_seconds = lease_seconds
        self.renew_seconds = lease_seconds / 3
        self.read: dict[str, Any] = {}  # session id -> its row (None: no such session) read with the lease

    def try_acquire(self, session_id: str) -> object | None:
        holder = uuid.uuid4().hex
        params = {"id": session_id, "holder": holder, "ttl": self.lease_seconds}
        with batch(self.pool) as conn:
            taken = conn.execute(_TAKE, params)
            row = conn.execute(_READ_HELD, params)
        if taken.fetchone() is None:
            return None
        self.read[session_id] = row.fetchone()
        return (session_id, holder)

    def renew(self, handle: object) -> None:
        session_id, holder = _parts(handle)
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE session_leases SET expires_at = now() + make_interval(secs => %s) "
                "WHERE session_id = %s AND holder = %s", (self.lease_seconds, session_id, holder),
            )  # fmt: skip

    def release(self, handle: object) -> None:
        session_id, holder = _parts(handle)
        self.read.pop(session_id, None)
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM session_leases WHERE session_id = %s AND holder = %s",
                         (session_id, holder))


def _parts(handle: object) -> tuple[str, str]:
    assert isinstance(handle, tuple)
    return str(handle[0]), str(handle[1])


class PostgresSessions:
    def __init__(self, pool: Pool, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.pool = pool
        self._leases = LeaseLocks(pool, lease_seconds=lease_seconds)
        self._locks = SessionLocks(self._leases)

    def lock(
        self, session_id: str, *, wait_seconds: float = SESSION_WAIT_SECONDS
    ) -> AbstractAsyncContextManager[None]:
        return self._locks.lock(session_id, wait_seconds=wait_seconds)

    def load(self, session_id: str, principal: Principal) -> Session:
        return owned_session(session_id, principal, self.get(session_id))

    def get(self, session_id: str) -> Session | None:
        row = self._leases.read.pop(session_id, _NOT_READ)  # read as the lease was taken: once
        if row is _NOT_READ:
            with self.pool.connection() as conn:
                row = conn.execute(
                    f"SELECT {SESSION_COLUMNS} FROM agent_sessions WHERE id = %s", (session_id,)
                ).fetchone()
        return session_from_row(tuple(row)) if row else None

    def save(self, session: Session) -> None:
        row = session_row(session)
        if row == session._stored:
            return
        session.updated_at = time.time()
        self._leases.read.pop(session.id, None)
        with self.pool.connection() as conn:
            conn.execute(_UPSERT, (*row, session.updated_at))
        session._stored = row

    def delete(self, session_id: str) -> None:
        self._leases.read.pop(session_id, None)
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM agent_sessions WHERE id = %s", (session_id,))

    def close(self) -> None:
        return None  # the pool is closed by its owner (PostgresStorage)
