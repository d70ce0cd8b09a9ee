"""The write-intent journal in PostgreSQL (`storage/intents.py` describes it): the same rows and states as
the SQLite journal, so a worker on another host can reconcile the writes a dead one left in flight. An
intent is committed (durable) before its write is sent; every change here waits for the disk."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from psycopg.rows import dict_row

from halo_agent.storage.intents import LANDED_OR_UNSURE, OPEN_STATES, Intent, IntentState, this_process
from halo_agent.storage.postgres.db import Pool, durable, flush_wal

_JSON_FIELDS = ("principal", "args", "attempt")


class PostgresIntentJournal:
    def __init__(self, pool: Pool, *, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool
        self._clock = clock

    def begin(self, intent: Intent) -> None:
        row = intent.model_dump()
        for key in _JSON_FIELDS:
            row[key] = json.dumps(row[key], default=str)
        self._execute(f"INSERT INTO intents ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
                      tuple(row.values()))  # fmt: skip

    def settle(self, intent_id: str, state: IntentState, *, halo_id: int | None, detail: str | None,
               notice: str | None = None) -> None:  # fmt: skip
        values = (state, halo_id, detail, self._clock(), notice, notice is None, intent_id)
        self._execute("UPDATE intents SET state = %s, halo_id = %s, detail = %s, settled_at = %s, "
                      "notice = %s, told = %s WHERE id = %s", values)  # fmt: skip

    def mark_audited(self, intent_ids: list[str]) -> None:
        self._execute("UPDATE intents SET audited = true WHERE id = ANY(%s)", (intent_ids,))

    def open_intents(self, session_id: str | None = None) -> list[Intent]:
        return self._select("state = ANY(%s)", [list(OPEN_STATES)], session_id)

    def unaudited(self, session_id: str | None = None) -> list[Intent]:
        return self._select("NOT audited", [], session_id)

    def for_pending(self, pending_id: str) -> list[Intent]:
        return self._rows("SELECT * FROM intents WHERE pending_id = %s ORDER BY created_at", (pending_id,))

    def recent_same(self, principal_key: str, fingerprint: str, since: float) -> list[Intent]:
        return self._rows(
            "SELECT * FROM intents WHERE principal_key = %s AND fingerprint = %s AND created_at >= %s "
            "AND state = ANY(%s) ORDER BY created_at DESC",
            (principal_key, fingerprint, since, list(LANDED_OR_UNSURE)),
        )

    def take_notices(self, session_id: str) -> list[str]:
        """The session's untold notices, each handed to exactly one taker (however many workers ask).
        Asked every turn and mostly empty: a plain statement, and a wait for the disk only when it took
        some (a commit that waits also puts every earlier one on disk)."""
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute("UPDATE intents SET told = true WHERE session_id = %s AND NOT told "
                               "RETURNING notice, created_at", (session_id,)).fetchall()  # fmt: skip
        if rows:
            flush_wal(self.pool)
        return [str(row["notice"]) for row in sorted(rows, key=lambda r: r["created_at"]) if row["notice"]]

    def own_pending(self, pending_id: str) -> None:
        self._execute("INSERT INTO pending_owners (pending_id, owner, at) VALUES (%s, %s, %s) "
                      "ON CONFLICT (pending_id) DO UPDATE SET owner = EXCLUDED.owner, at = EXCLUDED.at",
                      (pending_id, this_process(), self._clock()))  # fmt: skip

    def pending_owner(self, pending_id: str) -> str | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT owner FROM pending_owners WHERE pending_id = %s", (pending_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def close(self) -> None:
        return None  # the pool is closed by its owner

    def _select(self, condition: str, params: list[Any], session_id: str | None) -> list[Intent]:
        sql = f"SELECT * FROM intents WHERE {condition}"
        if session_id is not None:
            sql, params = sql + " AND session_id = %s", [*params, session_id]
        return self._rows(sql + " ORDER BY created_at", tuple(params))

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Intent]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(sql, params).fetchall()
        return [_intent(row) for row in rows]

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with durable(self.pool) as conn:
            conn.execute(sql, params)


def _intent(row: Mapping[str, Any]) -> Intent:
    data = dict(row)
    for key in _JSON_FIELDS:
        data[key] = json.loads(data[key])
    return Intent.model_validate(data)
