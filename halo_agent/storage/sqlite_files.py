"""The embedded backend's SQLite files: one way to open them, so every store gets the same guarantees."""

from __future__ import annotations

import sqlite3
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
