"""The PostgreSQL backend: every piece of shared state in one database, for many workers on many hosts.

    HALO_AGENT_DATABASE_URL=postgresql://halo@db.example.com/halo halo-agent db upgrade
    HALO_AGENT_DATABASE_URL=... halo-agent serve --workers 4

psycopg 3 with psycopg_pool: one small pool per process (two connections), one round trip per store
method where it can be (db.py), the schema checked at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg_pool import PoolTimeout

from halo_agent.storage.audit import Durability
from halo_agent.storage.interface import Storage
from halo_agent.storage.postgres.audit import PostgresAudit
from halo_agent.storage.postgres.bot_state import PostgresBotState
from halo_agent.storage.postgres.buckets import PostgresBuckets
from halo_agent.storage.postgres.db import DatabaseError, Pool, open_pool, safe_url
from halo_agent.storage.postgres.intents import PostgresIntentJournal
from halo_agent.storage.postgres.pending import PostgresPending
from halo_agent.storage.postgres.sessions import PostgresSessions
from halo_agent.storage.postgres.web_signins import PostgresWebSignIns


@dataclass
class PostgresStorage(Storage):
    pool: Pool

    def ping(self) -> str:
        try:
            with self.pool.connection(timeout=5.0) as conn:
                conn.execute("SELECT 1")
        except (psycopg.Error, PoolTimeout) as exc:
            raise DatabaseError(f"PostgreSQL does not answer: {type(exc).__name__}: {exc}") from None
        return "PostgreSQL"

    def close(self) -> None:
        super().close()
        self.pool.close()


class _OwnedAudit(PostgresAudit):
    """An audit log that owns its pool (for `audit verify|tail|export`)."""

    def close(self) -> None:
        super().close()
        self.pool.close()


def open_postgres(url: str, *, secrets: Iterable[str] = (), audit_durability: Durability = "turn") -> Storage:
    pool = open_pool(url)
    audit = PostgresAudit(pool, safe_url(url), secrets=secrets, durability=audit_durability)
    storage = PostgresStorage(
        sessions=PostgresSessions(pool), pending=PostgresPending(pool), audit=audit,
        buckets=PostgresBuckets(pool), pool=pool, bots=PostgresBotState(pool),
        intents=PostgresIntentJournal(pool), signins=PostgresWebSignIns(pool),
    )  # fmt: skip
    return storage


def open_postgres_audit(url: str) -> PostgresAudit:
    return _OwnedAudit(open_pool(url), safe_url(url))
