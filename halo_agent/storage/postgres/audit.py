"""The audit log in PostgreSQL: one chain however many workers and hosts append to it.

The single `audit_head` row holds the chain's last seq and hash. An append chains the record to the head
this process last saw and, in one statement, moves the head only if it is still that one and inserts the
record only if the head moved: one round trip, no lock held between two. If another writer moved the head
first, nothing is written, the statement returns the head it saw, and the record is chained again to it
(a few times at most; then, or with no head seen yet, the head is read under its row lock, `SELECT ...
FOR UPDATE`, and the record written in the same transaction: two round trips). Either way the record and
the head's move commit together, so a crashed writer's append rolls back whole and concurrent writers make
one chain. Records are stored as the same JSON text the embedded log writes, so `verify` recomputes every
hash from what is stored, and `export` hands a SIEM the same lines.

Durability follows `audit_fsync`, as for the file: "turn" (default) commits each record without waiting
for the disk, so the chain's row lock is never held across a disk flush (every worker on every host
queues on it), and `sync()`, once per turn, waits on a thread for one flush that covers every record
before it: the newest flush if it started after them (concurrent turns share it instead of queueing one
each), else a new one at once (two threads: a turn does not wait for a flush that misses its records to
end before its own begins); "record" waits for the flush at every commit; "off" never waits.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
from halo_agent.storage.postgres.db import Pool, flush_wal, transaction

_BATCH = 1000
_FLUSH_THREADS = 2
_TRIES = 3  # appends chained to a head another writer moved first, before the locked path
_APPEND = """
WITH head AS (SELECT seq, hash FROM audit_head WHERE id = 1),
moved AS (UPDATE audit_head SET seq = %(seq)s, hash = %(hash)s
          WHERE id = 1 AND seq = %(prev_seq)s AND hash = %(prev_hash)s RETURNING seq),
added AS (INSERT INTO audit_log (seq, record, hash) SELECT %(seq)s, %(record)s, %(hash)s FROM moved
          RETURNING seq)
SELECT (SELECT count(*) FROM added), head.seq, head.hash FROM head"""


class PostgresAudit:
    def __init__(
        self, pool: Pool, where: str, *, secrets: Iterable[str] = (), durability: Durability = "turn"
    ) -> None:
        self.pool = pool
        self.durability: Durability = durability
        self._where = where
        self._secrets = usable_secrets(secrets)
        self._count_lock = threading.Lock()
        self._appended = 0  # records this process committed
        self._flushed = 0  # of those, known to be on disk
        self._flusher = ThreadPoolExecutor(_FLUSH_THREADS, thread_name_prefix="halo-audit-flush")
        self._newest: Future[None] | None = None  # the flush started last, and what it covers
        self._newest_covers = 0
        self._head: tuple[int, str] | None = None  # the chain's head as this process last saw it

    @property
    def location(self) -> str:
        return f"{self._where} (table audit_log)"

    @property
    def needs_sync(self) -> bool:
        return self.durability == "turn" and self._flushed < self._appended

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        clean = redact_with(record, self._secrets)
        full, head = None, self._head
        for _ in range(_TRIES):
            if head is None:
                break
            full, head = self._append_at(clean, head)
            if full is not None:
                break
        if full is None:
            full = self._append_locked(clean)
        self._head = (full["seq"], full["hash"])
        with self._count_lock:
            self._appended += 1
        return full

    def _append_at(
        self, clean: dict[str, Any], head: tuple[int, str]
    ) -> tuple[dict[str, Any] | None, tuple[int, str] | None]:
        """The record if it was chained to `head` and written, else None and the head seen instead."""
        full = chain_record(clean, *head)
        params = {"seq": full["seq"], "hash": full["hash"], "record": record_line(full),
                  "prev_seq": head[0], "prev_hash": head[1]}  # fmt: skip
        waits = self.durability == "record"
        with transaction(self.pool, waits_for_disk=True) if waits else self.pool.connection() as conn:
            cursor = conn.execute(_APPEND, params)
        row = cursor.fetchone()
        if row is None:  # no head row at all: the locked path writes and says what is wrong
            return None, None
        return (full if row[0] else None), (int(row[1]), str(row[2]))

    def _append_locked(self, clean: dict[str, Any]) -> dict[str, Any]:
        with transaction(self.pool, waits_for_disk=self.durability == "record") as conn:
            head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").fetchone()
            seq, prev_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
            full = chain_record(clean, seq, prev_hash)
            conn.execute("INSERT INTO audit_log (seq, record, hash) VALUES (%s, %s, %s)",
                         (full["seq"], record_line(full), full["hash"]))
            conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                         (full["seq"], full["hash"]))
        return full

    async def sync(self) -> None:
        """Every record this process committed so far is on disk once this returns; the event loop
        serves other turns meanwhile."""
        covered = self._appended
        while self._flushed < covered and self.durability == "turn":
            await asyncio.wrap_future(self._flight(covered))

    def _flight(self, covered: int) -> Future[None]:
        """A flush covering the first `covered` records: the newest one if it does and did not fail (its
        waiters heard the error; the next caller starts another), else a new one."""
        with self._count_lock:
            newest = self._newest
            failed = newest is not None and newest.done() and newest.exception() is not None
            if newest is None or failed or self._newest_covers < covered:
                self._newest_covers = self._appended
                newest = self._newest = self._flusher.submit(self._flush, self._newest_covers)
            return newest

    def _flush(self, covers: int) -> None:
        flush_wal(self.pool)
        with self._count_lock:
            self._flushed = max(self._flushed, covers)

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
