"""What the chat bots (Slack, Teams) share across processes: which platform deliveries were already taken
(Slack resends events not acknowledged within 3 s; Teams redelivers), and where each approval request
was asked and posted, so the requester hears the outcome in their own chat. The embedded backend keeps
it in the state database; PostgreSQL in its own tables (storage/postgres/bot_state.py).

A delivery is claimed by one INSERT that only the first process wins.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from halo_agent.storage.sqlite_files import open_state_file

DELIVERY_MEMORY_SECONDS = 24 * 3600  # far longer than any platform keeps retrying

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS bot_deliveries (platform TEXT NOT NULL, delivery_id TEXT NOT NULL,"
    " seen_at REAL NOT NULL, PRIMARY KEY (platform, delivery_id))",
    "CREATE TABLE IF NOT EXISTS bot_approvals (pending_id TEXT PRIMARY KEY, platform TEXT NOT NULL,"
    " requester_place TEXT NOT NULL, approvers_place TEXT NOT NULL)",
)


@dataclass(frozen=True)
class ApprovalPlaces:
    """Where the requester asked (to tell them the outcome) and where approvers were asked."""

    requester: dict[str, Any]
    approvers: dict[str, Any]


class SqliteBotState:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._db = open_state_file(path)
        self._lock = threading.Lock()
        self._clock = clock
        for statement in _SCHEMA:
            self._db.execute(statement)

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """True the first time this delivery is seen, in any process; False for every retry."""
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM bot_deliveries WHERE seen_at < ?", (now - DELIVERY_MEMORY_SECONDS,))
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO bot_deliveries VALUES (?, ?, ?)", (platform, delivery_id, now)
            )
            return cursor.rowcount == 1

    def remember_approval(self, pending_id: str, platform: str, places: ApprovalPlaces) -> None:
        row = (pending_id, platform, json.dumps(places.requester), json.dumps(places.approvers))
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO bot_approvals VALUES (?, ?, ?, ?)", row)

    def approval_places(self, pending_id: str) -> ApprovalPlaces | None:
        with self._lock:
            row = self._db.execute(
                "SELECT requester_place, approvers_place FROM bot_approvals WHERE pending_id = ?",
                (pending_id,),
            ).fetchone()
        return ApprovalPlaces(json.loads(row[0]), json.loads(row[1])) if row else None

    def close(self) -> None:
        self._db.close()
