"""The sandbox's data on disk: SQLite, written incrementally, shared by every process serving it.

Each process keeps the whole data set in memory (reads never touch the disk) and this journal beside
it. A write request runs inside `BEGIN IMMEDIATE` (one writer at a time across processes): the process
first applies what others committed since it last looked (rows carry the sequence number of the write
that stored them), then makes its change in memory, then stores only the rows it touched. Reads look
for others' commits first too, through SQLite's `data_version` (no query when nothing changed). So no
write a process reported is lost to another's, and a write costs a few row upserts, not a rewrite of
the whole data set.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Record = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, data TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    ticket_id INTEGER NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, id));
CREATE INDEX IF NOT EXISTS tickets_by_seq ON tickets (seq);
CREATE INDEX IF NOT EXISTS actions_by_seq ON actions (seq);
"""


@dataclass
class Snapshot:
    """What the journal holds (everything, or what changed after a sequence number)."""

    seq: int
    next_ticket_id: int
    lookups: dict[str, list[Record]] | None = None
    tickets: dict[int, Record | None] = field(default_factory=dict)  # None: deleted
    actions: list[tuple[int, Record]] = field(default_factory=list)


class SandboxJournal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a commit survives a crash of the process
        self._db.executescript(_SCHEMA)
        self._version = -1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._version = self._data_version()  # our own commit is not news

    def others_wrote(self) -> bool:
        """Another connection committed since we last looked (one pragma, no table read)."""
        version = self._data_version()
        changed, self._version = version != self._version, version
        return changed

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM meta WHERE key = 'seq'").fetchone() is None

    def create(self, lookups: dict[str, list[Record]], tickets: Iterable[Record],
               actions: dict[int, list[Record]], next_ticket_id: int) -> None:  # fmt: skip
        """The first data set (inside `transaction`, after `is_empty`)."""
        self._set_meta({"seq": 1, "next_ticket_id": next_ticket_id, "lookups": lookups})
        self._db.executemany("INSERT INTO tickets (id, data, seq) VALUES (?, ?, 1)",
                             [(t["id"], json.dumps(t)) for t in tickets])  # fmt: skip
        self._db.executemany(
            "INSERT INTO actions (ticket_id, id, data, seq) VALUES (?, ?, ?, 1)",
            [(tid, a["id"], json.dumps(a)) for tid, rows in actions.items() for a in rows],
        )

    def since(self, seq: int) -> Snapshot:
        """Rows stored by writes after `seq` (everything for 0), in the order they were written."""
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        snapshot = Snapshot(seq=int(meta["seq"]), next_ticket_id=int(meta["next_ticket_id"]))
        if seq == 0:
            snapshot.lookups = json.loads(meta["lookups"])
        for ticket_id, data in self._db.execute("SELECT id, data FROM tickets WHERE seq > ?", (seq,)):
            snapshot.tickets[int(ticket_id)] = json.loads(data) if data is not None else None
        rows = self._db.execute("SELECT ticket_id, data FROM actions WHERE seq > ? ORDER BY ticket_id, id",
                                (seq,))  # fmt: skip
        snapshot.actions = [(int(tid), json.loads(data)) for tid, data in rows]
        return snapshot

    def store(self, seq: int, next_ticket_id: int, tickets: dict[int, Record | None],
              actions: list[tuple[int, Record]]) -> None:  # fmt: skip
        """One write's rows, under sequence number `seq` (inside `transaction`)."""
        self._set_meta({"seq": seq, "next_ticket_id": next_ticket_id})
        self._db.executemany(
            "INSERT OR REPLACE INTO tickets (id, data, seq) VALUES (?, ?, ?)",
            [(tid, json.dumps(t) if t is not None else None, seq) for tid, t in tickets.items()],
        )
        deleted = [(tid,) for tid, t in tickets.items() if t is None]
        self._db.executemany("DELETE FROM actions WHERE ticket_id = ?", deleted)
        self._db.executemany("INSERT OR REPLACE INTO actions (ticket_id, id, data, seq) VALUES (?, ?, ?, ?)",
                             [(tid, a["id"], json.dumps(a), seq) for tid, a in actions])  # fmt: skip

    def close(self) -> None:
        self._db.close()

    def _set_meta(self, values: dict[str, Any]) -> None:
        rows = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()]
        self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])
