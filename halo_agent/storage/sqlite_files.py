"""The embedded backend's SQLite files: one way to open them, so every store gets the same guarantees."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal


def open_state_file(path: Path, *, timeout: float = 30.0, autocommit: bool = True) -> sqlite3.Connection:
    """One long-lived connection in WAL mode with `synchronous=NORMAL`.

    Long-lived, because closing the last connection to a WAL file checkpoints and fsyncs it (~1.8 ms a
    write when each call opened its own); WAL with NORMAL, because a commit then survives a killed
    process without an fsync per commit. Other processes share the file through SQLite's own locks;
    threads of this one take turns on the store's lock (hence `check_same_thread=False`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    isolation: Literal["DEFERRED"] | None = None if autocommit else "DEFERRED"
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=isolation, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class StateFile:
    """A store over one long-lived connection to a state file (`open_state_file`), with its schema
    created if missing. This process's threads take turns on the connection under a lock; rows come
    back as `sqlite3.Row`."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = open_state_file(self.path)
        self._conn.row_factory = sqlite3.Row
        with self._connect() as conn:
            conn.executescript(schema)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: the file's write lock first, so a read-modify-write sees no other
        process's write in between."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
