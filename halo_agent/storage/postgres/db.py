"""Connections to PostgreSQL: one small pool per process, errors that name the variable to fix.

Every store method is one short statement or transaction on a pooled connection (autocommit unless a
transaction is opened); none holds a connection between calls, so a handful per process is enough
however many sessions are busy (the session lock is a lease row, not a held connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from halo_agent.errors import HaloAgentError
from halo_agent.storage.postgres.migrations import check_schema

URL_VARIABLE = "HALO_AGENT_DATABASE_URL"
_CONNECT_TIMEOUT = 5
POOL_MAX = 8


Connection = psycopg.Connection[TupleRow]
Pool = ConnectionPool[Connection]


class DatabaseError(HaloAgentError):
    """PostgreSQL cannot be reached or refused us."""


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{host}{port}{parts.path}"


def connect(url: str) -> psycopg.Connection[TupleRow]:
    """One autocommit connection, failing within seconds with a clear message."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        where = f"{safe_url(url)} ({URL_VARIABLE})"
        raise DatabaseError(f"cannot connect to PostgreSQL at {where}: {reason}") from None


def open_pool(url: str, *, check: bool = True) -> Pool:
    """A pool on a database whose schema is current (checked first, on a connection of its own)."""
    with connect(url) as conn:
        if check:
            check_schema(conn, safe_url(url))
    pool: Pool = ConnectionPool(
        url, min_size=1, max_size=POOL_MAX, kwargs={"autocommit": True, "connect_timeout": _CONNECT_TIMEOUT},
        open=True, name="halo-agent", timeout=30.0,
    )
    return pool


@contextmanager
def unsynced_transaction(pool: Pool) -> Iterator[Connection]:
    """A transaction whose commit does not wait for the disk (`synchronous_commit = off`).

    It is committed, visible to every worker and safe from a crash of this process when the block
    ends; only a crash of the database server before the WAL reaches the disk (the next synced commit
    of any worker, or the WAL writer within a second) may undo it, and then whole. The same promise as
    the embedded store's `synchronous=NORMAL`. For the hot path's state that may be lost that way:
    session leases (a dead server frees them anyway), session saves, HTTP buckets and the policy's rate
    counters. Everything that gates a Halo write or is evidence (claims, intents, the audit log) stays
    synced. A synced commit waits for a disk flush: 0.2 ms on an idle disk, 7-10 ms on this machine's
    shared one under load, four of them per turn before."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL synchronous_commit TO off")
        yield conn



def flush_wal(pool: Pool) -> None:
    """Wait until everything committed so far, by any connection, is on disk. A commit that waits for
    the disk flushes the WAL up to its own record, and the WAL is written in order; the commit needs
    a WAL record of its own to wait at all, which a transactional logical message is (no table, any
    user, ignored unless someone decodes the WAL logically: prefix `halo-agent`)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_logical_emit_message(true, 'halo-agent', 'flush')")
