"""Paused calls and the policy's rate-limit counters in PostgreSQL: the same rows and states as the
embedded store (`storage/approvals.py`), decided under a row lock and claimed by one conditional UPDATE,
so a call runs once however many workers race to approve it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Unpack

from psycopg.rows import dict_row

from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.approvals import (
    CALL_RETENTION_SECONDS,
    NewPending,
    PendingRecord,
    decide_row,
    decided_record,
    new_pending_record,
    new_pending_row,
    pending_record,
)
from halo_agent.storage.postgres.db import Pool


class PostgresPending:
    def __init__(
        self, pool: Pool, *, quick: Pool | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.pool = pool  # commits wait for the disk: pauses, decisions and claims
        self._quick = quick or pool  # commits do not (db.open_pool): the rate counters
        self._clock = clock

    def create(self, **new: Unpack[NewPending]) -> PendingRecord:
        row = new_pending_row(now=self._clock(), **new)
        with self.pool.connection() as conn:
            conn.execute(
                f"INSERT INTO pending ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
                tuple(row.values()),
            )
        return new_pending_record(row)

    def get(self, pending_id: str) -> PendingRecord | None:
        row = self._one("SELECT * FROM pending WHERE id = %s", (pending_id,))
        return pending_record(row) if row else None

    def list(self, *, state: str | None = "pending", requester_key: str | None = None) -> list[PendingRecord]:
        self._execute("UPDATE pending SET state = 'expired' WHERE state IN ('pending', 'approved') "
                      "AND expires_at <= %s", (self._clock(),))  # fmt: skip
        sql, params = "SELECT * FROM pending WHERE true", list[str]()
        if state is not None:
            sql, params = sql + " AND state = %s", [*params, state]
        if requester_key is not None:
            sql, params = sql + " AND requester_key = %s", [*params, requester_key]
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [pending_record(row) for row in rows]

    def decide(
        self, pending_id: str, *, by: Principal, approve: bool, reason: str | None = None
    ) -> PendingRecord:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            decision = decide_row(lambda sql, params: cur.execute(sql, params).fetchone(),
                                  pending_id, by, approve, reason, self._clock(), mark="%s",
                                  lock=" FOR UPDATE")  # fmt: skip
        return decided_record(pending_id, *decision)

    def claim(self, pending_id: str) -> PendingRecord | None:
        now = self._clock()
        row = self._one(
            "UPDATE pending SET state = 'running' WHERE id = %s AND state = 'approved' AND expires_at > %s "
            "RETURNING *", (pending_id, now),
        )  # fmt: skip
        if row is None:
            self._execute("UPDATE pending SET state = 'expired' WHERE id = %s AND state IN "
                          "('pending', 'approved') AND expires_at <= %s", (pending_id, now))  # fmt: skip
        return pending_record(row) if row else None

    def finish(self, pending_id: str, *, result: dict[str, Any] | None, error: str | None) -> None:
        stored = json.dumps(result, default=str) if result is not None else None
        changed = self._execute(
            "UPDATE pending SET state = %s, result = %s, error = %s WHERE id = %s AND state = 'running'",
            ("failed" if error else "done", stored, error, pending_id),
        )
        if not changed:
            raise PendingError(f"request {pending_id} is not running, so it cannot be finished")

    def count_recent(self, principal_key: str, action: str, window_seconds: int) -> int:
        row = self._one(
            "SELECT count(*) AS n FROM policy_calls WHERE principal_key = %s AND action = %s AND at > %s",
            (principal_key, action, self._clock() - window_seconds),
        )
        return int(row["n"]) if row else 0

    def record_call(self, principal_key: str, action: str) -> None:
        now = self._clock()
        with self._quick.connection() as conn, conn.transaction():  # a count lost to a crash: one call more
            conn.execute("INSERT INTO policy_calls (principal_key, action, at) VALUES (%s, %s, %s)",
                         (principal_key, action, now))
            conn.execute("DELETE FROM policy_calls WHERE principal_key = %s AND action = %s AND at <= %s",
                         (principal_key, action, now - CALL_RETENTION_SECONDS))

    def close(self) -> None:
        return None  # the pool is closed by its owner

    def _one(self, sql: str, params: tuple[Any, ...]) -> Mapping[str, Any] | None:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(sql, params).fetchone()

    def _execute(self, sql: str, params: tuple[Any, ...]) -> int:
        with self.pool.connection() as conn:
            return conn.execute(sql, params).rowcount
