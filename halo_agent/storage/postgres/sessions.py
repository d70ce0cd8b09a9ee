"""Sessions in PostgreSQL, and the lease rows that serialise a session's turns across hosts.

A lease is a row (session, holder, expiry) taken with one conditional upsert: free, expired or already
ours. Its holder renews it while the turn runs; a worker killed mid-turn stops renewing, and the lease
lapses after `LEASE_SECONDS` so the session continues elsewhere. The database's clock decides expiry,
so hosts with skewed clocks agree. No connection is held while a turn runs.

Saves and leases go through the pool whose commits do not wait for the disk (`db.open_pool`): visible to
every worker at once and safe from a killed worker; only a database crash in the next moment may undo
the last ones, as a power cut may the embedded store's last saves.
"""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractAsyncContextManager

from halo_agent.principal import Principal
from halo_agent.storage.interface import SESSION_WAIT_SECONDS
from halo_agent.storage.postgres.db import Pool
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



class LeaseLocks:
    renew_seconds: float | None

    def __init__(self, pool: Pool, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.pool = pool
        self.lease_seconds = lease_seconds
        self.renew_seconds = lease_seconds / 3

    def try_acquire(self, session_id: str) -> object | None:
        holder = uuid.uuid4().hex
        with self.pool.connection() as conn:
            params = {"id": session_id, "holder": holder, "ttl": self.lease_seconds}
            row = conn.execute(_TAKE, params).fetchone()
        return (session_id, holder) if row else None

    def renew(self, handle: object) -> None:
        session_id, holder = _parts(handle)
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE session_leases SET expires_at = now() + make_interval(secs => %s) "
                "WHERE session_id = %s AND holder = %s", (self.lease_seconds, session_id, holder),
            )  # fmt: skip

    def release(self, handle: object) -> None:
        session_id, holder = _parts(handle)
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM session_leases WHERE session_id = %s AND holder = %s",
                         (session_id, holder))


def _parts(handle: object) -> tuple[str, str]:
    assert isinstance(handle, tuple)
    return str(handle[0]), str(handle[1])


class PostgresSessions:
    def __init__(self, pool: Pool, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.pool = pool
        self._locks = SessionLocks(LeaseLocks(pool, lease_seconds=lease_seconds))

    def lock(
        self, session_id: str, *, wait_seconds: float = SESSION_WAIT_SECONDS
    ) -> AbstractAsyncContextManager[None]:
        return self._locks.lock(session_id, wait_seconds=wait_seconds)

    def load(self, session_id: str, principal: Principal) -> Session:
        return owned_session(session_id, principal, self.get(session_id))

    def get(self, session_id: str) -> Session | None:
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
        with self.pool.connection() as conn:
            conn.execute(_UPSERT, (*row, session.updated_at))
        session._stored = row

    def delete(self, session_id: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM agent_sessions WHERE id = %s", (session_id,))

    def close(self) -> None:
        return None  # the pool is closed by its owner (PostgresStorage)
