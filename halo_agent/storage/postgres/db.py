"""Connections to PostgreSQL: one small pool per process, round trips kept few, errors that name the
variable to fix.

Every store method is one short round trip on a pooled connection (two where a transaction must read
before it writes); none holds a connection between calls, so two connections per process are enough
however many sessions are busy (the session lock is a lease row, not a held connection). A round trip
may carry several statements: `batch` sends them together (psycopg's pipeline mode), `durable` wraps
them in a transaction whose commit waits for the disk.

Commits do not wait for the disk unless `durable` says so (`synchronous_commit = off` on every pooled
connection). Such a commit is visible to every worker and safe from a crash of this process at once;
only a crash of the database server before the WAL reaches the disk (the next commit that waits, by any
worker, or the WAL writer within a second) may undo it, and then whole: the promise of the embedded
store's `synchronous=NORMAL`. That is the hot path's state: session leases and saves, HTTP buckets, the
policy's rate counters, web sign-ins, and audit records between two syncs (`flush_wal`). Claims,
decisions, intents and bot deliveries are `durable`. A commit that waits costs a disk flush: 0.2 ms on
an idle disk, 7-10 ms measured on this machine's shared one under load.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from halo_agent.errors import HaloAgentError
from halo_agent.storage.postgres.migrations import check_schema

URL_VARIABLE = "HALO_AGENT_DATABASE_URL"
_CONNECT_TIMEOUT = 5
# The event loop's statements run one at a time; the audit log's flush runs on one thread beside it
# (postgres/audit.py). Both open from the start, so the loop never waits for a flush to give one back;
# the spare is opened only if a connection is found broken or a command-line tool needs one more.
POOL_MIN = 2
POOL_MAX = 3
_WAIT_FOR_DISK = "SET LOCAL synchronous_commit TO on"


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
    """The process's pool on a database whose schema is current (checked first, on a connection of its
    own): autocommit connections whose commits do not wait for the disk unless `durable` says so."""
    with connect(url) as conn:
        if check:
            check_schema(conn, safe_url(url))
    pool: Pool = ConnectionPool(
        url, min_size=POOL_MIN, max_size=POOL_MAX, open=True, timeout=30.0, name="halo-agent",
        kwargs={"autocommit": True, "connect_timeout": _CONNECT_TIMEOUT,
                "options": "-c synchronous_commit=off"},
    )  # fmt: skip
    return pool


@contextmanager
def batch(pool: Pool) -> Iterator[Connection]:
    """Statements sent together, in one round trip when the block ends: keep their cursors and read
    them after it. Each sees the ones before it; they are not one transaction (`transaction` is)."""
    with pool.connection() as conn, conn.pipeline():
        yield conn


@contextmanager
def transaction(pool: Pool, *, waits_for_disk: bool) -> Iterator[Connection]:
    """A transaction sent with its statements in one round trip when the block ends (each cursor read
    inside the block costs one more); read cursors after the block. Rolled back if the block raises."""
    with pool.connection() as conn, conn.pipeline():
        conn.execute("BEGIN")
        if waits_for_disk:
            conn.execute(_WAIT_FOR_DISK)
        yield conn
        conn.execute("COMMIT")


def durable(pool: Pool) -> AbstractContextManager[Connection]:
    """A transaction whose commit waits for the disk, in one round trip (`transaction`)."""
    return transaction(pool, waits_for_disk=True)


def flush_wal(pool: Pool) -> None:
    """Wait until everything committed so far, by any connection, is on disk. A commit that waits for
    the disk flushes the WAL up to its own record, and the WAL is written in order; the commit needs
    a WAL record of its own to wait at all, which a transactional logical message is (no table, any
    user, ignored unless someone decodes the WAL logically: prefix `halo-agent`)."""
    with durable(pool) as conn:
        conn.execute("SELECT pg_logical_emit_message(true, 'halo-agent', 'flush')")
