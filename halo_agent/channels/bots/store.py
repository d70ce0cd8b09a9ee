"""What a bot must remember across requests and restarts: which platform deliveries it has already
taken (Slack resends events not acknowledged within 3 s; Teams redelivers), and where each approval
request came from and where it was posted, so the requester hears the outcome in their own chat.

One small SQLite file beside the data directory's other state; a delivery is claimed by one INSERT,
so two processes behind one endpoint cannot both take it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS bot_deliveries (platform TEXT, delivery_id TEXT, seen_at REAL,"
    " PRIMARY KEY (platform, delivery_id))",
    "CREATE TABLE IF NOT EXISTS bot_approvals (pending_id TEXT PRIMARY KEY, platform TEXT,"
    " requester_place TEXT, approvers_place TEXT)",
)
DELIVERY_MEMORY_SECONDS = 24 * 3600  # far longer than any platform keeps retrying


@dataclass(frozen=True)
class ApprovalPlaces:
    """Where the requester asked (to tell them the outcome) and where approvers were asked."""

    requester: dict[str, Any]
    approvers: dict[str, Any]


class BotStore:
    def __init__(self, path: Path, *, clock: Any = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        self._clock = clock
        for statement in _SCHEMA:
            self._db.execute(statement)

    def first_delivery(self, platform: str, delivery_id: str) -> bool:
        """True the first time this delivery is seen; False for every retry or redelivery."""
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM bot_deliveries WHERE seen_at < ?", (now - DELIVERY_MEMORY_SECONDS,))
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO bot_deliveries VALUES (?, ?, ?)", (platform, delivery_id, now)
            )
            return cursor.rowcount == 1

    def remember_approval(self, pending_id: str, platform: str, places: ApprovalPlaces) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO bot_approvals VALUES (?, ?, ?, ?)",
                (pending_id, platform, json.dumps(places.requester), json.dumps(places.approvers)),
            )

    def approval_places(self, pending_id: str) -> ApprovalPlaces | None:
        with self._lock:
            row = self._db.execute(
                "SELECT requester_place, approvers_place FROM bot_approvals WHERE pending_id = ?",
                (pending_id,),
            ).fetchone()
        return ApprovalPlaces(json.loads(row[0]), json.loads(row[1])) if row else None

    def close(self) -> None:
        self._db.close()
