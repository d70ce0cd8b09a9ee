"""The chat bots' shared state in PostgreSQL (see storage/bot_state.py): a delivery claimed by the one
INSERT that wins, across every host behind the platform's endpoint. Every change waits for the disk."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from halo_agent.storage.bot_state import DELIVERY_MEMORY_SECONDS, ApprovalPlaces
from halo_agent.storage.postgres.db import Pool, durable


class PostgresBotState:
    def __init__(self, pool: Pool, *, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool
        self._clock = clock

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        now = self._clock()
        with durable(self.pool) as conn:
            conn.execute("DELETE FROM bot_deliveries WHERE seen_at < %s", (now - DELIVERY_MEMORY_SECONDS,))
            cursor = conn.execute(
                "INSERT INTO bot_deliveries (platform, delivery_id, seen_at) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING", (platform, delivery_id, now),
            )  # fmt: skip
        return cursor.rowcount == 1

    def remember_approval(self, pending_id: str, platform: str, places: ApprovalPlaces) -> None:
        with durable(self.pool) as conn:
            conn.execute(
                "INSERT INTO bot_approvals (pending_id, platform, requester_place, approvers_place) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (pending_id) DO UPDATE SET platform = EXCLUDED.platform,"
                " requester_place = EXCLUDED.requester_place, approvers_place = EXCLUDED.approvers_place",
                (pending_id, platform, json.dumps(places.requester), json.dumps(places.approvers)),
            )

    def approval_places(self, pending_id: str) -> ApprovalPlaces | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT requester_place, approvers_place FROM bot_approvals WHERE pending_id = %s",
                (pending_id,),
            ).fetchone()
        return ApprovalPlaces(json.loads(row[0]), json.loads(row[1])) if row else None

    def close(self) -> None:
        return None
