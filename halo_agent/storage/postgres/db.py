"""Connections to PostgreSQL: two small pools per process (commits that wait for the disk, and commits
that do not: `open_pool`), errors that name the variable to fix.

Every store method is one short statement or transaction on a pooled connection (autocommit unless a
transaction is opened); none holds a connection between calls, so a handful per process is enough
however many sessions are busy (the session lock is a lease row, not a held connection).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from halo_agent.errors import HaloAgentError
from halo_agent.storage.postgres.migrations import check_schema

URL_VARIABLE = "HALO_AGENT_DATABASE_URL"
_CONNECT_TIMEOUT = 5
POOL_MAX = 8
# Open from the start: the event loop's, and one for each audit flush thread (postgres/audit.py), so a
# statement on the loop never waits for a flush to give a connection back.
POOL_MIN = 3
QUICK_POOL_MAX = 4  # its statements are short and run on the event loop, one at a time


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


def open_pool(url: str, *, check: bool = True, waits_for_disk: bool = True) -> Pool:
    """A pool on a database whose schema is current (checked first, on a connection of its own).

    `waits_for_disk=False`: a pool whose commits do not wait for the disk (`synchronous_commit = off`).
    A commit there is visible to every worker and safe from a crash of this process at once; only a
    crash of the database server before the WAL reaches the disk (the next commit that waits, by any
    worker, or the WAL writer within a second) may undo it, and then whole: the promise of the embedded
    store's `synchronous=NORMAL`. For the hot path's state that may be lost that way: session leases and
    saves, HTTP buckets, the policy's rate counters, web sign-ins, and audit records between two syncs
    (`flush_wal`). Claims, intents and decisions stay on the pool that waits. A commit that waits costs a
    disk flush: 0.2 ms on an idle disk, 7-10 ms measured on this machine's shared one under load.
    """
    with connect(url) as conn:
        if check:
            check_schema(conn, safe_url(url))
    options = {} if waits_for_disk else {"options": "-c synchronous_commit=off"}
    sizes = (POOL_MIN, POOL_MAX) if waits_for_disk else (1, QUICK_POOL_MAX)
    pool: Pool = ConnectionPool(
        url, min_size=sizes[0], max_size=sizes[1], open=True, timeout=30.0,
        kwargs={"autocommit": True, "connect_timeout": _CONNECT_TIMEOUT, **options},
        name="halo-agent" if waits_for_disk else "halo-agent-quick",
    )  # fmt: skip
    return pool


def flush_wal(pool: Pool) -> None:
    """Wait until everything committed so far, by any connection, is on disk. A commit that waits for
    the disk flushes the WAL up to its own record, and the WAL is written in order; the commit needs
    a WAL record of its own to wait at all, which a transactional logical message is (no table, any
    user, ignored unless someone decodes the WAL logically: prefix `halo-agent`). `pool` must wait."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_logical_emit_message(true, 'halo-agent', 'flush')")
