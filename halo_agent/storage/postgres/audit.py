"""The audit log in PostgreSQL: one chain however many workers and hosts append to it.

An append locks the single `audit_head` row (`SELECT ... FOR UPDATE`), chains the record to the head's
hash, inserts it and moves the head, all in one transaction: concurrent writers queue on the row lock, and
a crashed writer's transaction rolls back whole. Records are stored as the same JSON text the embedded log
writes, so `verify` recomputes every hash from what is stored, and `export` hands a SIEM the same lines.

Durability follows `audit_fsync`, as for the file: "turn" (default) commits each record without waiting
for the disk, so the chain's row lock is never held across a disk flush (every worker on every host
queues on it), and `sync()`, once per turn, waits on a small thread pool for one flush that covers every
record before it; "record" waits for the flush at every commit; "off" never waits.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from halo_agent.storage.audit import (
    Durability,
    VerifyReport,
    chain_record,
    record_line,
    record_problems,
    redact_with,
    usable_secrets,
)
from halo_agent.storage.audit_tail import GENESIS
from halo_agent.storage.postgres.db import Pool, flush_wal

_BATCH = 1000
_FLUSH_THREADS = 2  # flushes in flight per process; the server merges concurrent ones into one write


class PostgresAudit:
    def __init__(
        self, pool: Pool, where: str, *, secrets: Iterable[str] = (), durability: Durability = "turn",
        quick: Pool | None = None,
    ) -> None:
        self.pool = pool  # commits wait for the disk
        self._quick = quick or pool  # commits do not (db.open_pool); appends between two syncs use it
        self.durability: Durability = durability
        self._where = where
        self._secrets = usable_secrets(secrets)
        self._count_lock = threading.Lock()
        self._appended = 0  # records this process committed
        self._flushed = 0  # of those, known to be on disk
        self._flusher = ThreadPoolExecutor(_FLUSH_THREADS, thread_name_prefix="halo-audit-flush")

    @property
    def location(self) -> str:
        return f"{self._where} (table audit_log)"

    @property
    def needs_sync(self) -> bool:
        return self.durability == "turn" and self._flushed < self._appended

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        clean = redact_with(record, self._secrets)
        with self._pool().connection() as conn, conn.transaction():
            head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").fetchone()
            seq, prev_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
            full = chain_record(clean, seq, prev_hash)
            conn.execute("INSERT INTO audit_log (seq, record, hash) VALUES (%s, %s, %s)",
                         (full["seq"], record_line(full), full["hash"]))
            conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                         (full["seq"], full["hash"]))
        with self._count_lock:
            self._appended += 1
        return full

    async def sync(self) -> None:
        """Every record this process committed so far is on disk once this returns; the event loop
        serves other turns meanwhile."""
        if not self.needs_sync:
            return
        covered = self._appended
        await asyncio.get_running_loop().run_in_executor(self._flusher, flush_wal, self.pool)
        with self._count_lock:
            self._flushed = max(self._flushed, covered)

    def _pool(self) -> Pool:
        return self.pool if self.durability == "record" else self._quick

    def verify(self) -> VerifyReport:
        """Every record's hash, seq and link, and the head, read in one snapshot."""
        report, prev_hash, expected, last = VerifyReport(), GENESIS, 1, None
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            head_row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            for number, text in enumerate(_stream(conn, 0), start=1):
                record = _parse(text)
                if record is None:
                    report.problems.append(f"row {number}: not a JSON record")
                    continue
                report.records += 1
                report.problems.extend(record_problems(number, record, expected, prev_hash))
                seq = record.get("seq")
                expected = seq + 1 if isinstance(seq, int) else expected + 1
                prev_hash, last = str(record.get("hash")), (seq, record.get("hash"))
        head = (int(head_row[0]), str(head_row[1])) if head_row else (0, GENESIS)
        report.problems.extend(_head_problems(head, last))
        return report

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM audit_log ORDER BY seq DESC LIMIT %s", (max(n, 0),)
            ).fetchall()
        records = (_parse(str(row[0])) for row in reversed(rows))
        return [record for record in records if record is not None]

    def records(self, *, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        with self.pool.connection() as conn, conn.transaction():
            for text in _stream(conn, after_seq):
                record = _parse(text)
                if record is not None:
                    yield record

    def close(self) -> None:
        """Flush what is not on disk yet; the pool is closed by its owner."""
        if self.needs_sync:
            flush_wal(self.pool)
        self._flusher.shutdown()


def _head_problems(head: tuple[int, str], last: tuple[Any, Any] | None) -> list[str]:
    """The head row moves in the same transaction as each insert: any disagreement is an edit."""
    if (last or (0, GENESIS)) == head:
        return []
    ends = f"seq {last[0]}" if last else "no record"
    return [f"the log ends at {ends} but its head says seq {head[0]}: rows were deleted or edited"]


def _stream(conn: psycopg.Connection[TupleRow], after_seq: int) -> Iterator[str]:
    """The stored lines in seq order, fetched in batches through a server-side cursor."""
    with conn.cursor(name="halo_agent_audit") as cursor:
        cursor.itersize = _BATCH
        cursor.execute("SELECT record FROM audit_log WHERE seq > %s ORDER BY seq", (after_seq,))
        for row in cursor:
            yield str(row[0])


def _parse(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
