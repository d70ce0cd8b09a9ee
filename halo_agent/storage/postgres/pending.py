"""Paused calls and the policy's rate-limit counters in PostgreSQL: the same rows and states as the
embedded store (`storage/approvals.py`), decided under a row lock and claimed by one conditional UPDATE,
so a call runs once however many workers race to approve it. One round trip per method but `decide`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
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
from halo_agent.storage.postgres.db import Pool, batch, durable

_EXPIRE = "UPDATE pending SET state = 'expired' WHERE state IN ('pending', 'approved') AND expires_at <= %s"
_CLAIM = ("UPDATE pending SET state = 'running' WHERE id = %s AND state = 'approved' AND expires_at > %s "
          "RETURNING *")
# Prunes the key's old calls in the statement that records the new one: one round trip.
_RECORD_CALL = """
WITH pruned AS (
    DELETE FROM policy_calls WHERE principal_key = %(key)s AND action = %(action)s AND at <= %(old)s)
INSERT INTO policy_calls (principal_key, action, at) VALUES (%(key)s, %(action)s, %(now)s)"""


class PostgresPending:
    def __init__(self, pool: Pool, *, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool  # pauses, decisions and claims are `durable`; the rate counters are not
        self._clock = clock

    def create(self, **new: Unpack[NewPending]) -> PendingRecord:
        row = new_pending_row(now=self._clock(), **new)
        with durable(self.pool) as conn:
            conn.execute(
                f"INSERT INTO pending ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
                tuple(row.values()),
            )
        return new_pending_record(row)

    def get(self, pending_id: str) -> PendingRecord | None:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute("SELECT * FROM pending WHERE id = %s", (pending_id,)).fetchone()
        return pending_record(row) if row else None

    def list(self, *, state: str | None = "pending", requester_key: str | None = None) -> list[PendingRecord]:
        sql, params = "SELECT * FROM pending WHERE true", list[str]()
        if state is not None:
            sql, params = sql + " AND state = %s", [*params, state]
        if requester_key is not None:
            sql, params = sql + " AND requester_key = %s", [*params, requester_key]
        # The expiry need not wait for the disk: lost to a crash, the next look expires them again.
        with batch(self.pool) as conn:
            conn.execute(_EXPIRE, (self._clock(),))
            cur = conn.cursor(row_factory=dict_row)
            cur.execute(sql + " ORDER BY created_at, id", params)
        return [pending_record(row) for row in cur.fetchall()]

    def decide(
        self, pending_id: str, *, by: Principal, approve: bool, reason: str | None = None
    ) -> PendingRecord:
        with durable(self.pool) as conn, conn.cursor(row_factory=dict_row) as cur:
            decision = decide_row(lambda sql, params: cur.execute(sql, params).fetchone(),
                                  pending_id, by, approve, reason, self._clock(), mark="%s",
                                  lock=" FOR UPDATE")  # fmt: skip
        return decided_record(pending_id, *decision)

    def claim(self, pending_id: str) -> PendingRecord | None:
        """Exactly once: the UPDATE that finds it approved wins. Expired, it is marked so in the same
        round trip (a claimed row is running by then, so the second statement leaves it alone)."""
        now = self._clock()
        with durable(self.pool) as conn:
            cur = conn.cursor(row_factory=dict_row)
            cur.execute(_CLAIM, (pending_id, now))
            conn.execute(_EXPIRE + " AND id = %s", (now, pending_id))
        row = cur.fetchone()
        return pending_record(row) if row else None

    def finish(self, pending_id: str, *, result: dict[str, Any] | None, error: str | None) -> None:
        stored = json.dumps(result, default=str) if result is not None else None
        with durable(self.pool) as conn:
            cur = conn.execute(
                "UPDATE pending SET state = %s, result = %s, error = %s WHERE id = %s AND state = 'running'",
                ("failed" if error else "done", stored, error, pending_id),
            )
        if not cur.rowcount:
            raise PendingError(f"request {pending_id} is not running, so it cannot be finished")

    def count_recent(self, principal_key: str, action: str, window_seconds: int) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM policy_calls WHERE principal_key = %s AND action = %s AND at > %s",
                (principal_key, action, self._clock() - window_seconds),
            ).fetchone()
        return int(row[0]) if row else 0

    def record_call(self, principal_key: str, action: str) -> None:
        now = self._clock()  # does not wait for the disk: a count lost to a crash is one call more
        with self.pool.connection() as conn:
            conn.execute(_RECORD_CALL, {"key": principal_key, "action": action, "now": now,
                                        "old": now - CALL_RETENTION_SECONDS})  # fmt: skip

    def close(self) -> None:
        return None  # the pool is closed by its owner
